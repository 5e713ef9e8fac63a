"""Accounts, sessions, refresh tokens, login throttles and grants.

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
        "accounts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("unit_id", sa.Text, nullable=False, server_default=""),
        sa.Column("sector_code", sa.Text, nullable=False, server_default=""),
        sa.Column("unit_is_commune", sa.Boolean, nullable=False, server_default=sa.false()),
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
        sa.CheckConstraint(
            "role IN ('province_admin','unit_operator','unit_viewer','sector_operator',"
            "'auditor','app_client')",
            name="accounts_role_known",
        ),
        sa.CheckConstraint("status IN ('active','disabled')", name="accounts_status_known"),
        sa.CheckConstraint("username = lower(username)", name="accounts_username_lower"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("revoked_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("client_address", sa.Text, nullable=False, server_default=""),
        sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("session_id", sa.Text, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
    )
    op.create_index("refresh_tokens_session_id", "refresh_tokens", ["session_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", TS, nullable=False),
        sa.Column("locked_until", TS),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("issued_by", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("grantee_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
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
        sa.CheckConstraint(
            "legal_basis IN ('emergency_command','incident_fix','written_request',"
            "'committee_approval')",
            name="grants_legal_basis_known",
        ),
        sa.CheckConstraint("footage_from <= footage_to", name="grants_range_ordered"),
    )
    op.create_index("grants_grantee_id", "grants", ["grantee_id"])
    op.create_index(
        "grants_unnotified",
        "grants",
        ["created_at"],
        postgresql_where=sa.text("notified_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("grants")
    op.drop_table("login_throttle")
    op.drop_table("refresh_tokens")
    op.drop_table("sessions")
    op.drop_table("accounts")
