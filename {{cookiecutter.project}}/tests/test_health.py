from fastapi.testclient import TestClient
from sqlalchemy import Engine

from {{ cookiecutter.project }}.db import create_db_engine
from {{ cookiecutter.project }}.main import create_app
from {{ cookiecutter.project }}.settings import Settings


def test_health_queries_the_database(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings, engine)) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_unreachable_database() -> None:
    settings = Settings(_env_file=None, db_host="127.0.0.1", db_port=1, db_password="x")
    with TestClient(create_app(settings, create_db_engine(settings=settings))) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert "x" not in response.json().values()


def test_swagger_ui_is_served_without_a_cdn(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings, engine)) as client:
        page = client.get("/docs").text
        assert "cdn." not in page
        asset = client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert asset.status_code == 200
