"""The user's journey end to end on MariaDB, driven only through the generated Makefile (RUN=).

migrate the examples -> `make migration name="create table products"` -> write its changeset ->
migrate -> seed twice -> start the server as the container does -> CRUD over real HTTP ->
`make downgrade` removes products -> `make migrate` brings it back.
"""

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import URL, create_engine, inspect, text

from .conftest import AppDatabase, Baked, bake, free_port

pytestmark = pytest.mark.skipif(os.name != "posix", reason="make and sh are POSIX tools")

START_TIMEOUT = 60.0


def readme_json(project: Baked, marker: str) -> Any:
    """The first JSON block after `marker` in the generated README: the test does what it says."""
    readme = (project.path / "README.md").read_text()
    block = re.search(r"```json\n(.*?)```", readme[readme.index(marker) :], re.S)
    return json.loads(block.group(1))


def make(project: Baked, db: AppDatabase, *args: str) -> str:
    """Run `make <args> RUN=` as a user would on the host; return its output."""
    result = project.run("make", *args, "RUN=", timeout=180, **db.env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"make {' '.join(args)} failed:\n{output}"
    return output


def add_products_migration(project: Baked, db: AppDatabase) -> Path:
    """`make migration`, then fill in the stub it wrote; returns the changeset's path."""
    changesets = project.path / "migrations" / "changesets"
    before = set(changesets.glob("*.json"))
    make(project, db, "migration", "name=create table products")
    (changeset,) = set(changesets.glob("*.json")) - before
    revision = project.path / "migrations" / "versions" / f"{changeset.stem}.py"
    assert revision.exists(), f"no revision beside {changeset.name}"
    source = revision.read_text()
    assert f'"{changeset.name}"' in source, "the revision names its changeset"
    assert "op.create_table" not in source and "sa.Column" not in source, "and holds no schema"
    stub = json.loads(changeset.read_text())
    assert stub["$schema"] == "../changeset.schema.json"
    assert [(op["op"], op["table"]) for op in stub["ops"]] == [("create_table", "products")]
    filled = readme_json(project, 'make migration name="create table products"')
    changeset.write_text(json.dumps(filled, indent=2) + "\n")
    return changeset


@contextmanager
def running_server(project: Baked, db: AppDatabase, log: Path, **env: str) -> Iterator[str]:
    """The container's entrypoint run on the host (wait -> migrate -> exec server); its URL."""
    port = free_port()
    env = project.env(
        **db.env(), API_HOST="127.0.0.1", API_PORT=str(port), SEED_ON_START="false", **env
    )
    with log.open("w") as out:
        server = subprocess.Popen(
            ["sh", "scripts/entrypoint.sh"], cwd=project.path, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None, f"server exited:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (
                f"no /health in {START_TIMEOUT:g}s:\n{log.read_text()}"
            )
            time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def app_url(db: AppDatabase) -> URL:
    return URL.create(
        "mysql+mysqldb", db.user, db.password, db.host, db.port, db.name, {"charset": "utf8mb4"}
    )


def query(db: AppDatabase, sql: str) -> list[dict]:
    engine = create_engine(app_url(db))
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def table_names(db: AppDatabase) -> set[str]:
    engine = create_engine(app_url(db))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def snapshot(db: AppDatabase) -> dict[str, list[dict]]:
    """Every row of every table, to prove a second seed run changes nothing."""
    return {
        table: query(db, f"SELECT * FROM `{table}` ORDER BY 1") for table in sorted(table_names(db))
    }


def add_hand_written_route(project: Baked) -> None:
    """Follow the generated README: its reports.py, and the two lines it adds to main.py."""
    readme = (project.path / "README.md").read_text()
    module = re.search(rf"```python\n(# {project.package}/reports.py\n.*?)```", readme, re.S)
    assert module, "the generated README shows reports.py"
    package = project.path / project.package
    (package / "reports.py").write_text(module.group(1))
    main = (package / "main.py").read_text()
    main = main.replace(
        "from .settings import",
        "from .reports import router as reports_router\nfrom .settings import",
    )
    main = main.replace(
        "    install_crud_api(", "    app.include_router(reports_router)\n    install_crud_api("
    )
    (package / "main.py").write_text(main)


def post_success_code(base: str, path: str) -> int:
    """The success status the OpenAPI document promises for POST <path>."""
    responses = httpx.get(f"{base}/openapi.json").json()["paths"][path]["post"]["responses"]
    (code,) = [int(code) for code in responses if code.startswith("2")]
    return code


def exercise_products_api(base: str) -> None:
    """Create, read, list with filters, patch and delete, with the codes DESIGN.md §5 promises."""
    api = httpx.Client(base_url=base, timeout=10)
    created_code = post_success_code(base, "/products")
    assert created_code in (200, 201)

    # Create, omitting id, created_at, updated_at and the defaulted stock and status.
    response = api.post("/products", json={"sku": "BAG-1", "name": "Bag", "price": "25.00"})
    assert response.status_code == created_code, response.text
    bag = response.json()
    assert bag["id"] > 0
    assert (bag["stock"], bag["status"]) == (0, "active")
    assert bag["created_at"] and bag["updated_at"]
    assert Decimal(str(bag["price"])) == Decimal("25.00")

    # Read.
    response = api.get(f"/products/{bag['id']}")
    assert response.status_code == 200
    assert response.json()["sku"] == "BAG-1"
    assert api.get("/products/999999").status_code == 404

    # List with filters, sort and the total in X-Total-Count.
    response = api.get("/products", params={"status": "active", "sort": "sku"})
    assert response.status_code == 200
    skus = [row["sku"] for row in response.json()]
    assert skus == ["BAG-1", "CAP-1", "MUG-1", "TEE-1"]
    assert response.headers["X-Total-Count"] == "4"
    response = api.get("/products", params={"status": "retired"})
    assert [row["sku"] for row in response.json()] == ["PEN-1"]
    response = api.get("/products", params={"sort": "-price", "limit": 2})
    assert [row["sku"] for row in response.json()] == ["BAG-1", "TEE-1"]
    assert response.headers["X-Total-Count"] == "5"
    assert api.get("/products", params={"no_such_column": "x"}).status_code == 422

    # PATCH changes only what is sent.
    response = api.patch(f"/products/{bag['id']}", json={"stock": 7})
    assert response.status_code == 200, response.text
    assert (response.json()["stock"], response.json()["name"]) == (7, "Bag")

    # Bad input is a 4xx naming the problem, never a 500.
    duplicate = api.post("/products", json={"sku": "BAG-1", "name": "Again", "price": "1"})
    assert duplicate.status_code == 409, duplicate.text
    missing = api.post("/products", json={"sku": "NEW-1", "price": "1"})
    assert missing.status_code == 422, missing.text
    assert "name" in missing.text
    wrong_type = api.post("/products", json={"sku": "NEW-2", "name": "X", "price": "cheap"})
    assert wrong_type.status_code == 422, wrong_type.text

    # Delete.
    response = api.delete(f"/products/{bag['id']}")
    assert response.status_code == 200, response.text
    assert api.get(f"/products/{bag['id']}").status_code == 404

    # Foreign keys of the example tables: a row still referenced, a parent that does not exist.
    (asha,) = api.get("/customers", params={"email": "asha@example.com"}).json()
    referenced = api.delete(f"/customers/{asha['id']}")
    assert referenced.status_code == 409, referenced.text
    orphan = {"reference": "ORD-9", "customer_id": 999999, "total": "1.00"}
    assert api.post("/orders", json=orphan).status_code == 422
    api.close()


def test_the_journey_through_the_makefile(cookies, app_database: AppDatabase, tmp_path) -> None:
    project = bake(cookies, project="journey_api")
    db = app_database

    # Step 1-2: the database exists (compose would create it) and the app user can connect:
    # migrating the template's example changesets proves both.
    make(project, db, "migrate")
    examples = table_names(db)
    assert {"customers", "orders"} <= examples, examples

    # Step 3 and 7: a JSON-driven revision for a table of our own.
    changeset = add_products_migration(project, db)
    make(project, db, "migrate")
    rows = query(
        db, "SELECT sku, name, price, stock, status, created_at FROM products ORDER BY sku"
    )
    # Step 4: the insert relied on default columns and column defaults.
    assert [(r["sku"], r["stock"], r["status"]) for r in rows] == [
        ("MUG-1", 12, "active"),
        ("TEE-1", 40, "active"),
    ]
    assert all(r["created_at"] is not None for r in rows)
    assert rows[0]["price"] == Decimal("9.50")

    # Seeds: environment data, loaded idempotently.
    seed_file = project.path / "seeds" / "30_products.json"
    seed_file.write_text(json.dumps(readme_json(project, "`seeds/30_products.json`")))
    make(project, db, "seed")
    seeded = snapshot(db)
    assert {r["sku"] for r in seeded["products"]} == {"MUG-1", "TEE-1", "CAP-1", "PEN-1"}
    second = make(project, db, "seed")
    assert snapshot(db) == seeded, "a second `make seed` must change nothing"
    assert re.search(r"products\W+upsert\W+0\W+0\W+2\W", second), second  # 0 inserted/updated

    # Steps 5-6: every table has CRUD routes; use them over real HTTP.
    with running_server(project, db, tmp_path / "server.log") as base:
        paths = httpx.get(f"{base}/openapi.json").json()["paths"]
        for table in examples | {"products"}:
            if table not in {"alembic_version"} and not table.startswith("changeset"):
                assert f"/{table}" in paths, f"no routes for {table}"
        exercise_products_api(base)

    # Roll back: products is gone from the database and, after a restart, from the API.
    make(project, db, "downgrade")
    assert "products" not in table_names(db)
    assert {"customers", "orders"} <= table_names(db)
    # MIGRATE_ON_START would re-apply head at start-up, undoing the downgrade (README says so).
    log = tmp_path / "server-after-downgrade.log"
    # The restart also picks up a hand-written route, added the way the generated README says.
    add_hand_written_route(project)
    edited = [f"{project.package}/reports.py", f"{project.package}/main.py"]
    for ruff in (["check"], ["format", "--check"]):
        result = project.run("ruff", *ruff, *edited)
        assert result.returncode == 0, f"README's route is not ruff clean: {result.stdout}"
    with running_server(project, db, log, MIGRATE_ON_START="false") as base:
        paths = httpx.get(f"{base}/openapi.json").json()["paths"]
        assert "/products" not in paths
        assert httpx.get(f"{base}/products").status_code == 404
        assert httpx.get(f"{base}/customers").status_code == 200
        revenue = httpx.get(f"{base}/reports/revenue")
        assert revenue.status_code == 200, revenue.text
        assert set(revenue.json()) <= {"new", "paid", "shipped"} and revenue.json()

    # And forward again: the changeset reapplies cleanly.
    make(project, db, "migrate")
    assert {r["sku"] for r in query(db, "SELECT sku FROM products")} == {"MUG-1", "TEE-1"}

    # Checksum drift: an edit to an applied changeset is refused, until accepted on purpose.
    edited = json.loads(changeset.read_text()) | {"description": "products, the shop's catalogue"}
    changeset.write_text(json.dumps(edited, indent=2) + "\n")
    refused = project.run("make", "migrate", "RUN=", **db.env())
    assert refused.returncode != 0
    assert changeset.name in refused.stderr and "changed after it was applied" in refused.stderr
    revision = re.search(r"make accept-checksum rev=(\w+)", refused.stderr).group(1)
    make(project, db, "accept-checksum", f"rev={revision}")
    make(project, db, "migrate")
