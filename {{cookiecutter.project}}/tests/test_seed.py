"""`make seed`: every mode, idempotency, foreign key order with a cycle, defaults, dry run."""

import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    select,
)

from {{ cookiecutter.project }}.seed import run_seeds
from {{ cookiecutter.project }}.settings import Settings

from .conftest import PROJECT_ROOT, run_in_project
from .test_api import Key, example_metadata

TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def shop_schema(engine: Engine) -> MetaData:
    """The demo domain (customers, orders) with the API tests' other tables."""
    metadata = example_metadata(engine.dialect.name)
    metadata.create_all(engine)
    return metadata


def write_seeds(folder: Path, files: dict[str, Any]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for name, document in files.items():
        path = folder / name
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        paths.append(path)
    return sorted(paths)


def load(settings: Settings, paths: list[Path], dry_run: bool = False) -> dict[str, tuple]:
    """Seed `paths`; per table (inserted, updated, unchanged, deleted)."""
    results = run_seeds(settings, paths, dry_run=dry_run, console=Console(file=StringIO()))
    return {r.table: (r.inserted, r.updated, r.unchanged, r.deleted) for r in results}


def rows(engine: Engine, table: Table, *names: str) -> list[tuple]:
    """The table's rows (those columns), typed by SQLAlchemy, in the order of the first one."""
    columns = [table.c[name] for name in names]
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(*columns).order_by(columns[0]))]


def ref(table: str, column: str = "id", **where: Any) -> dict:
    return {"$ref": {"table": table, "where": where, "column": column}}


def customer(email: str, **values: Any) -> dict:
    return {"email": email, "name": email.split("@")[0].title(), **values}


def test_project_seeds_load_with_defaults_and_rerun_changes_nothing(
    settings: Settings, engine: Engine
) -> None:
    shop = shop_schema(engine).tables
    demo = sorted((PROJECT_ROOT / "seeds").glob("*.json"))
    assert [p.name for p in demo] == ["10_customers.json", "20_orders.json"]
    assert load(settings, demo) == {"customers": (3, 0, 0, 0), "orders": (3, 0, 0, 0)}
    assert load(settings, demo) == {"customers": (0, 0, 3, 0), "orders": (0, 0, 3, 0)}
    found = rows(engine, shop["customers"], "email", "country", "balance", "status")
    assert found == [
        ("asha@example.com", "IN", Decimal("120.50"), "active"),
        ("ben@example.com", "GB", Decimal("0.00"), "active"),
        ("chen@example.com", "SG", Decimal("0.00"), "blocked"),
    ]
    orders, customers = shop["orders"], shop["customers"]
    with engine.connect() as connection:
        joined = connection.execute(
            select(orders.c.reference, customers.c.email, orders.c.total, orders.c.status)
            .add_columns(orders.c.note, orders.c.created_at)
            .join_from(orders, customers)
            .order_by(orders.c.reference)
        ).all()
    assert [tuple(row[:5]) for row in joined] == [
        ("ORD-1001", "asha@example.com", Decimal("59.90"), "paid", None),
        ("ORD-1002", "asha@example.com", Decimal("12.00"), "new", "gift wrap"),
        ("ORD-1003", "ben@example.com", Decimal("249.99"), "shipped", None),
    ]
    assert all(isinstance(row.created_at, datetime) for row in joined)


def customers_snapshot(engine: Engine, shop: MetaData) -> list[tuple]:
    return rows(engine, shop.tables["customers"], "email", "name", "country", "balance", "status")


@pytest.fixture
def shop(engine: Engine, settings: Settings, tmp_path: Path) -> MetaData:
    """The demo tables holding ann (active, IN) and bob."""
    metadata = shop_schema(engine)
    first = {
        "table": "customers",
        "key": "email",
        "rows": [customer("ann@x.io"), customer("bob@x.io")],
    }
    load(settings, write_seeds(tmp_path / "setup", {"customers.json": first}))
    return metadata


def test_upsert_inserts_new_rows_and_updates_only_changed_ones(
    settings: Settings, engine: Engine, shop: MetaData, tmp_path: Path
) -> None:
    changes = {
        "table": "customers",
        "key": ["email"],
        "rows": [
            customer("ann@x.io", name="Ann B."),
            customer("bob@x.io"),
            customer("cy@x.io", name="Çy 北 😀"),  # utf8mb4 all the way
        ],
    }
    paths = write_seeds(tmp_path / "seeds", {"customers.json": changes})
    assert load(settings, paths) == {"customers": (1, 1, 1, 0)}
    assert load(settings, paths) == {"customers": (0, 0, 3, 0)}
    assert [row[:2] for row in customers_snapshot(engine, shop)] == [
        ("ann@x.io", "Ann B."),
        ("bob@x.io", "Bob"),
        ("cy@x.io", "Çy 北 😀"),
    ]


