"""The shipped example changesets (customers, orders): applied, undone and re-applied, printed
as SQL, and migrated by four processes at once."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine, text

from .changeset_project import PROJECT_ROOT, ChangesetProject, rows, snapshot

HEAD = "8e4b2d7c6a02"


def test_examples_apply_with_defaults_update_delete_and_refs(
    tmp_path: Path, engine: Engine
) -> None:
    ChangesetProject(tmp_path, with_examples=True).upgrade()
    assert rows(engine, "customers", "email", "country", "balance", "status") == [
        ("asha@example.com", "IN", Decimal("0.00"), "active"),
        ("bruno@example.com", "BR", Decimal("120.50"), "active"),
        ("chen@example.com", "CN", Decimal("0.00"), "blocked"),
    ]
    assert rows(engine, "orders", "reference", "customer_id", "status") == [
        ("ORD-1001", 1, "new"),
        ("ORD-1002", 2, "paid"),
    ]


def test_round_trip_gives_the_same_schema_and_data(tmp_path: Path, engine: Engine) -> None:
    project = ChangesetProject(tmp_path, with_examples=True)
    project.upgrade()
    applied = snapshot(engine)
    project.downgrade("base")
    assert snapshot(engine) == {}
    project.upgrade()
    assert snapshot(engine) == applied


@pytest.mark.mysql
def test_sql_output_of_the_examples_runs_on_mysql(
    tmp_path: Path, mysql_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", mysql_url.render_as_string(hide_password=False))
    sql = ChangesetProject(tmp_path, with_examples=True).sql()
    lines = [line for line in sql.splitlines() if not line.startswith("-- ")]
    statements = [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]
    engine = create_engine(mysql_url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
            )
            assert connection.execute(text("SELECT count(*) FROM orders")).scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.mysql
def test_four_concurrent_upgrades_apply_each_changeset_once(mysql_url: URL) -> None:
    env = {**os.environ, "DATABASE_URL": mysql_url.render_as_string(hide_password=False)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    assert sum(output.count("Running upgrade  -> ") for output in outputs) == 1

    engine = create_engine(mysql_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            journal = connection.execute(text("SELECT revision FROM changeset_journal")).all()
            customers = connection.execute(text("SELECT count(*) FROM customers")).scalar()
        assert versions == [(HEAD,)]
        assert sorted(journal) == [("5f3a1c2b9d01",), (HEAD,)]
        assert customers == 3
    finally:
        engine.dispose()
