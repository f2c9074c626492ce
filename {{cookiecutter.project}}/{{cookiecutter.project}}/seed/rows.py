"""Entries merged per table and checked row by row, before anything is written.

Every column must exist and every value fit it; each row carries its whole key; a key appears
once per file (a later file may restate a row an earlier file gave: the later one wins). All
entries for one table must agree on key and mode. The per-row work is one converter call per
value; keys, nulls and duplicates are found in bulk and only explained row by row on failure.
"""

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import MetaData, Table

from .columns import column_check
from .errors import SeedError
from .files import SeedEntry
from .values import Converter, Converters, Expr, Ref


@dataclass
class TableLoad:
    """All rows the seed files give for one table, converted, in file order."""

    table: Table
    key: tuple[str, ...]
    mode: str
    files: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    keys: list[tuple] = field(default_factory=list)  # each row's key, same order
    origin_file: str = ""  # row `position` is row `position` of this file, unless in `origins`
    origins: dict[int, tuple[str, int]] = field(default_factory=dict)  # position: (file, index)
    marked: list[int] = field(default_factory=list)  # rows holding a $ref or $expr
    columns: tuple[str, ...] | None = None  # the columns every row gives, if all give the same

    @property
    def name(self) -> str:
        return self.table.name

    def key_of(self, row: dict[str, Any]) -> tuple:
        return tuple(row[name] for name in self.key)

    def error(self, position: int, message: str, column: str | None = None) -> SeedError:
        file, index = self.origins.get(position, (self.origin_file, position))
        return SeedError(message, file=file, table=self.name, row=index, column=column)


def build_loads(entries: list[SeedEntry], metadata: MetaData) -> dict[str, TableLoad]:
    converters = Converters(metadata)
    loads: dict[str, TableLoad] = {}
    for entry in entries:
        if entry.table not in metadata.tables:
            known = ", ".join(sorted(metadata.tables)) or "none"
            raise SeedError(
                f"unknown table; the database has: {known}", file=entry.file, table=entry.table
            )
        load = loads.get(entry.table)
        if load is None:
            load = loads[entry.table] = _new_load(entry, metadata.tables[entry.table])
        _add_entry(load, entry, converters)
    return loads


def _new_load(entry: SeedEntry, table: Table) -> TableLoad:
    key = _entry_key(entry, table)
    if not key:
        raise SeedError(
            'the table has no primary key; name the key columns with "key"',
            file=entry.file,
            table=entry.table,
        )
    for name in key:
        if name not in table.columns:
            raise SeedError(
                f"key column {name!r} is not a column of the table",
                file=entry.file,
                table=table.name,
            )
    return TableLoad(table, key, entry.mode)


def _entry_key(entry: SeedEntry, table: Table) -> tuple[str, ...]:
    return entry.key or tuple(column.name for column in table.primary_key.columns)


def _add_entry(load: TableLoad, entry: SeedEntry, converters: Converters) -> None:
    if load.files and (_entry_key(entry, load.table) != load.key or entry.mode != load.mode):
        raise SeedError(
            f"{load.files[0]} seeds this table with key {list(load.key)} and mode {load.mode}; "
            "every file seeding a table must use the same key and mode",
            file=entry.file,
            table=entry.table,
        )
    marks = converters.marks
    given = _convert(load, entry, converters)
    columns = tuple(given) if given is not None else None
    keys = _keys(load, entry, given or {})
    marked = _marked(entry.rows) if converters.marks != marks else []
    if entry.file not in load.files:
        load.files.append(entry.file)
    if not load.rows:
        load.rows = list(entry.rows)
        load.keys = keys
        load.origin_file = entry.file
        load.marked = marked
        load.columns = columns
        return
    if columns is None or load.columns is None or set(columns) != set(load.columns):
        load.columns = None
    # A later file restates rows an earlier file gave: the later ones win.
    positions = {key: position for position, key in enumerate(load.keys)}
    restated = set(marked)
    for index, (row, key) in enumerate(zip(entry.rows, keys, strict=True)):
        position = positions.get(key)
        if position is None:
            position = len(load.rows)
            load.rows.append(row)
            load.keys.append(key)
        else:
            load.rows[position] = row
        load.origins[position] = (entry.file, index)
        if index in restated:
            load.marked.append(position)


