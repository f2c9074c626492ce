"""The journal table: which changeset each applied revision ran (file, checksum, time) and the
before-images its downgrade needs. Editing an applied changeset is caught by its checksum.

Accept an edit on purpose (e.g. a typo fixed in a description) with
`python -m <package>.changesets.journal accept <revision>` (`make accept-checksum rev=...`).
"""

import argparse
import base64
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import mysql

from .columns import MYSQL_DIALECTS, MYSQL_TABLE_OPTIONS
from .errors import ChangesetError
from .inverse import Image
from .load import load_changeset

JOURNAL_TABLE = "changeset_journal"

journal = Table(
    JOURNAL_TABLE,
    MetaData(),
    Column("revision", String(64), primary_key=True),
    Column("file", String(255), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("applied_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("images", Text().with_variant(mysql.LONGTEXT(), *MYSQL_DIALECTS)),
    comment="Applied JSON changesets (see migrations/changesets)",
    **MYSQL_TABLE_OPTIONS,
)


def record(revision: str, file: str, checksum: str, images: dict[int, Image]) -> Any:
    """The journal entry for an applied revision (a statement, so --sql prints it too)."""
    return insert(journal).values(
        revision=revision,
        file=file,
        checksum=checksum,
        images=encode_images(images) if images else None,
    )


def forget(revision: str) -> Any:
    return delete(journal).where(journal.c.revision == revision)


def images_of(connection: Connection, revision: str) -> dict[int, Image] | None:
    """The before-images recorded when `revision` ran; None if it is not in the journal."""
    row = connection.execute(select(journal.c.images).where(journal.c.revision == revision)).first()
    if row is None:
        return None
    return decode_images(row.images) if row.images else {}


def verify(connection: Connection, changesets_dir: Path) -> None:
    """Refuse to migrate when an applied changeset was edited (or removed) afterwards."""
    if not inspect(connection).has_table(JOURNAL_TABLE):
        return
    for row in connection.execute(select(journal).order_by(journal.c.applied_at)):
        path = changesets_dir / row.file
        if not path.exists():
            raise ChangesetError(
                f"the changeset of applied revision {row.revision} is missing", file=row.file
            )
        current = load_changeset(path).checksum
        if current != row.checksum:
            raise ChangesetError(
                f"changed after it was applied (revision {row.revision}; checksum "
                f"{row.checksum[:12]}... is now {current[:12]}...). Edits to applied "
                "changesets never reach the database: undo the edit and add a new revision "
                f"(make migration), or accept it on purpose: make accept-checksum "
                f"rev={row.revision}",
                file=row.file,
            )


def accept(connection: Connection, changesets_dir: Path, revision: str) -> str:
    """Store the current checksum of `revision`'s changeset; return the file name."""
    row = connection.execute(select(journal).where(journal.c.revision == revision)).first()
    if row is None:
        raise ChangesetError(f"revision {revision!r} is not in the journal (not applied?)")
    current = load_changeset(changesets_dir / row.file).checksum
    connection.execute(
        update(journal).where(journal.c.revision == revision).values(checksum=current)
    )
    return row.file


# -- before-images as JSON --------------------------------------------------------------------


def encode_images(images: dict[int, Image]) -> str:
    return json.dumps({str(k): v for k, v in images.items()}, default=_encode)


def decode_images(raw: str) -> dict[int, Image]:
    return {int(k): v for k, v in json.loads(raw, object_hook=_decode).items()}


def _encode(value: Any) -> Any:
    """Database values as text MySQL and SQLite read back as the same value."""
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode()}
    if isinstance(value, dt.timedelta):  # mysqlclient's TIME
        seconds = int(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        hours, rest = divmod(abs(seconds), 3600)
        return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    if isinstance(value, Decimal | dt.date | dt.time):
        return str(value)
    raise TypeError(f"cannot record {type(value).__name__} in the journal")


def _decode(value: dict[str, Any]) -> Any:
    if set(value) == {"$base64"}:
        return base64.b64decode(value["$base64"])
    return value


def main(argv: list[str] | None = None) -> int:
    from ..db import create_db_engine
    from .migration import changesets_dir_of

    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    accept_parser = commands.add_parser("accept", help="accept an applied changeset's edit")
    accept_parser.add_argument("revision")
    accept_parser.add_argument("-c", "--config", default="alembic.ini")
    args = parser.parse_args(argv)
    engine = create_db_engine()
    try:
        with engine.begin() as connection:
            file = accept(connection, changesets_dir_of(args.config), args.revision)
    except ChangesetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"accepted the current {file} for revision {args.revision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
