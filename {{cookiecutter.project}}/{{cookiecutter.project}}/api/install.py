"""Mount the CRUD routes of every exposed table on the application."""

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine, Table
from sqlalchemy.exc import OperationalError

from ..settings import Settings
from .errors import Conflict, conflict_handler, validation_error_handler
from .exposure import exposed_tables
from .reflection import reflect_tables
from .router import TableRouter

log = logging.getLogger(__name__)


def install_crud_api(app: FastAPI, engine: Engine, settings: Settings) -> list[TableRouter]:
    """Reflect the tables now and serve each; tables created later appear after a restart."""
    app.add_exception_handler(Conflict, conflict_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    try:
        metadata = reflect_tables(engine)
    except OperationalError as error:
        log.error("no table routes: the database could not be reflected (%s)", error.orig)
        return []
    routers = []
    for table, policy in exposed_tables(metadata, settings):
        try:
            router = TableRouter(table, engine, policy)
        except Exception:  # one table the adapter cannot map must not take the others down
            log.exception("table %s is not served: its routes could not be built", table.name)
            continue
        app.include_router(router)
        routers.append(router)
    app.openapi_tags = [*(app.openapi_tags or []), *(_tag(router.table) for router in routers)]
    names = ", ".join(router.table.name for router in routers)
    log.info("CRUD routes for %d tables: %s", len(routers), names)
    return routers


def _tag(table: Table) -> dict[str, str]:
    """The table's OpenAPI tag; its comment, when it has one, describes it in /docs."""
    return {"name": table.name} | ({"description": table.comment} if table.comment else {})
