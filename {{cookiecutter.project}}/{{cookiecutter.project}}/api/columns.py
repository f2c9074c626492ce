"""What each reflected column means to the API: its Pydantic type, default and writability."""

import datetime as dt
import keyword
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from sqlalchemy import (
    BINARY,
    JSON,
    VARBINARY,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Time,
)

# Bits of each integer type; SQLite stores every integer in 64 bits.
_INTEGER_BITS = {"TINYINT": 8, "SMALLINT": 16, "small_integer": 16, "MEDIUMINT": 24}
_INTEGER_BITS |= {"INTEGER": 32, "INT": 32, "integer": 32, "BIGINT": 64, "big_integer": 64}
_BINARY = (LargeBinary, BINARY, VARBINARY)
_PLAIN_TYPES = (bool, int, float, str, bytes, Decimal, dt.date, dt.datetime, dt.time)


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NO_DEFAULT = _Marker("NO_DEFAULT")
"""The column has no server default."""
UNKNOWN_DEFAULT = _Marker("UNKNOWN_DEFAULT")
"""The column has a literal server default whose Python value could not be derived."""


def _encodable(value: str) -> str:
    """Reject lone surrogates here: the driver would fail on them with a server error."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be Unicode text (no lone surrogates)") from None
    return value


def _no_offset(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("must be a time without offset (TIME columns hold none)")
    return value


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """DATETIME columns hold no offset; they are taken as UTC (what CURRENT_TIMESTAMP gives on
    SQLite and on the compose database servers), so aware values are stored converted."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


Text = Annotated[str, AfterValidator(_encodable)]
UtcDatetime = Annotated[dt.datetime, AfterValidator(_naive_utc)]
# TIME is a wall-clock time without offset; JSON Schema's "time" format demands one.
WallTime = Annotated[
    dt.time,
    AfterValidator(_no_offset),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$"}, mode="serialization"
    ),
]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


@dataclass(frozen=True)
class ColumnSpec:
    """One column as the API treats it."""

    name: str
    """The column name, which is also the JSON key and the query parameter."""
    field_name: str
    """A Python identifier for the model field (aliased to `name` when they differ)."""
    annotation: Any
    """The Pydantic type of a non-null value, with the column's limits."""
    nullable: bool
    primary_key: bool
    read_only: bool
    """Filled by the database (auto-increment, computed, expression default): never sent."""
    default: Any
    """The literal server default as a Python value, NO_DEFAULT or UNKNOWN_DEFAULT."""
    description: str | None
    filterable: bool
    """Equality filters and sorting make sense (not JSON or binary)."""


def column_specs(table: Table, dialect_name: str) -> list[ColumnSpec]:
    specs = []
    for index, column in enumerate(table.columns):
        annotation = column_annotation(column, dialect_name)
        default, expression_default = _server_default(column, annotation)
        specs.append(
            ColumnSpec(
                name=column.name,
                field_name=_field_name(column.name, index),
                annotation=annotation,
                nullable=bool(column.nullable),
                primary_key=column.primary_key,
                read_only=(
                    column is table.autoincrement_column
                    or column.computed is not None
                    or column.identity is not None
                    or expression_default
                ),
                default=default,
                description=column.comment,
                filterable=not isinstance(column.type, (JSON, *_BINARY)),
            )
        )
    return specs


def column_annotation(column: Column, dialect_name: str) -> Any:
    """The Pydantic type for a non-null value of `column`, with the limits the database has."""
    column_type = column.type
    if isinstance(column_type, Enum) and column_type.enums:
        return Literal[tuple(column_type.enums)]
    if isinstance(column_type, JSON):
        return JsonValue
    if isinstance(column_type, Boolean):
        return bool
    if isinstance(column_type, Integer):
        name = column_type.__visit_name__
        # SQLite's INTEGER is its one native integer, 64 bits (and the BIGINT key variant).
        bits = 64 if dialect_name == "sqlite" and name == "INTEGER" else _INTEGER_BITS.get(name, 64)
        if getattr(column_type, "unsigned", False):
            return Annotated[int, Field(ge=0, le=2**bits - 1)]
        return Annotated[int, Field(ge=-(2 ** (bits - 1)), le=2 ** (bits - 1) - 1)]
    if isinstance(column_type, Float):
        return FiniteFloat
    if isinstance(column_type, Numeric):
        return Annotated[
            Decimal,
            Field(
                max_digits=column_type.precision,
                decimal_places=column_type.scale,
                allow_inf_nan=False,
            ),
        ]
    if isinstance(column_type, DateTime):
        return UtcDatetime
    if isinstance(column_type, Date):
        return dt.date
    if isinstance(column_type, Time):
        return WallTime
    if isinstance(column_type, String):
        return Annotated[Text, Field(max_length=column_type.length)]
    if isinstance(column_type, _BINARY):
        return Annotated[bytes, Field(max_length=column_type.length)]
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = str
    return python_type if python_type in _PLAIN_TYPES else Text


def _server_default(column: Column, annotation: Any) -> tuple[Any, bool]:
    """(literal default, whether the default is an SQL expression such as CURRENT_TIMESTAMP)."""
    if column.server_default is None:
        return NO_DEFAULT, False
    sql = str(getattr(column.server_default, "arg", "")).strip()
    if sql.upper() == "NULL":
        return None, False
    quoted = re.fullmatch(r"'(.*)'", sql, re.DOTALL)
    if quoted:
        literal: str = quoted[1].replace("''", "'")
    elif re.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?", sql):
        literal = sql
    else:
        return NO_DEFAULT, True
    try:
        return TypeAdapter(annotation).validate_python(literal, strict=False), False
    except ValidationError:
        return UNKNOWN_DEFAULT, False


def _field_name(column_name: str, index: int) -> str:
    usable = (
        column_name.isidentifier()
        and not keyword.iskeyword(column_name)
        and not column_name.startswith(("_", "model_"))
        and not hasattr(BaseModel, column_name)
    )
    return column_name if usable else f"column_{index}"
