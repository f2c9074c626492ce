"""Seed files: JSON in one of three shapes, read into entries of one table each.

- one table:  {"table": "customers", "key": ["email"], "mode": "upsert", "rows": [...]}
- several:    {"tables": [{"table": ...}, ...]}
- a dump:     {"Artist": [...], "Album": [...]}  (key: the primary key, mode: upsert)
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from ..changesets.errors import ChangesetError
from ..changesets.identifiers import check_identifier
from .errors import SeedError

MODES = ("upsert", "insert_missing", "empty_only", "replace")
ENTRY_KEYS = {"table", "key", "mode", "rows", "description"}
ANNOTATION_KEYS = {"$schema", "description"}


@dataclass
class SeedEntry:
    """The rows one file gives for one table, still as JSON values."""

    file: str
    table: str
    key: tuple[str, ...] | None  # None: the table's primary key
    mode: str
    rows: list[Any]


def display_name(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# Decimals stay exact: 19.99 must not become 19.989999999999998.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def read_seed_file(path: Path) -> list[SeedEntry]:
    name = display_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SeedError(f"cannot read the file: {error}", file=name) from None
    return entries_of(parse_json(data, name), name)


def parse_json(data: bytes, file: str) -> Any:
    """msgspec parses the UTF-8 bytes (about twice as fast as decoding them and parsing with the
    standard library); what it refuses (malformed JSON or UTF-8, NaN, integers beyond 64 bits)
    is read as text and parsed again by the standard library, to accept it or word the error.
    Both give the same values: decimals exact, the last of duplicate keys."""
    try:
        return _DECODER.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass
    try:
        # As read_text() reads it (universal newlines): errors count lines the same way.
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise SeedError(f"cannot read the file: {error}", file=file) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise SeedError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}", file=file
        ) from None


def entries_of(document: Any, file: str) -> list[SeedEntry]:
    if not isinstance(document, dict):
        raise SeedError(
            f"expected a JSON object at the top level, found {type(document).__name__}", file=file
        )
    if "table" in document:
        return [_entry(document, file, "")]
    if "tables" in document:
        _refuse_unknown_keys(document, {"tables"} | ANNOTATION_KEYS, file, "")
        tables = document["tables"]
        if not isinstance(tables, list):
            raise SeedError('"tables" must be a list of table entries', file=file)
        return [_entry(item, file, f"tables[{i}]") for i, item in enumerate(tables)]
    entries = []
    for table, rows in document.items():
        if table == "$schema":
            continue
        if not isinstance(rows, list):
            raise SeedError(
                'expected one table entry, a "tables" list, or table names mapped to row '
                f"lists; {table!r} maps to {type(rows).__name__}",
                file=file,
            )
        entries.append(SeedEntry(file, _identifier(table, file, table), None, "upsert", rows))
    return entries


def _entry(item: Any, file: str, path: str) -> SeedEntry:
    at = f"{path}: " if path else ""
    if not isinstance(item, dict):
        raise SeedError(f"{at}expected a table entry object, found {item!r}", file=file)
    _refuse_unknown_keys(item, ENTRY_KEYS | {"$schema"}, file, path)
    if "table" not in item or "rows" not in item:
        raise SeedError(f'{at}a table entry needs "table" and "rows"', file=file)
    table = _identifier(item["table"], file, item["table"])
    rows = item["rows"]
    if not isinstance(rows, list):
        raise SeedError('"rows" must be a list of objects', file=file, table=table)
    mode = item.get("mode", "upsert")
    if mode not in MODES:
        raise SeedError(
            f"unknown mode {mode!r}; expected one of {', '.join(MODES)}", file=file, table=table
        )
    key = item.get("key")
    if key is not None:
        names = [key] if isinstance(key, str) else key
        if not isinstance(names, list) or not names:
            raise SeedError(
                '"key" must be a column name or a non-empty list', file=file, table=table
            )
        key = tuple(_identifier(name, file, table) for name in names)
    return SeedEntry(file, table, key, mode, rows)


def _refuse_unknown_keys(item: dict, allowed: set[str], file: str, path: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        at = f"{path}: " if path else ""
        raise SeedError(
            f"{at}unknown keys {unknown}; expected some of {sorted(allowed)}", file=file
        )


def _identifier(name: Any, file: str, table: Any) -> str:
    try:
        return check_identifier(name)
    except ChangesetError as error:
        raise SeedError(error.message, file=file, table=str(table)) from None
