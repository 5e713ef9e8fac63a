"""Notifications of the owning units (issue 15 item 3, docs/adr/0025): the targets of each unit
(e-mail addresses, webhooks with their sealed secrets), the notices (a durable outbox: one row
per event x recipient, its delivery state), and when a fault ticket's unit was told.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Unqualified names resolve to the registry schema (env.py sets search_path).
UPGRADE = """
CREATE TABLE notification_targets (
    id             uuid PRIMARY KEY,
    unit_id        text NOT NULL,
    channel        text NOT NULL CHECK (channel IN ('email', 'webhook')),
    address        text NOT NULL,
    secret_sealed  bytea,
    created_at     timestamptz NOT NULL,
    created_by     text NOT NULL,
    UNIQUE (unit_id, channel, address)
);

CREATE TABLE notices (
    id               uuid PRIMARY KEY,
    event_key        text NOT NULL,
    kind             text NOT NULL,
    unit_id          text NOT NULL,
    camera_id        text NOT NULL DEFAULT '',
    ticket_id        uuid,
    channel          text NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient        text NOT NULL,
    secret_sealed    bytea,
    subject          text NOT NULL,
    body             text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'retrying', 'sent', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    last_attempt_at  timestamptz,
    sent_at          timestamptz,
    -- the idempotency key: one notice per event and recipient, whatever re-delivers the event
    UNIQUE (event_key, channel, recipient)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX notices_by_unit ON notices (unit_id, created_at DESC, id);
CREATE INDEX notices_by_time ON notices (created_at DESC, id);

-- When the owning unit was first told of the ticket: the 3 working days run from there.
ALTER TABLE fault_tickets ADD COLUMN notified_at timestamptz;
"""

DOWNGRADE = """
ALTER TABLE fault_tickets DROP COLUMN notified_at;
DROP TABLE notices;
DROP TABLE notification_targets;
"""


def _run(script: str) -> None:
    conn = op.get_bind()
    for statement in script.split(";\n"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
