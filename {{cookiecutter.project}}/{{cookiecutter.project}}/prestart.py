"""Container start-up before the server: wait for the database, migrate, seed.

`scripts/entrypoint.sh` runs this, then execs the server. Each step can be run alone:
`python -m {{ cookiecutter.project }}.prestart wait|migrate|all`.
"""

import argparse
import logging
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from .db import create_db_engine
from .settings import Settings, get_settings

log = logging.getLogger("{{ cookiecutter.project }}.prestart")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DatabaseUnavailable(RuntimeError):
    pass


def wait_for_database(engine: Engine, timeout: float, first_delay: float = 0.5) -> None:
    """Retry a real `SELECT 1` as the app user with exponential backoff, up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            log.info("database is ready (attempt %d)", attempt)
            return
        except OperationalError as error:
            reason = _reason(error)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DatabaseUnavailable(
                    f"database at {_where(engine)} not reachable after {timeout:g}s "
                    f"({attempt} attempts): {reason}"
                ) from None
            log.warning("database not ready (%s); retrying in %.1fs", reason, min(delay, remaining))
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def _where(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return url.render_as_string(hide_password=True)
    return f"{url.host}:{url.port or 3306}/{url.database} as {url.username}"


def _reason(error: OperationalError) -> str:
    """The server's own message, e.g. "Access denied for user ...", without the SQL or URL."""
    args = getattr(error.orig, "args", ())
    if len(args) >= 2:
        return f"({args[0]}) {args[1]}"
    return str(error.orig)


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def migrate() -> None:
    command.upgrade(alembic_config(), "head")


def seed(settings: Settings) -> None:
    """Load seeds/*.json; a bad seed stops the start-up with its message (nothing is written)."""
    from .seed import SeedError, run_seeds

    try:
        run_seeds(settings=settings)
    except SeedError as error:
        log.error("seeding failed, nothing written: %s", error)
        raise SystemExit(1) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", nargs="?", default="all", choices=["wait", "migrate", "all"])
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    engine = create_db_engine(settings=settings)
    try:
        wait_for_database(engine, settings.db_wait_timeout)
    except DatabaseUnavailable as error:
        log.error("%s", error)
        return 1
    finally:
        engine.dispose()
    if args.step in {"migrate", "all"} and (args.step == "migrate" or settings.migrate_on_start):
        migrate()
    if args.step == "all" and settings.seed_on_start:
        seed(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
