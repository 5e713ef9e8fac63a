"""Baseline: a service_info table that proves schema ownership and role grants.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Unqualified names resolve to this service's schema: env.py sets search_path and runs as
# the schema's owner role.


def upgrade() -> None:
    service_info = op.create_table(
        "service_info",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
    )
    op.bulk_insert(service_info, [{"key": "schema_baseline", "value": "1"}])


def downgrade() -> None:
    op.drop_table("service_info")
