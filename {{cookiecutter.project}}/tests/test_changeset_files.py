"""The files around changesets: revision + stub from `alembic revision`, the JSON Schema."""

import json
import os
import subprocess
import sys
from pathlib import Path

from {{ cookiecutter.project }}.changesets.schema import render

from .changeset_project import PROJECT_ROOT, ChangesetProject


def test_committed_json_schema_is_current() -> None:
    committed = (PROJECT_ROOT / "migrations" / "changeset.schema.json").read_text()
    assert committed == render(), "stale schema: run `make schema`"


def revision(project: ChangesetProject, message: str) -> tuple[str, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "revision", "-m", message],
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (script,) = (project.root / "migrations" / "versions").glob("*.py")
    stub = project.changesets / f"{script.stem}.json"
    return script.read_text(), json.loads(stub.read_text())


def test_revision_writes_a_thin_script_and_a_changeset_stub(tmp_path: Path) -> None:
    script, stub = revision(ChangesetProject(tmp_path), "add loyalty points")
    assert stub == {
        "$schema": "../changeset.schema.json",
        "description": "add loyalty points",
        "ops": [],
    }
    assert "op.upgrade_changeset(revision, changeset)" in script
    assert "op.downgrade_changeset(revision, changeset)" in script
    assert "_add_loyalty_points.json" in script
    assert "create_table" not in script and "sa." not in script


def test_create_table_message_prefills_a_skeleton(tmp_path: Path) -> None:
    _, stub = revision(ChangesetProject(tmp_path), "create products table")
    (op,) = stub["ops"]
    assert (op["op"], op["table"]) == ("create_table", "products")
