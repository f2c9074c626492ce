"""A seed run: read every file, check everything, then write it all in one transaction."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from sqlalchemy import Connection, MetaData
from sqlalchemy.schema import sort_tables_and_constraints

from ..db import create_db_engine
from ..settings import Settings, get_settings
from .files import SeedEntry, read_seed_file
from .plan import plan_table
from .refs import RefResolver
from .report import TableResult, print_summary, progress_bar
from .rows import TableLoad, build_loads
from .write import apply_fixups, check_foreign_keys, foreign_keys_relaxed, write_plan

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def seed_files(settings: Settings) -> list[Path]:
    """`seeds/*.json` in file-name order (SEEDS_DIR relative to the project folder)."""
    folder = Path(settings.seeds_dir)
    if not folder.is_absolute():
        folder = PROJECT_ROOT / folder
    return sorted(folder.glob("*.json"))


def run_seeds(
    settings: Settings | None = None,
    files: list[Path] | None = None,
    *,
    dry_run: bool = False,
    console: Console | None = None,
) -> list[TableResult]:
    """Load the seed files (all of `seeds/` by default) and print what changed."""
    settings = settings or get_settings()
    console = console or Console()
    paths = seed_files(settings) if files is None else files
    if not paths:
        console.print(f"No seed files in {settings.seeds_dir}/: nothing to do.")
        return []
    with _collector_paused():
        entries = [entry for path in paths for entry in read_seed_file(path)]
        engine = create_db_engine(settings=settings)
        try:
            with engine.connect() as connection:
                results = seed(connection, entries, dry_run=dry_run, console=console)
        finally:
            engine.dispose()
    print_summary(console, results, dry_run)
    return results


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsed rows are many small dicts, none in a reference cycle: the cyclic garbage collector
    would walk them all again and again while they are made (about a tenth of a first load).
    Anything cyclic left behind is collected once it runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def seed(
    connection: Connection, entries: list[SeedEntry], *, dry_run: bool, console: Console
) -> list[TableResult]:
    """Check every entry against the database, then (unless `dry_run`) write them, atomically."""
    with connection.begin():
        _open_transaction_now(connection)
        metadata = MetaData()
        metadata.reflect(connection)
        loads = build_loads(entries, metadata)
        ordered = dependency_order(loads)
        resolver = RefResolver(connection, metadata, loads)
        plans = [plan_table(connection, load, resolver) for load in ordered]
        if dry_run:
            return [TableResult.of(plan) for plan in plans]
        total = sum(len(p.inserts) + len(p.updates) for p in plans)
        with foreign_keys_relaxed(connection), progress_bar(console, total) as advance:
            for index, plan in enumerate(plans):
                if plan.waiting:
                    # Its $ref targets are written now: look them up again.
                    plan = plans[index] = plan_table(connection, plan.load, resolver, writing=True)
                write_plan(connection, plan, advance)
            apply_fixups(connection, plans, resolver)
            check_foreign_keys(connection, metadata, set(loads))
        return [TableResult.of(plan) for plan in plans]


def _open_transaction_now(connection: Connection) -> None:
    """pysqlite opens its transaction only at the first write, so reads before it autocommit
    (and reset SQLite's deferred foreign keys); begin it explicitly so the run is one unit."""
    driver_connection = connection.connection.driver_connection
    if connection.dialect.name == "sqlite" and not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def dependency_order(loads: dict[str, TableLoad]) -> list[TableLoad]:
    """Parents before children, from the reflected foreign keys; cycles in any order."""
    tables = [load.table for load in loads.values()]
    return [
        loads[table.name] for table, _ in sort_tables_and_constraints(tables) if table is not None
    ]
