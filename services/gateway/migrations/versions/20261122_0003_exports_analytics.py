"""Exports (quick extraction and approved exports) and the per-camera analytics gate.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("requester_unit_id", sa.Text, nullable=False, server_default=""),
        sa.Column("camera_id", sa.Text, nullable=False),
        sa.Column("owner_unit_id", sa.Text, nullable=False, server_default=""),
        sa.Column("footage_from", TS, nullable=False),
        sa.Column("footage_to", TS, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("purpose_text", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("grant_id", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS),
        sa.Column("decided_by", sa.Text, nullable=False, server_default=""),
        sa.Column("decision_note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorder_export_id", sa.Text, nullable=False, server_default=""),
        sa.Column("file_sha256", sa.Text, nullable=False, server_default=""),
        sa.Column("file_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("ready_at", TS),
        sa.Column("download_deadline", TS),
        sa.Column("downloaded_at", TS),
        sa.Column("error_code", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("kind IN ('quick','approval')", name="exports_kind_known"),
        sa.CheckConstraint(
            "status IN ('pending','ready','rejected','failed')", name="exports_status_known"
        ),
        sa.CheckConstraint("footage_from < footage_to", name="exports_range_ordered"),
    )
    op.create_index("exports_requested_by", "exports", ["requested_by", "created_at"])
    op.create_index("exports_created_at", "exports", ["created_at"])
    op.create_index(
        "exports_pending", "exports", ["created_at"], postgresql_where=sa.text("status = 'pending'")
    )
    op.create_table(
        "camera_analytics",
        sa.Column("camera_id", sa.Text, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("basis", sa.Text, nullable=False, server_default=""),
        sa.Column("document_number", sa.Text, nullable=False, server_default=""),
        sa.Column("document_issuer", sa.Text, nullable=False, server_default=""),
        sa.Column("document_date", sa.Date),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint(
            "NOT enabled OR basis IN ('public_order','traffic_safety','approval_document')",
            name="camera_analytics_basis_when_enabled",
        ),
    )


def downgrade() -> None:
    op.drop_table("camera_analytics")
    op.drop_table("exports")
