"""A changeset that fails while running leaves the database as it was before that revision,
names file, op and the database's message, and runs fine once fixed."""

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from {{ cookiecutter.project }}.changesets.errors import ChangesetError

from .changeset_project import ChangesetProject, snapshot
from .test_changeset_ops import BASE

FAILING = {
    "description": "DDL, DML, then a duplicate key",
    "ops": [
        {
            "op": "create_table",
            "table": "products",
            "columns": [{"name": "sku", "type": "string", "length": 20, "unique": True}],
        },
        {"op": "insert", "table": "products", "rows": [{"sku": "A"}]},
        {
            "op": "add_column",
            "table": "customers",
            "column": {"name": "vip", "type": "boolean", "default": False},
        },
        {"op": "update", "table": "customers", "set": {"vip": True}, "where": {"country": "BR"}},
        {"op": "delete", "table": "orders", "where": {"reference": "O1"}},
        {"op": "create_index", "table": "customers", "columns": ["name"]},
        {"op": "update", "table": "customers", "set": {"name": "Z"}, "where": {"email": "a@x.io"}},
        {"op": "insert", "table": "products", "rows": [{"sku": "B"}, {"sku": "A"}]},
    ],
}


def version(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_failure_mid_changeset_restores_the_database(tmp_path: Path, engine: Engine) -> None:
    project = ChangesetProject(tmp_path)
    base = project.add(BASE)
    project.upgrade()
    before = snapshot(engine, with_timestamps=True)
    revision = project.add(FAILING)

    with pytest.raises(ChangesetError) as raised:
        project.upgrade()

    message = str(raised.value)
    assert message.startswith("r002_test.json: ops[7]: insert failed: ")
    assert "Duplicate entry 'A'" in message or "UNIQUE constraint failed" in message
    assert snapshot(engine, with_timestamps=True) == before
    assert version(engine) == base

    fixed = copy.deepcopy(FAILING)
    fixed["ops"][-1]["rows"][-1]["sku"] = "C"
    project.changeset_path(revision).write_text(json.dumps(fixed))
    project.upgrade()
    assert version(engine) == revision
    with engine.connect() as connection:
        skus = connection.execute(text("SELECT sku FROM products ORDER BY sku")).scalars().all()
    assert skus == ["A", "B", "C"]
