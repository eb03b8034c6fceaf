"""Columns every project has now, whichever sign-in methods it was made with.

`sign_ins.completed_at`: when every step of a sign-in was done. Where 0001 made it, it stays as it
is; elsewhere it is added, and the earlier sign-ins, which had no step left, count as completed
when they began: without that, no token of a sign-in made before the upgrade would be taken.

`email_tokens.claim_hash`: the claim of the browser a link is bound to. Where 0001 did not make
it, it is added empty: no earlier link is bound to a browser.

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


def _has(table: str, column: str) -> bool:
    return any(found["name"] == column for found in sa.inspect(op.get_bind()).get_columns(table))


def upgrade() -> None:
    if not _has("sign_ins", "completed_at"):
        with op.batch_alter_table("sign_ins") as batch:
            batch.add_column(sa.Column("completed_at", UTCDateTime(), nullable=True))
        sign_ins = sa.table(
            "sign_ins",
            sa.column("created_at", UTCDateTime()),
            sa.column("completed_at", UTCDateTime()),
        )
        op.execute(sign_ins.update().values(completed_at=sign_ins.c.created_at))
    if not _has("email_tokens", "claim_hash"):
        with op.batch_alter_table("email_tokens") as batch:
            batch.add_column(sa.Column("claim_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # The columns stay: where 0001 made them, its code needs them, and elsewhere it never reads
    # them.
    pass
