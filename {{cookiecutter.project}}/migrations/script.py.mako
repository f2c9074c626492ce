"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

The schema and data changes live in the JSON changeset named below (migrations/changesets/);
this file only ties it into Alembic's revision chain.
"""

from collections.abc import Sequence

from alembic import op

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}
changeset = "${up_revision}.json"


def upgrade() -> None:
    op.upgrade_changeset(revision, changeset)


def downgrade() -> None:
    op.downgrade_changeset(revision, changeset)
