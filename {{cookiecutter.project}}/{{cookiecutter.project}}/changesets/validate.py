"""Semantic checks of a whole changeset before any SQL runs, against the catalog of earlier
revisions and ops: tables and columns exist (or not yet), keys, defaults, where clauses."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .catalog import Catalog, TableInfo, altered_column, foreign_key_name, index_name, table_info
from .columns import with_default_columns
from .errors import ChangesetError
from .load import LoadedChangeset
from .model import (
    AddColumn,
    AddForeignKey,
    AlterColumn,
    CreateIndex,
    CreateTable,
    Delete,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKeyTarget,
    Insert,
    Load,
    Op,
    RenameTable,
    Sql,
    Update,
    Upsert,
)
from .values import are_plain, build_where, is_operator_map, is_ref, sql_value, value_types

SCALARS = frozenset({str, int, float, bool})
HasRows = Callable[[str], bool]
"""Does the database already hold rows in this table? (online only; offline: never)"""


@dataclass(frozen=True)
class Step:
    """One op ready to run: its index, and its table before and after it (for the inverse)."""

    index: int
    op: Op
    before: TableInfo | None
    after: TableInfo | None


def plan(
    loaded: LoadedChangeset,
    catalog: Catalog,
    has_rows: HasRows,
    ops: list[Op] | None = None,
    prefix: str = "ops",
) -> list[Step]:
    """Check every op in order, advancing a copy of `catalog`; raise the first problem."""
    catalog = catalog.copy()
    steps = []
    for index, op in enumerate(loaded.changeset.ops if ops is None else ops):
        path = f"{prefix}[{index}]"
        try:
            check_op(op, catalog, has_rows, loaded)
        except ChangesetError as error:
            raise error.located(file=loaded.name, path=path) from None
        before = catalog.tables.get(op.table) if hasattr(op, "table") else None
        before = before.copy() if before else None
        catalog.apply(op)
        name = op.to if isinstance(op, RenameTable) else getattr(op, "table", None)
        after = catalog.tables.get(name) if name else None
        steps.append(Step(index, op, before, after.copy() if after else None))
    return steps


def check_op(op: Op, catalog: Catalog, has_rows: HasRows, loaded: LoadedChangeset) -> None:
    match op:
        case CreateTable():
            _check_create_table(op, catalog)
        case DropTable():
            info = _table(catalog, op.table)
            if info:
                _not_referenced(catalog, op.table, None)
        case RenameTable():
            _table(catalog, op.table)
            _absent(catalog, op.to, "to")
        case AddColumn():
            _check_add_column(op, catalog, has_rows)
        case DropColumn():
            _check_drop_column(op, catalog)
        case AlterColumn():
            _check_alter_column(op, catalog)
        case CreateIndex():
            if info := _table(catalog, op.table):
                _columns(info, op.columns, "columns")
                _new_name(info, index_name(op), "name")
        case DropIndex():
            if (info := _table(catalog, op.table)) and op.name not in info.indexes:
                raise ChangesetError(
                    f"table {op.table!r} has no index {op.name!r}; it has {_names(info.indexes)}",
                    path="name",
                )
        case AddForeignKey():
            if info := _table(catalog, op.table):
                _columns(info, op.columns, "columns")
                _new_name(info, foreign_key_name(op.table, op.columns, op.name), "name")
                _target(catalog, op.references, "references", own=info)
        case DropForeignKey():
            if (info := _table(catalog, op.table)) and op.name not in info.foreign_keys:
                raise ChangesetError(
                    f"table {op.table!r} has no foreign key {op.name!r}; "
                    f"it has {_names(info.foreign_keys)}",
                    path="name",
                )
        case Insert():
            if info := _table(catalog, op.table):
                _check_rows(info, catalog, op.rows, "rows", op.defaults)
                _row_values(catalog, op.defaults, "defaults", info)
        case Upsert():
            if info := _table(catalog, op.table):
                _check_rows(info, catalog, op.rows, "rows", {})
                _check_key(info, op.key, op.rows, "key")
        case Load():
            if info := _table(catalog, op.table):
                rows = loaded.rows_files[op.file]
                try:
                    _check_rows(info, catalog, rows, "", {})
                    if op.key:
                        _check_key(info, op.key, rows, "")
                except ChangesetError as error:
                    raise ChangesetError(f"in rows file {op.file}: {error}", path="file") from None
        case Update():
            if info := _table(catalog, op.table):
                _where(catalog, info, op.where, op.all)
                _columns(info, list(op.set), "set")
                _row_values(catalog, op.set, "set", info)
                _needs_key(info, "update")
        case Delete():
            if info := _table(catalog, op.table):
                _where(catalog, info, op.where, op.all)
        case Sql():
            pass


def insert_key(info: TableInfo, rows: list[dict[str, Any]]) -> list[str] | None:
    """A primary or unique key every row gives as literals: an insert's downgrade deletes by it."""
    for key in info.unique_keys():
        if all(_literal_column(rows, name) for name in key):
            return key
    return None


