"""The recorder schema as SQLAlchemy Core tables (the migrations are the source of truth)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)

init_segments = sa.Table(
    "init_segments",
    metadata,
    sa.Column("camera_id", sa.Text, primary_key=True),
    sa.Column("sha256", sa.Text, primary_key=True),
    sa.Column("bucket", sa.Text, primary_key=True),
    sa.Column("object_key", sa.Text, nullable=False),
    sa.Column("version_id", sa.Text, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("stored_at", TS, nullable=False),
)

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("segment_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("start_at", TS, nullable=False),
    sa.Column("end_at", TS, nullable=False),
    sa.Column("duration_ms", sa.BigInteger, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("bucket", sa.Text, nullable=False),
    sa.Column("object_key", sa.Text, nullable=False),
    sa.Column("version_id", sa.Text, nullable=False),
    sa.Column("init_sha256", sa.Text, nullable=False),
    sa.Column("retention_class", sa.Text, nullable=False),
    sa.Column("commune_code", sa.Text, nullable=False),
    sa.Column("held", sa.Boolean, nullable=False),
    sa.Column("session_id", sa.Text, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("live_seq", sa.BigInteger, nullable=False),
    sa.Column("codec_string", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("stored_at", TS, nullable=False),
)

legal_holds = sa.Table(
    "legal_holds",
    metadata,
    sa.Column("hold_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("case_reference", sa.Text, nullable=False),
    sa.Column("authority", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("camera_ids", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("start_at", TS, nullable=False),
    sa.Column("end_at", TS, nullable=False),
    sa.Column("placed_by", pg.JSONB, nullable=False),
    sa.Column("placed_at", TS, nullable=False),
    sa.Column("released_at", TS, nullable=True),
    sa.Column("released_by", pg.JSONB, nullable=True),
    sa.Column("release_reason", sa.Text, nullable=False),
    sa.Column("document_number", sa.Text, nullable=False),
)

segment_holds = sa.Table(
    "segment_holds",
    metadata,
    sa.Column("hold_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("segment_id", pg.UUID(as_uuid=True), primary_key=True),
)

exports = sa.Table(
    "exports",
    metadata,
    sa.Column("export_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("start_at", TS, nullable=False),
    sa.Column("end_at", TS, nullable=False),
    sa.Column("requester", pg.JSONB, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("grant_id", sa.Text, nullable=False),
    sa.Column("bucket", sa.Text, nullable=False),
    sa.Column("object_key", sa.Text, nullable=False),
    sa.Column("version_id", sa.Text, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("manifest_json", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

deletion_certificates = sa.Table(
    "deletion_certificates",
    metadata,
    sa.Column("certificate_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("certificate_json", sa.Text, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
)

decommission_signoffs = sa.Table(
    "decommission_signoffs",
    metadata,
    sa.Column("certificate_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("signer_name", sa.Text, nullable=False),
    sa.Column("signer_role", sa.Text, nullable=False),
    sa.Column("signed_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", pg.JSONB, nullable=False),
    sa.Column("recorded_at", TS, nullable=False),
)
