"""The one error type the engine raises: it says where (file, JSON path) and what went wrong."""

from alembic.util import CommandError


class ChangesetError(CommandError):
    """A changeset that cannot be loaded, validated, applied or reverted.

    A CommandError, so the alembic command line prints "FAILED: <message>" and exits 1.
    """

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None) -> None:
        self.message = message
        self.file = file
        self.path = path
        where = ": ".join(part for part in (file, path) if part)
        super().__init__(f"{where}: {message}" if where else message)

    def located(self, *, file: str | None = None, path: str | None = None) -> "ChangesetError":
        """The same error with a file and/or a JSON path prefix filled in by an outer caller."""
        joined = _join_path(path, self.path)
        return ChangesetError(self.message, file=self.file or file, path=joined)


def _join_path(outer: str | None, inner: str | None) -> str | None:
    if not outer:
        return inner
    if not inner:
        return outer
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"
