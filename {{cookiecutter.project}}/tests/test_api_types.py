"""Column types become the right JSON types, and the database's own rejections become 422s."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.dialects import mysql

from {{ cookiecutter.project }}.main import create_app
from {{ cookiecutter.project }}.settings import Settings

JSON_TYPE = "application/json"
GADGET = {
    "name": "lamp",
    "active": True,
    "weight": 1.5,
    "opens_at": "08:30:00",
    "released": "2024-05-01T10:00:00",
    "photo": "AP8=",
    "specs": {"watts": 40, "colours": ["red", None]},
    "stock": 3,
    "manual": "Twist to switch on.",
}
# DATETIME values are UTC and read back with their offset.
STORED = GADGET | {"id": 1, "released": "2024-05-01T10:00:00Z"}


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    metadata = MetaData()
    Table(
        "gadgets",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("name", String(20), nullable=False),
        Column("active", Boolean, nullable=False, server_default="1"),
        Column("weight", Float),
        Column("opens_at", Time),
        Column("released", DateTime),
        Column("photo", LargeBinary(16).with_variant(mysql.VARBINARY(16), "mysql")),
        Column("specs", JSON, nullable=False),
        Column("stock", SmallInteger().with_variant(mysql.SMALLINT(unsigned=True), "mysql")),
        Column("manual", Text),
        CheckConstraint("stock < 1000", name="stock_below_1000"),
        mysql_charset="utf8mb4",
        mysql_engine="InnoDB",
    )
    metadata.create_all(engine)
    with TestClient(create_app(settings, engine)) as client:
        yield client


def test_values_round_trip_as_json(client: TestClient) -> None:
    created = client.post("/gadgets", json=GADGET)
    assert created.status_code == 201, created.text
    assert created.json() == STORED
    assert client.get("/gadgets", params={"active": "true"}).json() == [STORED]
    assert client.get("/gadgets", params={"active": "false"}).json() == []
    defaulted = client.post("/gadgets", json={"name": "bare", "specs": []}).json()
    assert defaulted["active"] is True
    assert defaulted["specs"] == []


def test_aware_datetimes_are_stored_as_utc(client: TestClient) -> None:
    body = GADGET | {"released": "2024-05-01T12:00:00+02:00"}
    assert client.post("/gadgets", json=body).json()["released"] == "2024-05-01T10:00:00Z"
    listed = client.get("/gadgets", params={"released": "2024-05-01T10:00:00Z"})
    assert len(listed.json()) == 1


def test_schema_carries_types_and_limits(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["GadgetsCreate"]
    properties = schema["properties"]
    assert properties["name"]["maxLength"] == 20
    assert properties["active"]["type"] == "boolean"
    assert properties["stock"]["anyOf"][0]["maximum"] in (32767, 65535)
    assert {"type": "string", "format": "time"} in properties["opens_at"]["anyOf"]
    assert set(schema["required"]) == {"name", "specs"}
    response = client.get("/gadgets", params={"sort": "photo"})
    assert response.status_code == 422
    assert "sortable: id, name, active, weight, opens_at, released, stock, manual" in response.text


def test_out_of_range_values_are_422_before_the_database(client: TestClient) -> None:
    for column, value in {
        "stock": 70000,
        "weight": "NaN",
        "name": "\ud800",  # a lone surrogate: valid JSON, not encodable text
        "photo": "not base64!",
        "opens_at": "08:30:00+02:00",
    }.items():
        body = json.dumps(GADGET | {column: value})
        response = client.post("/gadgets", content=body, headers={"content-type": JSON_TYPE})
        assert response.status_code == 422, (column, response.text)
        assert response.json()["detail"][0]["loc"][:2] == ["body", column]


def test_database_rejections_are_422_naming_the_column(client: TestClient) -> None:
    null_json = client.post("/gadgets", json=GADGET | {"specs": None})
    assert null_json.status_code == 422
    assert null_json.json()["detail"] == [
        {"type": "not_null", "loc": ["body", "specs"], "msg": "may not be null"}
    ]
    check = client.post("/gadgets", json=GADGET | {"stock": 5000})
    assert check.status_code == 422
    error = check.json()["detail"][0]
    assert error["type"] == "check_violation"
    if client.app.state.engine.dialect.name == "mysql":
        assert "stock_below_1000" in error["msg"]
        # Limits only MySQL enforces: TEXT holds 65535 bytes, FLOAT about 3.4e38.
        too_long = client.post("/gadgets", json=GADGET | {"manual": "x" * 70000})
        assert too_long.json()["detail"][0]["loc"] == ["body", "manual"]
        assert "too long" in too_long.json()["detail"][0]["msg"]
        too_big = client.post("/gadgets", json=GADGET | {"weight": 1e300})
        assert too_big.status_code == 422
        assert too_big.json()["detail"][0]["loc"] == ["body", "weight"]


def test_awkward_names_are_served_under_their_own_names(settings: Settings, engine: Engine) -> None:
    metadata = MetaData()
    Table(
        "odd-names",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("class", String(10)),
        Column("model_id", Integer),
        Column("json", String(10)),
        Column("_private", String(10)),
        mysql_charset="utf8mb4",
    )
    metadata.create_all(engine)
    row = {"class": "a", "model_id": 7, "json": "j", "_private": "p"}
    with TestClient(create_app(settings, engine)) as client:
        created = client.post("/odd-names", json=row)
        assert created.status_code == 201, created.text
        assert created.json() == row | {"id": 1}
        listed = client.get("/odd-names", params={"class": "a", "_private": "p", "sort": "-json"})
        assert listed.json() == [row | {"id": 1}]
        patched = client.patch("/odd-names/1", json={"model_id": 8})
        assert patched.json()["model_id"] == 8
        schema = client.get("/openapi.json").json()["components"]["schemas"]["OddNames"]
        assert set(schema["properties"]) == {"id", "class", "model_id", "json", "_private"}
