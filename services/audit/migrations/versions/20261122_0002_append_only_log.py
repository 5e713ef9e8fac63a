"""The append-only audit log, its head, signed checkpoints and the breach register.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Runs as the no-login owner ``tncam_audit_owner``. The service role ``tncam_audit`` gets only
SELECT and INSERT on the log tables (the schema's default privileges would also give it
UPDATE and DELETE), and triggers refuse UPDATE, DELETE and TRUNCATE for everyone, the owner
included; only a superuser who disables them can change history, and verification detects it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICE_ROLE = "tncam_audit"
APPEND_ONLY = ("log_entries", "checkpoints", "checkpoint_anchors", "breach_notices")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'tncam audit: % on %.% refused: the table is append-only',
                TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TABLE log_entries (
            seq             bigint PRIMARY KEY CHECK (seq > 0),
            event_id        text NOT NULL UNIQUE,
            appended_at     timestamptz NOT NULL,
            occurred_at     timestamptz NOT NULL,
            actor_id        text NOT NULL,
            actor_unit_id   text NOT NULL,
            actor_role      text NOT NULL,
            action          text NOT NULL,
            purpose_code    text NOT NULL,
            outcome         text NOT NULL,
            source_service  text NOT NULL,
            legal_basis     text NOT NULL,
            camera_ids      text[] NOT NULL,
            unit_ids        text[] NOT NULL,
            data_categories text[] NOT NULL,
            canonical       bytea NOT NULL,
            leaf_hash       bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
            chain_hash      bytea NOT NULL CHECK (octet_length(chain_hash) = 32)
        )
        """
    )
    for name, expr in (
        ("log_entries_occurred_at", "(occurred_at)"),
        ("log_entries_actor", "(actor_id, occurred_at)"),
        ("log_entries_actor_unit", "(actor_unit_id, occurred_at)"),
        ("log_entries_action", "(action text_pattern_ops)"),
        ("log_entries_purpose", "(purpose_code, occurred_at)"),
    ):
        op.execute(f"CREATE INDEX {name} ON log_entries {expr}")
    for column in ("camera_ids", "unit_ids", "data_categories"):
        op.execute(f"CREATE INDEX log_entries_{column} ON log_entries USING gin ({column})")

    # One row: the compact Merkle tree (subtree roots) and chain hash after the last entry.
    # Derivable from the log, so it may be updated; verification never trusts it.
    op.execute(
        """
        CREATE TABLE log_head (
            id          smallint PRIMARY KEY CHECK (id = 1),
            tree_size   bigint NOT NULL CHECK (tree_size >= 0),
            stack       bytea[] NOT NULL,
            chain_hash  bytea NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "INSERT INTO log_head (id, tree_size, stack, chain_hash) "
        "VALUES (1, 0, '{}', decode(repeat('00', 32), 'hex'))"
    )
    op.execute(
        """
        CREATE TABLE checkpoints (
            tree_size   bigint PRIMARY KEY CHECK (tree_size >= 0),
            root_hash   bytea NOT NULL CHECK (octet_length(root_hash) = 32),
            signed_at   timestamptz NOT NULL,
            note        text NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE checkpoint_anchors (
            tree_size   bigint PRIMARY KEY REFERENCES checkpoints (tree_size),
            bucket      text NOT NULL,
            object_key  text NOT NULL,
            version_id  text NOT NULL,
            retain_until timestamptz NOT NULL,
            anchored_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE breaches (
            breach_id        uuid PRIMARY KEY,
            title            text NOT NULL,
            description      text NOT NULL,
            detected_at      timestamptz NOT NULL,
            scope            text NOT NULL,
            unit_ids         text[] NOT NULL,
            camera_ids       text[] NOT NULL,
            notice_deadline  timestamptz NOT NULL,
            recorded_by      bytea NOT NULL,
            recorded_at      timestamptz NOT NULL DEFAULT now(),
            overdue_reported_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX breaches_deadline ON breaches (notice_deadline)")
    op.execute(
        """
        CREATE TABLE breach_notices (
            notice_id        uuid PRIMARY KEY,
            breach_id        uuid NOT NULL REFERENCES breaches (breach_id),
            recipient        text NOT NULL
                             CHECK (recipient IN ('provincial_police', 'dost')),
            sent_at          timestamptz NOT NULL,
            document_number  text NOT NULL,
            channel          text NOT NULL,
            recorded_by      bytea NOT NULL,
            recorded_at      timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX breach_notices_breach ON breach_notices (breach_id)")

    # The personal-data processing log (time, purpose, data type, identity) and the
    # extraction log, for auditors reading the database directly.
    op.execute(
        """
        CREATE VIEW processing_log AS
        SELECT seq, occurred_at, actor_id, actor_unit_id, actor_role, action, purpose_code,
               data_categories, camera_ids, unit_ids, legal_basis, outcome, source_service
          FROM log_entries
         WHERE data_categories && ARRAY['image', 'plate', 'biometric']
        """
    )
    op.execute(
        """
        CREATE VIEW extraction_log AS
        SELECT seq, occurred_at, actor_id, actor_unit_id, actor_role, action, purpose_code,
               camera_ids, unit_ids, legal_basis, outcome
          FROM log_entries
         WHERE action LIKE 'footage.export.%' OR action LIKE 'footage.extraction.%'
        """
    )

    for table in (*APPEND_ONLY, "processing_log", "extraction_log"):
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {SERVICE_ROLE}")
    for view in ("processing_log", "extraction_log"):
        op.execute(f"REVOKE INSERT ON {view} FROM {SERVICE_ROLE}")
    op.execute(f"REVOKE DELETE, TRUNCATE ON breaches, log_head FROM {SERVICE_ROLE}")
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
        )
    for table in ("breaches", "log_head"):
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    for name in (
        "VIEW extraction_log",
        "VIEW processing_log",
        "TABLE breach_notices",
        "TABLE breaches",
        "TABLE checkpoint_anchors",
        "TABLE checkpoints",
        "TABLE log_head",
        "TABLE log_entries",
    ):
        op.execute(f"DROP {name}")
    op.execute("DROP FUNCTION refuse_change()")
