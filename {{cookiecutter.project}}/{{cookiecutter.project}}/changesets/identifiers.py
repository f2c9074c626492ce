"""Identifier checks: a changeset names tables and columns, never SQL fragments."""

import re

from .errors import ChangesetError

MAX_IDENTIFIER_LENGTH = 64  # MySQL's limit for table, column, index and constraint names
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def check_identifier(name: object, path: str | None = None) -> str:
    """Return `name` if it is a plain identifier that needs no escaping; raise otherwise."""
    if not isinstance(name, str):
        raise ChangesetError(f"expected an identifier (string), found {name!r}", path=path)
    if len(name) > MAX_IDENTIFIER_LENGTH:
        raise ChangesetError(
            f"identifier {name[:20]!r}... is {len(name)} characters long; "
            f"MySQL allows at most {MAX_IDENTIFIER_LENGTH}",
            path=path,
        )
    if not _IDENTIFIER.fullmatch(name):
        raise ChangesetError(
            f"identifier {name!r} must start with a letter or '_' and contain only "
            "letters, digits, '_' and '$'",
            path=path,
        )
    return name
