"""JSON Schema of changeset files, generated from the models, for editors' validation and
completion: `python -m <package>.changesets.schema migrations/changeset.schema.json`."""

import json
import sys
from pathlib import Path
from typing import Any

from .model import Changeset


def changeset_schema() -> dict[str, Any]:
    schema = Changeset.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "changeset.schema.json",
        "title": "JSON changeset (format 1)",
        **schema,
    }


def render() -> str:
    return json.dumps(changeset_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m <package>.changesets.schema <output file>", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render(), encoding="utf-8")
    print(f"wrote {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
