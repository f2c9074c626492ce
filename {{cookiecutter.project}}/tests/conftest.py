"""Test databases: every test gets its own scratch database, never the developer's.

Tests taking `db_url` run on SQLite and on the MySQL/MariaDB server named by TEST_DATABASE_URL
(e.g. mysql+mysqldb://root:@127.0.0.1:3306/). Without that server, MySQL cases skip with a
message; with REQUIRE_MYSQL=1 (CI) they fail instead.
"""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project }}.db import create_db_engine
from {{ cookiecutter.project }}.settings import Settings, get_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def mysql_server_url() -> URL:
    """The server for MySQL tests, or a skip (a failure under REQUIRE_MYSQL=1) saying why not."""
    raw = os.environ.get("TEST_DATABASE_URL")
    reason = None
    if not raw:
        reason = "TEST_DATABASE_URL is not set (e.g. mysql+mysqldb://root:@127.0.0.1:3306/)"
    else:
        url = make_url(raw)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            reason = f"MySQL at {url.host}:{url.port} is not reachable: {error.orig}"
        finally:
            engine.dispose()
    if reason:
        if os.environ.get("REQUIRE_MYSQL") == "1":
            pytest.fail(f"REQUIRE_MYSQL=1 but {reason}")
        pytest.skip(f"MySQL tests skipped: {reason}")
    return url


@pytest.fixture(scope="session")
def mysql_server() -> URL:
    return mysql_server_url()


@pytest.fixture
def mysql_url(mysql_server: URL) -> Iterator[URL]:
    """A fresh, empty database on the test server, dropped afterwards."""
    name = f"test_{secrets.token_hex(6)}"
    admin = create_engine(mysql_server)
    with admin.connect() as connection:
        connection.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    try:
        query = dict(mysql_server.query) | {"charset": "utf8mb4"}
        yield mysql_server.set(database=name, query=query)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    return make_url(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture(params=["sqlite", "mysql"])
def db_url(request: pytest.FixtureRequest) -> URL:
    """The same test on SQLite and on MySQL/MariaDB."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def settings(db_url: URL, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at the scratch database, for code and for subprocesses."""
    monkeypatch.setenv("DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(settings=settings)
    yield engine
    engine.dispose()


def run_in_project(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command the way a user would from the project folder (e.g. alembic)."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
