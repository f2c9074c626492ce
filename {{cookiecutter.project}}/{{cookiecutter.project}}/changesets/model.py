"""Changeset format 1 as pydantic models: one class per op, discriminated on "op".

The models check shape only (types, required fields, identifiers). Whether a table or column
exists is decided against the catalog of earlier revisions and ops (`validate.py`).
"""

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PlainValidator,
    PositiveInt,
    WithJsonSchema,
    model_validator,
)

from .errors import ChangesetError
from .identifiers import check_identifier


def _identifier(name: str) -> str:
    try:
        return check_identifier(name)
    except ChangesetError as error:
        raise ValueError(error.message) from None


Identifier = Annotated[
    str,
    AfterValidator(_identifier),
    Field(
        description="A table/column/index name: letters, digits, '_', '$'; at most 64 chars.",
        json_schema_extra={"maxLength": 64, "pattern": r"^[A-Za-z_][A-Za-z0-9_$]*$"},
    ),
]
ColumnType = Literal[
    "string",
    "text",
    "integer",
    "bigint",
    "smallint",
    "boolean",
    "float",
    "decimal",
    "date",
    "datetime",
    "time",
    "timestamp",
    "json",
    "enum",
    "binary",
]
ReferentialAction = Literal["cascade", "restrict", "set null", "no action"]
# Row keys are checked against the table's columns (validate.py): cheaper than per-key validators.
Row = dict[str, Any]


def _rows(rows: Any) -> list[Row]:
    """A non-empty list of objects, checked in one pass and kept as parsed: a bulk insert's
    100,000 rows are neither copied nor validated value by value (validate.py checks them)."""
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"expected a non-empty list of row objects, found {rows!r:.60}")
    if set(map(type, rows)) != {dict}:
        index = next(i for i, row in enumerate(rows) if not isinstance(row, dict))
        raise ValueError(f"row {index} is not an object: {rows[index]!r:.60}")
    return rows


Rows = Annotated[
    list[Row],
    PlainValidator(_rows),
    WithJsonSchema({"type": "array", "items": {"type": "object"}, "minItems": 1}),
]
# Literal defaults MySQL 8.4 refuses on these types (MariaDB accepts them): use default_expr.
NO_LITERAL_DEFAULT = {"text", "json", "binary"}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(Model):
    """The parent a column points at."""

    table: Identifier
    column: Identifier = "id"
    on_delete: ReferentialAction | None = None
    on_update: ReferentialAction | None = None


class Column(Model):
    name: Identifier
    type: ColumnType
    length: PositiveInt | None = Field(default=None, description="string (required), binary")
    precision: PositiveInt | None = Field(default=None, le=65, description="decimal")
    scale: int | None = Field(default=None, ge=0, le=30, description="decimal")
    values: list[str] | None = Field(default=None, min_length=1, description="enum")
    unsigned: bool = False
    nullable: bool = True
    default: JsonValue = Field(default=None, description="A literal server default.")
    default_expr: str | None = Field(default=None, description="SQL, e.g. CURRENT_TIMESTAMP")
    on_update_expr: str | None = Field(default=None, description="MySQL ON UPDATE (SQL)")
    primary_key: bool = False
    autoincrement: bool = False
    unique: bool = False
    index: bool = False
    comment: str | None = None
    references: Reference | None = None

    @model_validator(mode="after")
    def _type_options(self) -> "Column":
        kind = self.type
        if kind == "string" and self.length is None:
            raise ValueError('type "string" needs "length" (e.g. 255)')
        if self.length is not None and kind not in {"string", "binary"}:
            raise ValueError(f'"length" applies to string and binary, not {kind}')
        if kind == "decimal" and self.precision is None:
            raise ValueError('type "decimal" needs "precision" (and usually "scale")')
        if (self.precision is not None or self.scale is not None) and kind != "decimal":
            raise ValueError(f'"precision"/"scale" apply to decimal, not {kind}')
        if self.scale is not None and self.precision is not None and self.scale > self.precision:
            raise ValueError(f'"scale" {self.scale} exceeds "precision" {self.precision}')
        if kind == "enum":
            if not self.values:
                raise ValueError('type "enum" needs "values", a non-empty list of strings')
            if self.has_default and self.default not in self.values:
                raise ValueError(f"enum default {self.default!r} is not one of {self.values}")
        elif self.values is not None:
            raise ValueError(f'"values" applies to enum, not {kind}')
        if self.unsigned and kind not in {"integer", "bigint", "smallint", "decimal", "float"}:
            raise ValueError(f'"unsigned" applies to numeric types, not {kind}')
        if self.has_default and self.default_expr is not None:
            raise ValueError('give "default" or "default_expr", not both')
        if self.has_default and kind in NO_LITERAL_DEFAULT:
            raise ValueError(
                f'MySQL 8.4 refuses a literal default on {kind}; use "default_expr" instead'
            )
        if isinstance(self.default, dict | list) and kind != "json":
            raise ValueError(f"default must be a scalar for {kind}")
        if self.autoincrement and kind not in {"integer", "bigint", "smallint"}:
            raise ValueError(f'"autoincrement" needs an integer type, not {kind}')
        return self

    @property
    def has_default(self) -> bool:
        """A literal default was given (`"default": null` counts as none)."""
        return self.default is not None

    @property
    def has_server_default(self) -> bool:
        return self.has_default or self.default_expr is not None or self.autoincrement


