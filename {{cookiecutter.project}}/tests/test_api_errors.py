"""MySQL 8's wording of constraint errors (the live tests run on MariaDB) maps like MariaDB's."""

import MySQLdb
import pytest
from fastapi.exceptions import RequestValidationError
from sqlalchemy import JSON, Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project }}.api.errors import Conflict, request_error

metadata = MetaData()
customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(20)),
    UniqueConstraint("email", name="customers_email_key"),
)
orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id")),
    Column("specs", JSON),
)
FK_FAILS = (
    "a foreign key constraint fails (`shop`.`orders`, CONSTRAINT `orders_ibfk_1`"
    " FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`))"
)


def database_error(code: int, message: str) -> DBAPIError:
    orig = MySQLdb.IntegrityError(code, message)
    return DBAPIError.instance("INSERT ...", {}, orig, MySQLdb.Error)


def test_duplicate_key_named_with_its_table_prefix() -> None:
    error = database_error(1062, "Duplicate entry 'a@x' for key 'customers.customers_email_key'")
    answer = request_error(error, customers, {"email": "a@x"})
    assert isinstance(answer, Conflict)
    assert answer.body.constraint == "customers_email_key"
    assert answer.body.fields == ["email"]
    assert "a@x" not in answer.body.detail


def test_primary_key_duplicate_names_the_key_columns() -> None:
    error = database_error(1062, "Duplicate entry '1' for key 'PRIMARY'")
    answer = request_error(error, customers, {})
    assert isinstance(answer, Conflict)
    assert answer.body.fields == ["id"]


BAD_JSON = "Invalid JSON text: \"Invalid value.\" at position 0 in value for column 'orders.specs'."
BAD_DATETIME = "Incorrect datetime value: 'x' for column 'specs' at row 1"


@pytest.mark.parametrize(
    ("code", "message", "kind", "loc"),
    [
        (
            1452,
            f"Cannot add or update a child row: {FK_FAILS}",
            "foreign_key_violation",
            ["customer_id"],
        ),
        (1048, "Column 'customer_id' cannot be null", "not_null", ["customer_id"]),
        (3819, "Check constraint 'orders_chk_1' is violated.", "check_violation", []),
        (3140, BAD_JSON, "invalid_value", ["specs"]),
        (1292, BAD_DATETIME, "invalid_value", ["specs"]),
    ],
)
def test_invalid_values_are_422_naming_the_column(
    code: int, message: str, kind: str, loc: list[str]
) -> None:
    answer = request_error(database_error(code, message), orders, {})
    assert isinstance(answer, RequestValidationError)
    (error,) = answer.errors()
    assert (error["type"], list(error["loc"])) == (kind, ["body", *loc])
    assert message[:12] not in error["msg"]


def test_row_still_referenced_names_the_referencing_column() -> None:
    error = database_error(1451, f"Cannot delete or update a parent row: {FK_FAILS}")
    answer = request_error(error, customers, {}, deleting=True)
    assert isinstance(answer, Conflict)
    assert answer.body.detail == "this customers row is still referenced by orders.customer_id"
    assert answer.body.constraint == "orders_ibfk_1"


def test_errors_not_caused_by_the_request_are_left_alone() -> None:
    lost = database_error(2013, "Lost connection to server during query")
    assert request_error(lost, customers, {}) is None
