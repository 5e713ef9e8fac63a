"""Segment index, init segments, legal holds, exports and deletion certificates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "init_segments",
        sa.Column("camera_id", sa.Text(), primary_key=True),
        sa.Column("sha256", sa.Text(), primary_key=True),
        sa.Column("bucket", sa.Text(), primary_key=True),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "segments",
        sa.Column("segment_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False, unique=True),
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("init_sha256", sa.Text(), nullable=False),
        sa.Column("retention_class", sa.Text(), nullable=False),
        sa.Column("commune_code", sa.Text(), nullable=False, server_default=""),
        sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("session_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("sequence", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("live_seq", sa.BigInteger(), nullable=False),
        sa.Column("codec_string", sa.Text(), nullable=False, server_default=""),
        sa.Column("width", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("height", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("stored_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("end_at >= start_at", name="segments_end_after_start"),
        sa.UniqueConstraint("camera_id", "live_seq", name="segments_camera_live_seq"),
    )
    op.create_index("segments_camera_start", "segments", ["camera_id", "start_at"])
    op.create_index("segments_expiry", "segments", ["retention_class", "end_at"])
    op.create_table(
        "legal_holds",
        sa.Column("hold_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("case_reference", sa.Text(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("camera_ids", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("placed_by", pg.JSONB(), nullable=False),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("released_at", TS, nullable=True),
        sa.Column("released_by", pg.JSONB(), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "segment_holds",
        sa.Column(
            "hold_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("legal_holds.hold_id"),
            primary_key=True,
        ),
        sa.Column(
            "segment_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("segments.segment_id", ondelete="RESTRICT"),
            primary_key=True,
        ),
    )
    op.create_index("segment_holds_segment", "segment_holds", ["segment_id"])
    op.create_table(
        "exports",
        sa.Column("export_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("requester", pg.JSONB(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("grant_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("manifest_json", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "deletion_certificates",
        sa.Column("certificate_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("certificate_json", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deletion_certificates")
    op.drop_table("exports")
    op.drop_table("segment_holds")
    op.drop_table("legal_holds")
    op.drop_index("segments_expiry", table_name="segments")
    op.drop_index("segments_camera_start", table_name="segments")
    op.drop_table("segments")
    op.drop_table("init_segments")
