"""The list route's query string: paging, equality filters on columns, and `sort=a,-b`.

It is one Pydantic model per table with `extra="forbid"`, so FastAPI answers 422 naming any
unknown parameter, and a misspelt filter never silently returns every row.
"""

import logging
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from .columns import ColumnSpec

log = logging.getLogger(__name__)

MAX_OFFSET = 2**63 - 1


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    filter_columns: ClassVar[dict[str, str]] = {}
    """Model field name -> column name, for the filters."""
    sortable: ClassVar[tuple[str, ...]] = ()

    skip: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")
    limit: int
    sort: str | None = Field(
        None,
        description="Comma-separated columns to order by, `-` for descending: `name,-created_at`.",
    )

    @field_validator("sort")
    @classmethod
    def _known_sort_columns(cls, value: str | None) -> str | None:
        sort_keys(value, cls.sortable)
        return value

    def filters(self) -> dict[str, Any]:
        """Column -> value, for the filters present in the query string."""
        return {
            column: getattr(self, field)
            for field, column in self.filter_columns.items()
            if field in self.model_fields_set
        }

    def order(self) -> list[tuple[str, bool]]:
        """(column, descending) pairs."""
        return sort_keys(self.sort, self.sortable)


def sort_keys(sort: str | None, sortable: tuple[str, ...]) -> list[tuple[str, bool]]:
    if not sort:
        return []
    keys = []
    for item in sort.split(","):
        descending = item.strip().startswith("-")
        name = item.strip().removeprefix("-")
        if name not in sortable:
            raise ValueError(f"unknown sort column {name!r}; sortable: {', '.join(sortable)}")
        keys.append((name, descending))
    return keys


def list_query_model(
    schema_name: str, table_name: str, specs: list[ColumnSpec], max_page_size: int
) -> type[ListQuery]:
    """The query model for one table; `specs` are the columns clients may see."""
    usable = [spec for spec in specs if spec.filterable]
    fields: dict[str, Any] = {
        "limit": (
            int,
            Field(
                max_page_size, ge=0, le=max_page_size, description="Rows to return (0: count only)."
            ),
        )
    }
    filter_columns = {}
    for spec in usable:
        if spec.field_name in ListQuery.model_fields or spec.name in ListQuery.model_fields:
            log.warning(
                "table %s: column %r has the name of a list parameter, so it has no filter",
                table_name,
                spec.name,
            )
            continue
        fields[spec.field_name] = (
            spec.annotation | None,
            Field(None, alias=spec.name, description=f"Only rows whose {spec.name} equals this."),
        )
        filter_columns[spec.field_name] = spec.name
    model = create_model(f"{schema_name}ListQuery", __base__=ListQuery, **fields)
    model.filter_columns = filter_columns
    model.sortable = tuple(spec.name for spec in usable)
    return model
