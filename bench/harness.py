"""What every benchmark needs: a freshly baked project and a scratch database it drops after."""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cookiecutter.main import cookiecutter
from sqlalchemy import URL, create_engine, make_url, text

TEMPLATE = Path(__file__).resolve().parent.parent


def server_url() -> URL:
    """The MySQL/MariaDB server the benchmarks use, as the template's tests do."""
    return make_url(os.environ.get("TEST_DATABASE_URL", "mysql+mysqldb://root:@127.0.0.1:3306/"))


def bake(into: Path, package: str) -> Path:
    """The template with default answers, its package named `package`."""
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, output_dir=str(into), extra_context={"project": package}
        )
    )


@contextmanager
def scratch_database(server: URL, prefix: str) -> Iterator[URL]:
    """A new utf8mb4 database on `server`, dropped on the way out whatever happened."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server)
    with admin.connect() as connection:
        connection.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    try:
        yield server.set(database=name, query={"charset": "utf8mb4"})
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
