"""Every op: upgrade, check the result by reflection and queries, downgrade, check it is gone.

Each case runs on SQLite and on MySQL/MariaDB, on top of a base revision with two tables.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect

from {{ cookiecutter.project }}.changesets.errors import ChangesetError

from .changeset_project import ChangesetProject, rows, snapshot


def ref(email: str) -> dict[str, Any]:
    return {"$ref": {"table": "customers", "where": {"email": email}, "column": "id"}}


BASE = {
    "description": "two tables with rows",
    "ops": [
        {
            "op": "create_table",
            "table": "customers",
            "columns": [
                {
                    "name": "email",
                    "type": "string",
                    "length": 100,
                    "nullable": False,
                    "unique": True,
                },
                {"name": "name", "type": "string", "length": 50, "nullable": False},
                {"name": "country", "type": "string", "length": 2, "default": "IN"},
                {"name": "balance", "type": "decimal", "precision": 12, "scale": 2, "default": 0},
            ],
        },
        {
            "op": "insert",
            "table": "customers",
            "rows": [
                {"email": "a@x.io", "name": "A"},
                {"email": "b@x.io", "name": "B", "country": "BR", "balance": 10.5},
                {"email": "c@x.io", "name": "C", "country": "US"},
            ],
        },
        {
            "op": "create_table",
            "table": "orders",
            "columns": [
                {"name": "reference", "type": "string", "length": 20, "nullable": False},
                {
                    "name": "customer_id",
                    "type": "bigint",
                    "nullable": False,
                    "references": {"table": "customers"},
                },
                {
                    "name": "total",
                    "type": "decimal",
                    "precision": 10,
                    "scale": 2,
                    "nullable": False,
                },
            ],
        },
        {
            "op": "insert",
            "table": "orders",
            "rows": [
                {"reference": "O1", "customer_id": ref("a@x.io"), "total": 5},
                {"reference": "O2", "customer_id": ref("b@x.io"), "total": 7.25},
            ],
        },
    ],
}


def columns(engine: Engine, table: str) -> dict[str, Any]:
    return {c["name"]: c for c in inspect(engine).get_columns(table)}


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def check_create_table(engine: Engine) -> None:
    found = columns(engine, "things")
    assert list(found) == [
        "id", "label", "body", "qty", "big", "small", "flag", "ratio", "price", "day", "at",
        "clock", "stamp", "doc", "kind", "blob", "code", "created_at", "updated_at",
    ]  # fmt: skip
    assert not found["label"]["nullable"]
    assert "ix_things_qty" in {i["name"] for i in inspect(engine).get_indexes("things")}
    assert rows(engine, "things", "label", "kind", "qty") == [("x", "a", 3)]


def check_drop_table(engine: Engine) -> None:
    assert "orders" not in tables(engine)


def check_rename_table(engine: Engine) -> None:
    assert {"purchases"} <= tables(engine) and "orders" not in tables(engine)


def check_add_column(engine: Engine) -> None:
    assert not columns(engine, "customers")["tier"]["nullable"]
    assert rows(engine, "customers", "email", "tier") == [
        ("a@x.io", "basic"),
        ("b@x.io", "basic"),
        ("c@x.io", "basic"),
    ]


def check_drop_column(engine: Engine) -> None:
    assert "country" not in columns(engine, "customers")


def check_alter_column(engine: Engine) -> None:
    found = columns(engine, "customers")
    assert "full_name" in found and "name" not in found
    assert found["full_name"]["type"].length == 200
    assert found["full_name"]["nullable"]


def check_create_index(engine: Engine) -> None:
    names = {i["name"]: i for i in inspect(engine).get_indexes("customers")}
    assert names["ix_customers_country_name"]["column_names"] == ["country", "name"]


def check_drop_index(engine: Engine) -> None:
    assert "uq_customers_email" not in {i["name"] for i in inspect(engine).get_indexes("customers")}


def check_add_foreign_key(engine: Engine) -> None:
    (fk,) = inspect(engine).get_foreign_keys("orders")
    assert (fk["name"], fk["referred_table"]) == ("fk_orders_customer", "customers")


def check_drop_foreign_key(engine: Engine) -> None:
    assert inspect(engine).get_foreign_keys("orders") == []


def check_insert(engine: Engine) -> None:
    assert rows(engine, "orders", "reference", "customer_id", "total") == [
        ("O1", 1, Decimal("5.00")),
        ("O2", 2, Decimal("7.25")),
        ("O3", 3, Decimal("1.00")),
        ("O4", 3, Decimal("2.00")),
    ]
    assert rows(engine, "customers", "email", "country")[-1] == ("d@x.io", "DE")


def check_upsert(engine: Engine) -> None:
    assert rows(engine, "customers", "email", "name", "country") == [
        ("a@x.io", "A2", "FR"),
        ("b@x.io", "B", "BR"),
        ("c@x.io", "C", "US"),
        ("e@x.io", "E", "IN"),
    ]


def check_update(engine: Engine) -> None:
    assert rows(engine, "customers", "email", "balance") == [
        ("a@x.io", Decimal("0.00")),
        ("b@x.io", Decimal("99.00")),
        ("c@x.io", Decimal("99.00")),
    ]


def check_delete(engine: Engine) -> None:
    assert rows(engine, "orders", "reference") == [("O2",)]


def check_load(engine: Engine) -> None:
    assert rows(engine, "customers", "email", "name")[-2:] == [("x@x.io", "X"), ("y@x.io", "Y")]


def check_load_upsert(engine: Engine) -> None:
    assert rows(engine, "customers", "email", "name")[0] == ("a@x.io", "Loaded")


def check_sql(engine: Engine) -> None:
    assert rows(engine, "customers", "email", "name")[0] == ("a@x.io", "by sql")


CASES: dict[str, tuple[list[dict[str, Any]], Callable[[Engine], None]]] = {
    "create_table": (
        [
            {
                "op": "create_table",
                "table": "things",
                "comment": "every type",
                "columns": [
                    {"name": "label", "type": "string", "length": 20, "nullable": False},
                    {"name": "body", "type": "text"},
                    {"name": "qty", "type": "integer", "unsigned": True, "index": True},
                    {"name": "big", "type": "bigint"},
                    {"name": "small", "type": "smallint", "default": 1},
                    {"name": "flag", "type": "boolean", "default": True},
                    {"name": "ratio", "type": "float"},
                    {"name": "price", "type": "decimal", "precision": 8, "scale": 3},
                    {"name": "day", "type": "date", "default": "2024-01-01"},
                    {"name": "at", "type": "datetime"},
                    {"name": "clock", "type": "time"},
                    {"name": "stamp", "type": "timestamp", "nullable": True},
                    {"name": "doc", "type": "json"},
                    {"name": "kind", "type": "enum", "values": ["a", "b"], "default": "a"},
                    {"name": "blob", "type": "binary"},
                    {"name": "code", "type": "binary", "length": 4, "comment": "raw"},
                ],
            },
            {
                "op": "insert",
                "table": "things",
                "rows": [
                    {
                        "label": "x",
                        "qty": 3,
                        "doc": {"k": [1, 2]},
                        "at": {"$expr": "CURRENT_TIMESTAMP"},
                    }
                ],
            },
        ],
        check_create_table,
    ),
    "drop_table": ([{"op": "drop_table", "table": "orders"}], check_drop_table),
    "rename_table": (
        [{"op": "rename_table", "table": "orders", "to": "purchases"}],
        check_rename_table,
    ),
    "add_column": (
        [
            {
                "op": "add_column",
                "table": "customers",
                "column": {"name": "tier", "type": "string", "length": 10, "nullable": False},
                "backfill": "basic",
            }
        ],
        check_add_column,
    ),
    "drop_column": (
        [{"op": "drop_column", "table": "customers", "column": "country"}],
        check_drop_column,
    ),
    "alter_column": (
        [
            {
                "op": "alter_column",
                "table": "customers",
                "column": "name",
                "length": 200,
                "nullable": True,
                "rename_to": "full_name",
            }
        ],
        check_alter_column,
    ),
    "create_index": (
        [{"op": "create_index", "table": "customers", "columns": ["country", "name"]}],
        check_create_index,
    ),
    "drop_index": (
        [{"op": "drop_index", "table": "customers", "name": "uq_customers_email"}],
        check_drop_index,
    ),
    "add_foreign_key": (
        [
            {"op": "drop_foreign_key", "table": "orders", "name": "fk_orders_customer_id"},
            {
                "op": "add_foreign_key",
                "table": "orders",
                "columns": ["customer_id"],
                "references": {"table": "customers", "columns": ["id"]},
                "on_delete": "cascade",
                "name": "fk_orders_customer",
            },
        ],
        check_add_foreign_key,
    ),
    "drop_foreign_key": (
        [{"op": "drop_foreign_key", "table": "orders", "name": "fk_orders_customer_id"}],
        check_drop_foreign_key,
    ),
    "insert": (
        [
            {
                "op": "insert",
                "table": "orders",
                "defaults": {"customer_id": ref("c@x.io")},
                "rows": [{"reference": "O3", "total": 1}, {"reference": "O4", "total": 2}],
            },
            {
                "op": "insert",
                "table": "customers",
                "rows": [{"email": "d@x.io", "name": "D", "country": "DE"}],
            },
        ],
        check_insert,
    ),
    "upsert": (
        [
            {
                "op": "upsert",
                "table": "customers",
                "key": ["email"],
                "rows": [
                    {"email": "a@x.io", "name": "A2", "country": "FR"},
                    {"email": "e@x.io", "name": "E", "country": "IN"},
                ],
            }
        ],
        check_upsert,
    ),
    "update": (
        [
            {
                "op": "update",
                "table": "customers",
                "set": {"balance": 99},
                "where": {"email": {"in": ["b@x.io", "c@x.io"]}, "name": {"ne": "Z"}},
            }
        ],
        check_update,
    ),
    "delete": (
        [
            {
                "op": "delete",
                "table": "orders",
                "where": {"total": {"lt": 6}, "reference": {"like": "O%"}},
            }
        ],
        check_delete,
    ),
    "load": (
        [{"op": "load", "table": "customers", "file": "more_customers.json"}],
        check_load,
    ),
    "load_upsert": (
        [
            {
                "op": "load",
                "table": "customers",
                "file": "more_customers.json",
                "mode": "upsert",
                "key": ["email"],
            }
        ],
        check_load_upsert,
    ),
    "sql": (
        [
            {
                "op": "sql",
                "up": "UPDATE customers SET name = 'by sql' WHERE email = 'a@x.io'",
                "down": ["UPDATE customers SET name = 'A' WHERE email = 'a@x.io'"],
            }
        ],
        check_sql,
    ),
}
ROWS_FILES = {
    "load": {
        "more_customers.json": [{"email": "x@x.io", "name": "X"}, {"email": "y@x.io", "name": "Y"}]
    },
    "load_upsert": {"more_customers.json": [{"email": "a@x.io", "name": "Loaded"}]},
}


@pytest.mark.parametrize("case", list(CASES))
def test_op_upgrade_then_downgrade(case: str, tmp_path: Path, engine: Engine) -> None:
    ops, check = CASES[case]
    project = ChangesetProject(tmp_path)
    base = project.add(BASE)
    project.add({"description": case, "ops": ops}, ROWS_FILES.get(case))
    project.upgrade(base)
    # A sql op's "down" restores what it says; MySQL's ON UPDATE timestamps move with it.
    exact = case != "sql"
    before = snapshot(engine, with_timestamps=exact)

    project.upgrade("head")
    engine.dispose()  # fresh connections see the new schema (SQLite caches PRAGMA results)
    check(engine)
    assert snapshot(engine, with_timestamps=exact) != before

    project.downgrade(base)
    assert snapshot(engine, with_timestamps=exact) == before


def test_explicit_downgrade_runs_its_own_ops(tmp_path: Path, engine: Engine) -> None:
    project = ChangesetProject(tmp_path)
    base = project.add(BASE)
    project.add(
        {
            "ops": [{"op": "sql", "up": "CREATE TABLE scratch (n INTEGER)"}],
            "downgrade": [{"op": "sql", "up": "DROP TABLE scratch"}],
        }
    )
    project.upgrade()
    assert "scratch" in tables(engine)
    project.downgrade(base)
    engine.dispose()
    assert "scratch" not in tables(engine)


@pytest.mark.parametrize(
    ("changeset", "message"),
    [
        (
            {
                "ops": [{"op": "delete", "table": "orders", "all": True}],
                "downgrade": "irreversible",
            },
            'r002_test.json: is marked "downgrade": "irreversible"',
        ),
        (
            {"ops": [{"op": "sql", "up": "DELETE FROM orders"}]},
            'r002_test.json: ops[0]: this "sql" op has no "down"',
        ),
    ],
)
def test_irreversible_downgrade_is_refused(
    changeset: dict[str, Any], message: str, tmp_path: Path, engine: Engine
) -> None:
    project = ChangesetProject(tmp_path)
    base = project.add(BASE)
    project.add(changeset)
    project.upgrade()
    with pytest.raises(ChangesetError, match=re.escape(message)):
        project.downgrade(base)
