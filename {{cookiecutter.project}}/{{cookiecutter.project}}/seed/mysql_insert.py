"""Multi-row INSERTs for MySQL, built column by column.

The driver's executemany formats every value through a generic Python `literal()`; here each
column is encoded in one pass by the C functions that fit its type, which is what brings a
first load near `LOAD DATA` speed. Values arrive already converted by `values.py`, so a column
holds one Python type (or None).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, repeat
from typing import Any

from sqlalchemy import Column, Connection, Table

STATEMENT_BYTES = 4 << 20  # well below max_allowed_packet (16 MiB MariaDB, 64 MiB MySQL 8.4)
CHUNK_ROWS = 5000  # rows encoded at a time: the next chunk is encoded while one is executed
ColumnEncoder = Callable[[list[Any]], Iterable[bytes]]


def insert_rows(
    connection: Connection,
    table: Table,
    names: tuple[str, ...],
    rows: list[dict[str, Any]],
    advance: Callable[[int], None],
) -> None:
    """INSERT `rows` (all giving exactly `names`). Each statement is sent, the next chunk is
    encoded while the server works, and only then is the answer read."""
    driver = connection.connection.driver_connection
    quote = connection.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) VALUES ".encode()
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
    finally:
        if pending:  # failed between send and read: read the answer so the connection stays usable
            with suppress(Exception):
                driver.read_query_result()


def _encoded(
    chunk: list[dict[str, Any]], names: tuple[str, ...], encoders: list[ColumnEncoder]
) -> list[Iterable[bytes]]:
    return [
        encode([row[name] for row in chunk]) for name, encode in zip(names, encoders, strict=True)
    ]


def _statements(head: bytes, columns: list[Iterable[bytes]]) -> Iterator[tuple[bytes, int]]:
    """Multi-row INSERTs of at most STATEMENT_BYTES, with their row counts."""
    pending: list[bytes] = []
    size = len(head)
    for values in map(b",".join, zip(*columns, strict=True)):
        if size + len(values) + 3 > STATEMENT_BYTES and pending:
            yield head + b"(" + b"),(".join(pending) + b")", len(pending)
            pending, size = [], len(head)
        pending.append(values)
        size += len(values) + 3
    if pending:
        yield head + b"(" + b"),(".join(pending) + b")", len(pending)


def _encoder(column: Column, connection: Connection) -> ColumnEncoder:
    driver = connection.connection.driver_connection
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = object
    quoted = driver.string_literal
    processor = column.type.bind_processor(connection.dialect)

    def one(value: Any) -> bytes:
        if value is None:
            return b"NULL"
        return driver.literal(processor(value) if processor else value)

    def fast(values: list[Any]) -> Iterable[bytes]:
        if kind is str:
            return map(quoted, map(str.encode, values))
        if kind is int or kind is bool:
            return map(b"%d".__mod__, values)
        if kind is Decimal:
            return map(str.encode, map(format, values, repeat("f")))
        if kind in (datetime, date, time):
            return map(b"'%s'".__mod__, map(str.encode, map(str, values)))
        raise TypeError(kind)

    def encode(values: list[Any]) -> Iterable[bytes]:
        if None not in values:
            try:
                return list(fast(values))
            except (TypeError, AttributeError):
                pass  # an unusual value in this column: format each one
        return map(one, values)

    return encode
