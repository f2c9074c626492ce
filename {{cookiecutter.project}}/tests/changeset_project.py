"""A throwaway Alembic project in a temp folder, for changeset tests.

It has this project's alembic.ini, env.py and script.py.mako, and whatever revisions a test
adds; the database is the one DATABASE_URL names (the `settings` fixture sets it).
"""

import io
import json
import shutil
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, inspect, select

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SKIPPED_TABLES = {"alembic_version", "changeset_journal"}
TIMESTAMPS = {"created_at", "updated_at"}

REVISION = '''"""{message}"""

from alembic import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None
changeset = {changeset!r}


def upgrade() -> None:
    op.upgrade_changeset(revision, changeset)


def downgrade() -> None:
    op.downgrade_changeset(revision, changeset)
'''


class ChangesetProject:
    def __init__(self, root: Path, with_examples: bool = False) -> None:
        self.root = root
        migrations = root / "migrations"
        (migrations / "versions").mkdir(parents=True)
        (migrations / "changesets").mkdir()
        shutil.copy(PROJECT_ROOT / "alembic.ini", root / "alembic.ini")
        for name in ("env.py", "script.py.mako"):
            shutil.copy(PROJECT_ROOT / "migrations" / name, migrations / name)
        if with_examples:
            for folder in ("versions", "changesets"):
                for path in (PROJECT_ROOT / "migrations" / folder).glob("*.*"):
                    if path.suffix in {".py", ".json"}:
                        shutil.copy(path, migrations / folder / path.name)
        self.revisions: list[str] = []

    @property
    def changesets(self) -> Path:
        return self.root / "migrations" / "changesets"

    def config(self, output: io.StringIO | None = None) -> Config:
        config = Config(str(self.root / "alembic.ini"), output_buffer=output)
        config.attributes["configure_logger"] = False
        return config

    def add(self, changeset: dict[str, Any] | str, rows_files: dict[str, Any] | None = None) -> str:
        """Add a revision on top of the last one; return its id."""
        revision = f"r{len(self.revisions) + 1:03d}"
        name = f"{revision}_test.json"
        text = changeset if isinstance(changeset, str) else json.dumps(changeset, indent=2)
        (self.changesets / name).write_text(text)
        for file, rows in (rows_files or {}).items():
            (self.changesets / file).write_text(json.dumps(rows))
        down = self.revisions[-1] if self.revisions else None
        source = REVISION.format(message=revision, revision=revision, down=down, changeset=name)
        (self.root / "migrations" / "versions" / f"{revision}_test.py").write_text(source)
        self.revisions.append(revision)
        return revision

    def changeset_path(self, revision: str) -> Path:
        return self.changesets / f"{revision}_test.json"

    def upgrade(self, target: str = "head") -> None:
        command.upgrade(self.config(), target)

    def downgrade(self, target: str) -> None:
        command.downgrade(self.config(), target)

    def sql(self, target: str = "head") -> str:
        output = io.StringIO()
        command.upgrade(self.config(output), target, sql=True)
        return output.getvalue()


def snapshot(engine: Engine, with_timestamps: bool = False) -> dict[str, Any]:
    """Schema (tables, columns, types, defaults, keys, indexes) and rows, comparable with ==.

    Columns are compared by name, not position: a dropped column comes back at the end.
    """
    engine.dispose()  # SQLite connections can keep stale PRAGMA results after DDL elsewhere
    inspector = inspect(engine)
    result: dict[str, Any] = {}
    metadata = MetaData()
    metadata.reflect(engine)
    for name in sorted(set(inspector.get_table_names()) - SKIPPED_TABLES):
        columns = sorted(
            (c["name"], str(c["type"]), c["nullable"], _default(c.get("default")))
            for c in inspector.get_columns(name)
        )
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(name)
        )
        foreign_keys = sorted(
            (
                fk["name"],
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
            )
            for fk in inspector.get_foreign_keys(name)
        )
        primary_key = tuple(inspector.get_pk_constraint(name)["constrained_columns"])
        table = metadata.tables[name]
        kept = sorted(
            (c for c in table.columns if with_timestamps or c.name not in TIMESTAMPS),
            key=lambda c: c.name,
        )
        with engine.connect() as connection:
            rows = sorted(tuple(row) for row in connection.execute(select(*kept)).all())
        result[name] = {
            "columns": columns,
            "indexes": indexes,
            "foreign_keys": foreign_keys,
            "primary_key": primary_key,
            "rows": rows,
        }
    return result


def _default(value: str | None) -> str | None:
    """MariaDB and SQLite spell defaults differently between reflections; normalise quotes."""
    return None if value is None else str(value).strip("'\"").lower()


def rows(engine: Engine, table: str, *columns: str) -> list[tuple[Any, ...]]:
    engine.dispose()
    metadata = MetaData()
    metadata.reflect(engine, only=[table])
    target = metadata.tables[table]
    with engine.connect() as connection:
        return sorted(
            tuple(row) for row in connection.execute(select(*(target.c[c] for c in columns)))
        )
