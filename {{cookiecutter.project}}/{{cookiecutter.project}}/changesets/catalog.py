"""The schema that earlier revisions and ops created, replayed from their changesets.

Validation checks each op against it, and inverses read prior definitions from it (the
columns a dropped table had, the type a column had before `alter_column`), so no database
reflection is needed and offline `--sql` works the same.
"""

import dataclasses
from dataclasses import dataclass, field

from .columns import constraint_name, with_default_columns
from .model import (
    AddColumn,
    AddForeignKey,
    AlterColumn,
    Column,
    CreateIndex,
    CreateTable,
    Delete,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKey,
    ForeignKeyTarget,
    Index,
    Insert,
    Load,
    Op,
    RenameTable,
    Sql,
    Update,
    Upsert,
)


@dataclass
class TableInfo:
    name: str
    columns: dict[str, Column]
    primary_key: list[str]
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: dict[str, ForeignKey] = field(default_factory=dict)
    comment: str | None = None
    has_rows: bool = False

    def copy(self) -> "TableInfo":
        """Column, index and key definitions are immutable; only the containers are copied."""
        return dataclasses.replace(
            self,
            columns=dict(self.columns),
            primary_key=list(self.primary_key),
            indexes=dict(self.indexes),
            foreign_keys=dict(self.foreign_keys),
        )

    def unique_keys(self) -> list[list[str]]:
        """Column sets that identify a row: the primary key, then unique indexes."""
        keys = [self.primary_key] if self.primary_key else []
        return keys + [index.columns for index in self.indexes.values() if index.unique]

    def autoincrement_column(self) -> str | None:
        return next((c.name for c in self.columns.values() if c.autoincrement), None)


@dataclass
class Catalog:
    tables: dict[str, TableInfo] = field(default_factory=dict)
    opaque: bool = False
    """A `sql` op ran: it may have made tables or columns we cannot see, so unknown names pass."""

    def copy(self) -> "Catalog":
        return Catalog({name: info.copy() for name, info in self.tables.items()}, self.opaque)

    def apply(self, op: Op) -> None:
        """Advance the catalog past `op` (which validation already accepted)."""
        match op:
            case CreateTable():
                self.tables[op.table] = table_info(op)
            case DropTable():
                self.tables.pop(op.table, None)
            case RenameTable():
                if op.table in self.tables:
                    info = self.tables.pop(op.table)
                    info.name = op.to
                    self.tables[op.to] = info
                for other in self.tables.values():
                    other.foreign_keys = {
                        name: _retarget(fk, op.table, op.to)
                        for name, fk in other.foreign_keys.items()
                    }
            case AddColumn():
                if (info := self.tables.get(op.table)) is not None:
                    _add_column(info, op.column)
            case DropColumn():
                if (info := self.tables.get(op.table)) is not None:
                    _drop_column(info, op.column)
            case AlterColumn():
                if (info := self.tables.get(op.table)) is not None and op.column in info.columns:
                    _alter_column(info, op)
            case CreateIndex():
                if (info := self.tables.get(op.table)) is not None:
                    index = Index(columns=op.columns, unique=op.unique, name=index_name(op))
                    info.indexes[index.name or ""] = index
            case DropIndex():
                if (info := self.tables.get(op.table)) is not None:
                    info.indexes.pop(op.name, None)
            case AddForeignKey():
                if (info := self.tables.get(op.table)) is not None:
                    fk = ForeignKey(
                        columns=op.columns,
                        references=op.references,
                        on_delete=op.on_delete,
                        on_update=op.on_update,
                        name=foreign_key_name(op.table, op.columns, op.name),
                    )
                    info.foreign_keys[fk.name or ""] = fk
            case DropForeignKey():
                if (info := self.tables.get(op.table)) is not None:
                    info.foreign_keys.pop(op.name, None)
            case Insert() | Upsert() | Load():
                if (info := self.tables.get(op.table)) is not None:
                    info.has_rows = True
            case Update() | Delete():
                pass
            case Sql():
                self.opaque = True


