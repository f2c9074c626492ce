"""`$ref` lookups, in bulk: one query per target table and column set, not one per row.

A `$ref` may point at a row already in the database or at a row this run seeds. A seeded row
not written yet resolves to PENDING: the writer fills the value in once the row exists.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, MetaData, select, tuple_

from .errors import SeedError
from .rows import TableLoad
from .values import Expr, Ref

PENDING = object()  # the target row is seeded in this run and not written yet
MISSING = object()  # no row matches, in the database or in the seed files
_CHUNK = 500  # keys per IN (...) query


class RefResolver:
    def __init__(
        self, connection: Connection, metadata: MetaData, loads: dict[str, TableLoad]
    ) -> None:
        self.connection = connection
        self.metadata = metadata
        self.loads = loads
        self._found: dict[Ref, Any] = {}  # rows once found stay found
        self._seeded: dict[tuple[str, tuple[str, ...]], dict[tuple, dict]] = {}

    def resolve(self, refs: Iterable[Ref], *, seeded: bool = True) -> dict[Ref, Any]:
        """Each ref's value, PENDING (seeded, not yet written) or MISSING.

        Raises SeedError when a `where` matches several database rows.
        """
        refs = list(refs)
        wanted = [ref for ref in set(refs) if ref not in self._found]
        groups: dict[tuple, list[Ref]] = defaultdict(list)
        for ref in wanted:
            groups[(ref.table, ref.column, tuple(name for name, _ in ref.where))].append(ref)
        for (table, column, names), group in groups.items():
            self._query(table, column, names, group)
        result = {}
        for ref in refs:
            if ref in self._found:
                result[ref] = self._found[ref]
            else:
                result[ref] = self._in_seed(ref) if seeded else MISSING
        return result

    def _query(self, table_name: str, column: str, names: tuple[str, ...], refs: list[Ref]) -> None:
        table = self.metadata.tables[table_name]
        where_columns = [table.c[name] for name in names]
        matcher = tuple_(*where_columns) if len(names) > 1 else where_columns[0]
        by_values = {tuple(value for _, value in ref.where): ref for ref in refs}
        keys = list(by_values)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            bound = chunk if len(names) > 1 else [key[0] for key in chunk]
            statement = select(*where_columns, table.c[column]).where(matcher.in_(bound))
            for row in self.connection.execute(statement):
                ref = by_values.get(tuple(row[: len(names)]))
                if ref is None:
                    continue
                if ref in self._found:
                    raise SeedError(
                        f"a $ref where {dict(ref.where)} matches more than one row; "
                        "it must name one row (a unique key)",
                        table=table_name,
                    )
                self._found[ref] = row[-1]

    def _in_seed(self, ref: Ref) -> Any:
        load = self.loads.get(ref.table)
        if load is None:
            return MISSING
        names = tuple(name for name, _ in ref.where)
        index = self._seeded.get((ref.table, names))
        if index is None:
            index = self._seeded[(ref.table, names)] = {
                tuple(row.get(name) for name in names): row for row in load.rows
            }
        row = index.get(tuple(value for _, value in ref.where))
        if row is None:
            return MISSING
        value = row.get(ref.column, PENDING)
        return PENDING if isinstance(value, Ref | Expr) else value