def _literal_column(rows: list[dict[str, Any]], name: str) -> bool:
    try:
        values = [row[name] for row in rows]
    except KeyError:
        return False
    return None not in values and are_plain(values)


def _check_create_table(op: CreateTable, catalog: Catalog) -> None:
    _absent(catalog, op.table, "table")
    if not op.columns and not op.default_columns:
        raise ChangesetError("a table needs at least one column", path="columns")
    seen: set[str] = set()
    for index, column in enumerate(op.columns):
        if column.name in seen:
            raise ChangesetError(f"duplicate column {column.name!r}", path=f"columns[{index}].name")
        seen.add(column.name)
        if column.references:
            own = None
            if column.references.table == op.table:
                own = table_info(op)
            target = ForeignKeyTarget(
                table=column.references.table, columns=[column.references.column]
            )
            _target(catalog, target, f"columns[{index}].references", own=own)
    columns = with_default_columns(
        op.columns, enabled=op.default_columns, primary_key=op.primary_key
    )
    names = {c.name for c in columns}
    if op.primary_key:
        _in(op.primary_key, names, op.table, "primary_key")
    info = table_info(op)
    for index, idx in enumerate(op.indexes):
        _in(idx.columns, names, op.table, f"indexes[{index}].columns")
    if len(info.indexes) != len(op.indexes) + sum(c.unique or c.index for c in op.columns):
        raise ChangesetError("two indexes have the same name", path="indexes")
    for index, fk in enumerate(op.foreign_keys):
        _in(fk.columns, names, op.table, f"foreign_keys[{index}].columns")
        own = info if fk.references.table == op.table else None
        _target(catalog, fk.references, f"foreign_keys[{index}].references", own=own)


def _check_add_column(op: AddColumn, catalog: Catalog, has_rows: HasRows) -> None:
    info = _table(catalog, op.table)
    if not info:
        return
    if op.column.name in info.columns:
        raise ChangesetError(
            f"table {op.table!r} already has a column {op.column.name!r}", path="column.name"
        )
    column = op.column
    if column.primary_key:
        raise ChangesetError("add_column cannot add a primary key column", path="column")
    if column.references:
        target = ForeignKeyTarget(table=column.references.table, columns=[column.references.column])
        _target(catalog, target, "column.references", own=info)
    if op.backfill is not None:
        _value(catalog, op.backfill, "backfill")
    needs_value = not column.nullable and not column.has_server_default and op.backfill is None
    if needs_value and (info.has_rows or has_rows(op.table)):
        raise ChangesetError(
            f"NOT NULL column {column.name!r} added to table {op.table!r}, which has rows, "
            'without "default" or "backfill": existing rows would have no value',
            path="column",
        )


def _check_drop_column(op: DropColumn, catalog: Catalog) -> None:
    info = _table(catalog, op.table)
    if not info:
        return
    _columns(info, [op.column], "column")
    if op.column in info.primary_key:
        raise ChangesetError(f"column {op.column!r} is part of the primary key", path="column")
    shared = [
        name
        for name, item in [*info.indexes.items(), *info.foreign_keys.items()]
        if op.column in item.columns and len(item.columns) > 1
    ]
    if shared:
        raise ChangesetError(
            f"column {op.column!r} is part of the multi-column index/foreign key {shared[0]!r}; "
            "drop that first",
            path="column",
        )
    _not_referenced(catalog, op.table, op.column)


def _check_alter_column(op: AlterColumn, catalog: Catalog) -> None:
    info = _table(catalog, op.table)
    if not info:
        return
    _columns(info, [op.column], "column")
    if op.rename_to and op.rename_to != op.column and op.rename_to in info.columns:
        raise ChangesetError(
            f"table {op.table!r} already has a column {op.rename_to!r}", path="rename_to"
        )
    if op.rename_to and op.column in info.primary_key:
        raise ChangesetError("renaming a primary key column is not supported", path="rename_to")
    try:
        altered_column(info.columns[op.column], op)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise ChangesetError(f"the altered column would be invalid: {problem}") from None


def _check_rows(
    info: TableInfo,
    catalog: Catalog,
    rows: list[dict[str, Any]],
    path: str,
    defaults: dict[str, Any],
) -> None:
    known = info.columns.keys()
    required = {
        c.name for c in info.columns.values() if not c.nullable and not c.has_server_default
    } - defaults.keys()
    _columns(info, list(defaults), "defaults")
    keysets = set(map(frozenset, rows))
    if all(keys <= known and required <= keys for keys in keysets) and not (
        value_types(rows) - SCALARS
    ):
        return  # the common case, checked in bulk; else find the row at fault
    for index, row in enumerate(rows):
        keys = row.keys()
        if not (keys <= known and required <= keys):
            _row_keys_error(info, keys, required, f"{path}[{index}]")
        if None in row.values() or not are_plain(row.values()):
            row_path = f"{path}[{index}]"
            for name, value in row.items():
                if isinstance(value, dict | list):
                    _value(catalog, value, f"{row_path}.{name}")
                elif value is None and name in required:
                    raise ChangesetError(f"column {name!r} is NOT NULL", path=f"{row_path}.{name}")


