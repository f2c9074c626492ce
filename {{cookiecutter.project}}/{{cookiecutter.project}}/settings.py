"""Every setting in one typed place, read from the environment and `.env`."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import URL, make_url

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="Full SQLAlchemy URL; overrides the DB_* values when set."
    )
    db_driver: str = "mysql+mysqldb"
    db_host: str = "127.0.0.1"
    db_port: int = {{ cookiecutter.db_port }}
    db_name: str = "{{ cookiecutter.db_name }}"
    db_user: str = "{{ cookiecutter.db_user }}"
    db_password: SecretStr = SecretStr("")
    # Below MySQL's default wait_timeout (8 h) so idle pooled connections are renewed first.
    db_pool_recycle: int = 1800
    db_wait_timeout: float = Field(default=60, ge=0)

    migrate_on_start: bool = True
    seed_on_start: bool = {{ 'True' if cookiecutter.seed_on_start else 'False' }}
    seeds_dir: str = "seeds"

    api_host: str = "0.0.0.0"
    api_port: int = {{ cookiecutter.api_port }}
    api_max_page_size: int = Field(default=100, ge=1)
    api_exclude_tables: CommaList = []
    api_read_only_tables: CommaList = []
    api_hidden_columns: CommaList = Field(
        default=[], description="`table.column` entries left out of every response."
    )
    api_allow_delete_all: bool = False
    log_level: str = "info"

    @field_validator(
        "api_exclude_tables", "api_read_only_tables", "api_hidden_columns", mode="before"
    )
    @classmethod
    def split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def url(self) -> URL:
        """The database URL; built with URL.create so any password needs no escaping."""
        if self.database_url:
            return make_url(self.database_url)
        query = {"charset": "utf8mb4"} if self.db_driver.startswith("mysql") else {}
        return URL.create(
            self.db_driver,
            username=self.db_user,
            password=self.db_password.get_secret_value(),
            host=self.db_host,
            port=self.db_port,
            database=self.db_name,
            query=query,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
