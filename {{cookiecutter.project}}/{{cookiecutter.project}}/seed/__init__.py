"""`make seed`: idempotent JSON seeding of `seeds/*.json`, checked before anything is written.

`python -m <package>.seed [--file seeds/x.json] [--dry-run]`; `run_seeds()` for start-up.
"""

from .errors import SeedError
from .run import run_seeds

__all__ = ["SeedError", "run_seeds"]