def _row_keys_error(info: TableInfo, keys: Any, required: set[str], path: str) -> None:
    unknown = keys - info.columns.keys()
    if unknown:
        name = sorted(unknown)[0]
        raise ChangesetError(
            f"table {info.name!r} has no column {name!r}; it has {_names(info.columns)}",
            path=f"{path}.{name}",
        )
    missing = sorted(required - keys)[0]
    raise ChangesetError(
        f"missing value for NOT NULL column {missing!r} (it has no default)", path=path
    )


def _check_key(info: TableInfo, key: list[str], rows: list[dict[str, Any]], path: str) -> None:
    _columns(info, key, "key")
    if sorted(key) not in [sorted(k) for k in info.unique_keys()]:
        raise ChangesetError(
            f"key {key} is not the primary key or a unique index of {info.name!r}", path="key"
        )
    for index, row in enumerate(rows):
        for name in key:
            if name not in row or not _literal(row[name]):
                raise ChangesetError(
                    f"every row needs a literal value for key column {name!r}",
                    path=f"{path}[{index}]",
                )


def _needs_key(info: TableInfo, what: str) -> None:
    if not info.unique_keys():
        raise ChangesetError(
            f"{what} on {info.name!r} needs a primary or unique key to record prior rows "
            "for its downgrade"
        )


def _where(catalog: Catalog, info: TableInfo, where: dict[str, Any], allow_all: bool) -> None:
    build_where(info.name, where, "where", allow_all=allow_all)
    _columns(info, list(where), "where")
    for name, condition in where.items():
        operands = condition.values() if is_operator_map(condition) else [condition]
        for operand in operands:
            for item in operand if isinstance(operand, list) else [operand]:
                _value(catalog, item, f"where.{name}")


def _row_values(catalog: Catalog, row: dict[str, Any], path: str, info: TableInfo) -> None:
    for name, value in row.items():
        _value(catalog, value, f"{path}.{name}")
        column = info.columns.get(name)
        if value is None and column is not None and not column.nullable:
            raise ChangesetError(f"column {name!r} is NOT NULL", path=f"{path}.{name}")


def _value(catalog: Catalog, value: Any, path: str) -> None:
    """`$expr` / `$ref` well formed, and a `$ref`'s table and columns known."""
    sql_value(value, path)
    if is_ref(value):
        ref = value["$ref"]
        if info := _table(catalog, ref["table"], f"{path}.$ref.table"):
            _columns(info, [ref["column"]], f"{path}.$ref.column")
            _where(catalog, info, ref["where"], False)


def _table(catalog: Catalog, name: str, path: str = "table") -> TableInfo | None:
    info = catalog.tables.get(name)
    if info is None and not catalog.opaque:
        raise ChangesetError(
            f"unknown table {name!r}; known tables: {_names(catalog.tables)}", path=path
        )
    return info


def _absent(catalog: Catalog, name: str, path: str) -> None:
    if name in catalog.tables:
        raise ChangesetError(f"table {name!r} already exists", path=path)


def _columns(info: TableInfo, names: Iterable[str], path: str) -> None:
    for name in names:
        if name not in info.columns:
            raise ChangesetError(
                f"table {info.name!r} has no column {name!r}; it has {_names(info.columns)}",
                path=path,
            )


def _in(names: list[str], known: set[str], table: str, path: str) -> None:
    for name in names:
        if name not in known:
            raise ChangesetError(f"table {table!r} has no column {name!r}", path=path)


def _new_name(info: TableInfo, name: str, path: str) -> None:
    if name in info.indexes or name in info.foreign_keys:
        raise ChangesetError(f"table {info.name!r} already has an index/key {name!r}", path=path)


def _target(catalog: Catalog, target: ForeignKeyTarget, path: str, own: TableInfo | None) -> None:
    info = own if own is not None and own.name == target.table else None
    info = info or _table(catalog, target.table, f"{path}.table")
    if info:
        _columns(info, target.columns, f"{path}.columns")


def _not_referenced(catalog: Catalog, table: str, column: str | None) -> None:
    for other in catalog.tables.values():
        for name, fk in other.foreign_keys.items():
            hit = fk.references.table == table and (
                column is None or column in fk.references.columns
            )
            if hit and other.name != table:
                raise ChangesetError(
                    f"{table!r}{'.' + column if column else ''} is still referenced by foreign "
                    f"key {name!r} of table {other.name!r}; drop that first"
                )


def _literal(value: Any) -> bool:
    return value is not None and not isinstance(value, dict | list)


def _names(items: Iterable[str]) -> str:
    names = sorted(items)
    return ", ".join(names) if names else "(none)"
