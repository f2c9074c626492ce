"""Alembic environment: URL from settings, one migrator at a time on MySQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text

from {{ cookiecutter.project }}.changesets import journal
from {{ cookiecutter.project }}.changesets.migration import changesets_dir
from {{ cookiecutter.project }}.db import create_db_engine, is_mysql
from {{ cookiecutter.project }}.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

LOCK_TIMEOUT_SECONDS = 300


class MigrationLockError(RuntimeError):
    pass


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold a MySQL named lock so replicas starting together migrate exactly once."""
    if not is_mysql(connection.engine.url):
        yield
        return
    name = f"alembic:{connection.engine.url.database}"
    got = connection.execute(
        text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": LOCK_TIMEOUT_SECONDS}
    ).scalar()
    # The lock belongs to the session, so ending the transaction keeps it.
    connection.commit()
    if got != 1:
        raise MigrationLockError(
            f"could not take the migration lock {name!r} within {LOCK_TIMEOUT_SECONDS}s "
            f"(GET_LOCK returned {got!r}); is another migration stuck?"
        )
    try:
        yield
    finally:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        connection.commit()


def run_migrations_offline() -> None:
    context.configure(
        url=get_settings().url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_db_engine()
    try:
        with engine.connect() as connection, migration_lock(connection):
            # Refuse to run when an applied changeset was edited since (checksum drift).
            journal.verify(connection, changesets_dir(context.script))
            connection.commit()
            context.configure(
                connection=connection,
                render_as_batch=connection.dialect.name == "sqlite",
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
