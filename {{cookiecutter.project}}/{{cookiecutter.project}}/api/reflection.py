"""Reflect the database's tables, with column types as the API should see them.

Dialect quirks are undone here so every later step sees portable types: MariaDB stores JSON as
LONGTEXT guarded by `CHECK (json_valid(col))`, MySQL stores BOOLEAN as TINYINT(1), and SQLite
stores an enum as VARCHAR guarded by `CHECK (col IN ('a', 'b'))`.
"""

import re

from sqlalchemy import JSON, Boolean, CheckConstraint, Engine, Enum, MetaData, String, Table, text
from sqlalchemy.dialects.mysql import TINYINT

_JSON_CHECK = re.compile(r"json_valid\(`(?P<column>(?:[^`]|``)+)`\)")
_LITERAL = r"'(?:[^']|'')*'"
_IN_CHECK = re.compile(
    rf"\s*[\"`]?(?P<column>\w+)[\"`]?\s+IN\s*\((?P<values>\s*{_LITERAL}(?:\s*,\s*{_LITERAL})*)\s*\)\s*",
    re.IGNORECASE,
)


def reflect_tables(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    json_columns = _mariadb_json_columns(engine)
    for table in metadata.tables.values():
        for column in table.columns:
            if (table.name, column.name) in json_columns:
                column.type = JSON(none_as_null=True)
            elif isinstance(column.type, JSON):
                column.type.none_as_null = True
            elif isinstance(column.type, TINYINT) and column.type.display_width == 1:
                column.type = Boolean()
        if engine.dialect.name == "sqlite":
            _restore_sqlite_enums(table)
    return metadata


def _mariadb_json_columns(engine: Engine) -> set[tuple[str, str]]:
    """(table, column) pairs that MariaDB declared as JSON."""
    if not getattr(engine.dialect, "is_mariadb", False):
        return set()
    query = text(
        "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
        " WHERE CONSTRAINT_SCHEMA = DATABASE() AND CHECK_CLAUSE LIKE 'json_valid(%'"
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = set()
    for table_name, clause in rows:
        match = _JSON_CHECK.fullmatch(clause)
        if match:
            found.add((table_name, match["column"].replace("``", "`")))
    return found


def _restore_sqlite_enums(table: Table) -> None:
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        match = _IN_CHECK.fullmatch(str(constraint.sqltext))
        column = table.c.get(match["column"]) if match else None
        if column is not None and isinstance(column.type, String):
            literals = re.findall(_LITERAL, match["values"])
            column.type = Enum(*(literal[1:-1].replace("''", "'") for literal in literals))
