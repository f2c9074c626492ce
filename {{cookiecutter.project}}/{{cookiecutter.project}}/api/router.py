"""fastapi-crudrouter's SQLAlchemy router over one reflected table, right on Pydantic 2.

crudrouter 0.8.6 builds its schemas with Pydantic 1 calls (`__fields__[...].type_`,
`create_model(__model_name=...)`), serializes with `.dict()`, reads with `Query.get` and writes
every field on update. This subclass hands it ready-made schemas, replaces every route factory
with SQLAlchemy Core statements (compiled once, cached by SQLAlchemy), adds PATCH, and answers
database rejections as 409/422 (see errors.py). Rows are serialized straight to JSON bytes,
so FastAPI does not validate what the database returned a second time.
"""

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import HTTPException, Path, Query, Response
from fastapi_crudrouter import SQLAlchemyCRUDRouter
from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy import Connection, DateTime, Engine, Row, Table, bindparam, func, select
from sqlalchemy.exc import DBAPIError

from .columns import column_specs
from .errors import ConflictBody, ErrorBody, request_error
from .exposure import TablePolicy
from .listing import list_query_model
from .schemas import RequestBody, model_name, table_schemas

log = logging.getLogger(__name__)

JSON = "application/json"
TOTAL_HEADER = "X-Total-Count"
_NOT_FOUND = {"model": ErrorBody, "description": "No row has this id"}
_UNREADABLE = {"model": ErrorBody, "description": "The body is not UTF-8 text"}
_CONFLICT = {"model": ConflictBody, "description": "A unique key already holds this value"}
_REFERENCED = {"model": ConflictBody, "description": "Rows of another table still refer to it"}
_TOTAL = {
    "headers": {
        TOTAL_HEADER: {
            "description": "Rows matching the filters, regardless of skip and limit",
            "schema": {"type": "integer"},
        }
    }
}
# (path, method) as crudrouter adds them -> operation, summary, status code, error responses
_ROUTES: dict[tuple[str, str], tuple[str, str, int, dict[int | str, Any]]] = {
    ("", "GET"): ("list", "List {table} rows", 200, {200: _TOTAL}),
    ("", "POST"): ("create", "Create a {table} row", 201, {400: _UNREADABLE, 409: _CONFLICT}),
    ("", "DELETE"): ("delete_all", "Delete every {table} row", 200, {409: _REFERENCED}),
    ("/{item_id}", "GET"): ("get", "Get a {table} row", 200, {404: _NOT_FOUND}),
    ("/{item_id}", "PUT"): (
        "replace",
        "Replace a {table} row (omitted fields take their default)",
        200,
        {400: _UNREADABLE, 404: _NOT_FOUND, 409: _CONFLICT},
    ),
    ("/{item_id}", "PATCH"): (
        "update",
        "Update the fields sent of a {table} row",
        200,
        {400: _UNREADABLE, 404: _NOT_FOUND, 409: _CONFLICT},
    ),
    ("/{item_id}", "DELETE"): (
        "delete",
        "Delete a {table} row",
        200,
        {404: _NOT_FOUND, 409: _REFERENCED},
    ),
}


class DeletedRows(BaseModel):
    deleted: int


