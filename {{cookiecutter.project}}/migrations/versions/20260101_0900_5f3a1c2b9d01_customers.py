"""customers and their first rows

Revision ID: 5f3a1c2b9d01
Revises:
Create Date: 2026-01-01 09:00:00.000000

The schema and data changes live in the JSON changeset named below (migrations/changesets/);
this file only ties it into Alembic's revision chain.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5f3a1c2b9d01"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
changeset = "20260101_0900_5f3a1c2b9d01_customers.json"


def upgrade() -> None:
    op.upgrade_changeset(revision, changeset)


def downgrade() -> None:
    op.downgrade_changeset(revision, changeset)
