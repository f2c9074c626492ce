"""Seed values as the column wants them: JSON literals checked and converted, `$ref`/`$expr` kept.

A converter per reflected column turns a JSON value into the Python value the driver binds
(ISO strings into dates, numbers into exact decimals) or raises ValueError saying what was
expected. Value markers follow the changeset engine's rules (`..changesets.values`).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column, Enum, MetaData

from ..changesets.errors import ChangesetError
from ..changesets.values import expr_clause, is_expr, is_ref, ref_subquery

Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class Ref:
    """`{"$ref": ...}`: `column` of the one `table` row whose columns equal `where`."""

    table: str
    column: str
    where: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Expr:
    """`{"$expr": "SQL"}`: evaluated by the server when the row is written."""

    sql: str


class Converters:
    """Column converters for the reflected tables, built once per table."""

    def __init__(self, metadata: MetaData) -> None:
        self.metadata = metadata
        self._by_table: dict[str, dict[str, Converter]] = {}
        self.marks = 0  # how many $ref/$expr values were met: tells which rows hold one

    def of(self, table: str) -> dict[str, Converter]:
        if table not in self._by_table:
            self._by_table[table] = {
                column.name: self._converter(column)
                for column in self.metadata.tables[table].columns
            }
        return self._by_table[table]

    def _converter(self, column: Column) -> Converter:
        nullable = column.nullable

        def other(value: Any, expected: str) -> Any:
            """What the column's own check leaves: null, `$ref`/`$expr`, or a wrong type."""
            if value is None:
                if nullable:
                    return None
                raise ValueError("is NOT NULL; null is not allowed")
            if type(value) is dict and ("$ref" in value or "$expr" in value):
                return self._marker(value)
            raise ValueError(f"expected {expected}, found {value!r}")

        return _check_for(column, other)

    def _marker(self, value: dict) -> Ref | Expr:
        self.marks += 1
        if is_expr(value):
            try:
                expr_clause(value["$expr"])
            except ChangesetError as error:
                raise ValueError(error.message) from None
            return Expr(value["$expr"])
        spec = value.get("$ref") if is_ref(value) else None
        where = spec.get("where") if isinstance(spec, dict) else None
        if not (
            isinstance(where, dict)
            and where
            and set(spec) == {"table", "where", "column"}
            and spec["table"] in self.metadata.tables
            and all(not isinstance(v, dict | list) for v in where.values())
        ):
            try:
                ref_subquery(spec if is_ref(value) else value, "$ref")
            except ChangesetError as error:
                raise ValueError(str(error)) from None
            if isinstance(spec, dict) and spec.get("table") not in self.metadata.tables:
                raise ValueError(f"$ref.table: unknown table {spec.get('table')!r}")
            raise ValueError(
                "$ref.where: a seed $ref finds one row by natural key, so `where` maps "
                'columns to plain values, e.g. {"email": "a@example.com"}'
            )
        target = self.of(spec["table"])
        for name in (spec["column"], *where):
            if name not in target:
                raise ValueError(f"$ref: table {spec['table']} has no column {name!r}")
        try:
            keys = tuple((name, target[name](v)) for name, v in sorted(where.items()))
        except ValueError as error:
            raise ValueError(f"$ref.where: {error}") from None
        return Ref(spec["table"], spec["column"], keys)


Other = Callable[[Any, str], Any]  # (value, what was expected) -> value, or ValueError


def _check_for(column: Column, other: Other) -> Converter:
    """The column's converter. Each takes its common case itself, in one call per value."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = object
    if isinstance(column.type, Enum) and column.type.enums:
        return _enum_check(column.type.enums, other)
    if kind is str:
        return _str_check(getattr(column.type, "length", None), other)
    if kind is Decimal:
        return _decimal_check(column.type.precision, column.type.scale, other)
    if kind in ISO_PARSERS:
        return _iso_check(ISO_PARSERS[kind], _ISO_EXAMPLES[kind], other)
    return _CHECKS.get(kind, _as_is)(other)


def _as_is(other: Other) -> Converter:
    """JSON columns (and types with no Python equivalent): any JSON value, decimals as floats."""

    def convert(value: Any) -> Any:
        if value is None or (type(value) is dict and ("$ref" in value or "$expr" in value)):
            return other(value, "a value")
        return _plain_json(value)

    return convert


def _plain_json(value: Any) -> Any:
    """The value with its Decimal numbers (as the seed reader parses them) as floats."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    return value


def _int_check(other: Other) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is int:
            return value
        if type(value) is bool:
            return int(value)
        return other(value, "an integer")

    return convert


def _bool_check(other: Other) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is bool:
            return value
        if type(value) is int and value in (0, 1):
            return bool(value)
        return other(value, "true or false")

    return convert


def _float_check(other: Other) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) in (float, int, Decimal):
            return float(value)
        return other(value, "a number")

    return convert


def _bytes_check(other: Other) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is str:
            return value.encode()
        return other(value, "a string")

    return convert


_CHECKS: dict[type, Callable[[Other], Converter]] = {
    int: _int_check,
    bool: _bool_check,
    float: _float_check,
    bytes: _bytes_check,
}


def _naive_datetime(value: str) -> datetime:
    """DATETIME keeps no zone: an ISO time with an offset is stored as its UTC equivalent."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


ISO_PARSERS: dict[type, Callable[[str], Any]] = {
    datetime: _naive_datetime,
    date: date.fromisoformat,
    time: time.fromisoformat,
}
_ISO_EXAMPLES = {
    datetime: "an ISO datetime string like 2024-01-31T09:30:00",
    date: "an ISO date string like 2024-01-31",
    time: "an ISO time string like 09:30:00",
}


def _iso_check(parse: Callable[[str], Any], expected: str, other: Other) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is str:
            try:
                return parse(value)
            except ValueError:
                raise ValueError(f"expected {expected}, found {value!r}") from None
        return other(value, expected)

    return convert


def _str_check(length: int | None, other: Other) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not str:
            if length is None and type(value) in (dict, list) and value and "$ref" not in value:
                # MariaDB's JSON is LONGTEXT: an object or list is stored as its JSON text.
                return json.dumps(_plain_json(value), ensure_ascii=False)
            return other(value, "a string")
        if length is not None and len(value) > length:
            raise ValueError(f"is {len(value)} characters long; the column holds at most {length}")
        return value

    return convert


def _enum_check(allowed: list[str], other: Other) -> Converter:
    choices = frozenset(allowed)

    def convert(value: Any) -> Any:
        if type(value) is str and value in choices:
            return value
        return other(value, f"one of {', '.join(allowed)}")

    return convert


def _decimal_check(precision: int | None, scale: int | None, other: Other) -> Converter:
    """Exact decimals: refuses what the column would round or cannot hold."""
    step = Decimal(1).scaleb(-scale) if scale is not None else None
    whole_digits = precision - (scale or 0) if precision is not None else None

    def convert(value: Any) -> Any:
        if type(value) not in (Decimal, int, str):
            return other(value, "a number")
        try:
            number = Decimal(value)
            exact = step is None or number.quantize(step) == number
        except InvalidOperation:
            raise ValueError(f"expected a number, found {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"expected a finite number, found {value!r}")
        if not exact:
            raise ValueError(f"{value} has more than {scale} decimal places")
        if whole_digits is not None and number and number.adjusted() >= whole_digits:
            raise ValueError(f"{value} does not fit DECIMAL({precision}, {scale})")
        return number

    return convert
