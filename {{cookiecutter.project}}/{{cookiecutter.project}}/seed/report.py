"""What a seed run did, per table, and a progress bar while it does it (on a terminal)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .plan import TablePlan
from .write import Advance

PROGRESS_FROM = 10_000  # rows written: smaller runs finish before a bar is worth drawing


@dataclass(frozen=True)
class TableResult:
    table: str
    mode: str
    files: tuple[str, ...]
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    skipped: bool  # empty_only, and the table already had rows

    @classmethod
    def of(cls, plan: TablePlan) -> "TableResult":
        load = plan.load
        return cls(
            load.name,
            load.mode,
            tuple(load.files),
            len(plan.inserts),
            len(plan.updates),
            plan.unchanged,
            len(plan.deletes),
            plan.skipped,
        )


def print_summary(console: Console, results: list[TableResult], dry_run: bool) -> None:
    title = "Seed plan (dry run: nothing written)" if dry_run else "Seeded"
    summary = Table(title=title, title_justify="left")
    summary.add_column("table")
    summary.add_column("mode")
    for heading in ("inserted", "updated", "unchanged", "deleted"):
        summary.add_column(heading, justify="right")
    summary.add_column("files", overflow="fold")
    for result in results:
        mode = f"{result.mode} (not empty: skipped)" if result.skipped else result.mode
        summary.add_row(
            result.table,
            mode,
            *(str(n) for n in (result.inserted, result.updated, result.unchanged, result.deleted)),
            ", ".join(result.files),
        )
    console.print(summary)


@contextmanager
def progress_bar(console: Console, total: int) -> Iterator[Advance]:
    """An `advance(rows)` callback, drawing a bar only on a terminal and for large runs."""
    if not console.is_terminal or total < PROGRESS_FROM:
        yield lambda _rows: None
        return
    columns = (
        TextColumn("seeding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("seed", total=total)
        yield lambda rows: progress.advance(task, rows)
