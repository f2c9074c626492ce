"""Mount the CRUD routes of every exposed table on the application."""

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
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
    routers = [
        TableRouter(table, engine, policy) for table, policy in exposed_tables(metadata, settings)
    ]
    for router in routers:
        app.include_router(router)
    app.openapi_tags = [
        *(app.openapi_tags or []),
        *(
            {"name": router.table.name, "description": router.table.comment or ""}
            for router in routers
        ),
    ]
    names = ", ".join(router.table.name for router in routers)
    log.info("CRUD routes for %d tables: %s", len(routers), names)
    return routers
