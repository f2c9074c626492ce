"""Engine creation: the one place that knows how each backend wants to be connected."""

import sqlite3

from sqlalchemy import URL, Engine, create_engine, event

from .settings import Settings, get_settings


def is_mysql(url: URL) -> bool:
    return url.get_backend_name() in {"mysql", "mariadb"}


def create_db_engine(url: URL | None = None, settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    url = url or settings.url
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_recycle=settings.db_pool_recycle)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # SQLite leaves foreign keys unenforced unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