class Index(Model):
    columns: list[Identifier] = Field(min_length=1)
    unique: bool = False
    name: Identifier | None = None


class ForeignKeyTarget(Model):
    table: Identifier
    columns: list[Identifier] = Field(min_length=1)


class ForeignKey(Model):
    columns: list[Identifier] = Field(min_length=1)
    references: ForeignKeyTarget
    on_delete: ReferentialAction | None = None
    on_update: ReferentialAction | None = None
    name: Identifier | None = None


class CreateTable(Model):
    op: Literal["create_table"]
    table: Identifier
    columns: list[Column] = Field(min_length=0)
    primary_key: list[Identifier] | None = None
    indexes: list[Index] = []
    foreign_keys: list[ForeignKey] = []
    default_columns: bool = Field(
        default=True, description="Add the project's preset columns (id, created_at, updated_at)."
    )
    comment: str | None = None


class DropTable(Model):
    op: Literal["drop_table"]
    table: Identifier


class RenameTable(Model):
    op: Literal["rename_table"]
    table: Identifier
    to: Identifier


class AddColumn(Model):
    op: Literal["add_column"]
    table: Identifier
    column: Column
    backfill: Any = Field(
        default=None, description="Value (or $expr) written into existing rows before NOT NULL."
    )


class DropColumn(Model):
    op: Literal["drop_column"]
    table: Identifier
    column: Identifier


class AlterColumn(Model):
    op: Literal["alter_column"]
    table: Identifier
    column: Identifier
    type: ColumnType | None = None
    length: PositiveInt | None = None
    precision: PositiveInt | None = None
    scale: int | None = None
    values: list[str] | None = None
    nullable: bool | None = None
    default: JsonValue = Field(default=None, description="New literal default; null drops it.")
    default_expr: str | None = None
    comment: str | None = None
    rename_to: Identifier | None = None

    @model_validator(mode="after")
    def _something_changes(self) -> "AlterColumn":
        if not self.model_fields_set - {"op", "table", "column"}:
            raise ValueError("alter_column changes nothing; give type, nullable, default, ...")
        return self


class CreateIndex(Model):
    op: Literal["create_index"]
    table: Identifier
    columns: list[Identifier] = Field(min_length=1)
    unique: bool = False
    name: Identifier | None = None


class DropIndex(Model):
    op: Literal["drop_index"]
    table: Identifier
    name: Identifier


class AddForeignKey(Model):
    op: Literal["add_foreign_key"]
    table: Identifier
    columns: list[Identifier] = Field(min_length=1)
    references: ForeignKeyTarget
    on_delete: ReferentialAction | None = None
    on_update: ReferentialAction | None = None
    name: Identifier | None = None


class DropForeignKey(Model):
    op: Literal["drop_foreign_key"]
    table: Identifier
    name: Identifier


class Insert(Model):
    op: Literal["insert"]
    table: Identifier
    rows: Rows
    defaults: Row = Field(default={}, description="Values for keys a row leaves out.")


class Upsert(Model):
    op: Literal["upsert"]
    table: Identifier
    rows: Rows
    key: list[Identifier] = Field(min_length=1, description="Unique columns matching rows.")


class Update(Model):
    op: Literal["update"]
    table: Identifier
    set: Row = Field(min_length=1)
    where: dict[Identifier, Any] = {}
    all: bool = Field(default=False, description='Allow an empty "where" (every row).')


class Delete(Model):
    op: Literal["delete"]
    table: Identifier
    where: dict[Identifier, Any] = {}
    all: bool = False


class Load(Model):
    op: Literal["load"]
    table: Identifier
    file: str = Field(pattern=r"^[^/\\]+\.json$", description="A JSON rows file beside this one.")
    key: list[Identifier] | None = Field(default=None, description="Upsert on these columns.")
    mode: Literal["insert", "upsert"] = "insert"

    @model_validator(mode="after")
    def _key_for_upsert(self) -> "Load":
        if self.mode == "upsert" and not self.key:
            raise ValueError('mode "upsert" needs "key"')
        return self


SqlStatements = Annotated[
    str | list[Annotated[str, Field(min_length=1)]],
    Field(min_length=1, description="One SQL statement, or a list run in order."),
]


class Sql(Model):
    op: Literal["sql"]
    up: SqlStatements
    down: SqlStatements | None = None


Op = Annotated[
    CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | AlterColumn
    | CreateIndex
    | DropIndex
    | AddForeignKey
    | DropForeignKey
    | Insert
    | Upsert
    | Update
    | Delete
    | Load
    | Sql,
    Field(discriminator="op"),
]
DDL_OPS = (
    CreateTable,
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    AlterColumn,
    CreateIndex,
    DropIndex,
    AddForeignKey,
    DropForeignKey,
)


class Changeset(Model):
    """One JSON file per Alembic revision."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str | None = Field(default=None, alias="$schema")
    description: str = ""
    ops: list[Op]
    downgrade: Literal["auto", "irreversible"] | list[Op] = Field(
        default="auto",
        description='"auto" (inverses in reverse order), "irreversible", or explicit ops.',
    )
