"""Live view sessions: one row per live token issued, until the session ended (ADR 0022).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("login_session_id", sa.Text, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("camera_id", sa.Text, nullable=False),
        sa.Column("owner_unit_id", sa.Text, nullable=False, server_default=""),
        sa.Column("stream", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("purpose_text", sa.Text, nullable=False, server_default=""),
        sa.Column("grant_id", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("replica_id", sa.Text, nullable=False, server_default=""),
        sa.Column("codec_path", sa.Text, nullable=False, server_default=""),
        sa.Column("audit_event_id", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("opened_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("end_reason", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("stream IN ('main','sub')", name="live_sessions_stream_known"),
        sa.CheckConstraint(
            "state IN ('issued','opening','open','ending','ended')",
            name="live_sessions_state_known",
        ),
        sa.CheckConstraint("created_at < expires_at", name="live_sessions_lifetime_ordered"),
    )
    # The end loop reads only the sessions that are not over, every second.
    op.create_index(
        "live_sessions_not_ended",
        "live_sessions",
        ["state"],
        postgresql_where=sa.text("state <> 'ended'"),
    )
    op.create_index("live_sessions_account_id", "live_sessions", ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_table("live_sessions")
