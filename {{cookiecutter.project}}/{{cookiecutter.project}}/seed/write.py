"""The writes of a seed run, inside the caller's transaction.

Foreign key checks are relaxed while rows arrive (a cycle of NOT NULL references cannot be
inserted otherwise) and restored to their previous setting whatever happens; every foreign key
touching a seeded table is then checked with one anti-join before the commit.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, MetaData, Table, and_, bindparam, select, tuple_
from sqlalchemy.exc import DBAPIError

from .. import mysql_bulk
from ..changesets.values import expr_clause
from ..db import is_mysql
from .errors import SeedError
from .plan import TablePlan, by_columns
from .refs import MISSING, RefResolver
from .values import Expr

CHUNK = 5000  # rows per executemany: bounds statement size and paces the progress bar
Advance = Callable[[int], None]


@contextmanager
def foreign_keys_relaxed(connection: Connection) -> Iterator[None]:
    """MySQL: FOREIGN_KEY_CHECKS=0; SQLite: checks deferred to the commit."""
    if is_mysql(connection.engine.url):
        read, write, relaxed = (
            "SELECT @@SESSION.foreign_key_checks",
            "SET SESSION foreign_key_checks = {}",
            0,
        )
    else:
        read, write, relaxed = "PRAGMA defer_foreign_keys", "PRAGMA defer_foreign_keys = {}", 1
    previous = int(connection.exec_driver_sql(read).scalar())
    connection.exec_driver_sql(write.format(relaxed))
    try:
        yield
    finally:
        try:
            connection.exec_driver_sql(write.format(previous))
        except DBAPIError:
            # A connection that cannot be reset must never serve again with checks off.
            connection.invalidate()
            raise


def write_plan(connection: Connection, plan: TablePlan, advance: Advance) -> None:
    table = plan.load.table
    key = plan.load.key
    bulk = is_mysql(connection.engine.url)
    for start in range(0, len(plan.deletes), CHUNK):
        chunk = plan.deletes[start : start + CHUNK]
        connection.execute(table.delete().where(_key_in(table, key, chunk)))
    for names, group in plan.insert_groups.items():
        rows, with_expr = _apart(group, plan)
        if bulk:
            mysql_bulk.insert_rows(connection, table, names, rows, advance)
        else:
            _execute_many(connection, table.insert(), names, rows, advance)
        for row in with_expr:
            connection.execute(table.insert().values(_with_exprs(row, names)))
            advance(1)
    for names, group in by_columns(plan.updates, plan.load.columns).items():
        changed = tuple(name for name in names if name not in key)
        rows, with_expr = _apart(group, plan)
        if bulk:
            mysql_bulk.update_rows(connection, table, key, changed, rows, advance)
        else:
            statement = table.update().where(
                *(table.c[name] == bindparam(f"key_{name}") for name in key)
            )
            params = [
                {name: row[name] for name in changed} | {f"key_{k}": row[k] for k in key}
                for row in rows
            ]
            _execute_many(connection, statement, changed, params, advance)
        for row in with_expr:
            where = _key_in(table, key, [plan.load.key_of(row)])
            connection.execute(table.update().where(where).values(_with_exprs(row, changed)))
            advance(1)


def _execute_many(
    connection: Connection,
    statement: Any,
    names: Iterable[str],
    params: list[dict[str, Any]],
    advance: Advance,
) -> None:
    statement = statement.values({name: bindparam(name) for name in names})
    for start in range(0, len(params), CHUNK):
        chunk = params[start : start + CHUNK]
        connection.execute(statement, chunk)
        advance(len(chunk))


def _apart(rows: list[dict[str, Any]], plan: TablePlan) -> tuple[list[dict], list[dict]]:
    """Rows of plain values (written in bulk), and rows holding an `$expr` (one by one)."""
    if not plan.load.marked:  # only rows with a $ref or $expr can hold one
        return rows, []
    with_expr = [row for row in rows if any(type(value) is Expr for value in row.values())]
    if not with_expr:
        return rows, []
    apart = {id(row) for row in with_expr}
    return [row for row in rows if id(row) not in apart], with_expr


def _with_exprs(row: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {n: expr_clause(row[n].sql) if type(row[n]) is Expr else row[n] for n in names}


def _key_in(table: Table, key: tuple[str, ...], keys: list[tuple]):
    if len(key) == 1:
        return table.c[key[0]].in_([k[0] for k in keys])
    return tuple_(*(table.c[name] for name in key)).in_(keys)


def apply_fixups(connection: Connection, plans: list[TablePlan], resolver: RefResolver) -> None:
    """Set the `$ref` values whose rows were written after the rows pointing at them."""
    for plan in plans:
        load = plan.load
        refs = [ref for _key, waiting in plan.fixups for ref in waiting.values()]
        values = resolver.resolve(refs, seeded=False)
        for key, waiting in plan.fixups:
            for name, ref in waiting.items():
                if values[ref] is MISSING:
                    raise SeedError(
                        f"row with key {list(key)}: $ref finds no row in {ref.table} "
                        f"where {dict(ref.where)}",
                        file=load.files[0],
                        table=load.name,
                        column=name,
                    )
            connection.execute(
                load.table.update()
                .where(_key_in(load.table, load.key, [key]))
                .values({name: values[ref] for name, ref in waiting.items()})
            )


def check_foreign_keys(connection: Connection, metadata: MetaData, seeded: set[str]) -> None:
    """Refuse the run if any foreign key touching a seeded table points at no row."""
    for table in metadata.tables.values():
        for constraint in table.foreign_key_constraints:
            parent = constraint.referred_table
            if table.name not in seeded and parent.name not in seeded:
                continue
            target = parent.alias("target")
            pairs = [
                (element.parent, target.c[element.column.name]) for element in constraint.elements
            ]
            children = [child for child, _ in pairs]
            orphans = connection.execute(
                select(*children)
                .select_from(table.outerjoin(target, and_(*(c == p for c, p in pairs))))
                .where(*(child.is_not(None) for child in children), pairs[0][1].is_(None))
                .limit(3)
            ).all()
            if orphans:
                columns = ", ".join(child.name for child in children)
                referred = ", ".join(p.name for _, p in pairs)
                shown = ", ".join(str(tuple(row) if len(row) > 1 else row[0]) for row in orphans)
                raise SeedError(
                    f"foreign key ({columns}) -> {parent.name}({referred}): "
                    f"value(s) {shown} have no row in {parent.name}",
                    table=table.name,
                    column=columns,
                )
