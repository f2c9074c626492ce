"""The CRUD routes of every table, on SQLite and MySQL/MariaDB, through the real app."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    JSON,
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
    text,
)

from {{ cookiecutter.project }}.main import create_app
from {{ cookiecutter.project }}.settings import Settings

Key = BigInteger().with_variant(Integer, "sqlite")


def default_columns(dialect: str) -> list[Column]:
    """The project's preset: id, created_at, updated_at (ON UPDATE where the database has it)."""
    on_update = " ON UPDATE CURRENT_TIMESTAMP" if dialect == "mysql" else ""
    return [
        Column("id", Key, primary_key=True, autoincrement=True),
        Column("created_at", DateTime, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
        Column(
            "updated_at",
            DateTime,
            nullable=False,
            server_default=text(f"CURRENT_TIMESTAMP{on_update}"),
        ),
    ]


def example_metadata(dialect: str) -> MetaData:
    """The example domain, plus tables with a composite key, no key, and bookkeeping ones."""
    metadata = MetaData()
    options = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}
    Table(
        "customers",
        metadata,
        *default_columns(dialect),
        Column("email", String(255), nullable=False, unique=True, comment="Login e-mail"),
        Column("name", String(100), nullable=False),
        Column("country", String(2), server_default="IN"),
        Column("balance", Numeric(12, 2), server_default="0"),
        Column(
            "status", Enum("active", "blocked", create_constraint=True), server_default="active"
        ),
        comment="People who order",
        **options,
    )
    Table(
        "orders",
        metadata,
        *default_columns(dialect),
        Column("reference", String(32), nullable=False, unique=True),
        Column("customer_id", Key, ForeignKey("customers.id"), nullable=False),
        Column("total", Numeric(12, 2), nullable=False),
        Column(
            "status", Enum("new", "paid", "shipped", create_constraint=True), server_default="new"
        ),
        Column("note", Text),
        **options,
    )
    Table(
        "order_lines",
        metadata,
        Column("order_id", Key, ForeignKey("orders.id"), primary_key=True, autoincrement=False),
        Column("line", Integer, primary_key=True, autoincrement=False),
        Column("sku", String(20), nullable=False),
        Column("quantity", Integer, nullable=False, server_default="1"),
        **options,
    )
    Table(
        "events",
        metadata,
        Column("name", String(50), nullable=False),
        Column("payload", JSON),
        Column("happened_on", Date),
        **options,
    )
    Table("alembic_version", metadata, Column("version_num", String(32), primary_key=True))
    Table("changeset_journal", metadata, Column("revision", String(32), primary_key=True))
    return metadata


@pytest.fixture
def tables(engine: Engine) -> MetaData:
    metadata = example_metadata(engine.dialect.name)
    metadata.create_all(engine)
    return metadata


def make_client(settings: Settings, engine: Engine, **overrides: Any) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=overrides), engine))


@pytest.fixture
def client(settings: Settings, engine: Engine, tables: MetaData) -> Iterator[TestClient]:
    with make_client(settings, engine, api_max_page_size=5) as client:
        yield client


