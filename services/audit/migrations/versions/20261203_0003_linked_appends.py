"""Every INSERT into the log must extend it: the next sequence number, linked hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

The service role may INSERT into ``log_entries`` (the sequencer's COPY), so before this a
holder of its password could add a row with any sequence number (a gap, a number far ahead)
or hashes that do not link. An AFTER INSERT statement trigger now checks each statement's new
rows against the entry before them: sequence numbers contiguous from the last stored one + 1,
``leaf_hash = SHA-256(0x00 || canonical)`` and ``chain_hash = SHA-256(previous chain ||
leaf_hash)`` (ADR 0012), else the whole statement fails (``check_violation``). A statement
trigger with a transition table keeps COPY's multi-row inserts (a row trigger would not).
The owner and superusers are held to it as well; only disabling triggers gets around it, and
verification still detects what that changes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION refuse_unlinked_append() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            first_seq bigint;
            last_seq  bigint;
            n         bigint;
            prev      bytea;
            bad       bigint;
        BEGIN
            SELECT min(seq), max(seq), count(*) INTO first_seq, last_seq, n FROM new_rows;
            IF n = 0 THEN
                RETURN NULL;
            END IF;
            IF last_seq - first_seq + 1 <> n
               OR EXISTS (SELECT 1 FROM log_entries WHERE seq > last_seq) THEN
                RAISE EXCEPTION 'tncam audit: appended sequence numbers % to % are not the '
                    'next ones of the log', first_seq, last_seq
                    USING ERRCODE = 'check_violation';
            END IF;
            IF first_seq = 1 THEN
                prev := decode(repeat('00', 32), 'hex');
            ELSE
                SELECT chain_hash INTO prev FROM log_entries WHERE seq = first_seq - 1;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'tncam audit: sequence % does not follow the last entry',
                        first_seq USING ERRCODE = 'check_violation';
                END IF;
            END IF;
            SELECT seq INTO bad FROM (
                SELECT seq, leaf_hash, chain_hash, canonical,
                       lag(chain_hash, 1, prev) OVER (ORDER BY seq) AS before
                  FROM new_rows
            ) r
             WHERE leaf_hash <> sha256('\\x00'::bytea || canonical)
                OR chain_hash <> sha256(before || leaf_hash)
             ORDER BY seq LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'tncam audit: entry % does not link to the log '
                    '(leaf or chain hash)', bad USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER log_entries_linked AFTER INSERT ON log_entries "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION refuse_unlinked_append()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER log_entries_linked ON log_entries")
    op.execute("DROP FUNCTION refuse_unlinked_append()")
