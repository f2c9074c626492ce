"""Whole-column fast paths for the per-value converters of `values.py`.

A seed file usually gives every row the same columns, each holding plain values of one type.
Such a column is checked in a few C-level passes (types, lengths, enum members, decimal
places) and converted with one `map`. A column holding anything else (null, `$ref`, a wrong
value) gets None back and goes value by value through its converter, which words any error.
"""

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import eq
from typing import Any

from sqlalchemy import Column, Enum

from .values import ISO_PARSERS

ColumnCheck = Callable[[list[Any]], list[Any] | None]  # the converted values, or None


def column_check(column: Column) -> ColumnCheck:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = object
    if isinstance(column.type, Enum) and column.type.enums:
        choices = frozenset(column.type.enums)
        return lambda values: values if _all(values, str) and choices.issuperset(values) else None
    if kind is str:
        return _strings(getattr(column.type, "length", None))
    if kind is int:
        return lambda values: values if _all(values, int) else None
    if kind is Decimal:
        return _decimals(column.type.precision, column.type.scale)
    if kind in (datetime, date, time):
        return _iso(ISO_PARSERS[kind])
    return lambda _values: None


def _all(values: list[Any], kind: type) -> bool:
    return set(map(type, values)) == {kind}


def _strings(length: int | None) -> ColumnCheck:
    def check(values: list[Any]) -> list[Any] | None:
        if not _all(values, str) or (length is not None and max(map(len, values)) > length):
            return None
        return values

    return check


def _decimals(precision: int | None, scale: int | None) -> ColumnCheck:
    step = Decimal(1).scaleb(-scale) if scale is not None else None
    limit = Decimal(10) ** (precision - (scale or 0)) if precision is not None else None

    def check(values: list[Any]) -> list[Any] | None:
        if not set(map(type, values)) <= {Decimal, int, str}:
            return None
        try:
            numbers = list(map(Decimal, values))
            if step is not None and not all(
                map(eq, map(Decimal.quantize, numbers, repeat(step)), numbers)
            ):
                return None
        except InvalidOperation:
            return None
        if limit is not None and numbers and (max(numbers) >= limit or min(numbers) <= -limit):
            return None
        return numbers

    return check


def _iso(parse: Callable[[str], Any]) -> ColumnCheck:
    def check(values: list[Any]) -> list[Any] | None:
        if not _all(values, str):
            return None
        try:
            return list(map(parse, values))
        except ValueError:
            return None

    return check