def add_customer(client: TestClient, **values: Any) -> dict[str, Any]:
    body = {"email": f"{values.get('name', 'x')}@example.com", "name": "x"} | values
    response = client.post("/customers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_fills_server_defaults_and_returns_the_row(client: TestClient) -> None:
    row = add_customer(client, name="Asha")
    assert row["id"] == 1
    assert row["email"] == "Asha@example.com"
    assert row["country"] == "IN"
    assert Decimal(row["balance"]) == 0
    assert row["status"] == "active"
    assert row["created_at"] and row["updated_at"]
    assert client.get("/customers/1").json() == row


def test_create_ignores_read_only_columns_and_rejects_unknown_ones(client: TestClient) -> None:
    row = add_customer(client, name="Asha", id=99, created_at="2000-01-01T00:00:00")
    assert row["id"] == 1
    assert row["created_at"] != "2000-01-01T00:00:00Z"
    assert row["created_at"].endswith("Z")
    response = client.post("/customers", json={"email": "b@x", "name": "B", "nmae": "typo"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "nmae"]


def test_create_validates_types_and_limits(client: TestClient) -> None:
    cases = {
        "country": "TOO LONG",
        "status": "gone",
        "balance": "12.345",
        "name": None,
    }
    for column, value in cases.items():
        body = {"email": "a@example.com", "name": "A", column: value}
        response = client.post("/customers", json=body)
        assert response.status_code == 422, (column, response.text)
        assert response.json()["detail"][0]["loc"][:2] == ["body", column]
    response = client.post("/customers", json={"name": "A"})
    assert response.json()["detail"][0]["loc"] == ["body", "email"]


def test_get_one_unknown_id_is_404_and_bad_id_is_422(client: TestClient) -> None:
    response = client.get("/customers/42")
    assert response.status_code == 404
    assert response.json() == {"detail": "customers has no row with id = 42"}
    assert client.get("/customers/abc").status_code == 422
    assert client.get(f"/customers/{2**70}").status_code == 422


def test_list_pages_with_total_count(client: TestClient) -> None:
    for index in range(7):
        add_customer(client, name=f"c{index}")
    page = client.get("/customers", params={"limit": 3, "skip": 2})
    assert page.status_code == 200
    assert [row["name"] for row in page.json()] == ["c2", "c3", "c4"]
    assert page.headers["X-Total-Count"] == "7"
    default = client.get("/customers")
    assert len(default.json()) == 5  # the maximum page size is the default
    last = client.get("/customers", params={"skip": 5})
    assert [row["name"] for row in last.json()] == ["c5", "c6"]
    assert last.headers["X-Total-Count"] == "7"
    past_end = client.get("/customers", params={"skip": 50})
    assert past_end.json() == []
    assert past_end.headers["X-Total-Count"] == "7"
    count_only = client.get("/customers", params={"limit": 0})
    assert count_only.json() == []
    assert count_only.headers["X-Total-Count"] == "7"
    over = client.get("/customers", params={"limit": 6})
    assert over.status_code == 422
    assert over.json()["detail"][0]["loc"] == ["query", "limit"]
    assert client.get("/customers", params={"skip": -1}).status_code == 422


def test_list_filters_and_sorts(client: TestClient) -> None:
    add_customer(client, name="b", country="IN")
    add_customer(client, name="a", country="US", status="blocked")
    add_customer(client, name="c", country="IN")
    response = client.get("/customers", params={"country": "IN", "sort": "-name"})
    assert [row["name"] for row in response.json()] == ["c", "b"]
    assert response.headers["X-Total-Count"] == "2"
    response = client.get("/customers", params={"sort": "country,-name"})
    assert [row["name"] for row in response.json()] == ["c", "b", "a"]
    response = client.get("/customers", params={"status": "blocked"})
    assert [row["name"] for row in response.json()] == ["a"]


def test_list_rejects_unknown_filter_or_sort_column(client: TestClient) -> None:
    response = client.get("/customers", params={"colour": "red"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "colour"]
    response = client.get("/customers", params={"sort": "name,-colour"})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["query", "sort"]
    assert "'colour'" in error["msg"]
    response = client.get("/customers", params={"status": "unknown"})
    assert response.status_code == 422


def test_put_replaces_and_patch_changes_only_what_is_sent(client: TestClient) -> None:
    row = add_customer(client, name="Asha", country="US", balance="10.50")
    patched = client.patch(f"/customers/{row['id']}", json={"balance": "11.25"})
    assert patched.status_code == 200
    assert patched.json() | {"updated_at": None} == row | {"balance": "11.25", "updated_at": None}
    replaced = client.put(f"/customers/{row['id']}", json={"email": "new@x", "name": "New"})
    assert replaced.status_code == 200
    body = replaced.json()
    # Omitted fields take their default again: country IN, balance 0, status active.
    assert (body["email"], body["name"], body["country"]) == ("new@x", "New", "IN")
    assert Decimal(body["balance"]) == 0
    assert body["id"] == row["id"] and body["created_at"] == row["created_at"]
    missing_name = client.put(f"/customers/{row['id']}", json={"email": "new@x"})
    assert missing_name.status_code == 422
    assert missing_name.json()["detail"][0]["loc"] == ["body", "name"]
    null_name = client.patch(f"/customers/{row['id']}", json={"name": None})
    assert null_name.status_code == 422
    unchanged = client.patch(f"/customers/{row['id']}", json={})
    assert unchanged.json() == body
    # The key is not writable: sending it back with the row changes nothing.
    assert client.patch(f"/customers/{row['id']}", json={"id": 77}).json()["id"] == row["id"]


def test_update_and_delete_unknown_id_are_404(client: TestClient) -> None:
    assert client.put("/customers/9", json={"email": "a@x", "name": "A"}).status_code == 404
    assert client.patch("/customers/9", json={"name": "A"}).status_code == 404
    assert client.patch("/customers/9", json={}).status_code == 404
    assert client.delete("/customers/9").status_code == 404


def test_delete_returns_the_row_and_delete_all_is_off(client: TestClient) -> None:
    row = add_customer(client, name="Asha")
    response = client.delete(f"/customers/{row['id']}")
    assert response.status_code == 200
    assert response.json() == row
    assert client.get(f"/customers/{row['id']}").status_code == 404
    assert client.delete("/customers").status_code == 405


def test_duplicate_key_is_409_naming_the_key(client: TestClient) -> None:
    add_customer(client, name="Asha", email="a@example.com")
    other = add_customer(client, name="Ben", email="b@example.com")
    for response in (
        client.post("/customers", json={"email": "a@example.com", "name": "Again"}),
        client.patch(f"/customers/{other['id']}", json={"email": "a@example.com"}),
    ):
        assert response.status_code == 409
        body = response.json()
        assert body["fields"] == ["email"]
        assert body["constraint"] == "email" or client.app.state.engine.dialect.name == "sqlite"
        assert "Duplicate" not in body["detail"] and "UNIQUE" not in body["detail"]


def test_foreign_key_errors(client: TestClient) -> None:
    customer = add_customer(client, name="Asha")
    order = {"reference": "R1", "customer_id": 999, "total": "5.00"}
    missing = client.post("/orders", json=order)
    assert missing.status_code == 422
    error = missing.json()["detail"][0]
    assert error["loc"] == ["body", "customer_id"]
    assert error["type"] == "foreign_key_violation"
    assert "customers" in error["msg"]
    created = client.post("/orders", json=order | {"customer_id": customer["id"]})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "new" and created.json()["note"] is None
    referenced = client.delete(f"/customers/{customer['id']}")
    assert referenced.status_code == 409
    assert "orders.customer_id" in referenced.json()["detail"]
    assert client.get(f"/customers/{customer['id']}").status_code == 200


def test_limited_tables_are_named_in_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    logged = " | ".join(record.getMessage() for record in caplog.get_records("setup"))
    assert "table events has no primary key: served with list and create only" in logged
    assert "table order_lines has a composite primary key (order_id, line)" in logged


def test_composite_key_table_lists_and_creates(client: TestClient) -> None:
    customer = add_customer(client, name="Asha")
    order = {"reference": "R1", "customer_id": customer["id"], "total": "5.00"}
    order_id = client.post("/orders", json=order).json()["id"]
    line = {"order_id": order_id, "line": 1, "sku": "PEN"}
    created = client.post("/order_lines", json=line)
    assert created.status_code == 201
    assert created.json() == line | {"quantity": 1}
    assert client.post("/order_lines", json=line).status_code == 409
    listed = client.get("/order_lines", params={"order_id": order_id})
    assert listed.json() == [line | {"quantity": 1}]
    assert client.get(f"/order_lines/{order_id}").status_code == 404


def test_table_without_key_lists_and_creates(client: TestClient) -> None:
    event = {"name": "signup", "payload": {"plan": ["pro", 2]}, "happened_on": "2024-02-29"}
    created = client.post("/events", json=event)
    assert created.status_code == 201
    assert created.json() == event
    listed = client.get("/events")
    assert listed.json() == [event]
    assert listed.headers["X-Total-Count"] == "1"
    assert client.post("/events", json={"name": "x", "payload": None}).status_code == 201
    assert client.get("/events", params={"sort": "-name"}).json()[0]["payload"] is None


def test_openapi_lists_every_served_table(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert set(paths) == {
        "/health",
        "/customers",
        "/customers/{item_id}",
        "/orders",
        "/orders/{item_id}",
        "/order_lines",
        "/events",
    }
    assert set(paths["/customers"]) == {"get", "post"}
    assert set(paths["/customers/{item_id}"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/order_lines"]) == {"get", "post"}
    assert paths["/customers"]["get"]["operationId"] == "list_customers"
    assert paths["/customers/{item_id}"]["patch"]["operationId"] == "update_customers"
    assert paths["/customers"]["post"]["tags"] == ["customers"]
    schemas = document["components"]["schemas"]
    create = schemas["CustomersCreate"]
    if client.app.state.engine.dialect.name != "sqlite":  # SQLite keeps no comments
        assert {"name": "customers", "description": "People who order"} in document["tags"]
        assert create["properties"]["email"]["description"] == "Login e-mail"
    assert set(create["required"]) == {"email", "name"}
    assert "id" not in create["properties"] and "created_at" not in create["properties"]
    assert create["properties"]["email"]["maxLength"] == 255
    assert create["properties"]["country"]["default"] == "IN"
    assert "blocked" in str(create["properties"]["status"])
    assert "required" not in schemas["CustomersPatch"]
    read = schemas.get("Customers-Output", schemas.get("Customers"))
    assert {"id", "created_at", "updated_at", "balance"} <= set(read["required"])
    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 200


def test_settings_exclude_make_read_only_and_hide(
    settings: Settings, engine: Engine, tables: MetaData
) -> None:
    overrides = {
        "api_exclude_tables": ["events"],
        "api_read_only_tables": ["orders"],
        "api_hidden_columns": ["customers.balance", "nothing.here"],
        "api_allow_delete_all": True,
    }
    with make_client(settings, engine, **overrides) as client:
        paths = client.get("/openapi.json").json()["paths"]
        assert "/events" not in paths
        assert set(paths["/orders"]) == {"get"}
        assert set(paths["/orders/{item_id}"]) == {"get"}
        assert set(paths["/customers"]) == {"get", "post", "delete"}
        row = add_customer(client, name="Asha", balance="3.00")
        assert "balance" not in row
        assert "balance" not in client.get("/customers").json()[0]
        assert client.get("/customers", params={"balance": "3.00"}).status_code == 422
        assert client.post("/orders", json={}).status_code == 405
        assert client.delete("/customers").json() == {"deleted": 1}
        assert client.get("/customers").json() == []
