"""Post-write hook for `alembic revision`: write the changeset stub beside the new revision.

alembic.ini runs `python -m <package>.changesets.stub <revision file>` after Alembic writes a
revision from script.py.mako. This writes `migrations/changesets/<same stem>.json` with the
message as description and fills the revision's `changeset = ...` line with that name.
A message like "create table products" / "create products table" pre-fills a create_table.
"""

import json
import re
import sys
from pathlib import Path

from .errors import ChangesetError
from .identifiers import check_identifier
from .migration import CHANGESETS_DIR

CHANGESET_LINE = re.compile(r'^changeset = ".*"$', re.MULTILINE)
CREATE_TABLE = re.compile(
    r"^\s*(?:create|add)\s+(?:table\s+(?P<a>\w+)|(?P<b>\w+)\s+table)\s*$", re.IGNORECASE
)


def write_stub(revision_file: Path) -> Path:
    source = revision_file.read_text(encoding="utf-8")
    message = source.split('"""', 2)[1].strip().splitlines()[0] if '"""' in source else ""
    name = f"{revision_file.stem}.json"
    changeset = revision_file.parent.parent / CHANGESETS_DIR / name
    changeset.parent.mkdir(exist_ok=True)
    if not changeset.exists():
        changeset.write_text(json.dumps(stub(message), indent=2) + "\n", encoding="utf-8")
    revision_file.write_text(
        CHANGESET_LINE.sub(f'changeset = "{name}"', source, count=1), encoding="utf-8"
    )
    return changeset


def stub(message: str) -> dict:
    ops: list[dict] = []
    match = CREATE_TABLE.match(message)
    table = match and (match["a"] or match["b"]).lower()
    if table and _is_identifier(table):
        ops.append(
            {
                "op": "create_table",
                "table": table,
                "columns": [{"name": "name", "type": "string", "length": 255, "nullable": False}],
            }
        )
    return {"$schema": "../changeset.schema.json", "description": message, "ops": ops}


def _is_identifier(name: str) -> bool:
    try:
        check_identifier(name)
    except ChangesetError:
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m <package>.changesets.stub <revision file>", file=sys.stderr)
        return 2
    changeset = write_stub(Path(argv[0]))
    print(f"  Generating {changeset} ...  done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