class TableRouter(SQLAlchemyCRUDRouter):
    """CRUD routes for one table under `/<table>`, tagged with the table's name."""

    def __init__(self, table: Table, engine: Engine, policy: TablePolicy) -> None:
        specs = column_specs(table, engine.dialect.name)
        visible = [spec for spec in specs if spec.name not in policy.hidden_columns]
        self.table = table
        self.engine = engine
        self.policy = policy
        self.schemas = table_schemas(table.name, specs, policy.hidden_columns)
        self.list_query = list_query_model(
            model_name(table.name), table.name, visible, policy.max_page_size
        )
        key = list(table.primary_key.columns)
        single_key = key[0] if len(key) == 1 else None
        self._key = key
        self._select = select(*(table.c[spec.name] for spec in visible))
        self._by_key = [column == bindparam(f"key_{i}") for i, column in enumerate(key)]
        self._select_by_key = self._select.where(*self._by_key)
        # Plain str keys: reflected names are `quoted_name`, a str subclass to_json is slow on.
        self._keys = [str(column.name) for column in self._select.selected_columns]
        self._utc = [
            str(column.name)
            for column in self._select.selected_columns
            if isinstance(column.type, DateTime)
        ]
        self._delete_by_key = table.delete().where(*self._by_key)
        by_id = single_key is not None and not policy.read_only
        # SQLAlchemyCRUDRouter.__init__ would read `schema.__fields__[pk].type_` (Pydantic 1):
        # set the key it would set, then run the generic CRUDGenerator.__init__ (the routes).
        self._pk = single_key.name if single_key is not None else ""
        self._pk_type = next((spec.annotation for spec in specs if spec.name == self._pk), int)
        super(SQLAlchemyCRUDRouter, self).__init__(
            schema=self.schemas.read,
            create_schema=self.schemas.create,
            update_schema=self.schemas.replace,
            prefix=table.name,
            tags=[table.name],
            get_all_route=True,
            get_one_route=single_key is not None,
            create_route=not policy.read_only,
            update_route=by_id,
            delete_one_route=by_id,
            delete_all_route=policy.allow_delete_all and not policy.read_only,
        )
        if by_id:
            self._add_api_route("/{item_id}", self._patch(), methods=["PATCH"], dependencies=True)
        if single_key is None:
            log.warning(
                "table %s has %s: served with list and create only (no routes by id)",
                table.name,
                f"a composite primary key ({', '.join(c.name for c in key)})"
                if key
                else "no primary key",
            )

    def _add_api_route(
        self,
        path: str,
        endpoint: Any,
        dependencies: Any,
        error_responses: list[HTTPException] | None = None,
        **kwargs: Any,
    ) -> None:
        """Every route gets a readable operation id, its status code and its error models."""
        operation, summary, status_code, responses = _ROUTES[(path, kwargs["methods"][0])]
        kwargs |= {
            "summary": summary.format(table=self.table.name),
            "operation_id": f"{operation}_{self.table.name}",
            "status_code": status_code,
            "response_model": self._response_model(operation),
            "responses": responses,
        }
        self.add_api_route(
            path, endpoint, dependencies=[] if dependencies is True else dependencies, **kwargs
        )

    def _response_model(self, operation: str) -> Any:
        if operation == "list":
            return list[self.schemas.read]
        if operation == "delete_all":
            return DeletedRows
        if operation == "create" and not self._key:
            return self.schemas.create  # nothing identifies the new row: it is echoed
        return self.schemas.read

    def _item_id_type(self) -> Any:
        return Annotated[self._pk_type, Path(description=f"The {self.table.name}.{self._pk} value")]

    def _get_all(self, *args: Any, **kwargs: Any) -> Any:
        table, query_model = self.table, self.list_query

        def route(query: Annotated[query_model, Query()]) -> Response:
            where = [table.c[name] == value for name, value in query.filters().items()]
            sort = [table.c[name].desc() if desc else table.c[name] for name, desc in query.order()]
            statement = self._select.where(*where).order_by(*sort, *self._key)
            with self.engine.connect() as connection:
                rows = []
                if query.limit:
                    paged = statement.limit(query.limit).offset(query.skip)
                    rows = connection.execute(paged).all()
                if len(rows) < query.limit and (rows or query.skip == 0):
                    total = query.skip + len(rows)
                else:
                    counting = select(func.count()).select_from(table).where(*where)
                    total = connection.execute(counting).scalar_one()
            content = to_json([self._values(row) for row in rows], bytes_mode="base64")
            return Response(content, media_type=JSON, headers={TOTAL_HEADER: str(total)})

        return route

    def _get_one(self, *args: Any, **kwargs: Any) -> Any:
        item_id_type = self._item_id_type()

        def route(item_id: item_id_type) -> Response:
            with self.engine.connect() as connection:
                return self._row_response(self._fetch(connection, [item_id]), item_id)

        return route

    def _create(self, *args: Any, **kwargs: Any) -> Any:
        body_model = self.schemas.create

        def route(body: body_model) -> Response:
            values = body.model_dump(by_alias=True, exclude_unset=True)
            with self._database_errors(values), self.engine.begin() as connection:
                result = connection.execute(self.table.insert().values(values))
                row = self._fetch(connection, list(result.inserted_primary_key or ()))
            if row is None:  # no primary key, or a part of it the database did not report
                return Response(body.model_dump_json(by_alias=True), 201, media_type=JSON)
            return self._row_response(row, None, status_code=201)

        return route

    def _update(self, *args: Any, **kwargs: Any) -> Any:
        return self._writer(self.schemas.replace, partial=False)

    def _patch(self) -> Any:
        return self._writer(self.schemas.patch, partial=True)

    def _writer(self, body_model: type[RequestBody], partial: bool) -> Any:
        item_id_type = self._item_id_type()

        def route(item_id: item_id_type, body: body_model) -> Response:
            values = body.model_dump(by_alias=True, exclude_unset=partial)
            with self._database_errors(values), self.engine.begin() as connection:
                if values:
                    update = self.table.update().where(*self._by_key).values(values)
                    connection.execute(update, {"key_0": item_id})
                return self._row_response(self._fetch(connection, [item_id]), item_id)

        return route

    def _delete_one(self, *args: Any, **kwargs: Any) -> Any:
        item_id_type = self._item_id_type()

        def route(item_id: item_id_type) -> Response:
            with self._database_errors({}, deleting=True), self.engine.begin() as connection:
                response = self._row_response(self._fetch(connection, [item_id]), item_id)
                connection.execute(self._delete_by_key, {"key_0": item_id})
            return response

        return route

    def _delete_all(self, *args: Any, **kwargs: Any) -> Any:
        def route() -> DeletedRows:
            with self._database_errors({}, deleting=True), self.engine.begin() as connection:
                return DeletedRows(deleted=connection.execute(self.table.delete()).rowcount)

        return route

    def _fetch(self, connection: Connection, key: list[Any]) -> Row | None:
        if not self._key or len(key) != len(self._key) or None in key:
            return None
        parameters = {f"key_{i}": value for i, value in enumerate(key)}
        return connection.execute(self._select_by_key, parameters).first()

    def _row_response(self, row: Row | None, item_id: Any, status_code: int = 200) -> Response:
        if row is None:
            raise HTTPException(404, f"{self.table.name} has no row with {self._pk} = {item_id!r}")
        content = to_json(self._values(row), bytes_mode="base64")
        return Response(content, status_code, media_type=JSON)

    def _values(self, row: Row) -> dict[str, Any]:
        """The row as a dict; DATETIME values are UTC, so they get an explicit offset."""
        values = dict(zip(self._keys, row, strict=True))
        for name in self._utc:
            if values[name] is not None:
                values[name] = values[name].replace(tzinfo=dt.UTC)
        return values

    @contextmanager
    def _database_errors(self, values: Mapping[str, Any], deleting: bool = False) -> Iterator[None]:
        """Turn the database's rejection of this request into a 409 or 422."""
        try:
            yield
        except DBAPIError as error:
            answer = request_error(error, self.table, values, deleting)
            if answer is None:
                raise
            raise answer from error
