"""The gateway schema as SQLAlchemy Core tables (created by migrations 0002-0004)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("username", sa.Text, nullable=False, unique=True),  # lower case
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text, nullable=False, server_default=""),
    sa.Column("sector_code", sa.Text, nullable=False, server_default=""),
    sa.Column("unit_is_commune", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("unit_leader", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.Text, nullable=False, server_default="active"),
    sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("disabled_at", TS),
    sa.Column("password_hash", sa.Text),
    sa.Column("password_changed_at", TS, nullable=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mfa_secret_enc", sa.Text),
    sa.Column("mfa_confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("totp_last_step", sa.BigInteger),
    sa.Column("token_version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("last_login_at", TS),
    sa.Column("scope_changed_at", TS),
    sa.Column("reviewed_at", TS),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("kind", sa.Text, nullable=False),  # password | client_credentials
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("revoked_at", TS),
    sa.Column("revoked_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("client_address", sa.Text, nullable=False, server_default=""),
    sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("session_id", sa.Text, sa.ForeignKey("sessions.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.Text, nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("used_at", TS),
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),  # account:<name> | address:<ip>
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", TS, nullable=False),
    sa.Column("locked_until", TS),
)

# Token buckets of the rate limits (domain/ratelimit.py), shared by every replica; a bucket is
# deleted once full (full_at passed): it would hold no state.
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),  # user:<account id> | address:<ip>
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("full_at", TS, nullable=False),
)

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("issued_by", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("grantee_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("legal_basis", sa.Text, nullable=False),
    sa.Column("ticket_id", sa.Text, nullable=False, server_default=""),
    sa.Column("document_number", sa.Text, nullable=False, server_default=""),
    sa.Column("document_issuer", sa.Text, nullable=False, server_default=""),
    sa.Column("document_date", sa.Date),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("camera_ids", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("unit_ids", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("footage_from", TS, nullable=False),
    sa.Column("footage_to", TS, nullable=False),
    sa.Column("scopes", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS),
    sa.Column("revoked_by", sa.Text, nullable=False, server_default=""),
    sa.Column("notified_at", TS),
)

exports = sa.Table(
    "exports",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),  # quick | approval
    sa.Column("status", sa.Text, nullable=False),  # pending | ready | rejected | failed
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
)

camera_analytics = sa.Table(
    "camera_analytics",
    metadata,
    sa.Column("camera_id", sa.Text, primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    # public_order | traffic_safety | approval_document ("" when disabled)
    sa.Column("basis", sa.Text, nullable=False, server_default=""),
    sa.Column("document_number", sa.Text, nullable=False, server_default=""),
    sa.Column("document_issuer", sa.Text, nullable=False, server_default=""),
    sa.Column("document_date", sa.Date),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", TS, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
)

live_sessions = sa.Table(
    "live_sessions",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("login_session_id", sa.Text, sa.ForeignKey("sessions.id"), nullable=False),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("owner_unit_id", sa.Text, nullable=False, server_default=""),
    sa.Column("stream", sa.Text, nullable=False),  # main | sub
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("purpose_text", sa.Text, nullable=False, server_default=""),
    sa.Column("grant_id", sa.Text, nullable=False, server_default=""),
    # issued | opening | open | ending | ended (domain/live.py: LiveState)
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("replica_id", sa.Text, nullable=False, server_default=""),
    sa.Column("codec_path", sa.Text, nullable=False, server_default=""),
    sa.Column("audit_event_id", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("opened_at", TS),
    sa.Column("ended_at", TS),
    sa.Column("end_reason", sa.Text, nullable=False, server_default=""),
)
