"""Every sign-in records when it was completed.

Projects with two-factor sign-in have had `sign_ins.completed_at` since 0001; the others gain it
here. Their earlier sign-ins had no step left to complete, so they count as completed when they
began: without that, no token of a sign-in made before the upgrade would be taken.

A shipped migration is never edited: a change to the tables is a new revision, like this one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has_completion() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("sign_ins")
    return any(column["name"] == "completed_at" for column in columns)


def upgrade() -> None:
    if _has_completion():
        return
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("completed_at", UTCDateTime(), nullable=True))
    sign_ins = sa.table(
        "sign_ins", sa.column("created_at", UTCDateTime()), sa.column("completed_at", UTCDateTime())
    )
    op.execute(sign_ins.update().values(completed_at=sign_ins.c.created_at))


def downgrade() -> None:
    # The column stays: where 0001 made it, sign-ins waiting for their code still need it, and
    # elsewhere the code of 0001 never reads it.
    pass
