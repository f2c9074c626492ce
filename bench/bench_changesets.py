"""JSON changesets against the same work written by hand with Alembic's `op.*`.

Bakes a project and, for each side, a throwaway Alembic project (the generated env.py) on its
own fresh scratch database on TEST_DATABASE_URL (default mysql+mysqldb://root:@127.0.0.1:3306/):

- DDL: one revision creating 50 tables (preset id/created_at/updated_at, a unique string, an
  indexed integer, a decimal, an enum, a text) vs the same `op.create_table` + `op.create_index`;
- rows: one revision inserting 100,000 rows (both read the same JSON rows) vs `op.bulk_insert`,
  and raw mysqlclient `executemany` of the same rows for reference.

After a warm-up run of each side, rounds alternate the sides; medians are printed side by side
with their ratio. No asserts.

    .venv/bin/python bench/bench_changesets.py [--rounds 5] [--rows 100000] [--tables 50]
"""

import argparse
import importlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness import bake, scratch_database, server_url
from sqlalchemy import URL

PACKAGE = "bench_changesets_api"
MYSQL_OPTIONS = 'mysql_engine="InnoDB", mysql_charset="utf8mb4", mysql_collate="utf8mb4_unicode_ci"'

REVISION = '''"""{message}"""
{imports}
revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None
changeset = {changeset!r}


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
    pass
'''
CHANGESET_UPGRADE = "    op.upgrade_changeset(revision, changeset)"
HAND_IMPORTS = """
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op
"""


def table_columns(index: int) -> list[dict]:
    return [
        {"name": "code", "type": "string", "length": 32, "nullable": False, "unique": True},
        {"name": "qty", "type": "integer", "index": True, "default": 0},
        {"name": "price", "type": "decimal", "precision": 12, "scale": 2, "default": 0},
        {"name": "state", "type": "enum", "values": ["new", "done"], "default": "new"},
        {"name": "note", "type": "text"},
        {"name": "label", "type": "string", "length": 100, "comment": f"table {index}"},
    ]


def hand_table(name: str, comment: str) -> str:
    """The hand-written equivalent of one create_table with the preset columns."""
    return f"""    op.create_table(
        {name!r},
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("qty", sa.Integer, server_default=sa.text("0")),
        sa.Column("price", sa.Numeric(12, 2), server_default=sa.text("0")),
        sa.Column("state", sa.Enum("new", "done"), server_default=sa.text("'new'")),
        sa.Column("note", sa.Text),
        sa.Column("label", sa.String(100), comment={comment!r}),
        sa.Column("created_at", sa.DateTime, nullable=False,
                  server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("updated_at", sa.DateTime, nullable=False,
                  server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")),
        {MYSQL_OPTIONS},
    )
    op.create_index("uq_{name}_code", {name!r}, ["code"], unique=True)
    op.create_index("ix_{name}_qty", {name!r}, ["qty"])
"""


class Side:
    """A throwaway Alembic project (the baked env.py) with revisions a benchmark writes."""

    def __init__(self, root: Path, project: Path) -> None:
        self.root = root
        migrations = root / "migrations"
        (migrations / "versions").mkdir(parents=True)
        (migrations / "changesets").mkdir()
        shutil.copy(project / "alembic.ini", root / "alembic.ini")
        shutil.copy(project / "migrations" / "env.py", migrations / "env.py")
        self.revisions: list[str] = []

    def add(self, upgrade: str, imports: str, changeset: dict | None = None) -> str:
        revision = f"r{len(self.revisions) + 1:03d}"
        name = f"{revision}.json"
        if changeset is not None:
            (self.root / "migrations" / "changesets" / name).write_text(json.dumps(changeset))
        source = REVISION.format(
            message=revision,
            imports=imports,
            revision=revision,
            down=self.revisions[-1] if self.revisions else None,
            changeset=name,
            upgrade=upgrade,
        )
        (self.root / "migrations" / "versions" / f"{revision}.py").write_text(source)
        self.revisions.append(revision)
        return revision

    def upgrade(self, url: URL, target: str) -> float:
        from alembic import command
        from alembic.config import Config

        os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
        settings = importlib.import_module(f"{PACKAGE}.settings")
        settings.get_settings.cache_clear()
        config = Config(str(self.root / "alembic.ini"))
        config.attributes["configure_logger"] = False
        started = time.perf_counter()
        command.upgrade(config, target)
        return time.perf_counter() - started


def bake_importable(into: Path) -> Path:
    path = bake(into, PACKAGE)
    sys.path.insert(0, str(path))
    __import__(f"{PACKAGE}.changesets.migration")  # registers op.upgrade_changeset
    return path


def ddl_sides(work: Path, project: Path, tables: int) -> tuple[Side, Side]:
    json_side = Side(work / "ddl_json", project)
    ops = [
        {"op": "create_table", "table": f"t{i:03d}", "columns": table_columns(i)}
        for i in range(tables)
    ]
    json_side.add(CHANGESET_UPGRADE, "\nfrom alembic import op\n", {"ops": ops})
    hand_side = Side(work / "ddl_hand", project)
    body = "".join(hand_table(f"t{i:03d}", f"table {i}") for i in range(tables))
    hand_side.add(body, HAND_IMPORTS)
    return json_side, hand_side


