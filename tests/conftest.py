"""Shared fixtures: baked projects and a scratch MySQL/MariaDB database for host-side runs."""

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text

TEMPLATE = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_MYSQL = "mysql+mysqldb://root:@127.0.0.1:3306/"


@dataclass
class Baked:
    path: Path
    package: str

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a user's shell would have in the project, with our venv on PATH."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
        return env | extra

    def run(self, *cmd: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            cmd, cwd=self.path, env=self.env(**env), capture_output=True, text=True, timeout=timeout
        )


def bake(cookies, **context: object) -> Baked:
    result = cookies.bake(extra_context=context)
    assert result.exit_code == 0, result.exception
    return Baked(result.project_path, result.context["project"])


@pytest.fixture(scope="session")
def baked(cookies_session) -> Baked:
    """One project with the default answers (slug shop_api), shared by read-only tests."""
    return bake(cookies_session, project="shop_api")


def mysql_server_url() -> URL:
    raw = os.environ.get("TEST_DATABASE_URL", DEFAULT_MYSQL)
    url = make_url(raw)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        if os.environ.get("REQUIRE_MYSQL") == "1":
            pytest.fail(f"REQUIRE_MYSQL=1 but MySQL at {url.host}:{url.port} fails: {error}")
        pytest.skip(f"MySQL at {url.host}:{url.port} not reachable; set TEST_DATABASE_URL")
    finally:
        engine.dispose()
    return url


@dataclass
class AppDatabase:
    """A scratch database and a non-root user owning it, as compose's db service creates."""

    host: str
    port: int
    name: str
    user: str
    password: str

    def env(self) -> dict[str, str]:
        return {
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_NAME": self.name,
            "DB_USER": self.user,
            "DB_PASSWORD": self.password,
        }


@pytest.fixture
def app_database() -> Iterator[AppDatabase]:
    server = mysql_server_url()
    suffix = secrets.token_hex(4)
    db = AppDatabase(
        server.host or "127.0.0.1",
        server.port or 3306,
        f"tpl_{suffix}",
        f"app_{suffix}",
        secrets.token_urlsafe(16),
    )
    admin = create_engine(server)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE `{db.name}` CHARACTER SET utf8mb4"))
        connection.execute(
            text(f"CREATE USER '{db.user}'@'%' IDENTIFIED BY :pw"), {"pw": db.password}
        )
        connection.execute(text(f"GRANT ALL ON `{db.name}`.* TO '{db.user}'@'%'"))
    try:
        yield db
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{db.name}`"))
            connection.execute(text(f"DROP USER IF EXISTS '{db.user}'@'%'"))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