def table_info(op: CreateTable) -> TableInfo:
    """The full definition `create_table` makes: preset columns, named indexes and keys."""
    columns = with_default_columns(
        op.columns, enabled=op.default_columns, primary_key=op.primary_key
    )
    primary_key = op.primary_key or [c.name for c in columns if c.primary_key]
    info = TableInfo(
        name=op.table,
        columns={},
        primary_key=list(primary_key),
        comment=op.comment,
    )
    for column in columns:
        pk_column = column.name in primary_key and not column.primary_key
        _add_column(info, column.model_copy(update={"primary_key": True}) if pk_column else column)
    for index in op.indexes:
        named = index.model_copy(
            update={"name": index.name or constraint_name(_prefix(index), op.table, index.columns)}
        )
        info.indexes[named.name or ""] = named
    for fk in op.foreign_keys:
        named_fk = fk.model_copy(update={"name": foreign_key_name(op.table, fk.columns, fk.name)})
        info.foreign_keys[named_fk.name or ""] = named_fk
    return info


def index_name(op: CreateIndex) -> str:
    return op.name or constraint_name("uq" if op.unique else "ix", op.table, op.columns)


def foreign_key_name(table: str, columns: list[str], name: str | None) -> str:
    return name or constraint_name("fk", table, columns)


def bare(column: Column) -> Column:
    """The column definition alone: unique/index/references live in the table's lists."""
    return column.model_copy(update={"unique": False, "index": False, "references": None})


def _prefix(index: Index) -> str:
    return "uq" if index.unique else "ix"


def _add_column(info: TableInfo, column: Column) -> None:
    info.columns[column.name] = bare(column)
    if column.unique or column.index:
        index = Index(columns=[column.name], unique=column.unique)
        name = constraint_name(_prefix(index), info.name, index.columns)
        info.indexes[name] = index.model_copy(update={"name": name})
    if column.references is not None:
        ref = column.references
        name = foreign_key_name(info.name, [column.name], None)
        info.foreign_keys[name] = ForeignKey(
            columns=[column.name],
            references=ForeignKeyTarget(table=ref.table, columns=[ref.column]),
            on_delete=ref.on_delete,
            on_update=ref.on_update,
            name=name,
        )


def _drop_column(info: TableInfo, name: str) -> None:
    info.columns.pop(name, None)
    info.indexes = {k: v for k, v in info.indexes.items() if name not in v.columns}
    info.foreign_keys = {k: v for k, v in info.foreign_keys.items() if name not in v.columns}


def _alter_column(info: TableInfo, op: AlterColumn) -> None:
    info.columns[op.column] = altered_column(info.columns[op.column], op)
    new_name = op.rename_to
    if new_name is None or new_name == op.column:
        return
    info.columns = {(new_name if k == op.column else k): v for k, v in info.columns.items()}

    def rename(names: list[str]) -> list[str]:
        return [new_name if n == op.column else n for n in names]

    info.primary_key = rename(info.primary_key)
    info.indexes = {
        k: v.model_copy(update={"columns": rename(v.columns)}) for k, v in info.indexes.items()
    }
    info.foreign_keys = {
        k: v.model_copy(update={"columns": rename(v.columns)}) for k, v in info.foreign_keys.items()
    }


def altered_column(column: Column, op: AlterColumn) -> Column:
    """The column after `alter_column`: the fields it sets replace the prior definition."""
    changes = {
        name: getattr(op, name)
        for name in op.model_fields_set
        if name in {"type", "length", "precision", "scale", "values", "nullable", "comment"}
    }
    if "default" in op.model_fields_set:
        changes |= {"default": op.default, "default_expr": None, "on_update_expr": None}
    if "default_expr" in op.model_fields_set:
        changes |= {"default": None, "default_expr": op.default_expr}
    if op.rename_to:
        changes["name"] = op.rename_to
    merged = column.model_dump() | changes
    if "type" in changes:  # options of the old type do not carry over
        for option in ("length", "precision", "scale", "values", "unsigned"):
            if option not in changes:
                merged[option] = Column.model_fields[option].default
    return Column.model_validate(merged)


def _retarget(fk: ForeignKey, old: str, new: str) -> ForeignKey:
    if fk.references.table != old:
        return fk
    return fk.model_copy(update={"references": fk.references.model_copy(update={"table": new})})