ITEMS = {
    "op": "create_table",
    "table": "items",
    "columns": [
        {"name": "code", "type": "string", "length": 32, "nullable": False, "unique": True},
        {"name": "name", "type": "string", "length": 100, "nullable": False},
        {"name": "qty", "type": "integer", "default": 0},
        {"name": "price", "type": "decimal", "precision": 12, "scale": 2, "default": 0},
    ],
}


def rows_sides(work: Path, project: Path, count: int) -> tuple[Side, Side, list[dict]]:
    rows = [
        {"code": f"C{i:07d}", "name": f"item {i}", "qty": i % 100, "price": f"{i % 1000}.50"}
        for i in range(count)
    ]
    json_side = Side(work / "rows_json", project)
    json_side.add(CHANGESET_UPGRADE, "\nfrom alembic import op\n", {"ops": [ITEMS]})
    json_side.add(
        CHANGESET_UPGRADE,
        "\nfrom alembic import op\n",
        {"ops": [{"op": "insert", "table": "items", "rows": rows}]},
    )
    hand_side = Side(work / "rows_hand", project)
    hand_side.add(CHANGESET_UPGRADE, "\nfrom alembic import op\n", {"ops": [ITEMS]})
    rows_file = hand_side.root / "migrations" / "items.json"
    rows_file.write_text(json.dumps(rows))
    body = f"""    items = sa.table(
        "items",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("qty", sa.Integer),
        sa.column("price", sa.Numeric(12, 2)),
    )
    op.bulk_insert(items, json.loads(Path({str(rows_file)!r}).read_text()))"""
    hand_side.add(body, HAND_IMPORTS)
    return json_side, hand_side, rows


def raw_executemany(url: URL, rows: list[dict]) -> float:
    """mysqlclient alone: the same INSERT with executemany, one transaction."""
    import MySQLdb

    connection = MySQLdb.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
        database=url.database, charset="utf8mb4",
    )  # fmt: skip
    try:
        cursor = connection.cursor()
        values = [(r["code"], r["name"], r["qty"], r["price"]) for r in rows]
        started = time.perf_counter()
        cursor.executemany(
            "INSERT INTO items (code, name, qty, price) VALUES (%s, %s, %s, %s)", values
        )
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def measure(server: URL, rounds: int, run: Callable[[URL], float]) -> list[float]:
    times = []
    for _ in range(rounds):
        with scratch_database(server, "bench") as url:
            times.append(run(url))
    return times


def report(title: str, unit_count: int, unit: str, figures: dict[str, list[float]]) -> None:
    baseline_name = next(name for name in figures if "hand" in name or "bulk_insert" in name)
    baseline = statistics.median(figures[baseline_name])
    print(f"\n{title}")
    print(f"  {'side':<34} {'median s':>9} {unit + '/s':>12} {'vs ' + baseline_name:>22}")
    for name, times in figures.items():
        median = statistics.median(times)
        print(
            f"  {name:<34} {median:>9.3f} {unit_count / median:>12,.0f} {median / baseline:>21.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tables", type=int, default=50)
    args = parser.parse_args()
    server = server_url()
    work = Path(tempfile.mkdtemp(prefix="bench_changesets_"))
    try:
        project = bake_importable(work)
        json_ddl, hand_ddl = ddl_sides(work, project, args.tables)
        ddl: dict[str, list[float]] = {"JSON changeset": [], "hand-written op.create_table": []}
        for side in (json_ddl, hand_ddl):  # warm-up: imports, first connections, caches
            measure(server, 1, lambda url, side=side: side.upgrade(url, "head"))
        for _ in range(args.rounds):  # alternate, so both see the same server state
            ddl["JSON changeset"] += measure(server, 1, lambda url: json_ddl.upgrade(url, "head"))
            ddl["hand-written op.create_table"] += measure(
                server, 1, lambda url: hand_ddl.upgrade(url, "head")
            )
        report(f"DDL: {args.tables} tables", args.tables, "tables", ddl)

        json_rows, hand_rows, rows = rows_sides(work, project, args.rows)
        figures: dict[str, list[float]] = {
            "JSON changeset insert": [],
            "op.bulk_insert": [],
            "raw mysqlclient executemany": [],
        }

        def timed(side: Side) -> Callable[[URL], float]:
            def run(url: URL) -> float:
                side.upgrade(url, "r001")
                return side.upgrade(url, "r002")

            return run

        def raw(url: URL) -> float:
            hand_rows.upgrade(url, "r001")
            return raw_executemany(url, rows)

        for side in (json_rows, hand_rows):
            measure(server, 1, timed(side))
        for _ in range(args.rounds):
            figures["JSON changeset insert"] += measure(server, 1, timed(json_rows))
            figures["op.bulk_insert"] += measure(server, 1, timed(hand_rows))
            figures["raw mysqlclient executemany"] += measure(server, 1, raw)
        report(f"Rows: {args.rows:,} rows in one revision", args.rows, "rows", figures)
        print(
            "\n  Revision times include Alembic's environment (env.py, lock, version table); "
            "the JSON side also validates, checksums and journals the changeset."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
