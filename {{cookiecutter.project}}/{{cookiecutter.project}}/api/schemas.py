"""The Pydantic models of one table, built from its column specs.

Read: every visible column. Create: every writable column; those the database can fill
(server default, nullable) are optional and left to the database when omitted. Replace (PUT):
the writable non-key columns, omitted ones reset to their default. Patch: the same columns,
all optional; only those sent change. Request bodies may carry the read-only columns (so a
row read can be sent back) but no unknown key.
"""

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from .columns import NO_DEFAULT, UNKNOWN_DEFAULT, ColumnSpec

_CONFIG = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64", protected_namespaces=())


class RowModel(BaseModel):
    """A row as the API returns it."""

    model_config = _CONFIG


class RequestBody(BaseModel):
    """A row as a client sends it: read-only keys are dropped, unknown keys rejected."""

    model_config = _CONFIG | ConfigDict(extra="forbid")
    ignored_keys: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def drop_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.ignored_keys.intersection(data):
            return {key: value for key, value in data.items() if key not in cls.ignored_keys}
        return data


@dataclass(frozen=True)
class TableSchemas:
    read: type[BaseModel]
    create: type[RequestBody]
    replace: type[RequestBody]
    patch: type[RequestBody]


def model_name(table_name: str) -> str:
    """`order_items` -> `OrderItems`: a readable schema name for the OpenAPI document."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", table_name))
    return name if name[:1].isalpha() else f"Table{name}"


def table_schemas(table_name: str, specs: list[ColumnSpec], hidden: frozenset[str]) -> TableSchemas:
    name = model_name(table_name)
    writable = [spec for spec in specs if not spec.read_only]
    editable = [spec for spec in writable if not spec.primary_key]
    ignored_on_create = frozenset(spec.name for spec in specs if spec.read_only)
    ignored_on_update = frozenset(spec.name for spec in specs if spec.read_only or spec.primary_key)
    read = create_model(
        name,
        __base__=RowModel,
        **{
            spec.field_name: _field(spec, nullable=spec.nullable)
            for spec in specs
            if spec.name not in hidden
        },
    )
    return TableSchemas(
        read=read,
        create=_body_model(
            f"{name}Create",
            ignored_on_create,
            {spec.field_name: _field(spec, **_create_default(spec)) for spec in writable},
        ),
        replace=_body_model(
            f"{name}Replace",
            ignored_on_update,
            {spec.field_name: _field(spec, **_replace_default(spec)) for spec in editable},
        ),
        patch=_body_model(
            f"{name}Patch",
            ignored_on_update,
            {
                spec.field_name: _field(spec, nullable=spec.nullable, default=None)
                for spec in editable
            },
        ),
    )


def _body_model(
    name: str, ignored: frozenset[str], fields: dict[str, tuple[Any, FieldInfo]]
) -> type[RequestBody]:
    model = create_model(name, __base__=RequestBody, **fields)
    model.ignored_keys = ignored
    return model


def _create_default(spec: ColumnSpec) -> dict[str, Any]:
    if spec.default is NO_DEFAULT and not spec.nullable:
        return {"nullable": False}
    if spec.default is NO_DEFAULT or spec.default is UNKNOWN_DEFAULT:
        # Omitted keys are left out of the INSERT, so the database applies its own default.
        return {"nullable": spec.nullable, "default": None}
    return {"nullable": spec.nullable, "default": spec.default, "show_default": True}


def _replace_default(spec: ColumnSpec) -> dict[str, Any]:
    if spec.default is NO_DEFAULT and spec.nullable:
        return {"nullable": True, "default": None, "show_default": True}
    if spec.default is NO_DEFAULT or spec.default is UNKNOWN_DEFAULT:
        return {"nullable": spec.nullable}
    return {"nullable": spec.nullable, "default": spec.default, "show_default": True}


_REQUIRED = object()


def _field(
    spec: ColumnSpec, *, nullable: bool, default: Any = _REQUIRED, show_default: bool = False
) -> tuple[Any, FieldInfo]:
    """A model field for `spec`; an optional field's default is documented only when real."""
    options: dict[str, Any] = {"description": spec.description}
    if spec.field_name != spec.name:
        options["alias"] = spec.name
    if default is not _REQUIRED:
        options["default"] = default
        if not show_default:
            options["json_schema_extra"] = _without_default
    annotation = spec.annotation | None if nullable else spec.annotation
    return annotation, Field(**options)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
