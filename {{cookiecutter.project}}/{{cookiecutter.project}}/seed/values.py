"""Seed values as the column wants them: JSON literals checked and converted, `$ref`/`$expr` kept.

A converter per reflected column turns a JSON value into the Python value the driver binds
(ISO strings into dates, numbers into exact decimals) or raises ValueError saying what was
expected. Value markers follow the changeset engine's rules (`..changesets.values`).
"""

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
        check = _check_for(column)
        nullable = column.nullable

        def convert(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise ValueError("is NOT NULL; null is not allowed")
            if type(value) is dict and ("$ref" in value or "$expr" in value):
                return self._marker(value)
            return check(value)

        return convert

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


def _check_for(column: Column) -> Converter:
    kind = _python_type(column)
    if isinstance(column.type, Enum) and column.type.enums:
        return _enum_check(column.type.enums)
    if kind is str:
        return _str_check(getattr(column.type, "length", None))
    if kind is Decimal:
        return _decimal_check(column.type.precision, column.type.scale)
    return _CHECKS.get(kind, _as_is)


def _python_type(column: Column) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return object


def _as_is(value: Any) -> Any:
    return value


def _expected(what: str, value: Any) -> ValueError:
    return ValueError(f"expected {what}, found {value!r}")


def _to_int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is bool:
        return int(value)
    raise _expected("an integer", value)


def _to_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    raise _expected("true or false", value)


def _to_float(value: Any) -> float:
    if isinstance(value, int | float | Decimal) and type(value) is not bool:
        return float(value)
    raise _expected("a number", value)


def _iso(parse: Callable[[str], Any], what: str) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse(value)
            except ValueError:
                pass
        raise _expected(what, value)

    return convert


def _naive_datetime(value: str) -> datetime:
    """DATETIME keeps no zone: an ISO time with an offset is stored as its UTC equivalent."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    raise _expected("a string", value)


_CHECKS: dict[type, Converter] = {
    int: _to_int,
    bool: _to_bool,
    float: _to_float,
    datetime: _iso(_naive_datetime, "an ISO datetime string like 2024-01-31T09:30:00"),
    date: _iso(date.fromisoformat, "an ISO date string like 2024-01-31"),
    time: _iso(time.fromisoformat, "an ISO time string like 09:30:00"),
    bytes: _to_bytes,
}


def _str_check(length: int | None) -> Converter:
    def convert(value: Any) -> str:
        if type(value) is not str:
            raise _expected("a string", value)
        if length is not None and len(value) > length:
            raise ValueError(f"is {len(value)} characters long; the column holds at most {length}")
        return value

    return convert


def _enum_check(allowed: list[str]) -> Converter:
    choices = frozenset(allowed)

    def convert(value: Any) -> str:
        if value not in choices:
            raise _expected(f"one of {', '.join(allowed)}", value)
        return value

    return convert


def _decimal_check(precision: int | None, scale: int | None) -> Converter:
    """Exact decimals: refuses what the column would round or cannot hold."""
    step = Decimal(1).scaleb(-scale) if scale is not None else None
    whole_digits = precision - (scale or 0) if precision is not None else None

    def convert(value: Any) -> Decimal:
        if type(value) is bool or not isinstance(value, int | Decimal | str):
            raise _expected("a number", value)
        try:
            number = Decimal(value)
            exact = step is None or number.quantize(step) == number
        except InvalidOperation:
            raise _expected("a number", value) from None
        if not number.is_finite():
            raise _expected("a finite number", value)
        if not exact:
            raise ValueError(f"{value} has more than {scale} decimal places")
        if whole_digits is not None and number and number.adjusted() >= whole_digits:
            raise ValueError(f"{value} does not fit DECIMAL({precision}, {scale})")
        return number

    return convert
