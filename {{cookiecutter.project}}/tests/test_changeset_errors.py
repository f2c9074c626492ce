"""Malformed changesets: each is refused before any SQL runs, with a message saying where
(file, JSON path) and what is wrong, and the database (schema and rows) stays as it was."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, Engine

from {{ cookiecutter.project }}.changesets.errors import ChangesetError

from .changeset_project import PROJECT_ROOT, ChangesetProject, snapshot
from .test_changeset_ops import BASE


def table(name: str, *columns: dict[str, Any]) -> dict[str, Any]:
    return {"op": "create_table", "table": name, "columns": list(columns)}


def string(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "string", "length": 20, **extra}


GOOD_FIRST_OP = table("notes", string("body"))

# id: (changeset document or raw text, rows files, expected message fragments)
CASES: dict[str, tuple[Any, dict[str, Any], list[str]]] = {
    "json syntax": (
        '{"ops": [\n  {"op": "drop_table",, }\n]}',
        {},
        ["line 2, column 23", "Expecting property name"],
    ),
    "not an object": ("[]", {}, ["a changeset is a JSON object", "found a list"]),
    "ops missing": ({"description": "x"}, {}, ["ops: missing required field 'ops'"]),
    "unknown op": (
        {"ops": [{"op": "create_tabel", "table": "t"}]},
        {},
        ["ops[0].op: unknown op 'create_tabel'", "'create_table'"],
    ),
    "op missing": ({"ops": [{"table": "t"}]}, {}, ['ops[0]: missing "op"']),
    "unknown type": (
        {"ops": [GOOD_FIRST_OP, table("t", string("a"), {"name": "b", "type": "strng"})]},
        {},
        ["ops[1].columns[1].type", "found 'strng'"],
    ),
    "unknown field": (
        {"ops": [table("t", string("a", colour="red"))]},
        {},
        ["ops[0].columns[0].colour: unknown field 'colour'"],
    ),
    "string without length": (
        {"ops": [table("t", {"name": "a", "type": "string"})]},
        {},
        ["ops[0].columns[0]", 'needs "length"'],
    ),
    "decimal without precision": (
        {"ops": [table("t", {"name": "a", "type": "decimal"})]},
        {},
        ['needs "precision"'],
    ),
    "enum default not in values": (
        {"ops": [table("t", {"name": "s", "type": "enum", "values": ["a", "b"], "default": "c"})]},
        {},
        ["ops[0].columns[0]", "enum default 'c' is not one of ['a', 'b']"],
    ),
    "identifier too long": (
        {"ops": [table("t" * 65, string("a"))]},
        {},
        ["ops[0].table", "65 characters long", "at most 64"],
    ),
    "identifier needing quotes": (
        {"ops": [table("t", string("a`; DROP TABLE customers; --"))]},
        {},
        ["ops[0].columns[0].name", "only letters, digits"],
    ),
    "duplicate column": (
        {"ops": [GOOD_FIRST_OP, table("t", string("a"), string("a"))]},
        {},
        ["ops[1].columns[1].name: duplicate column 'a'"],
    ),
    "table exists": (
        {"ops": [table("customers", string("a"))]},
        {},
        ["table 'customers' already exists"],
    ),
    "unknown table": (
        {"ops": [GOOD_FIRST_OP, {"op": "drop_table", "table": "nope"}]},
        {},
        ["ops[1].table: unknown table 'nope'", "known tables: customers, notes, orders"],
    ),
    "unknown column in insert": (
        {
            "ops": [
                {
                    "op": "insert",
                    "table": "customers",
                    "rows": [{"email": "z@x.io", "name": "Z", "colour": "red"}],
                }
            ]
        },
        {},
        ["ops[0].rows[0].colour", "has no column 'colour'"],
    ),
    "missing NOT NULL value": (
        {"ops": [{"op": "insert", "table": "customers", "rows": [{"email": "z@x.io"}]}]},
        {},
        ["ops[0].rows[0]", "missing value for NOT NULL column 'name'"],
    ),
    "update without where": (
        {"ops": [{"op": "update", "table": "customers", "set": {"name": "x"}}]},
        {},
        ["ops[0].where", 'empty "where" would match every row', '"all": true'],
    ),
    "delete without where": (
        {"ops": [{"op": "delete", "table": "orders", "where": {}}]},
        {},
        ["ops[0].where", 'empty "where"'],
    ),
    "unknown where operator": (
        {"ops": [{"op": "delete", "table": "orders", "where": {"total": {"between": [1, 2]}}}]},
        {},
        ["ops[0].where.total", "unknown operator 'between'"],
    ),
    "unknown where column": (
        {"ops": [{"op": "delete", "table": "orders", "where": {"amount": 1}}]},
        {},
        ["ops[0].where", "has no column 'amount'"],
    ),
    "NOT NULL column on table with rows": (
        {
            "ops": [
                {"op": "add_column", "table": "customers", "column": string("tier", nullable=False)}
            ]
        },
        {},
        ["ops[0].column", "NOT NULL column 'tier'", "which has rows", '"backfill"'],
    ),
    "ref to unknown table": (
        {
            "ops": [
                {
                    "op": "insert",
                    "table": "orders",
                    "rows": [
                        {
                            "reference": "Z",
                            "total": 1,
                            "customer_id": {
                                "$ref": {
                                    "table": "clients",
                                    "where": {"email": "a@x.io"},
                                    "column": "id",
                                }
                            },
                        }
                    ],
                }
            ]
        },
        {},
        ["ops[0].rows[0].customer_id.$ref.table", "unknown table 'clients'"],
    ),
    "ref with wrong keys": (
        {
            "ops": [
                {
                    "op": "insert",
                    "table": "orders",
                    "rows": [
                        {
                            "reference": "Z",
                            "total": 1,
                            "customer_id": {"$ref": {"table": "customers"}},
                        }
                    ],
                }
            ]
        },
        {},
        ["ops[0].rows[0].customer_id.$ref", "needs exactly the keys"],
    ),
    "drop a referenced table": (
        {
            "ops": [
                {"op": "drop_index", "table": "customers", "name": "uq_customers_email"},
                {"op": "drop_table", "table": "customers"},
            ]
        },
        {},
        ["ops[1]", "still referenced by foreign key 'fk_orders_customer_id' of table 'orders'"],
    ),
    "unknown index": (
        {"ops": [{"op": "drop_index", "table": "customers", "name": "ix_nope"}]},
        {},
        ["ops[0].name", "has no index 'ix_nope'", "uq_customers_email"],
    ),
    "upsert key not unique": (
        {
            "ops": [
                {
                    "op": "upsert",
                    "table": "customers",
                    "key": ["name"],
                    "rows": [{"email": "a@x.io", "name": "A"}],
                }
            ]
        },
        {},
        ["ops[0].key", "not the primary key or a unique index"],
    ),
    "load file missing": (
        {"ops": [{"op": "load", "table": "customers", "file": "nope.json"}]},
        {},
        ["ops[0].file: rows file nope.json: file not found"],
    ),
    "load rows with unknown column": (
        {"ops": [{"op": "load", "table": "customers", "file": "rows.json"}]},
        {"rows.json": [{"email": "q@x.io", "name": "Q"}, {"email": "r@x.io", "nam": "R"}]},
        ["ops[0].file", "in rows file rows.json", "[1].nam", "has no column 'nam'"],
    ),
    "foreign key to unknown column": (
        {
            "ops": [
                table(
                    "t",
                    {
                        "name": "c",
                        "type": "bigint",
                        "references": {"table": "customers", "column": "uid"},
                    },
                )
            ]
        },
        {},
        ["ops[0].columns[0].references.columns", "has no column 'uid'"],
    ),
    "explicit downgrade invalid": (
        {"ops": [GOOD_FIRST_OP], "downgrade": [{"op": "drop_table", "table": "note"}]},
        {},
        ["downgrade[0].table: unknown table 'note'"],
    ),
    "alter to an invalid column": (
        {
            "ops": [
                {"op": "alter_column", "table": "customers", "column": "name", "type": "decimal"}
            ]
        },
        {},
        ["ops[0]", 'needs "precision"'],
    ),
}


@pytest.fixture
def db_url(sqlite_url: URL) -> URL:
    """SQLite per case; MySQL gets every case in one database (the test after these)."""
    return sqlite_url


@pytest.fixture
def project(tmp_path: Path, engine: Engine) -> ChangesetProject:
    """A database at the base revision, and a project to add the bad revision to."""
    project = ChangesetProject(tmp_path / "project")
    project.add(BASE)
    project.upgrade()
    return project


def expect_refusal(project: ChangesetProject, engine: Engine, case: str) -> None:
    document, rows_files, fragments = CASES[case]
    before = snapshot(engine, with_timestamps=True)
    revision = project.add(document, rows_files)
    with pytest.raises(ChangesetError) as raised:
        project.upgrade()
    message = str(raised.value)
    assert project.changeset_path(revision).name in message
    for fragment in fragments:
        assert fragment in message
    assert snapshot(engine, with_timestamps=True) == before


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_changeset_is_refused_and_nothing_changes(
    case: str, project: ChangesetProject, engine: Engine
) -> None:
    expect_refusal(project, engine, case)


@pytest.mark.mysql
def test_every_malformed_changeset_is_refused_on_mysql(
    tmp_path: Path, mysql_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    from {{ cookiecutter.project }}.db import create_db_engine
    from {{ cookiecutter.project }}.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", mysql_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    engine = create_db_engine()
    try:
        for index, case in enumerate(CASES):
            project = ChangesetProject(tmp_path / f"p{index}")
            project.add(BASE)
            if index == 0:
                project.upgrade()
            expect_refusal(project, engine, case)
    finally:
        engine.dispose()
        get_settings.cache_clear()


def test_command_line_prints_the_error_and_exits_non_zero(project: ChangesetProject) -> None:
    project.add({"ops": [{"op": "drop_table", "table": "nope"}]})
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "r002_test.json: ops[0].table: unknown table 'nope'" in output
    assert "Traceback" not in output
