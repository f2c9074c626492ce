"""Bulk writes for MySQL: multi-row INSERTs built column by column, and UPDATEs by key in bulk.

The driver's executemany formats every value through a generic Python `literal()` and sends
an UPDATE per row; here each column is encoded in one pass by the C functions that fit its
values, and changed rows reach their table through a temporary table and one UPDATE ... JOIN.
That is what brings a first load near `LOAD DATA` speed. Used by the seed loader (values
converted to the column's Python type) and by changeset inserts (untyped `table()` columns
holding JSON scalars). Every value is escaped by the driver or formatted from a number, never
interpolated as given.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, repeat
from operator import itemgetter
from types import NoneType
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ColumnClause, TableClause

STATEMENT_BYTES = 4 << 20  # well below max_allowed_packet (16 MiB MariaDB, 64 MiB MySQL 8.4)
SCRATCH = "_bulk_changes"  # the temporary table of update_rows()
CHUNK_ROWS = 5000  # rows encoded at a time: the next chunk is encoded while one is executed
ColumnEncoder = Callable[[list[Any]], Iterable[bytes]]
Advance = Callable[[int], None]

# The value types each fast encoder takes (a column of other or mixed types is formatted value
# by value by the driver). bool is an int subclass; %d writes it as 1/0.
_ACCEPTED: dict[type, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int, bool}),
    bool: frozenset({int, bool}),
    float: frozenset({float, int}),
    Decimal: frozenset({Decimal}),
    datetime: frozenset({datetime}),
    date: frozenset({date}),
    time: frozenset({time}),
}


def _no_progress(_rows: int) -> None:
    pass


def insert_rows(
    connection: Connection,
    table: TableClause,
    names: tuple[str, ...],
    rows: list[dict[str, Any]],
    advance: Advance = _no_progress,
    into: str | None = None,
) -> None:
    """INSERT `rows` (all giving exactly `names`) into `table`, or a table `into` with the same
    columns. Each statement is sent, the next chunk is encoded while the server works, and only
    then is the answer read; `advance` hears how many rows each answered statement wrote."""
    driver = connection.connection.driver_connection
    quote = connection.dialect.identifier_preparer.quote
    target = quote(into or table.name)
    head = f"INSERT INTO {target} ({', '.join(map(quote, names))}) VALUES ".encode()
    encoders = [_encoder(table.c[name], connection) for name in names]
    statements = (
        statement
        for start in range(0, len(rows), CHUNK_ROWS)
        for statement in _statements(
            head, _encoded(rows[start : start + CHUNK_ROWS], names, encoders)
        )
    )
    pending = 0  # rows of the statement sent but not answered yet
    try:
        for statement, count in chain(statements, [(b"", 0)]):
            if pending:
                answered, pending = pending, 0
                driver.read_query_result()
                advance(answered)
            if statement:
                driver.send_query(statement)
                pending = count
    except connection.dialect.loaded_dbapi.Error as error:
        # The same exception SQLAlchemy raises for its own statements (IntegrityError, ...).
        shown = f"{head.decode()}(...) x {len(rows)} rows"
        raise DBAPIError.instance(
            shown, None, error, connection.dialect.loaded_dbapi.Error
        ) from error
    finally:
        if pending:  # failed between send and read: read the answer so the connection stays usable
            with suppress(Exception):
                driver.read_query_result()


def update_rows(
    connection: Connection,
    table: TableClause,
    key: tuple[str, ...],
    changed: tuple[str, ...],
    rows: list[dict[str, Any]],
    advance: Advance = _no_progress,
) -> None:
    """Set the `changed` columns of `rows`, found by `key`, with one UPDATE ... JOIN."""
    quote = connection.dialect.identifier_preparer.quote
    names = (*key, *changed)
    # CREATE ... SELECT copies each column's type, charset and collation, so the join compares
    # like with like; a temporary table is private to this connection and commits nothing.
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {quote(SCRATCH)} AS "
        f"SELECT {', '.join(map(quote, names))} FROM {quote(table.name)} WHERE 1 = 0"
    )
    try:
        insert_rows(connection, table, names, rows, advance, into=SCRATCH)
        scratch = sql_table(SCRATCH, *(sql_column(name) for name in names))
        connection.execute(
            table.update()
            .where(*(table.c[name] == scratch.c[name] for name in key))
            .values({name: scratch.c[name] for name in changed})
        )
    finally:
        connection.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS {quote(SCRATCH)}")


def _encoded(
    chunk: list[dict[str, Any]], names: tuple[str, ...], encoders: list[ColumnEncoder]
) -> list[Iterable[bytes]]:
    return [
        encode(list(map(itemgetter(name), chunk)))
        for name, encode in zip(names, encoders, strict=True)
    ]


def _statements(head: bytes, columns: list[Iterable[bytes]]) -> Iterator[tuple[bytes, int]]:
    """Multi-row INSERTs of these rows, with their row counts."""
    yield from _split(head, list(map(b",".join, zip(*columns, strict=True))))


def _split(head: bytes, rows: list[bytes]) -> Iterator[tuple[bytes, int]]:
    """One statement, or halves until each fits in STATEMENT_BYTES."""
    if len(rows) == 1 or len(head) + sum(map(len, rows)) + 3 * len(rows) <= STATEMENT_BYTES:
        yield head + b"(" + b"),(".join(rows) + b")", len(rows)
        return
    half = len(rows) // 2
    yield from _split(head, rows[:half])
    yield from _split(head, rows[half:])


def _encoder(column: ColumnClause, connection: Connection) -> ColumnEncoder:
    """The column's encoder. A typed column (reflected, as the seed loader has) encodes as its
    Python type; an untyped one (`column(name)`) as the one type all its values share."""
    driver = connection.connection.driver_connection
    try:
        declared: type | None = column.type.python_type
    except NotImplementedError:
        declared = None
    if declared is object:  # NullType, as `column(name)` has: the values say
        declared = None
    processor = column.type.bind_processor(connection.dialect)

    def one(value: Any) -> bytes:
        if value is None:
            return b"NULL"
        return driver.literal(processor(value) if processor else value)

    def fast(kind: type, values: list[Any]) -> Iterable[bytes] | None:
        if kind is str:
            return map(driver.string_literal, map(str.encode, values, repeat(driver.encoding)))
        if kind is int or kind is bool:
            return map(b"%d".__mod__, values)
        if kind is float:
            # A float's repr is the shortest form that reads back as the same float; as a
            # decimal literal (no "e0" as the driver adds) it fills a DECIMAL column exactly.
            # inf and nan have no SQL form (their repr alone has an "n"): the driver refuses them.
            numbers = list(map(str.encode, map(repr, values)))
            return None if b"n" in b"".join(numbers) else numbers
        if kind is Decimal:
            if not all(map(Decimal.is_finite, values)):
                return None
            # str() is the faster form; only an exponent (1E+3) needs the fixed-point format.
            texts = list(map(str, values))
            if "E" in "".join(texts):
                texts = list(map(format, values, repeat("f")))
            return map(str.encode, texts)
        if kind in (datetime, date, time):
            return map(b"'%s'".__mod__, map(str.encode, map(str, values)))
        return None

    def encode(values: list[Any]) -> Iterable[bytes]:
        kinds = set(map(type, values))
        if NoneType not in kinds:  # not `None in values`: comparing a Decimal to None is slow
            kind = declared or _shared_kind(kinds)
            if kinds <= _ACCEPTED.get(kind, frozenset()):
                encoded = fast(kind, values)
                if encoded is not None:
                    return list(encoded)
        return map(one, values)

    return encode


def _shared_kind(kinds: set[type]) -> type | None:
    """The one type of an untyped column's values; integers go with booleans or floats."""
    if kinds <= {int, bool}:
        return int
    if kinds == {int, float}:
        return float
    return next(iter(kinds)) if len(kinds) == 1 else None