def _convert(
    load: TableLoad, entry: SeedEntry, converters: Converters
) -> dict[str, list[Any]] | None:
    """Each value through its column's converter, in place: a column at a time when every row
    gives the same columns (the converted columns are returned), else row by row (None)."""
    rows = entry.rows
    columns = _columns(rows)
    if columns is None:
        _convert_rows(load, entry, converters.of(load.name))
        return None
    convert = converters.of(load.name)
    given: dict[str, list[Any]] = {}
    for name, values in columns.items():
        if name not in convert:
            raise _located(KeyError(name), load, entry, 0, name)
        converted = column_check(load.table.c[name])(values)
        if converted is None:
            try:
                converted = list(map(convert[name], values))
            except ValueError:
                _locate_error(convert[name], values, load, entry, name)
                raise
        if converted is not values:
            for row, value in zip(rows, converted, strict=True):
                row[name] = value
        given[name] = converted
    return given


def _columns(rows: list[Any]) -> dict[str, list[Any]] | None:
    """The values by column when every row is an object giving the same columns (the first
    row's, as many, each found in every row), else None."""
    if not rows or set(map(type, rows)) != {dict} or set(map(len, rows)) != {len(rows[0])}:
        return None
    try:
        return {name: list(map(itemgetter(name), rows)) for name in rows[0]}
    except KeyError:
        return None


def _locate_error(
    convert: Converter, values: list[Any], load: TableLoad, entry: SeedEntry, name: str
) -> None:
    """Raise the error of the first value of this column that its converter refuses."""
    for index, value in enumerate(values):
        try:
            convert(value)
        except ValueError as error:
            raise _located(error, load, entry, index, name) from None


def _convert_rows(load: TableLoad, entry: SeedEntry, convert: dict[str, Converter]) -> None:
    row: Any = None
    name = None
    try:
        for row in entry.rows:
            for name, value in row.items():
                row[name] = convert[name](value)
    except (AttributeError, KeyError, ValueError) as error:
        index = next(i for i, candidate in enumerate(entry.rows) if candidate is row)
        raise _located(error, load, entry, index, name) from None


def _located(
    error: Exception, load: TableLoad, entry: SeedEntry, index: int, name: str | None
) -> SeedError:
    if isinstance(error, AttributeError):
        message, name = f"expected an object of column values, found {entry.rows[index]!r}", None
    elif isinstance(error, KeyError):
        message = f"unknown column; the table has: {', '.join(load.table.columns.keys())}"
    else:
        message = str(error)
    return SeedError(message, file=entry.file, table=load.name, row=index, column=name)


def _keys(load: TableLoad, entry: SeedEntry, given: dict[str, list[Any]]) -> list[tuple]:
    """Every row's key (from the `given` converted columns where there); refuses a missing or
    null key column and a key given twice."""
    rows = entry.rows
    try:
        columns = [given.get(name) or list(map(itemgetter(name), rows)) for name in load.key]
    except KeyError:
        index = next(i for i, row in enumerate(rows) if not set(load.key) <= row.keys())
        missing = [name for name in load.key if name not in rows[index]]
        raise SeedError(
            f"missing key column(s) {missing}", file=entry.file, table=load.name, row=index
        ) from None
    for name, values in zip(load.key, columns, strict=True):
        if None in values:
            raise SeedError(
                f"key column {name} cannot be null",
                file=entry.file,
                table=load.name,
                row=values.index(None),
                column=name,
            )
    keys = list(zip(*columns, strict=True))
    if len(set(keys)) < len(keys):
        first: dict[tuple, int] = {}
        for index, key in enumerate(keys):
            if key in first:
                raise SeedError(
                    f"duplicate key {list(key)}: row {first[key]} has it too",
                    file=entry.file,
                    table=load.name,
                    row=index,
                )
            first[key] = index
    return keys


def _marked(rows: list[dict[str, Any]]) -> list[int]:
    return [
        index
        for index, row in enumerate(rows)
        if any(type(value) in (Ref, Expr) for value in row.values())
    ]
