"""Entries merged per table and checked row by row, before anything is written.

Every column must exist and every value fit it; each row carries its whole key; a key appears
once per file (a later file may restate a row an earlier file gave: the later one wins). All
entries for one table must agree on key and mode.
"""

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import MetaData, Table

from .errors import SeedError
from .files import SeedEntry
from .values import Converters


@dataclass
class TableLoad:
    """All rows the seed files give for one table, converted, in file order."""

    table: Table
    key: tuple[str, ...]
    mode: str
    files: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)  # (file, row index) per row
    marked: list[int] = field(default_factory=list)  # rows holding a $ref or $expr

    @property
    def name(self) -> str:
        return self.table.name

    def key_of(self, row: dict[str, Any]) -> tuple:
        return self._getter(row)

    def __post_init__(self) -> None:
        getter = itemgetter(*self.key)
        self._getter = getter if len(self.key) > 1 else (lambda row: (getter(row),))

    def error(self, position: int, message: str, column: str | None = None) -> SeedError:
        file, index = self.origins[position]
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
    key = entry.key or tuple(column.name for column in table.primary_key.columns)
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
    return TableLoad(table, key, entry.mode, [])


def _add_entry(load: TableLoad, entry: SeedEntry, converters: Converters) -> None:
    if load.files and ((entry.key or load.key) != load.key or entry.mode != load.mode):
        raise SeedError(
            f"{load.files[0]} seeds this table with key {list(load.key)} and mode {load.mode}; "
            "every file seeding a table must use the same key and mode",
            file=entry.file,
            table=entry.table,
        )
    if entry.file not in load.files:
        load.files.append(entry.file)
    convert = converters.of(load.name)
    key_of = load.key_of
    positions = {load.key_of(row): i for i, row in enumerate(load.rows)}
    first_in_file: dict[tuple, int] = {}
    marks_before = converters.marks
    for index, row in enumerate(entry.rows):
        position = len(load.rows)
        load.rows.append(row)
        load.origins.append((entry.file, index))
        if type(row) is not dict:
            raise load.error(position, f"expected an object of column values, found {row!r}")
        name = None
        try:
            for name, value in row.items():
                row[name] = convert[name](value)
        except KeyError:
            columns = ", ".join(load.table.columns.keys())
            raise load.error(position, f"unknown column; the table has: {columns}", name) from None
        except ValueError as error:
            raise load.error(position, str(error), name) from None
        try:
            key = key_of(row)
        except KeyError:
            missing = [name for name in load.key if name not in row]
            raise load.error(position, f"missing key column(s) {missing}") from None
        if None in key:
            raise load.error(position, f"key {list(load.key)} cannot be null")
        marked = converters.marks != marks_before
        marks_before = converters.marks
        earlier = positions.get(key)
        if earlier is not None and key in first_in_file:
            raise load.error(
                position, f"duplicate key {list(key)}: row {first_in_file[key]} has it too"
            )
        first_in_file[key] = index
        if earlier is not None:
            # A later file restates a row an earlier file gave: the later one wins.
            load.rows[earlier] = load.rows.pop()
            load.origins[earlier] = load.origins.pop()
            position = earlier
        positions[key] = position
        if marked:
            load.marked.append(position)
