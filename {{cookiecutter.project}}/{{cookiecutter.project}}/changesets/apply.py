"""Run planned ops with Alembic's `op`, recording before-images; undo committed work on failure.

DDL goes through `op.*` (batch mode, so SQLite rebuilds tables where it must); DML through
SQLAlchemy Core with bound values. On MySQL every DDL statement commits, so a failure rolls
back the open transaction and then runs the inverses of the ops that MySQL already committed.
On SQLite the whole revision is one transaction and a rollback is enough.
"""

from collections.abc import Iterator
from itertools import groupby, islice
from operator import itemgetter
from typing import Any

from alembic.operations import Operations
from sqlalchemy import (
    ClauseElement,
    Connection,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    inspect,
    literal,
    null,
    select,
    table,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.sql.expression import TableClause

from .. import mysql_bulk
from .catalog import Catalog, TableInfo, altered_column, foreign_key_name, index_name, table_info
from .columns import (
    MYSQL_DIALECTS,
    MYSQL_TABLE_OPTIONS,
    constraint_name,
    sa_column,
    sa_type,
    server_default,
)
from .errors import ChangesetError
from .inverse import Image, Inverse, RemoveRows, RestoreRows, inverse
from .load import LoadedChangeset
from .model import (
    DDL_OPS,
    AddColumn,
    AddForeignKey,
    AlterColumn,
    Column,
    CreateIndex,
    CreateTable,
    Delete,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKey,
    Insert,
    Load,
    Op,
    RenameTable,
    Sql,
    Update,
    Upsert,
)
from .validate import Step, insert_key
from .values import are_plain, build_where, rows_are_plain, sql_value

Row = dict[str, Any]
CHUNK = 1000  # rows per multi-row INSERT when values hold SQL or SQL is only printed


class Executor:
    def __init__(self, operations: Operations) -> None:
        self.op = operations
        context = operations.get_context()
        self.offline = context.as_sql
        self.dialect = context.dialect.name
        self.connection: Connection | None = None if self.offline else operations.get_bind()

    # -- a whole changeset ------------------------------------------------------------------

    def relax_sqlite_foreign_keys(self) -> None:
        """SQLite rebuilds tables to alter them, and dropping a parent table under enforced
        foreign keys fails; so enforcement is off for the migration connection (it must be set
        outside a transaction) and `check_foreign_keys` verifies the result instead."""
        if self.connection is not None and self.dialect == "sqlite":
            self.connection.exec_driver_sql("PRAGMA foreign_keys=OFF")

    def check_foreign_keys(self, loaded: LoadedChangeset) -> None:
        if self.connection is None or self.dialect != "sqlite":
            return
        problems = self.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if problems:
            table_name, rowid, parent, _ = problems[0]
            raise ChangesetError(
                f"{len(problems)} row(s) would break foreign keys, e.g. {table_name} rowid "
                f"{rowid} -> {parent}",
                file=loaded.name,
            )

    def upgrade(self, steps: list[Step], loaded: LoadedChangeset) -> dict[int, Image]:
        """Run every step; on failure restore the database and raise naming op and cause."""
        done: list[tuple[Step, Image | None]] = []
        for step in steps:
            try:
                image = self.run(step.op, step.before, effective_rows(step.op, loaded))
            except (SQLAlchemyError, ChangesetError) as error:
                if self.connection is None:
                    raise
                cause = (
                    error.message if isinstance(error, ChangesetError) else database_message(error)
                )
                undo_problem = self._compensate(done, loaded)
                raise ChangesetError(
                    f"{step.op.op} failed: {cause}. {undo_problem}",
                    file=loaded.name,
                    path=f"ops[{step.index}]",
                ) from None
            done.append((step, image))
        return {step.index: image for step, image in done if image is not None}

    def revert(
        self, steps: list[Step], loaded: LoadedChangeset, images: dict[int, Image] | None
    ) -> None:
        """Run the inverses of `steps` in reverse order (downgrade "auto")."""
        for step in reversed(steps):
            image = (images or {}).get(step.index) or self.static_image(step, loaded)
            try:
                self.undo(step, image, loaded)
            except ChangesetError as error:
                raise error.located(file=loaded.name, path=f"ops[{step.index}]") from None
            except SQLAlchemyError as error:
                raise ChangesetError(
                    f"undoing {step.op.op} failed: {database_message(error)}",
                    file=loaded.name,
                    path=f"ops[{step.index}]",
                ) from None

    def undo(self, step: Step, image: Image | None, loaded: LoadedChangeset) -> None:
        """Run the inverse of one step, tracking the table through the inverse's own ops."""
        state = Catalog({step.after.name: step.after.copy()} if step.after else {})
        for undo in inverse(step.op, step.before, image, effective_rows(step.op, loaded)):
            rows = effective_rows(undo, loaded) if isinstance(undo, Insert) else []
            self.run(undo, state.tables.get(getattr(undo, "table", "")), rows, capture=False)
            if not isinstance(undo, RestoreRows | RemoveRows):
                state.apply(undo)

    def static_image(self, step: Step, loaded: LoadedChangeset) -> Image | None:
        """What an insert's downgrade needs when it can be known without the database."""
        if isinstance(step.op, Insert | Load) and step.before is not None:
            key = insert_key(step.before, effective_rows(step.op, loaded))
            return {"key": key} if key else None
        return None

    def _compensate(self, done: list[tuple[Step, Image | None]], loaded: LoadedChangeset) -> str:
        assert self.connection is not None
        self.connection.rollback()
        if self.dialect == "sqlite":  # DDL and DML were one transaction
            return "The database is unchanged (rolled back)."
        committed = 0  # MySQL commits at each DDL, and with it the DML before it
        for position, (step, _image) in enumerate(done, start=1):
            if isinstance(step.op, (*DDL_OPS, Sql)):
                committed = position
        try:
            for step, image in reversed(done[:committed]):
                self.undo(step, image, loaded)
            self.connection.commit()
        except (ChangesetError, SQLAlchemyError) as error:
            self.connection.rollback()
            reason = error.message if isinstance(error, ChangesetError) else database_message(error)
            return (
                f"Undoing the ops that ran FAILED too ({reason}): the database may be partly "
                "changed; check it before re-running."
            )
        return "The ops that ran were undone; the database is as before this revision."

    # -- one op -----------------------------------------------------------------------------

    def run(
        self, op: Op | Inverse, before: TableInfo | None, rows: list[Row], capture: bool = True
    ) -> Image | None:
        """Execute one op; return the before-image its downgrade needs (None if it needs none).

        `capture` is off for inverses, which need no image of their own.
        """
        capture = capture and not self.offline
        match op:
            case CreateTable():
                self.create_table(table_info(op))
            case DropTable():
                image = self._select_where(op.table, before, None) if capture else None
                self.op.drop_table(op.table)
                return image
            case RenameTable():
                self.op.rename_table(op.table, op.to)
            case AddColumn():
                self._add_column(op, before)
            case DropColumn():
                return self._drop_column(op, _known(before, op), capture)
            case AlterColumn():
                self._alter_column(op, _known(before, op))
            case CreateIndex():
                self.op.create_index(index_name(op), op.table, op.columns, unique=op.unique)
            case DropIndex():
                self.op.drop_index(op.name, table_name=op.table)
            case AddForeignKey():
                self._add_foreign_key(op.table, foreign_key_name(op.table, op.columns, op.name), op)
            case DropForeignKey():
                self._drop_foreign_key(op.table, op.name, before)
            case Insert() | Load() if not (isinstance(op, Load) and op.mode == "upsert"):
                return self._insert(op.table, rows, before, capture)
            case Upsert() | Load():
                key = op.key or []
                image = self._select_by_key(op.table, key, rows, before) if capture else None
                self._upsert(op.table, key, rows)
                return image
            case Update():
                return self._update(op, _known(before, op), capture)
            case Delete():
                where = build_where(op.table, op.where, allow_all=op.all)
                image = self._select_where(op.table, before, where) if capture else None
                self._execute(delete(table(op.table)).where(where))
                return image
            case Sql():
                self._sql(op.up)
            case RestoreRows():
                self._by_key(op, update)
            case RemoveRows():
                self._by_key(op, delete)
        return None

    def create_table(self, info: TableInfo) -> None:
        constraints = [PrimaryKeyConstraint(*info.primary_key)] if info.primary_key else []
        constraints += [_foreign_key(name, fk) for name, fk in info.foreign_keys.items()]
        self.op.create_table(
            info.name,
            *(sa_column(c, self.dialect) for c in info.columns.values()),
            *constraints,
            comment=info.comment,
            **MYSQL_TABLE_OPTIONS,
        )
        for name, index in info.indexes.items():
            self.op.create_index(name, info.name, index.columns, unique=index.unique)

    def _add_column(self, op: AddColumn, before: TableInfo | None) -> None:
        new = op.column
        # Added nullable first when a value must be written (backfill) or SQLite refuses
        # NOT NULL without a default; tightened afterwards.
        tighten = not new.nullable and (op.backfill is not None or not new.has_server_default)
        first = new.model_copy(update={"nullable": True}) if tighten else new
        with self.op.batch_alter_table(op.table) as batch:
            batch.add_column(sa_column(first, self.dialect))
        if op.backfill is not None:
            # Existing rows get a value, not a change: ON UPDATE timestamps are kept.
            kept = _auto_updated(before) if before else []
            target = table(op.table, column(new.name), *(column(c) for c in kept))
            values = {new.name: self._value(op.backfill)} | {c: column(c) for c in kept}
            self._execute(update(target).values(values))
        if tighten:
            self._alter(op.table, first, new)
        if new.unique or new.index:
            prefix = "uq" if new.unique else "ix"
            name = constraint_name(prefix, op.table, [new.name])
            self.op.create_index(name, op.table, [new.name], unique=new.unique)
        if new.references is not None:
            ref = new.references
            self._add_foreign_key(
                op.table,
                foreign_key_name(op.table, [new.name], None),
                AddForeignKey(
                    op="add_foreign_key",
                    table=op.table,
                    columns=[new.name],
                    references={"table": ref.table, "columns": [ref.column]},
                    on_delete=ref.on_delete,
                    on_update=ref.on_update,
                ),
            )

    def _drop_column(self, op: DropColumn, before: TableInfo, capture: bool) -> Image | None:
        image = None
        if capture and before.unique_keys():
            key = before.unique_keys()[0]
            where = column(op.column).is_not(None)
            rows = self._select(op.table, [*key, op.column, *_auto_updated(before)], where)
            image = {"rows": rows}
        for name, fk in before.foreign_keys.items():
            if op.column in fk.columns:
                self._drop_foreign_key(op.table, name, before)
        for name, index in before.indexes.items():
            if op.column in index.columns:
                self.op.drop_index(name, table_name=op.table)
        with self.op.batch_alter_table(op.table) as batch:
            batch.drop_column(op.column)
        return image

    def _drop_foreign_key(self, table_name: str, name: str, before: TableInfo | None) -> None:
        with self.op.batch_alter_table(table_name) as batch:
            batch.drop_constraint(name, type_="foreignkey")
        if self.connection is None or self.dialect not in MYSQL_DIALECTS:
            return
        # MySQL made an index of the same name for the key when none fitted; it goes too.
        ours = before.indexes if before else {}
        indexes = {i["name"] for i in inspect(self.connection).get_indexes(table_name)}
        if name in indexes and name not in ours:
            self.op.drop_index(name, table_name=table_name)

    def _alter_column(self, op: AlterColumn, before: TableInfo) -> None:
        prior = before.columns[op.column]
        self._alter(op.table, prior, altered_column(prior, op))

    def _alter(self, table_name: str, prior: Column, new: Column) -> None:
        changes: dict[str, Any] = {}
        if new.name != prior.name:
            changes["new_column_name"] = new.name
        if _type_fields(new) != _type_fields(prior):
            changes["type_"] = sa_type(new)
        if new.nullable != prior.nullable:
            changes["nullable"] = new.nullable
        if (new.default, new.default_expr) != (prior.default, prior.default_expr):
            changes["server_default"] = server_default(new, self.dialect)
        if new.comment != prior.comment:
            changes["comment"] = new.comment
        with self.op.batch_alter_table(table_name) as batch:
            batch.alter_column(
                prior.name,
                existing_type=sa_type(prior),
                existing_nullable=prior.nullable,
                existing_server_default=server_default(prior, self.dialect),
                existing_comment=prior.comment,
                existing_autoincrement=prior.autoincrement,
                **changes,
            )

    def _add_foreign_key(self, table_name: str, name: str, op: AddForeignKey) -> None:
        with self.op.batch_alter_table(table_name) as batch:
            batch.create_foreign_key(
                name,
                op.references.table,
                op.columns,
                op.references.columns,
                ondelete=_action(op.on_delete),
                onupdate=_action(op.on_update),
            )

    # -- rows -------------------------------------------------------------------------------

    def _insert(
        self, table_name: str, rows: list[Row], before: TableInfo | None, capture: bool
    ) -> Image | None:
        key = insert_key(before, rows) if before and capture else None
        auto = before.autoincrement_column() if before and capture and not key else None
        floor = None
        if auto:
            floor = self._scalar(select(func.max(column(auto))).select_from(table(table_name)))
        for columns, group in _by_columns(rows):
            target = table(table_name, *(column(c) for c in columns))
            self._insert_rows(insert(target), group, bulk_into=target)
        if key:
            return {"key": key}
        if auto:
            where = column(auto) > floor if floor is not None else None
            return {"key": [auto], "new": self._select(table_name, [auto], where)}
        return None

    def _insert_rows(
        self, statement: Any, rows: list[Row], bulk_into: TableClause | None = None
    ) -> None:
        """Literal rows in bulk (`_write_literal`); multi-row VALUES where values hold SQL or
        SQL is only printed. `bulk_into` is the plain INSERT's table, None for an upsert."""
        if not self.offline and rows_are_plain(rows):
            self._write_literal(statement, rows, bulk_into)
            return
        plain: list[Row] = []
        with_sql: list[Row] = []
        for row in rows:
            if not self.offline and are_plain(row.values()):
                plain.append(row)  # the fast path for bulk inserts
                continue
            values = {name: self._value(value) for name, value in row.items()}
            has_sql = any(isinstance(v, ClauseElement) for v in values.values())
            (with_sql if has_sql or self.offline else plain).append(values)
        if plain:
            self._write_literal(statement, plain, bulk_into)
        for chunk in _chunks(with_sql, CHUNK):
            self._execute(statement.values(chunk))

    def _upsert(self, table_name: str, key: list[str], rows: list[Row]) -> None:
        for columns, group in _by_columns(rows):
            target = table(table_name, *(column(c) for c in columns))
            others = [c for c in columns if c not in key] or key[:1]
            if self.dialect in MYSQL_DIALECTS:
                statement = mysql.insert(target)
                statement = statement.on_duplicate_key_update(
                    {c: statement.inserted[c] for c in others}
                )
            else:
                statement = sqlite.insert(target)
                statement = statement.on_conflict_do_update(
                    index_elements=key, set_={c: statement.excluded[c] for c in others}
                )
            self._insert_rows(statement, group)

    def _update(self, op: Update, before: TableInfo, capture: bool) -> Image | None:
        where = build_where(op.table, op.where, allow_all=op.all)
        key = before.unique_keys()[0]
        image = None
        if capture:
            names = [*key, *op.set, *_auto_updated(before)]
            rows = self._select(op.table, list(dict.fromkeys(names)), where)
            image = {"rows": rows}
        target = table(op.table, *(column(c) for c in op.set))
        values = {name: self._value(value) for name, value in op.set.items()}
        self._execute(update(target).where(where).values(values))
        return image

    def _by_key(self, op: RestoreRows | RemoveRows, kind: Any) -> None:
        if not op.rows:
            return
        if self.offline:
            raise ChangesetError(f"restoring rows of {op.table!r} needs a database connection")
        match_key = and_(*(column(k) == bindparam(f"k_{k}") for k in op.key))
        params = [{f"k_{k}": row[k] for k in op.key} for row in op.rows]
        if kind is delete:
            self._execute(delete(table(op.table)).where(match_key), params)
            return
        names = [c for c in op.rows[0] if c not in op.key]
        if not names:
            return
        target = table(op.table, *(column(c) for c in names))
        statement = update(target).where(match_key).values({c: bindparam(f"v_{c}") for c in names})
        values = [
            p | {f"v_{c}": row[c] for c in names} for p, row in zip(params, op.rows, strict=True)
        ]
        self._execute(statement, values)

    def _select_by_key(
        self, table_name: str, key: list[str], rows: list[Row], before: TableInfo | None
    ) -> Image | None:
        if self.offline:
            return None
        found: list[Row] = []
        for chunk in _chunks(rows, CHUNK):
            if len(key) == 1:
                where = column(key[0]).in_([row[key[0]] for row in chunk])
            else:
                where = tuple_(*(column(k) for k in key)).in_(
                    [tuple(row[k] for k in key) for row in chunk]
                )
            found += self._select_where(table_name, before, where)["rows"]
        return {"key": key, "rows": found}

    def _select_where(self, table_name: str, before: TableInfo | None, where: Any) -> Image:
        names = list(before.columns) if before else None
        if names is None:
            raise ChangesetError(f"the columns of {table_name!r} are unknown (made by sql?)")
        return {"rows": self._select(table_name, names, where)}

    def _select(self, table_name: str, names: list[str], where: Any) -> list[Row]:
        statement = select(*(column(n) for n in names)).select_from(table(table_name))
        if where is not None:
            statement = statement.where(where)
        assert self.connection is not None
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def _scalar(self, statement: Any) -> Any:
        assert self.connection is not None
        return self.connection.execute(statement).scalar()

    def _sql(self, statements: str | list[str]) -> None:
        for statement in [statements] if isinstance(statements, str) else statements:
            if self.connection is None:
                self.op.execute(text(statement.replace(":", r"\:")))
            else:
                self.connection.exec_driver_sql(statement)

    def _value(self, value: Any) -> Any:
        """A row value for SQLAlchemy; printed SQL (offline) needs typed literals."""
        value = sql_value(value)
        if self.offline and not isinstance(value, ClauseElement):
            return null() if value is None else literal(value)
        return value

    def _write_literal(
        self, statement: Any, rows: list[Row], bulk_into: TableClause | None
    ) -> None:
        """A plain INSERT on MySQL: multi-row statements encoded column by column
        (`mysql_bulk`, ~1.5x the driver's executemany); otherwise executemany."""
        if bulk_into is not None and self.dialect in MYSQL_DIALECTS:
            assert self.connection is not None
            mysql_bulk.insert_rows(self.connection, bulk_into, tuple(bulk_into.c.keys()), rows)
        else:
            self._executemany(statement, rows)

    def _executemany(self, statement: Any, rows: list[Row]) -> None:
        """The statement compiled once and the rows handed to the driver's executemany as
        tuples: values of untyped columns need no per-row processing by SQLAlchemy."""
        assert self.connection is not None
        compiled = statement.compile(dialect=self.connection.dialect)
        names = compiled.positiontup
        if not names or compiled.binds.keys() - set(names):
            self._execute(statement, rows)
            return
        pick = itemgetter(*names)
        params = list(map(pick, rows)) if len(names) > 1 else [(pick(row),) for row in rows]
        self.connection.exec_driver_sql(compiled.string, params)

    def _execute(self, statement: Any, params: list[Row] | None = None) -> None:
        if self.connection is None:
            self.op.execute(statement)
        elif params is None:
            self.connection.execute(statement)
        else:
            self.connection.execute(statement, params)


def effective_rows(op: Op, loaded: LoadedChangeset) -> list[Row]:
    """The rows an insert/upsert/load writes, with an insert's `defaults` filled in."""
    if isinstance(op, Insert):
        return [op.defaults | row for row in op.rows] if op.defaults else op.rows
    if isinstance(op, Upsert):
        return op.rows
    if isinstance(op, Load):
        return loaded.rows_files[op.file]
    return []


def database_message(error: SQLAlchemyError) -> str:
    """The server's own words, e.g. "(1062, "Duplicate entry ...")", without the SQL."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        return str(error.orig)
    return str(error).split("\n")[0]


def _by_columns(rows: list[Row]) -> Iterator[tuple[tuple[str, ...], list[Row]]]:
    """Consecutive rows with the same columns, so each group is one executemany."""
    for columns, group in groupby(rows, key=tuple):
        yield columns, list(group)


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _foreign_key(name: str, fk: ForeignKey) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        fk.columns,
        [f"{fk.references.table}.{c}" for c in fk.references.columns],
        name=name,
        ondelete=_action(fk.on_delete),
        onupdate=_action(fk.on_update),
    )


def _auto_updated(info: TableInfo) -> list[str]:
    """ON UPDATE columns (updated_at): recorded so that restoring rows restores them too."""
    return [c.name for c in info.columns.values() if c.on_update_expr]


def _type_fields(column: Column) -> tuple[Any, ...]:
    return (column.type, column.length, column.precision, column.scale, column.values)


def _action(action: str | None) -> str | None:
    return action.upper() if action else None


def _known(before: TableInfo | None, op: Op) -> TableInfo:
    if before is None:
        raise ChangesetError(
            f"{op.op} on {getattr(op, 'table', '?')!r} needs the table's definition, which no "
            "changeset made (a sql op?)"
        )
    return before
