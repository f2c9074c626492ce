"""Which tables the API serves and how: fixed exclusions plus the `api_*` settings."""

import logging
from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from ..settings import Settings

log = logging.getLogger(__name__)

# Bookkeeping tables no setting can expose: Alembic's and the changeset engine's journal.
NEVER_EXPOSED = frozenset({"alembic_version"})
JOURNAL_PREFIX = "changeset_"


@dataclass(frozen=True)
class TablePolicy:
    """What the settings allow for one table."""

    read_only: bool = False
    hidden_columns: frozenset[str] = frozenset()
    max_page_size: int = 100
    allow_delete_all: bool = False


def is_bookkeeping(table_name: str) -> bool:
    return table_name in NEVER_EXPOSED or table_name.startswith(JOURNAL_PREFIX)


def exposed_tables(metadata: MetaData, settings: Settings) -> list[tuple[Table, TablePolicy]]:
    """The tables to serve, by name, each with its policy; settings naming nothing are logged."""
    tables = metadata.tables
    hidden: dict[str, set[str]] = {}
    for entry in settings.api_hidden_columns:
        table_name, dot, column_name = entry.rpartition(".")
        if not dot or table_name not in tables or column_name not in tables[table_name].c:
            log.warning("API_HIDDEN_COLUMNS: %r names no column (expected table.column)", entry)
            continue
        hidden.setdefault(table_name, set()).add(column_name)
    for setting in ("api_exclude_tables", "api_read_only_tables"):
        for name in getattr(settings, setting):
            if name not in tables:
                log.warning("%s: no table named %r", setting.upper(), name)
    served = []
    for name in sorted(tables):
        if is_bookkeeping(name) or name in settings.api_exclude_tables:
            continue
        policy = TablePolicy(
            read_only=name in settings.api_read_only_tables,
            hidden_columns=frozenset(hidden.get(name, ())),
            max_page_size=settings.api_max_page_size,
            allow_delete_all=settings.api_allow_delete_all,
        )
        served.append((tables[name], policy))
    return served
