"""Read a changeset file: JSON syntax (line, column), shape (JSON path), rows files, checksum."""

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ChangesetError
from .model import Changeset, Load


@dataclass(frozen=True)
class LoadedChangeset:
    path: Path
    changeset: Changeset
    data: Any
    rows_files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def checksum(self) -> str:
        return checksum(self.data, self.rows_files)


def load_changeset(path: Path) -> LoadedChangeset:
    """Parse and shape-check a changeset and the rows files its `load` ops name."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ChangesetError(
            'a changeset is a JSON object like {"ops": [...]}, found ' + _kind(data),
            file=path.name,
        )
    try:
        changeset = Changeset.model_validate(data)
    except ValidationError as error:
        raise shape_error(error, data, path.name) from None
    rows_files = {}
    for index, op in enumerate(changeset.ops):
        if isinstance(op, Load):
            try:
                rows_files[op.file] = read_rows(path.parent / op.file)
            except ChangesetError as error:
                raise ChangesetError(
                    f"rows file {error}", file=path.name, path=f"ops[{index}].file"
                ) from None
    return LoadedChangeset(path, changeset, data, rows_files)


def read_json(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChangesetError("file not found", file=path.name) from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise ChangesetError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            file=path.name,
        ) from None


def read_rows(path: Path) -> list[dict[str, Any]]:
    rows = read_json(path)
    if not isinstance(rows, list):
        raise ChangesetError(f"expected a list of row objects, found {_kind(rows)}", file=path.name)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ChangesetError(
                f"expected a row object, found {_kind(row)}", file=path.name, path=f"[{index}]"
            )
    return rows


def checksum(data: Any, rows_files: dict[str, list[dict[str, Any]]]) -> str:
    """SHA-256 of canonical JSON, so whitespace and key order do not count as edits."""
    canonical = json.dumps(
        [data, rows_files],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        check_circular=False,  # parsed JSON has no cycles
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def shape_error(error: ValidationError, data: Any, file: str) -> ChangesetError:
    """The first pydantic error as `ops[2].columns[1].type: expected ..., found ...`."""
    problems = error.errors(include_url=False)
    # Of a union's alternatives, the one that got furthest into the document says most.
    first = max(problems, key=lambda problem: len(problem["loc"]))
    path, found = json_path(first["loc"], data)
    message = first["msg"].removeprefix("Value error, ")
    kind = first["type"]
    if kind == "missing":
        message = f"missing required field {str(first['loc'][-1])!r}"
    elif kind == "extra_forbidden":
        message = f"unknown field {str(first['loc'][-1])!r}"
    elif kind == "union_tag_invalid":
        ctx = first.get("ctx", {})
        message = f"unknown op {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        path = f"{path}.op" if path else "op"
    elif kind == "union_tag_not_found":
        message = 'missing "op" (e.g. "create_table", "insert")'
    elif found is not _MISSING and kind not in {"value_error", "assertion_error"}:
        message = f"{message}; found {_short(found)}"
    more = len(problems) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ChangesetError(message, file=file, path=path or None)


_MISSING = object()


def json_path(loc: tuple[Any, ...], data: Any) -> tuple[str, Any]:
    """Walk pydantic's location through the data, skipping union tags it adds on the way."""
    path = ""
    current = data
    for part in loc:
        if isinstance(part, int) and isinstance(current, list) and part < len(current):
            path += f"[{part}]"
            current = current[part]
        elif isinstance(current, dict) and part in current:
            path += f".{part}" if path else str(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and part.isidentifier():
            if current.get("op") == part:
                continue  # the discriminator's own entry in the location
            path += f".{part}" if path else part
            current = _MISSING
        # else: a union member label such as "list[...]": not part of the document
    return path, current


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), repr(value))


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
