"""The FastAPI application: health check, offline docs, and the CRUD routes for every table."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from .api import install_crud_api
from .db import create_db_engine
from .settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The app factory (`uvicorn --factory`): tables are reflected here, once the DB is up."""
    settings = settings or get_settings()
    engine = engine or create_db_engine(settings=settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPIOffline(
        title={{ cookiecutter.project_name | tojson }},
        description={{ cookiecutter.description | tojson }},
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings

    @app.get("/health", tags=["health"], operation_id="health")
    def health() -> JSONResponse:
        """Answers 200 only when the database answers a real query."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    install_crud_api(app, engine, settings)
    return app
