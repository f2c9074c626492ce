"""Seed 100,000 JSON rows into MySQL/MariaDB: first load and re-run vs LOAD DATA and an ORM loop.

    .venv/bin/python bench/bench_seed.py [--rows N] [--repeat N]

Bakes the template into a temporary folder, creates a scratch database on TEST_DATABASE_URL
(default root@127.0.0.1:3306) and measures, side by side on the same rows and table:
- `LOAD DATA LOCAL INFILE` of a TSV file (the physical limit; enables the server's local_infile
  for the run when it is off, and restores it);
- the seed loader's first load (empty table), in a child process that also reports its peak
  memory; then its re-run (every row unchanged);
- a plain ORM loop (`session.add` per row, one commit).
The seed timing covers reading and parsing the file, reflection, validation, planning, writing
and the commit; the child's interpreter start-up and imports are reported apart. Prints
figures and ratios; asserts nothing. Best of --repeat runs for the fast measurements.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import MySQLdb
from harness import bake, scratch_database, server_url
from sqlalchemy import URL, Engine, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

PROJECT = "bench_seed"
TABLE_DDL = """
CREATE TABLE items (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    sku VARCHAR(32) NOT NULL UNIQUE,
    name VARCHAR(100) NOT NULL,
    price DECIMAL(12, 2) NOT NULL,
    qty INT NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str]
    name: Mapped[str]
    price: Mapped[Decimal]
    qty: Mapped[int]


def sample_rows(count: int) -> list[dict]:
    return [
        {
            "sku": f"SKU{i:08d}",
            "name": f"Item number {i}",
            "price": f"{i % 10000}.{i % 100:02d}",
            "qty": i % 50,
        }
        for i in range(count)
    ]


def child(project: str, url: str, seed_file: str) -> None:
    """Runs in a fresh interpreter: one seed run, timed, with its peak memory."""
    started = time.perf_counter()
    sys.path.insert(0, project)
    os.environ["DATABASE_URL"] = url
    from io import StringIO

    from rich.console import Console

    seed = __import__(f"{PROJECT}.seed", fromlist=["run_seeds"])
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    imported = time.perf_counter()
    results = seed.run_seeds(files=[Path(seed_file)], console=Console(file=StringIO()))
    finished = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (result,) = results
    print(
        json.dumps(
            {
                "seconds": finished - imported,
                "startup": imported - started,
                "baseline_mb": baseline / 1024,
                "peak_mb": peak / 1024,
                "inserted": result.inserted,
                "unchanged": result.unchanged,
            }
        )
    )


def run_seed(project: Path, url: URL, seed_file: Path) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(project),
            url.render_as_string(False),
            str(seed_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"seed failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


def truncate(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE TABLE items"))


def load_data(url: URL, tsv: Path) -> float:
    connection = MySQLdb.connect(
        host=url.host,
        port=url.port or 3306,
        user=url.username,
        password=url.password or "",
        database=url.database,
        charset="utf8mb4",
        local_infile=1,
    )
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        cursor.execute(
            f"LOAD DATA LOCAL INFILE '{tsv}' INTO TABLE items "
            "FIELDS TERMINATED BY '\\t' (sku, name, price, qty)"
        )
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def orm_loop(engine: Engine, rows: list[dict]) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        for row in rows:
            session.add(
                Item(sku=row["sku"], name=row["name"], price=Decimal(row["price"]), qty=row["qty"])
            )
        session.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    server = server_url()
    admin = create_engine(server)
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(server, "bench_seed") as url,
        admin.connect() as connection,
    ):
        work = Path(folder)
        project = bake(work, PROJECT)
        rows = sample_rows(args.rows)
        seed_file = work / "items.json"
        seed_file.write_text(json.dumps({"table": "items", "key": "sku", "rows": rows}))
        tsv = work / "items.tsv"
        tsv.write_text(
            "".join(f"{r['sku']}\t{r['name']}\t{r['price']}\t{r['qty']}\n" for r in rows)
        )
        infile_was = connection.execute(text("SELECT @@GLOBAL.local_infile")).scalar()
        try:
            if not infile_was:
                connection.execute(text("SET GLOBAL local_infile = 1"))
            engine = create_engine(url)
            with engine.begin() as setup:
                setup.execute(text(TABLE_DDL))
            report(measure(args, engine, url, project, seed_file, tsv, rows), args.rows)
            engine.dispose()
        finally:
            if not infile_was:
                connection.execute(text("SET GLOBAL local_infile = 0"))
    admin.dispose()


def measure(args, engine, url, project, seed_file, tsv, rows) -> dict:
    figures: dict = {"load_data": [], "first": [], "rerun": []}
    for _ in range(args.repeat):
        truncate(engine)
        figures["load_data"].append(load_data(url, tsv))
        truncate(engine)
        first = run_seed(project, url, seed_file)
        assert first["inserted"] == args.rows, first
        figures["first"].append(first)
        rerun = run_seed(project, url, seed_file)
        assert rerun["unchanged"] == args.rows, rerun
        figures["rerun"].append(rerun)
    truncate(engine)
    figures["orm"] = orm_loop(engine, rows)
    return figures


def report(figures: dict, count: int) -> None:
    load = min(figures["load_data"])
    first = min(figures["first"], key=lambda f: f["seconds"])
    rerun = min(figures["rerun"], key=lambda f: f["seconds"])
    orm = figures["orm"]
    print(
        f"seed benchmark: {count:,} rows into a table with a unique key (best of "
        f"{len(figures['first'])})"
    )
    print(f"{'method':<34}{'seconds':>9}{'rows/s':>12}{'vs LOAD DATA':>14}")
    for label, seconds in (
        ("LOAD DATA LOCAL INFILE", load),
        ("seed, first load", first["seconds"]),
        ("seed, re-run (all unchanged)", rerun["seconds"]),
        ("ORM loop (session.add per row)", orm),
    ):
        print(f"{label:<34}{seconds:>9.3f}{count / seconds:>12,.0f}{seconds / load:>13.2f}x")
    print(f"seed first load is {orm / first['seconds']:.1f}x faster than the ORM loop")
    print(
        f"seed process peak RSS: first load {first['peak_mb']:.0f} MB, re-run "
        f"{rerun['peak_mb']:.0f} MB (after imports: {first['baseline_mb']:.0f} MB); "
        f"interpreter start-up and imports {first['startup']:.2f}s, not counted above"
    )


if __name__ == "__main__":
    main()
