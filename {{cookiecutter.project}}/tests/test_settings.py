from sqlalchemy import make_url

from {{ cookiecutter.project }}.settings import Settings


def test_url_built_from_parts_survives_any_password() -> None:
    password = "p@ss:w/rd#?%&=+ \"'"
    settings = Settings(
        _env_file=None, db_host="db", db_port=3307, db_user="app", db_password=password, db_name="x"
    )
    url = make_url(settings.url.render_as_string(hide_password=False))
    assert url.password == password
    assert (url.host, url.port, url.username, url.database) == ("db", 3307, "app", "x")
    assert url.drivername == "mysql+mysqldb"
    assert url.query["charset"] == "utf8mb4"


def test_database_url_overrides_parts() -> None:
    settings = Settings(_env_file=None, database_url="sqlite:///./dev.db", db_host="db")
    assert settings.url.get_backend_name() == "sqlite"


def test_password_is_hidden_in_repr() -> None:
    settings = Settings(_env_file=None, db_password="s3cret-value")
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings.url)


def test_lists_read_from_commas(monkeypatch) -> None:
    monkeypatch.setenv("API_EXCLUDE_TABLES", "audit, secrets ,")
    monkeypatch.setenv("API_HIDDEN_COLUMNS", "users.password_hash")
    settings = Settings(_env_file=None)
    assert settings.api_exclude_tables == ["audit", "secrets"]
    assert settings.api_hidden_columns == ["users.password_hash"]
