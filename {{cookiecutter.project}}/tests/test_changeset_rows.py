"""Literal rows of an `insert` arrive exactly as written: every column type, strings that need
escaping, floats and decimals from JSON numbers and strings, null, and more rows than one
statement holds. On MySQL they go through the bulk writer (`mysql_bulk`), elsewhere through
executemany; both are checked the same way.
"""

import json
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, column, text

from {{ cookiecutter.project }} import mysql_bulk
from {{ cookiecutter.project }}.changesets.errors import ChangesetError

from .changeset_project import ChangesetProject, rows
from .test_changeset_ops import CASES

# The create_table of every column type (label, body, qty, ..., doc, kind, blob, code).
(CREATE_THINGS, _), _ = CASES["create_table"]
NAMES = [column["name"] for column in CREATE_THINGS["columns"]]
TRICKY = "O'Brien \"q\" back\\slash \\' ; DROP TABLE things; -- %s :name {0} Grüße 你好 🎉"
FULL_ROWS: list[dict[str, Any]] = [
    {
        "label": "full",
        "body": TRICKY,
        "qty": 4294967295,
        "big": 9007199254740993,
        "small": -5,
        "flag": True,
        "ratio": 0.1,
        "price": "12345.123",
        "day": "2024-02-29",
        "at": "2024-01-31 09:30:00",
        "clock": "23:59:59",
        "stamp": "2024-01-31 09:30:00",
        "doc": {"k": [1, 2.5, "é"], "n": None, "q": TRICKY},
        "kind": "b",
        "blob": "bytes\\'",
        "code": "abcd",
    },
    {
        "label": "Grüße 你好 🎉",
        "body": "line\nbreak\ttab\r\n",
        "qty": 0,
        "big": -1,
        "small": 32767,
        "flag": False,
        "ratio": -2.5e20,
        "price": "-0.001",
        "day": "1999-12-31",
        "at": "2038-01-19 03:14:08",
        "clock": "00:00:00",
        "stamp": "2020-02-29 12:00:00",
        "doc": [1, "two", {"three": 3}],
        "kind": "a",
        "blob": "",
        "code": "wxyz",
    },
]
# Columns mixing JSON types: integers and floats, booleans for integers, 1/0 for a boolean.
# Columns left out take their defaults (small 1, day 2024-01-01, kind a).
MIXED_ROWS: list[dict[str, Any]] = [
    {"label": "mixed 1", "qty": True, "ratio": 2, "price": 7.25, "flag": 1},
    {"label": "mixed 2", "qty": 7, "ratio": 0.5, "price": 3, "flag": 0},
]
NULL_ROW = {"label": "nulls"} | {name: None for name in NAMES if name not in {"label", "kind"}}
EXPECTED = {
    "full": (
        "full", TRICKY, 4294967295, 9007199254740993, -5, True, 0.1, Decimal("12345.123"),
        date(2024, 2, 29), datetime(2024, 1, 31, 9, 30), time(23, 59, 59),
        datetime(2024, 1, 31, 9, 30), {"k": [1, 2.5, "é"], "n": None, "q": TRICKY}, "b",
        b"bytes\\'", b"abcd",
    ),
    "Grüße 你好 🎉": (
        "Grüße 你好 🎉", "line\nbreak\ttab\r\n", 0, -1, 32767, False, -2.5e20, Decimal("-0.001"),
        date(1999, 12, 31), datetime(2038, 1, 19, 3, 14, 8), time(0, 0),
        datetime(2020, 2, 29, 12, 0), [1, "two", {"three": 3}], "a", b"", b"wxyz",
    ),
    "mixed 1": (
        "mixed 1", None, 1, None, 1, True, 2.0, Decimal("7.250"),
        date(2024, 1, 1), None, None, None, None, "a", None, None,
    ),
    "mixed 2": (
        "mixed 2", None, 7, None, 1, False, 0.5, Decimal("3.000"),
        date(2024, 1, 1), None, None, None, None, "a", None, None,
    ),
    "nulls": ("nulls", *(None,) * 12, "a", None, None),
}  # fmt: skip


