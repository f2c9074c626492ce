"""The `make seed` command line: exit 0 when seeded, 1 on a bad seed or database error."""

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from .errors import SeedError
from .run import run_seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description="Load seeds/*.json into the database, idempotently.",
    )
    parser.add_argument(
        "--file", action="append", type=Path, help="load only this file (repeatable)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check everything and report, write nothing"
    )
    args = parser.parse_args(argv)
    for path in args.file or []:
        if not path.is_file():
            print(f"seed: error: {path}: no such file", file=sys.stderr)
            return 2
    try:
        run_seeds(files=args.file, dry_run=args.dry_run)
    except SeedError as error:
        print(f"seed: error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        print(f"seed: database error, nothing written: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
