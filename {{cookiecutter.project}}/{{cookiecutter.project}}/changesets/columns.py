"""Changeset columns as SQLAlchemy columns, the project's preset of default columns, and names.

The preset below is the one place that says which columns every `create_table` gets.
"""

import hashlib
import json

from sqlalchemy import (
    JSON,
    TIMESTAMP,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
)
from sqlalchemy import Column as SAColumn
from sqlalchemy.dialects import mysql
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

from .identifiers import MAX_IDENTIFIER_LENGTH
from .model import Column
from .values import expr_clause

DEFAULT_COLUMNS: tuple[Column, ...] = (
    Column(name="id", type="bigint", primary_key=True, autoincrement=True, nullable=False),
    Column(name="created_at", type="datetime", nullable=False, default_expr="CURRENT_TIMESTAMP"),
    Column(
        name="updated_at",
        type="datetime",
        nullable=False,
        default_expr="CURRENT_TIMESTAMP",
        on_update_expr="CURRENT_TIMESTAMP",
    ),
)
"""Added by `create_table` unless `"default_columns": false` or the table has its own key:
`id` first, the timestamps last."""

# Tables are created with these on MySQL/MariaDB. utf8mb4_unicode_ci exists on MySQL 8.4 and
# on every MariaDB (MySQL's own default, utf8mb4_0900_ai_ci, does not exist on MariaDB < 11.4).
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}
MYSQL_DIALECTS = ("mysql", "mariadb")


def with_default_columns(
    declared: list[Column], *, enabled: bool, primary_key: list[str] | None
) -> list[Column]:
    """The table's columns in order, with the preset unless disabled or a key is declared."""
    if not enabled or primary_key or any(column.primary_key for column in declared):
        return list(declared)
    names = {column.name for column in declared}
    first = [c for c in DEFAULT_COLUMNS if c.primary_key and c.name not in names]
    last = [c for c in DEFAULT_COLUMNS if not c.primary_key and c.name not in names]
    return [*first, *declared, *last]


def sa_type(column: Column) -> TypeEngine:
    """The SQLAlchemy type; integer keys stay INTEGER on SQLite so they auto-increment."""
    kind = column.type
    if kind in {"integer", "bigint", "smallint"}:
        base = {"integer": Integer, "bigint": BigInteger, "smallint": SmallInteger}[kind]()
        if kind != "integer" and column.primary_key:
            base = base.with_variant(Integer(), "sqlite")
        if column.unsigned:
            unsigned = {
                "integer": mysql.INTEGER,
                "bigint": mysql.BIGINT,
                "smallint": mysql.SMALLINT,
            }
            base = base.with_variant(unsigned[kind](unsigned=True), *MYSQL_DIALECTS)
        return base
    if kind == "decimal":
        numeric = Numeric(column.precision, column.scale or 0)
        if column.unsigned:
            unsigned_decimal = mysql.DECIMAL(column.precision, column.scale or 0, unsigned=True)
            return numeric.with_variant(unsigned_decimal, *MYSQL_DIALECTS)
        return numeric
    if kind == "float":
        return Float().with_variant(mysql.DOUBLE(unsigned=column.unsigned), *MYSQL_DIALECTS)
    if kind == "string":
        return String(column.length)
    if kind == "enum":
        return Enum(*(column.values or ()), name=column.name, native_enum=True)
    if kind == "binary":
        if column.length is None:
            return LargeBinary()
        varbinary = mysql.VARBINARY(column.length)
        return LargeBinary(column.length).with_variant(varbinary, *MYSQL_DIALECTS)
    simple = {
        "text": Text,
        "boolean": Boolean,
        "date": Date,
        "datetime": DateTime,
        "time": Time,
        "timestamp": TIMESTAMP,
        "json": JSON,
    }
    return simple[kind]()


def server_default(column: Column, dialect: str) -> TextClause | None:
    """DEFAULT clause: a literal, an expression, plus MySQL's ON UPDATE (none on SQLite)."""
    if column.default_expr is not None:
        clause = column.default_expr
        if column.on_update_expr and dialect in MYSQL_DIALECTS:
            clause = f"{clause} ON UPDATE {column.on_update_expr}"
        return expr_clause(clause)
    if column.has_default:
        return expr_clause(sql_literal(column.default))
    return None


def sql_literal(value: object) -> str:
    """A JSON literal as an SQL literal for DEFAULT clauses (values in DML are bound instead)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if not isinstance(value, str):
        value = json.dumps(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def sa_column(column: Column, dialect: str) -> SAColumn:
    """Column without its unique/index/references: those become named constraints."""
    return SAColumn(
        column.name,
        sa_type(column),
        primary_key=column.primary_key,
        autoincrement=column.autoincrement if column.primary_key else False,
        nullable=column.nullable and not column.primary_key,
        server_default=server_default(column, dialect),
        comment=column.comment,
    )


def constraint_name(prefix: str, table: str, columns: list[str]) -> str:
    """`ix_orders_customer_id`-style names, shortened with a hash to MySQL's 64 characters."""
    name = f"{prefix}_{table}_{'_'.join(columns)}"
    if len(name) <= MAX_IDENTIFIER_LENGTH:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER_LENGTH - 9]}_{digest}"
