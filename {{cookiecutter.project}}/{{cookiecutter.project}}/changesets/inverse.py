"""Each op's inverse, from the table as it was before the op and the rows the op changed.

`downgrade: "auto"` runs these in reverse order; a failing upgrade runs them for the ops that
MySQL already committed. DDL inverses need only the prior definition; DML inverses need the
before-image recorded when the op ran (kept in the journal).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import TableInfo, altered_column, foreign_key_name, index_name
from .errors import ChangesetError
from .model import (
    AddColumn,
    AddForeignKey,
    AlterColumn,
    CreateIndex,
    CreateTable,
    Delete,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKey,
    Index,
    Insert,
    Load,
    Op,
    RenameTable,
    Sql,
    Update,
    Upsert,
)


@dataclass(frozen=True)
class RestoreRows:
    """Put prior values back: `UPDATE table SET ... WHERE key = ...` per row."""

    table: str
    key: list[str]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class RemoveRows:
    """Delete rows by key: `DELETE FROM table WHERE key = ...` per row."""

    table: str
    key: list[str]
    rows: list[dict[str, Any]]


Inverse = Op | RestoreRows | RemoveRows
Image = dict[str, Any]
"""What an op recorded while running: prior "rows"; for inserts/upserts the "key" and, when
rows had no key values (auto-increment ids), the "new" keys."""


def inverse(
    op: Op, before: TableInfo | None, image: Image | None, rows: Sequence[dict[str, Any]] = ()
) -> list[Inverse]:
    """The ops that undo `op`, in the order to run them; `rows` are an insert's or load's."""
    match op:
        case CreateTable():
            return [DropTable(op="drop_table", table=op.table)]
        case DropTable():
            info = _before(before, op)
            restore: list[Inverse] = [recreate_table(info)]
            rows = _image(image, op)["rows"]
            if rows:
                restore.append(Insert(op="insert", table=info.name, rows=rows))
            return restore
        case RenameTable():
            return [RenameTable(op="rename_table", table=op.to, to=op.table)]
        case AddColumn():
            return [DropColumn(op="drop_column", table=op.table, column=op.column.name)]
        case DropColumn():
            return _restore_column(op, _before(before, op), _image(image, op))
        case AlterColumn():
            return [_alter_back(op, _before(before, op))]
        case CreateIndex():
            return [DropIndex(op="drop_index", table=op.table, name=index_name(op))]
        case DropIndex():
            return [_create_index(op.table, op.name, _before(before, op).indexes[op.name])]
        case AddForeignKey():
            name = foreign_key_name(op.table, op.columns, op.name)
            return [DropForeignKey(op="drop_foreign_key", table=op.table, name=name)]
        case DropForeignKey():
            fk = _before(before, op).foreign_keys[op.name]
            return [_add_foreign_key(op.table, op.name, fk)]
        case Insert() | Upsert() | Load():
            return _unload(_image(image, op), op.table, rows)
        case Update():
            info = _before(before, op)
            return [RestoreRows(op.table, info.unique_keys()[0], _image(image, op)["rows"])]
        case Delete():
            rows = _image(image, op)["rows"]
            return [Insert(op="insert", table=op.table, rows=rows)] if rows else []
        case Sql():
            if op.down is None:
                raise ChangesetError('this "sql" op has no "down", so it cannot be undone')
            return [Sql(op="sql", up=op.down)]
    raise AssertionError(op)


def recreate_table(info: TableInfo) -> CreateTable:
    """A create_table that rebuilds `info` exactly (names, keys and indexes included)."""
    return CreateTable.model_validate(
        {
            "op": "create_table",
            "table": info.name,
            "columns": [c.model_dump() for c in info.columns.values()],
            "primary_key": info.primary_key,
            "indexes": [i.model_dump() for i in info.indexes.values()],
            "foreign_keys": [fk.model_dump() for fk in info.foreign_keys.values()],
            "default_columns": False,
            "comment": info.comment,
        }
    )


def _restore_column(op: DropColumn, info: TableInfo, image: Image) -> list[Inverse]:
    column = info.columns[op.column]
    steps: list[Inverse] = [
        AddColumn(
            op="add_column", table=op.table, column=column.model_copy(update={"nullable": True})
        )
    ]
    if image["rows"]:
        steps.append(RestoreRows(op.table, info.unique_keys()[0], image["rows"]))
    if not column.nullable:
        steps.append(
            AlterColumn(op="alter_column", table=op.table, column=op.column, nullable=False)
        )
    for name, index in info.indexes.items():
        if index.columns == [op.column]:
            steps.append(_create_index(op.table, name, index))
    for name, fk in info.foreign_keys.items():
        if fk.columns == [op.column]:
            steps.append(_add_foreign_key(op.table, name, fk))
    return steps


def _create_index(table: str, name: str, index: Index) -> CreateIndex:
    return CreateIndex(
        op="create_index", table=table, columns=index.columns, unique=index.unique, name=name
    )


def _add_foreign_key(table: str, name: str, fk: ForeignKey) -> AddForeignKey:
    return AddForeignKey(
        op="add_foreign_key",
        table=table,
        columns=fk.columns,
        references=fk.references,
        on_delete=fk.on_delete,
        on_update=fk.on_update,
        name=name,
    )


def _alter_back(op: AlterColumn, info: TableInfo) -> AlterColumn:
    prior = info.columns[op.column]
    current = altered_column(prior, op)
    fields: dict[str, Any] = {
        "op": "alter_column",
        "table": op.table,
        "column": current.name,
        "type": prior.type,
        "length": prior.length,
        "precision": prior.precision,
        "scale": prior.scale,
        "values": prior.values,
        "nullable": prior.nullable,
        "comment": prior.comment,
    }
    if prior.default_expr is not None:
        fields["default_expr"] = prior.default_expr
    else:
        fields["default"] = prior.default
    if current.name != prior.name:
        fields["rename_to"] = prior.name
    return AlterColumn.model_validate(fields)


def _unload(image: Image, table: str, rows: Sequence[dict[str, Any]]) -> list[Inverse]:
    """Delete the rows the op added; for upserts also put back the rows it overwrote."""
    key = image["key"]
    prior = image.get("rows", [])
    new = image.get("new")
    if new is None:
        existed = {tuple(row[k] for k in key) for row in prior}
        keys = ({k: row[k] for k in key} for row in rows)
        new = [k for k in keys if tuple(k.values()) not in existed]
    steps: list[Inverse] = [RemoveRows(table, key, new)] if new else []
    if prior:
        steps.append(RestoreRows(table, key, prior))
    return steps


def _before(before: TableInfo | None, op: Op) -> TableInfo:
    if before is None:
        raise ChangesetError(
            f"cannot undo {op.op} on {getattr(op, 'table', '?')!r}: its prior definition is "
            "unknown (made by a sql op?); write an explicit downgrade"
        )
    return before


def _image(image: Image | None, op: Op) -> Image:
    if image is None:
        raise ChangesetError(
            f"cannot undo {op.op}: the rows it changed were not recorded (applied with --sql?); "
            "write an explicit downgrade"
        )
    return image