def stored(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """The rows by label. MariaDB's JSON is LONGTEXT, so documents come back as text; a
    reflected DOUBLE reads as a 10-place Decimal, so floats are read without column types."""
    with engine.connect() as connection:
        floats = dict(connection.execute(text("SELECT label, ratio FROM things")).all())
    found = {}
    for row in rows(engine, "things", *NAMES):
        values = dict(zip(NAMES, row, strict=True))
        doc = values["doc"]
        values["doc"] = json.loads(doc) if isinstance(doc, str) else doc
        values["ratio"] = floats[values["label"]]
        found[values["label"]] = tuple(values.values())
    return found


@pytest.mark.parametrize("db_url", ["mysql"], indirect=True)
def test_every_column_type_reads_back_as_written(tmp_path: Path, engine: Engine) -> None:
    project = ChangesetProject(tmp_path)
    base = project.add({"ops": [CREATE_THINGS]})
    project.add(
        {"ops": [{"op": "insert", "table": "things", "rows": [*FULL_ROWS, *MIXED_ROWS, NULL_ROW]}]}
    )
    project.upgrade()

    assert stored(engine) == EXPECTED

    project.downgrade(base)
    assert rows(engine, "things", "label") == []


def test_strings_needing_escapes_read_back_as_written(tmp_path: Path, engine: Engine) -> None:
    texts = [
        "O'Brien",
        'say "hi"',
        "back\\slash",
        "ends with a backslash \\",
        "\\'; DROP TABLE notes; --",
        "Grüße, 你好, emoji 🎉, ☃",
        "new\nline\ttab\rreturn",
        "%s %(x)s {0} :name ?",
        "",
    ]
    project = ChangesetProject(tmp_path)
    columns = [{"name": "body", "type": "string", "length": 200}]
    project.add({"ops": [{"op": "create_table", "table": "notes", "columns": columns}]})
    project.add({"ops": [{"op": "insert", "table": "notes", "rows": [{"body": t} for t in texts]}]})
    project.upgrade()

    with engine.connect() as connection:
        found = connection.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all()
    assert found == texts


def test_many_rows_insert_and_a_late_duplicate_undoes_them(tmp_path: Path, engine: Engine) -> None:
    """More rows than one statement holds: all arrive; a duplicate key in a later statement
    fails the revision cleanly, and the fixed changeset applies on the same connection pool."""
    count = 12_000
    project = ChangesetProject(tmp_path)
    columns = [
        {"name": "code", "type": "string", "length": 20, "nullable": False, "unique": True},
        {"name": "qty", "type": "integer"},
    ]
    base = project.add({"ops": [{"op": "create_table", "table": "items", "columns": columns}]})
    many = [{"code": f"C{i:06d}", "qty": i} for i in range(count)]
    revision = project.add(
        {"ops": [{"op": "insert", "table": "items", "rows": [*many, {"code": "C000005"}]}]}
    )
    project.upgrade(base)

    with pytest.raises(ChangesetError) as raised:
        project.upgrade()
    message = str(raised.value)
    assert message.startswith("r002_test.json: ops[0]: insert failed: ")
    assert "Duplicate entry 'C000005'" in message or "UNIQUE constraint failed" in message
    assert rows(engine, "items", "code") == []

    fixed = {"ops": [{"op": "insert", "table": "items", "rows": many}]}
    project.changeset_path(revision).write_text(json.dumps(fixed))
    project.upgrade()
    assert rows(engine, "items", "code", "qty") == [(row["code"], row["qty"]) for row in many]


@pytest.mark.parametrize("db_url", ["mysql"], indirect=True)
def test_untyped_columns_encode_by_their_values(engine: Engine) -> None:
    """A column of one JSON type takes its fast encoder: strings escaped by the driver, numbers
    formatted (floats as exact decimal literals); mixed types, null and inf go value by value."""
    with engine.connect() as connection:
        encoder = mysql_bulk._encoder(column("v"), connection)

        def encode(values: list[Any]) -> list[bytes]:
            return list(encoder(values))

        assert encode(["a'b", "c\\d", "é"]) == [b"'a\\'b'", b"'c\\\\d'", "'é'".encode()]
        assert encode([1, True, False]) == [b"1", b"1", b"0"]
        assert encode([0.1, 2, -2.5e20]) == [b"0.1", b"2", b"-2.5e+20"]
        assert encode([Decimal("1.50"), Decimal("-0.001")]) == [b"1.50", b"-0.001"]
        assert encode([date(2024, 2, 29), date(1999, 1, 1)]) == [b"'2024-02-29'", b"'1999-01-01'"]
        assert encode(["x", None, 3]) == [b"'x'", b"NULL", b"3"]
        with pytest.raises(connection.dialect.loaded_dbapi.ProgrammingError):
            encode([1.5, float("inf")])