def test_insert_missing_never_overwrites(
    settings: Settings, engine: Engine, shop: MetaData, tmp_path: Path
) -> None:
    entry = {
        "table": "customers",
        "key": "email",
        "mode": "insert_missing",
        "rows": [customer("ann@x.io", name="Changed"), customer("cy@x.io")],
    }
    assert load(settings, write_seeds(tmp_path / "s", {"c.json": entry})) == {
        "customers": (1, 0, 1, 0)
    }
    assert customers_snapshot(engine, shop)[0][:2] == ("ann@x.io", "Ann")


def test_empty_only_loads_an_empty_table_and_skips_it_afterwards(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    shop = shop_schema(engine)
    entry = {
        "table": "customers",
        "key": "email",
        "mode": "empty_only",
        "rows": [customer("a@x.io")],
    }
    assert load(settings, write_seeds(tmp_path / "one", {"c.json": entry})) == {
        "customers": (1, 0, 0, 0)
    }
    entry["rows"] = [customer("b@x.io"), customer("c@x.io")]
    results = run_seeds(
        settings, write_seeds(tmp_path / "two", {"c.json": entry}), console=Console(file=StringIO())
    )
    assert [(r.inserted, r.unchanged, r.skipped) for r in results] == [(0, 2, True)]
    assert [row[0] for row in customers_snapshot(engine, shop)] == ["a@x.io"]


def test_replace_leaves_exactly_the_file_rows_and_is_idempotent(
    settings: Settings, engine: Engine, shop: MetaData, tmp_path: Path
) -> None:
    entry = {
        "table": "customers",
        "key": "email",
        "mode": "replace",
        "rows": [customer("bob@x.io", country="FR"), customer("dee@x.io")],
    }
    paths = write_seeds(tmp_path / "s", {"c.json": entry})
    assert load(settings, paths) == {"customers": (1, 1, 0, 1)}
    assert load(settings, paths) == {"customers": (0, 0, 2, 0)}
    assert [row[:3] for row in customers_snapshot(engine, shop)] == [
        ("bob@x.io", "Bob", "FR"),
        ("dee@x.io", "Dee", "IN"),
    ]


def test_tables_load_in_foreign_key_order_not_file_order(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """Orders come first in the file, and point at customers the same file creates."""
    shop = shop_schema(engine)
    document = {
        "tables": [
            {
                "table": "orders",
                "key": "reference",
                "rows": [
                    {
                        "reference": "R1",
                        "customer_id": ref("customers", email="new@x.io"),
                        "total": 5,
                    }
                ],
            },
            {"table": "customers", "key": "email", "rows": [customer("new@x.io")]},
        ]
    }
    paths = write_seeds(tmp_path / "s", {"all.json": document})
    assert load(settings, paths, dry_run=True) == {
        "customers": (1, 0, 0, 0),
        "orders": (1, 0, 0, 0),
    }
    assert load(settings, paths) == {"customers": (1, 0, 0, 0), "orders": (1, 0, 0, 0)}
    assert load(settings, paths) == {"customers": (0, 0, 1, 0), "orders": (0, 0, 1, 0)}
    (customer_id,) = rows(engine, shop.tables["customers"], "id")[0]
    assert rows(engine, shop.tables["orders"], "reference", "customer_id") == [("R1", customer_id)]


def test_dump_shape_keys_rows_by_primary_key(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    shop = shop_schema(engine)
    dump = {
        "orders": [{"id": 7, "reference": "R7", "customer_id": 3, "total": "10.10"}],
        "customers": [{"id": 3, "email": "d@x.io", "name": "D", "balance": 1.5}],
    }
    paths = write_seeds(tmp_path / "s", {"dump.json": dump})
    assert load(settings, paths) == {"customers": (1, 0, 0, 0), "orders": (1, 0, 0, 0)}
    assert load(settings, paths) == {"customers": (0, 0, 1, 0), "orders": (0, 0, 1, 0)}
    assert rows(engine, shop.tables["orders"], "id", "customer_id", "total") == [
        (7, 3, Decimal("10.10"))
    ]


def staff_schema(engine: Engine) -> MetaData:
    """store.manager_staff_id -> staff and staff.store_id -> store, both NOT NULL; staff.manager_id
    -> staff."""
    metadata = MetaData()
    Table(
        "store",
        metadata,
        Column("id", Key, primary_key=True, autoincrement=True),
        Column("name", String(50), nullable=False, unique=True),
        Column(
            "manager_staff_id",
            Key,
            ForeignKey("staff.id", use_alter=True, name="fk_store_manager"),
            nullable=False,
        ),
        **TABLE_OPTIONS,
    )
    Table(
        "staff",
        metadata,
        Column("id", Key, primary_key=True, autoincrement=True),
        Column("email", String(100), nullable=False, unique=True),
        Column("store_id", Key, ForeignKey("store.id"), nullable=False),
        Column("manager_id", Key, ForeignKey("staff.id")),
        **TABLE_OPTIONS,
    )
    metadata.create_all(engine)
    return metadata


def test_a_not_null_cycle_and_a_self_reference_load_and_rerun_cleanly(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    schema = staff_schema(engine)
    central = ref("store", name="Central")
    files = {
        "10_store.json": {
            "table": "store",
            "key": "name",
            "rows": [{"name": "Central", "manager_staff_id": ref("staff", email="mia@x.io")}],
        },
        "20_staff.json": {
            "table": "staff",
            "key": "email",
            "rows": [
                # points at a manager listed after her in the same file
                {
                    "email": "ola@x.io",
                    "store_id": central,
                    "manager_id": ref("staff", email="sam@x.io"),
                },
                {
                    "email": "sam@x.io",
                    "store_id": central,
                    "manager_id": ref("staff", email="mia@x.io"),
                },
                {"email": "mia@x.io", "store_id": central},
            ],
        },
    }
    paths = write_seeds(tmp_path / "s", files)
    assert load(settings, paths) == {"store": (1, 0, 0, 0), "staff": (3, 0, 0, 0)}
    assert load(settings, paths) == {"store": (0, 0, 1, 0), "staff": (0, 0, 3, 0)}
    staff = {
        email: (id_, manager)
        for email, id_, manager in rows(engine, schema.tables["staff"], "email", "id", "manager_id")
    }
    assert staff["ola@x.io"][1] == staff["sam@x.io"][0]
    assert staff["sam@x.io"][1] == staff["mia@x.io"][0]
    assert rows(engine, schema.tables["store"], "manager_staff_id") == [(staff["mia@x.io"][0],)]


def test_literal_self_reference_to_a_later_row_loads(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    schema = staff_schema(engine)
    dump = {
        "store": [{"id": 1, "name": "North", "manager_staff_id": 11}],
        "staff": [
            {"id": 10, "email": "a@x.io", "store_id": 1, "manager_id": 11},
            {"id": 11, "email": "b@x.io", "store_id": 1, "manager_id": None},
        ],
    }
    assert load(settings, write_seeds(tmp_path / "s", {"dump.json": dump})) == {
        "store": (1, 0, 0, 0),
        "staff": (2, 0, 0, 0),
    }
    assert rows(engine, schema.tables["staff"], "id", "manager_id") == [(10, 11), (11, None)]


def test_iso_dates_and_exact_decimals_round_trip(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    metadata = MetaData()
    events = Table(
        "events",
        metadata,
        Column("code", String(10), primary_key=True),
        Column("day", Date),
        Column("starts_at", DateTime),
        Column("amount", Numeric(14, 4)),
        **TABLE_OPTIONS,
    )
    metadata.create_all(engine)
    entry = {
        "table": "events",
        "rows": [
            {"code": "a", "day": "2024-02-29", "starts_at": "2024-02-29T09:30:00", "amount": 0.1},
            {"code": "b", "starts_at": "2024-03-01T10:00:00+02:00", "amount": "12345678.9012"},
        ],
    }
    paths = write_seeds(tmp_path / "s", {"events.json": entry})
    assert load(settings, paths) == {"events": (2, 0, 0, 0)}
    assert load(settings, paths) == {"events": (0, 0, 2, 0)}
    assert rows(engine, events, "code", "day", "starts_at", "amount") == [
        ("a", date(2024, 2, 29), datetime(2024, 2, 29, 9, 30), Decimal("0.1000")),
        ("b", None, datetime(2024, 3, 1, 8, 0), Decimal("12345678.9012")),
    ]


def test_dry_run_reports_and_writes_nothing(
    settings: Settings, engine: Engine, shop: MetaData, tmp_path: Path
) -> None:
    before = customers_snapshot(engine, shop)
    entry = {"table": "customers", "key": "email", "mode": "replace", "rows": [customer("z@x.io")]}
    console = Console(file=StringIO(), width=150)
    paths = write_seeds(tmp_path / "s", {"c.json": entry})
    results = run_seeds(settings, paths, dry_run=True, console=console)
    assert [(r.inserted, r.updated, r.unchanged, r.deleted) for r in results] == [(1, 0, 0, 2)]
    assert "dry run: nothing written" in console.file.getvalue()
    assert customers_snapshot(engine, shop) == before


def test_command_line_seeds_one_file_reports_and_fails_clearly(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    shop_schema(engine)
    good = write_seeds(
        tmp_path,
        {"good.json": {"table": "customers", "key": "email", "rows": [customer("a@x.io")]}},
    )[0]
    bad = write_seeds(
        tmp_path,
        {"bad.json": {"table": "customers", "key": "email", "rows": [{"email": "b@x.io"}]}},
    )[0]
    package = "{{ cookiecutter.project }}.seed"
    dry = run_in_project(package, "--file", str(good), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout
    assert rows(engine, shop_schema_tables(engine)["customers"], "email") == []
    done = run_in_project(package, "--file", str(good))
    assert done.returncode == 0, done.stderr
    assert "customers" in done.stdout and "upsert" in done.stdout
    failed = run_in_project(package, "--file", str(bad))
    assert failed.returncode == 1
    assert "bad.json: table customers, row 0" in failed.stderr
    assert "NOT NULL" in failed.stderr
    missing = run_in_project(package, "--file", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "nope.json: no such file" in missing.stderr


def shop_schema_tables(engine: Engine) -> Any:
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata.tables


def test_a_hundred_thousand_rows_load_and_rerun_unchanged(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    metadata = MetaData()
    items = Table(
        "items",
        metadata,
        Column("id", Key, primary_key=True, autoincrement=True),
        Column("sku", String(32), nullable=False, unique=True),
        Column("name", String(100), nullable=False),
        Column("price", Numeric(12, 2), nullable=False),
        Column("qty", Integer, nullable=False, server_default="0"),
        **TABLE_OPTIONS,
    )
    metadata.create_all(engine)
    count = 100_000
    entry = {
        "table": "items",
        "key": "sku",
        "rows": [
            {"sku": f"SKU{i:07d}", "name": f"Item {i}", "price": f"{i % 1000}.{i % 100:02d}"}
            for i in range(count)
        ],
    }
    paths = write_seeds(tmp_path / "s", {"items.json": entry})
    terminal = Console(file=StringIO(), force_terminal=True, width=100)
    (first,) = run_seeds(settings, paths, console=terminal)
    assert (first.inserted, first.unchanged) == (count, 0)
    assert "seeding" in terminal.file.getvalue()  # the progress bar, on a terminal only
    assert load(settings, paths) == {"items": (0, 0, count, 0)}
    with engine.connect() as connection:
        last = connection.execute(select(items).order_by(items.c.sku.desc()).limit(1)).one()
    assert (last.sku, last.price, last.qty) == ("SKU0099999", Decimal("999.99"), 0)


def test_composite_keys_and_expressions(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    """A two-column key through upsert and replace; an $expr is set on insert and then left be."""
    metadata = MetaData()
    prices = Table(
        "prices",
        metadata,
        Column("sku", String(20), primary_key=True),
        Column("currency", String(3), primary_key=True),
        Column("amount", Numeric(10, 2), nullable=False),
        Column("label", String(50)),
        **TABLE_OPTIONS,
    )
    metadata.create_all(engine)
    upper = {"$expr": "UPPER('sale')"}
    entry = {
        "table": "prices",
        "rows": [
            {"sku": "A", "currency": "EUR", "amount": 1, "label": upper},
            {"sku": "A", "currency": "USD", "amount": 2},
            {"sku": "B", "currency": "EUR", "amount": 3},
        ],
    }
    paths = write_seeds(tmp_path / "one", {"p.json": entry})
    assert load(settings, paths) == {"prices": (3, 0, 0, 0)}
    assert load(settings, paths) == {"prices": (0, 0, 3, 0)}
    entry |= {"mode": "replace", "rows": [entry["rows"][0] | {"amount": 9}, entry["rows"][2]]}
    paths = write_seeds(tmp_path / "two", {"p.json": entry})
    assert load(settings, paths) == {"prices": (0, 1, 1, 1)}
    assert rows(engine, prices, "sku", "currency", "amount", "label") == [
        ("A", "EUR", Decimal("9.00"), "SALE"),
        ("B", "EUR", Decimal("3.00"), None),
    ]


def test_json_values_load_and_rerun_unchanged(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """JSON columns (MariaDB's are LONGTEXT) take objects and lists, numbers included."""
    events = shop_schema(engine).tables["events"]
    payload = {"items": [1, 2.5, "x"], "ok": True, "none": None}
    entry = {
        "table": "events",
        "key": "name",
        "rows": [{"name": "signup", "payload": payload, "happened_on": "2024-05-01"}],
    }
    paths = write_seeds(tmp_path / "s", {"events.json": entry})
    assert load(settings, paths) == {"events": (1, 0, 0, 0)}
    assert load(settings, paths) == {"events": (0, 0, 1, 0)}
    ((stored,),) = rows(engine, events, "payload")
    assert (json.loads(stored) if isinstance(stored, str) else stored) == payload
