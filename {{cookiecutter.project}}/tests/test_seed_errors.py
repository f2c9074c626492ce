"""Bad seed input is refused with the file, table, row and column named, and nothing written."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import URL, Engine, MetaData, create_engine, text
from sqlalchemy.exc import IntegrityError

from {{ cookiecutter.project }}.seed import SeedError, run_seeds
from {{ cookiecutter.project }}.seed.files import parse_json, read_seed_file
from {{ cookiecutter.project }}.seed.run import seed
from {{ cookiecutter.project }}.settings import Settings

from .test_seed import customer, load, ref, shop_schema, write_seeds


def orders(*rows: dict) -> dict:
    return {"table": "orders", "key": "reference", "rows": list(rows)}


def order(reference: str, email: str = "ann@x.io", **values: Any) -> dict:
    return {
        "reference": reference,
        "customer_id": ref("customers", email=email),
        "total": 1,
        **values,
    }


# Valid, and would insert a row and update one (through a temporary table on MySQL).
GOOD_CUSTOMERS = {
    "table": "customers",
    "key": "email",
    "rows": [customer("new@x.io"), customer("ann@x.io", name="Ann Changed")],
}

# (files: the first one is valid and would change the database, the next one is broken; message)
CASES = {
    "malformed JSON": (
        '{"table": "orders",\n  "rows": [\n    {"reference": "R1",, }\n  ]\n}',
        "20_bad.json: invalid JSON at line 3, column 24",
    ),
    "unknown table": (
        {"table": "ordres", "rows": []},
        "20_bad.json: table ordres: unknown table; the database has: alembic_version, ",
    ),
    "unknown column": (
        orders(order("R1"), order("R2", totl=3)),
        "20_bad.json: table orders, row 1, column totl: unknown column",
    ),
    "wrong type": (
        orders(order("R1", total="a lot")),
        "20_bad.json: table orders, row 0, column total: expected a number, found 'a lot'",
    ),
    "too many decimals": (
        orders(order("R1", total=1.005)),
        "table orders, row 0, column total: 1.005 has more than 2 decimal places",
    ),
    "string too long": (
        orders(order("R" * 33)),
        "row 0, column reference: is 33 characters long; the column holds at most 32",
    ),
    "null in a NOT NULL column": (
        orders(order("R1", total=None)),
        "row 0, column total: is NOT NULL; null is not allowed",
    ),
    "missing key column": (
        orders(order("R1"), {"customer_id": 1, "total": 2}),
        "20_bad.json: table orders, row 1: missing key column(s) ['reference']",
    ),
    "duplicate key in one file": (
        orders(order("R1"), order("R2"), order("R1")),
        "20_bad.json: table orders, row 2: duplicate key ['R1']: row 0 has it too",
    ),
    "$ref finds no row": (
        orders(order("R1"), order("R2", email="nobody@x.io")),
        "table orders, row 1, column customer_id: $ref finds no row: customers.id where "
        "email = 'nobody@x.io'",
    ),
    "$ref matches several rows": (
        orders(
            order("R1"),
            {"reference": "R2", "total": 1, "customer_id": ref("customers", country="IN")},
        ),
        "table customers: a $ref where {'country': 'IN'} matches more than one row",
    ),
    "new row lacks a NOT NULL column": (
        orders({"reference": "R1", "customer_id": 1}),
        "row 0: new row lacks NOT NULL column(s) ['total'] that have no default",
    ),
    "mode differs between files": (
        {"table": "customers", "key": "email", "mode": "replace", "rows": []},
        "20_bad.json: table customers: seeds/10_good.json seeds this table with key ['email'] and "
        "mode upsert",
    ),
    # Found only by the database, after every row was written: the run is rolled back.
    "foreign key to no row, in the last row": (
        orders(order("R1"), {"reference": "R2", "customer_id": 999999, "total": 5}),
        "table orders, column customer_id: foreign key (customer_id) -> customers(id): "
        "value(s) 999999 have no row in customers",
    ),
}


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(tuple(row) for row in connection.execute(table.select()))
            for name, table in metadata.tables.items()
        }


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_and_the_database_is_unchanged(
    case: str, settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, message = CASES[case]
    assert_refused(broken, message, settings, engine, tmp_path, monkeypatch)


@pytest.mark.parametrize("db_url", ["mysql"], indirect=True)  # SQLite has no ENUM type
def test_value_outside_an_enum_is_refused(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = orders(order("R1", status="lost"))
    message = "row 0, column status: expected one of new, paid, shipped, found 'lost'"
    assert_refused(broken, message, settings, engine, tmp_path, monkeypatch)


def assert_refused(
    broken: Any,
    message: str,
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A valid file then `broken`: the error says `message` and the database keeps its rows."""
    shop_schema(engine)
    load(
        settings,
        write_seeds(
            tmp_path / "setup",
            {
                "c.json": {
                    "table": "customers",
                    "key": "email",
                    "rows": [customer("ann@x.io"), customer("amy@x.io")],
                }
            },
        ),
    )
    before = snapshot(engine)
    monkeypatch.chdir(tmp_path)
    paths = write_seeds(tmp_path / "seeds", {"10_good.json": GOOD_CUSTOMERS, "20_bad.json": broken})
    with pytest.raises(SeedError) as raised:
        load(settings, [path.relative_to(tmp_path) for path in paths])
    assert message in str(raised.value)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "expected a JSON object at the top level, found list"),
        ({"table": "t"}, 'a table entry needs "table" and "rows"'),
        ({"table": "t", "rows": [], "mode": "merge"}, "unknown mode 'merge'; expected one of"),
        ({"table": "t", "rows": [], "keys": ["a"]}, "unknown keys ['keys']"),
        ({"tables": [{"table": "t", "rows": {}}]}, '"rows" must be a list of objects'),
        ({"t": {"a": 1}}, "'t' maps to dict"),
        ({"table": "t; DROP TABLE x", "rows": []}, "must start with a letter"),
    ],
)
def test_malformed_files_are_refused_with_the_file_named(
    document: Any, message: str, tmp_path: Path
) -> None:
    (path,) = write_seeds(tmp_path, {"bad.json": document})
    with pytest.raises(SeedError) as raised:
        read_seed_file(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 19.99, "b": 1E+2, "c": -0.0, "a2": 1, "a2": 2, "s": "\\u00e9"}',
        '{"big": 123456789012345678901234567890}',  # beyond 64 bits: the fallback parser
        '{"n": NaN}',  # not JSON, but the standard library reads it: so does the seed
        '{"a":\r 1,\r\n "b": "\u00e9"}',
    ],
)
def test_fast_parse_gives_what_the_standard_library_gives(text: str) -> None:
    expected = json.loads(text, parse_float=Decimal)
    parsed = parse_json(text.encode(), "f.json")
    assert repr(parsed) == repr(expected)


