"""Database errors a request caused, answered as 409 or 422 naming the constraint or column.

The driver's message is parsed for names only and never sent to the client. MySQL/MariaDB
errors are told apart by their error number, SQLite ones by `sqlite_errorname`.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError

_NAME = r"((?:[^`]|``)+)"
_MYSQL_DUPLICATE = {1062, 1586}
_MYSQL_REFERENCED = {1217, 1451}
_MYSQL_MISSING_PARENT = {1216, 1452}
_MYSQL_NOT_NULL = {1048, 1364}
_MYSQL_CHECK = {3819, 4025}
_MYSQL_BAD_VALUE = {
    1264: "is out of range for the column",
    1690: "is out of range for the column",
    1406: "is too long for the column",
    1265: "is not a valid value for the column",
    1292: "is not a valid value for the column",
    1366: "is not a valid value for the column",
    3140: "is not valid JSON",
}
_COLUMN_PATTERNS = (
    re.compile(r"[Cc]olumn '([^']+)'"),
    re.compile(r"Field '([^']+)'"),
    re.compile(rf"for column (?:`{_NAME}`\.)*`{_NAME}`"),
)


class ErrorBody(BaseModel):
    detail: str


class ConflictBody(BaseModel):
    detail: str
    constraint: str | None = None
    """The unique key or foreign key involved, when the database names it."""
    fields: list[str] = []
    """This table's columns whose values collide."""


class Conflict(Exception):
    """409: the request is valid but clashes with rows already stored."""

    def __init__(self, body: ConflictBody) -> None:
        super().__init__(body.detail)
        self.body = body


async def conflict_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    return JSONResponse(exc.body.model_dump(), status_code=409)


async def validation_error_handler(_request: Request, exc: Exception) -> Response:
    """FastAPI's 422, rendered ASCII-only: errors echo the input, which may hold a lone
    surrogate (valid JSON escape, not encodable as UTF-8) and would turn the 422 into a 500."""
    assert isinstance(exc, RequestValidationError)
    content = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
    return Response(content, status_code=422, media_type="application/json")


@dataclass
class _Problem:
    kind: str
    constraint: str | None = None
    columns: list[str] = field(default_factory=list)
    other: str | None = None
    """The other table of a foreign key, when known."""
    message: str = ""


def request_error(
    error: DBAPIError, table: Table, values: Mapping[str, Any], deleting: bool = False
) -> Exception | None:
    """The 409/422 to raise for `error`, or None when the request is not at fault."""
    problem = _mysql_problem(error, table) or _sqlite_problem(error, table, values, deleting)
    if problem is None:
        return None
    if problem.kind == "duplicate":
        columns = problem.columns or _key_columns(table, problem.constraint)
        same = ", ".join(columns) or "key"
        return Conflict(
            ConflictBody(
                detail=f"{table.name} already has a row with the same {same}",
                constraint=problem.constraint or _unique_name(table, columns),
                fields=columns,
            )
        )
    if problem.kind == "referenced":
        referrers = _referrers(table, problem)
        return Conflict(
            ConflictBody(
                detail=f"this {table.name} row is still referenced by {referrers}",
                constraint=problem.constraint,
            )
        )
    return RequestValidationError([_validation_error(problem, table)])


def _validation_error(problem: _Problem, table: Table) -> dict:
    columns = [name for name in problem.columns if name in table.c]
    if problem.kind == "missing_parent":
        message = f"no {problem.other or 'referenced'} row has this value"
        kind = "foreign_key_violation"
    elif problem.kind == "not_null":
        message, kind = "may not be null", "not_null"
    elif problem.kind == "check":
        message = f"violates the check constraint {problem.constraint or ''}".rstrip()
        kind = "check_violation"
    else:
        message, kind = f"value {problem.message}", "invalid_value"
    if len(columns) == 1:
        return {"type": kind, "loc": ("body", columns[0]), "msg": message}
    if columns:
        message = f"{message} (one of {', '.join(columns)})"
    return {"type": kind, "loc": ("body",), "msg": message}


