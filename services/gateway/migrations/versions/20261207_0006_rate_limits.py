"""Rate limits in PostgreSQL: token buckets shared by every gateway replica (issue 20).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("full_at", TS, nullable=False),
        sa.CheckConstraint("tokens >= 0", name="rate_limits_tokens_not_negative"),
    )
    # The pruning deletes the buckets whose full_at has passed.
    op.create_index("rate_limits_full_at", "rate_limits", ["full_at"])


def downgrade() -> None:
    op.drop_table("rate_limits")
