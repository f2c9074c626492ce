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
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    func,
    select,
    text,
)

from {{ cookiecutter.project }}.db import is_mysql
from {{ cookiecutter.project }}.seed import run_seeds
from {{ cookiecutter.project }}.seed.files import read_seed_file
from {{ cookiecutter.project }}.seed.run import seed
from {{ cookiecutter.project }}.settings import Settings

from .conftest import PROJECT_ROOT, run_in_project

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite auto-increments INTEGER keys only
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def default_columns() -> list[Column]:
    return [
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("created_at", DateTime, nullable=False, server_default=func.now()),
        Column("updated_at", DateTime, nullable=False, server_default=func.now()),
    ]


def shop_schema(engine: Engine) -> MetaData:
    """The demo domain: customers and their orders."""
    metadata = MetaData()
    Table(
        "customers",
        metadata,
        *default_columns(),
        Column("email", String(255), nullable=False, unique=True),
        Column("name", String(100), nullable=False),
        Column("country", String(2), server_default="IN"),
        Column("balance", Numeric(12, 2), server_default="0"),
        Column("status", Enum("active", "blocked"), server_default="active"),
        **TABLE_OPTIONS,
    )
    Table(
        "orders",
        metadata,
        *default_columns(),
        Column("reference", String(32), nullable=False, unique=True),
        Column("customer_id", ID, ForeignKey("customers.id"), nullable=False),
        Column("total", Numeric(12, 2), nullable=False),
        Column("status", Enum("new", "paid", "shipped"), server_default="new"),
        Column("note", Text),
        **TABLE_OPTIONS,
    )
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