def _mysql_problem(error: DBAPIError, table: Table) -> _Problem | None:
    args = getattr(error.orig, "args", ())
    if len(args) < 2 or not isinstance(args[0], int):
        return None
    code, text = args[0], str(args[1])
    if code in _MYSQL_DUPLICATE:
        key = re.search(r"for key '([^']+)'", text)
        name = key[1].removeprefix(f"{table.name}.") if key else None
        return _Problem("duplicate", constraint=name)
    if code in _MYSQL_REFERENCED | _MYSQL_MISSING_PARENT:
        fk = re.search(
            rf"\(`{_NAME}`\.`{_NAME}`, CONSTRAINT `{_NAME}` FOREIGN KEY \(([^)]*)\)"
            rf" REFERENCES `{_NAME}`",
            text,
        )
        kind = "referenced" if code in _MYSQL_REFERENCED else "missing_parent"
        if not fk:
            return _Problem(kind)
        child, constraint, parent = _unquote(fk[2]), _unquote(fk[3]), _unquote(fk[5])
        columns = [_unquote(name) for name in re.findall(rf"`{_NAME}`", fk[4])]
        other = child if kind == "referenced" else parent
        return _Problem(kind, constraint=constraint, columns=columns, other=other)
    if code in _MYSQL_NOT_NULL:
        return _Problem("not_null", columns=_mentioned_columns(text, table))
    if code in _MYSQL_CHECK:
        name = re.search(r"constraint [`']((?:[^`']|``)+)[`']", text, re.IGNORECASE)
        return _Problem("check", constraint=name[1] if name else None)
    if code in _MYSQL_BAD_VALUE:
        return _Problem(
            "bad_value", columns=_mentioned_columns(text, table), message=_MYSQL_BAD_VALUE[code]
        )
    return None


def _sqlite_problem(
    error: DBAPIError, table: Table, values: Mapping[str, Any], deleting: bool
) -> _Problem | None:
    name = getattr(error.orig, "sqlite_errorname", "")
    text = str(error.orig)
    named = [item.strip().removeprefix(f"{table.name}.") for item in text.split(":")[-1].split(",")]
    if name in {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}:
        return _Problem("duplicate", columns=[column for column in named if column in table.c])
    if name == "SQLITE_CONSTRAINT_NOTNULL":
        return _Problem("not_null", columns=named)
    if name == "SQLITE_CONSTRAINT_CHECK":
        return _Problem("check", constraint=named[0] or None)
    if name == "SQLITE_CONSTRAINT_FOREIGNKEY" and deleting:
        return _Problem("referenced")
    if name == "SQLITE_CONSTRAINT_FOREIGNKEY":
        # SQLite does not say which key failed: name the foreign keys this request set.
        sent = [fk for fk in table.foreign_keys if values.get(fk.parent.name) is not None]
        parents = {fk.column.table.name for fk in sent}
        other = parents.pop() if len(parents) == 1 else None
        return _Problem("missing_parent", columns=[fk.parent.name for fk in sent], other=other)
    return None


def _mentioned_columns(text: str, table: Table) -> list[str]:
    for pattern in _COLUMN_PATTERNS:
        match = pattern.search(text)
        if match:
            name = _unquote(match.groups()[-1]).removeprefix(f"{table.name}.")
            return [name]
    return []


def _unquote(name: str) -> str:
    return name.replace("``", "`")


def _key_columns(table: Table, key: str | None) -> list[str]:
    """The columns of the unique key MySQL named (`PRIMARY` is the primary key)."""
    if key == "PRIMARY":
        return [column.name for column in table.primary_key.columns]
    for index in table.indexes:
        if index.name == key:
            return [column.name for column in index.columns]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.name == key:
            return [column.name for column in constraint.columns]
    return []


def _unique_name(table: Table, columns: list[str]) -> str | None:
    """The name of the unique key over exactly `columns` (SQLite reports columns only)."""
    if columns == [column.name for column in table.primary_key.columns]:
        return "PRIMARY"
    for unique in [*table.indexes, *table.constraints]:
        is_unique = isinstance(unique, UniqueConstraint) or getattr(unique, "unique", False)
        if is_unique and [column.name for column in unique.columns] == columns:
            return unique.name
    return None


def _referrers(table: Table, problem: _Problem) -> str:
    """`orders.customer_id`: what still points at the row, from the error or the schema."""
    if problem.other and problem.columns:
        return ", ".join(f"{problem.other}.{column}" for column in problem.columns)
    found = sorted(
        f"{fk.parent.table.name}.{fk.parent.name}"
        for other in table.metadata.tables.values()
        for fk in other.foreign_keys
        if fk.column.table is table
    )
    return ", ".join(found) or "rows of another table"
