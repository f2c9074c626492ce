"""The CRUD routes against a hand-written FastAPI endpoint doing the same SELECT.

Bakes a project, migrates a scratch MariaDB/MySQL database with the example changesets, adds
rows, and serves ONE app (one uvicorn worker) holding both our routes and hand-written ones,
so server, worker count, engine and pool are the same. Load comes from a second process: wrk
when installed, else a bounded Python load generator (httpx, threads). Rounds alternate the
endpoints; medians are printed side by side with their ratio. No asserts: figures only.

    .venv/bin/python bench/bench_api.py [--seconds 5] [--rounds 3] [--connections 16]
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
from harness import bake, scratch_database, server_url
from sqlalchemy import URL, create_engine, text

PACKAGE = "bench_shop"
ROWS = 1000
USE_WRK = bool(shutil.which("wrk")) and "--no-wrk" not in sys.argv


def serve(project: Path, port: int) -> None:
    """The server process: our app, plus the hand-written endpoints a developer would write."""
    sys.path.insert(0, str(project))
    from datetime import datetime
    from typing import Literal

    import uvicorn
    from fastapi import HTTPException
    from pydantic import BaseModel
    from sqlalchemy import MetaData, Table, select

    main = __import__(f"{PACKAGE}.main", fromlist=["create_app"])
    db = __import__(f"{PACKAGE}.db", fromlist=["create_db_engine"])
    engine = db.create_db_engine()
    app = main.create_app(engine=engine)
    customers = Table("customers", MetaData(), autoload_with=engine)

    class Customer(BaseModel):
        id: int
        email: str
        name: str
        country: str | None
        balance: Decimal | None
        status: Literal["active", "blocked"] | None
        created_at: datetime
        updated_at: datetime

    @app.get("/raw/customers/{item_id}", response_model=Customer)
    def raw_get_one(item_id: int) -> dict:
        with engine.connect() as connection:
            row = connection.execute(select(customers).where(customers.c.id == item_id)).first()
        if row is None:
            raise HTTPException(404, "not found")
        return row._asdict()

    @app.get("/raw/customers", response_model=list[Customer])
    def raw_list(skip: int = 0, limit: int = 100) -> list[dict]:
        query = select(customers).order_by(customers.c.id).limit(limit).offset(skip)
        with engine.connect() as connection:
            return [row._asdict() for row in connection.execute(query)]

    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


def wrk_rate(url: str, seconds: float, connections: int) -> float:
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)[1])


def python_rate(url: str, seconds: float, connections: int) -> float:
    """Fallback load: `connections` threads with keep-alive clients, for `seconds`; 2xx count."""
    counts = [0] * connections
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                counts[index] += client.get(url).is_success

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def load_rate(url: str, seconds: float, connections: int) -> float:
    """Requests/s measured by a second process (wrk, or this script in load mode)."""
    if USE_WRK:
        return wrk_rate(url, seconds, connections)
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            url,
            f"--seconds={seconds}",
            f"--connections={connections}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: argparse.Namespace) -> None:
    server = server_url()
    with scratch_database(server, "bench_api") as url, tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"DATABASE_URL": url.render_as_string(hide_password=False)}
        project = bake(Path(tmp), PACKAGE)
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        some_id = add_rows(url)
        port = free_port()
        app_server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(project), f"--port={port}"], env=env
        )
        try:
            measure(f"http://127.0.0.1:{port}", some_id, args, server.host)
        finally:
            app_server.terminate()
            app_server.wait(timeout=20)


def add_rows(url: URL) -> int:
    """ROWS customers; returns an id from the middle."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO customers (email, name, balance) VALUES (:email, :name, :balance)"),
            [
                {"email": f"bench{i}@example.com", "name": f"Bench {i}", "balance": i}
                for i in range(ROWS)
            ],
        )
        some_id = connection.execute(text("SELECT MAX(id) FROM customers")).scalar_one() // 2
    engine.dispose()
    return some_id


def measure(base: str, some_id: int, args: argparse.Namespace, db_host: str | None) -> None:
    for _ in range(100):
        try:
            httpx.get(f"{base}/health").raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    pairs = {
        "GET one": (f"/customers/{some_id}", f"/raw/customers/{some_id}"),
        "GET list limit=100": ("/customers?limit=100", "/raw/customers?limit=100"),
    }
    for ours, raw in pairs.values():  # the same rows from both, and a warm-up
        if httpx.get(base + ours).json() != _utc(httpx.get(base + raw).json()):
            print(f"note: {ours} and {raw} answer different rows")
        load_rate(base + ours, 1, args.connections)
        load_rate(base + raw, 1, args.connections)
    print(
        f"load: {'wrk' if USE_WRK else 'python/httpx'}, {args.connections} connections, "
        f"{args.rounds} x {args.seconds}s per endpoint, 1 uvicorn worker, database at {db_host}"
    )
    print(f"{'':20} {'crud req/s':>12} {'hand req/s':>12} {'ratio':>7}")
    for label, (ours, raw) in pairs.items():
        rates: dict[str, list[float]] = {"ours": [], "raw": []}
        for _ in range(args.rounds):  # alternate, so drift hits both sides alike
            rates["ours"].append(load_rate(base + ours, args.seconds, args.connections))
            rates["raw"].append(load_rate(base + raw, args.seconds, args.connections))
        ours_rate = statistics.median(rates["ours"])
        raw_rate = statistics.median(rates["raw"])
        print(f"{label:20} {ours_rate:12.0f} {raw_rate:12.0f} {ours_rate / raw_rate:6.2f}x")


def _utc(value: object) -> object:
    """The hand-written endpoint prints naive DATETIMEs; ours marks them UTC."""
    if isinstance(value, list):
        return [_utc(item) for item in value]
    if isinstance(value, dict):
        return {k: f"{v}Z" if k.endswith("_at") else v for k, v in value.items()}
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument("--port", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(Path(arguments.serve), int(arguments.port))
    elif arguments.load:
        print(python_rate(arguments.load, arguments.seconds, arguments.connections))
    else:
        run(arguments)
