"""The one error the seed loader raises: it says which file, table, row and column is at fault."""


class SeedError(Exception):
    """A seed that cannot be read, validated or loaded; nothing has been written."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        table: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.table = table
        self.row = row
        self.column = column
        where = [
            file,
            table and f"table {table}",
            None if row is None else f"row {row}",
            column and f"column {column}",
        ]
        located = ", ".join(part for part in where[1:] if part)
        prefix = ": ".join(part for part in (file, located) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)
