"""What a table's seed changes: rows to insert, update and delete, compared by key in bulk.

One SELECT fetches the existing keys and the seeded columns; only rows that differ are updated.
The same plan serves `--dry-run` (the report) and the real run (the writes).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, select, tuple_

from .refs import MISSING, PENDING, RefResolver
from .rows import TableLoad
from .values import Expr, Ref

FULL_SCAN_ABOVE = 1000  # more seed rows than this: read the whole table instead of key lookups
_KEY_CHUNK = 500


@dataclass
class TablePlan:
    load: TableLoad
    inserts: list[dict[str, Any]] = field(default_factory=list)
    # the inserts by the columns they give: one multi-row statement per group
    insert_groups: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[tuple] = field(default_factory=list)
    unchanged: int = 0
    skipped: bool = False  # empty_only, and the table has rows
    waiting: bool = False  # some $ref points at a row this run has not written yet
    # (key, {column: ref}) for values set once their rows exist (cycles, self-references)
    fixups: list[tuple[tuple, dict[str, Ref]]] = field(default_factory=list)


def plan_table(
    connection: Connection, load: TableLoad, resolver: RefResolver, *, writing: bool = False
) -> TablePlan:
    """Compare the seed rows with the table. `writing`: the tables before this one are written."""
    plan = TablePlan(load)
    rows, keys = _with_refs_resolved(load, resolver, plan, writing)
    if load.mode == "empty_only":
        has_rows = connection.execute(select(1).select_from(load.table).limit(1)).first()
        plan.skipped = has_rows is not None
        plan.unchanged = len(rows) if plan.skipped else 0
        plan.inserts = [] if plan.skipped else rows
    else:
        _diff(plan, rows, keys, *_existing(connection, load, rows, keys))
    plan.insert_groups = by_columns(plan.inserts, load.columns)
    _check_required(plan, rows)
    return plan


def _with_refs_resolved(
    load: TableLoad, resolver: RefResolver, plan: TablePlan, writing: bool
) -> tuple[list[dict[str, Any]], list[tuple]]:
    """Rows and keys with `$ref` values looked up; rows without one are shared, not copied."""
    if not load.marked:
        return load.rows, load.keys
    refs = [v for i in load.marked for v in load.rows[i].values() if type(v) is Ref]
    values = resolver.resolve(refs)
    rows, keys = list(load.rows), list(load.keys)
    for position in load.marked:
        row = dict(rows[position])
        waiting = {}
        for name, value in row.items():
            if type(value) is not Ref:
                continue
            found = values[value]
            if found is MISSING:
                raise load.error(position, f"$ref finds no row: {_describe(value)}", name)
            if found is PENDING:
                plan.waiting = True
                if name in load.key and writing:
                    raise load.error(
                        position,
                        "a key column's $ref must point at a row written earlier; "
                        f"{value.table} is written after {load.name} (a cycle)",
                        name,
                    )
                waiting[name] = value
                found = _placeholder(load.table.c[name])
            row[name] = found
        keys[position] = load.key_of(row)
        if waiting:
            plan.fixups.append((keys[position], waiting))
        rows[position] = row
    return rows, keys


def _describe(ref: Ref) -> str:
    where = ", ".join(f"{name} = {value!r}" for name, value in ref.where)
    return f"{ref.table}.{ref.column} where {where}"


def _placeholder(column: Column) -> Any:
    """A stand-in a NOT NULL column accepts until the real value is set later in the run."""
    if column.nullable:
        return None
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    return {int: 0, str: ""}.get(kind)


def _existing(
    connection: Connection, load: TableLoad, rows: list[dict[str, Any]], keys: list[tuple]
) -> tuple[list[str], dict[tuple, tuple]]:
    """The columns the seed sets (key first), and the table's values for them by key."""
    given = set(load.columns) if load.columns is not None else set().union(*rows)
    names = list(load.key) + sorted(given - set(load.key))
    table = load.table
    columns = [table.c[name] for name in names]
    width = len(load.key)
    statements = []
    if load.mode == "replace" or len(rows) > FULL_SCAN_ABOVE:
        statements.append(select(*columns))
    else:
        wanted = list(set(keys))
        key_columns = columns[:width]
        matcher = tuple_(*key_columns) if width > 1 else key_columns[0]
        for start in range(0, len(wanted), _KEY_CHUNK):
            chunk = wanted[start : start + _KEY_CHUNK]
            bound = chunk if width > 1 else [key[0] for key in chunk]
            statements.append(select(*columns).where(matcher.in_(bound)))
    existing = {}
    for statement in statements:
        for values in connection.execute(statement):
            existing[tuple(values[:width])] = tuple(values)
    return names, existing


def _diff(
    plan: TablePlan,
    rows: list[dict[str, Any]],
    keys: list[tuple],
    names: list[str],
    existing: dict[tuple, tuple],
) -> None:
    load = plan.load
    if not existing:
        plan.inserts = rows
        return
    overwrite = load.mode != "insert_missing"
    seen = set()
    waiting = {key for key, _ in plan.fixups}
    marked = set(load.marked)  # may hold an $expr: compared column by column
    width = len(names)
    whole = itemgetter(*names) if width > 1 else (lambda row: (row[names[0]],))
    position = {name: i for i, name in enumerate(names)}
    for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
        old = existing.get(key)
        if old is None:
            plan.inserts.append(row)
            continue
        seen.add(key)
        if not overwrite:
            changed = False
        elif key in waiting:
            changed = True
        elif len(row) == width and index not in marked:
            changed = whole(row) != old
        else:
            changed = any(
                old[position[name]] != value and type(value) is not Expr
                for name, value in row.items()
            )
        if changed:
            plan.updates.append(row)
        else:
            plan.unchanged += 1
    if load.mode == "replace":
        plan.deletes = [key for key in existing if key not in seen]


def _check_required(plan: TablePlan, rows: list[dict[str, Any]]) -> None:
    """Inserted rows must give every NOT NULL column the server cannot fill in."""
    table = plan.load.table
    required = {
        column.name
        for column in table.columns
        if not column.nullable
        and column.server_default is None
        and column.default is None
        and column is not table.autoincrement_column
    }
    for names, group in plan.insert_groups.items():
        missing = required - set(names)
        if missing:
            row = group[0]
            raise plan.load.error(
                next(i for i, candidate in enumerate(rows) if candidate is row),
                f"new row lacks NOT NULL column(s) {sorted(missing)} that have no default",
            )


def by_columns(
    rows: list[dict[str, Any]], columns: tuple[str, ...] | None
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Rows grouped by the columns they give (rows may leave defaulted columns out);
    `columns`: the ones every row gives, when the load knows it (one group, no pass)."""
    if columns is not None:
        return {columns: rows} if rows else {}
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    return dict(groups)