def test_invalid_utf8_is_refused_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"table": "t", "rows": [{"name": "\xff"}]}')
    with pytest.raises(SeedError, match="cannot read the file: 'utf-8' codec can't decode"):
        read_seed_file(path)


@pytest.mark.mysql
@pytest.mark.parametrize("previous", [0, 1])
def test_foreign_key_checks_are_restored_after_success_and_failure(
    previous: int, mysql_url: URL, tmp_path: Path
) -> None:
    engine = create_engine(mysql_url)
    shop_schema(engine)
    good = write_seeds(tmp_path / "good", {"c.json": GOOD_CUSTOMERS})
    bad = write_seeds(
        tmp_path / "bad", {"o.json": orders({"reference": "R", "customer_id": 7, "total": 1})}
    )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SET SESSION foreign_key_checks = {previous}")
            connection.commit()
            for paths, fails in ((good, False), (bad, True)):
                entries = [entry for path in paths for entry in read_seed_file(path)]
                if fails:
                    with pytest.raises(SeedError, match="have no row in customers"):
                        seed(connection, entries, dry_run=False, console=Console(file=StringIO()))
                else:
                    seed(connection, entries, dry_run=False, console=Console(file=StringIO()))
                checks = connection.execute(text("SELECT @@SESSION.foreign_key_checks")).scalar()
                connection.rollback()
                assert checks == previous
    finally:
        engine.dispose()


def test_run_seeds_with_no_files_does_nothing(settings: Settings, tmp_path: Path) -> None:
    console = Console(file=StringIO())
    assert run_seeds(settings, [], console=console) == []
    assert "nothing to do" in console.file.getvalue()


def test_a_clash_only_the_database_sees_rolls_everything_back(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """Two new orders share a unique reference under different ids: the INSERT fails after the
    customers were written, and nothing stays."""
    shop_schema(engine)
    load(settings, write_seeds(tmp_path / "setup", {"c.json": GOOD_CUSTOMERS}))
    before = snapshot(engine)
    changed = GOOD_CUSTOMERS | {"rows": [customer("new@x.io", name="Changed")]}
    dump = {
        "orders": [
            {
                "id": 1,
                "reference": "R",
                "customer_id": ref("customers", email="new@x.io"),
                "total": 1,
            },
            {
                "id": 2,
                "reference": "R",
                "customer_id": ref("customers", email="new@x.io"),
                "total": 2,
            },
        ]
    }
    paths = write_seeds(tmp_path / "s", {"10_good.json": changed, "20_dump.json": dump})
    with pytest.raises(IntegrityError):
        load(settings, paths)
    assert snapshot(engine) == before
