"""orders of customers

Revision ID: 8e4b2d7c6a02
Revises: 5f3a1c2b9d01
Create Date: 2026-01-01 09:05:00.000000

The schema and data changes live in the JSON changeset named below (migrations/changesets/);
this file only ties it into Alembic's revision chain.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8e4b2d7c6a02"
down_revision: str | Sequence[str] | None = "5f3a1c2b9d01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
changeset = "20260101_0905_8e4b2d7c6a02_orders.json"


def upgrade() -> None:
    op.upgrade_changeset(revision, changeset)


def downgrade() -> None:
    op.downgrade_changeset(revision, changeset)
