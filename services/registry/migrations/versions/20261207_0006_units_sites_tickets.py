"""Units with their contacts, sites with the notice sign's check date, fault tickets handled by
people (acknowledged, noted, closed with a cause), maintenance records, structured needs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Unqualified names resolve to the registry schema (env.py sets search_path).
UPGRADE = """
ALTER TABLE units
    ADD COLUMN leader_name      text NOT NULL DEFAULT '',
    ADD COLUMN leader_position  text NOT NULL DEFAULT '',
    ADD COLUMN leader_phone     text NOT NULL DEFAULT '',
    ADD COLUMN leader_email     text NOT NULL DEFAULT '',
    ADD COLUMN it_name          text NOT NULL DEFAULT '',
    ADD COLUMN it_position      text NOT NULL DEFAULT '',
    ADD COLUMN it_phone         text NOT NULL DEFAULT '',
    ADD COLUMN it_email         text NOT NULL DEFAULT '',
    ADD COLUMN seeded           boolean NOT NULL DEFAULT true,
    ADD COLUMN revision         bigint NOT NULL DEFAULT 1,
    ADD COLUMN updated_at       timestamptz;

ALTER TABLE sites
    ADD COLUMN notice_checked_on  date,
    ADD COLUMN updated_at         timestamptz;

ALTER TABLE fault_tickets
    ADD COLUMN acknowledged_at  timestamptz,
    ADD COLUMN acknowledged_by  text NOT NULL DEFAULT '',
    ADD COLUMN cause            text NOT NULL DEFAULT '',
    ADD COLUMN closed_by        text NOT NULL DEFAULT '';
CREATE INDEX fault_tickets_opened ON fault_tickets (opened_at DESC);

CREATE TABLE fault_ticket_notes (
    id         bigserial PRIMARY KEY,
    ticket_id  uuid NOT NULL REFERENCES fault_tickets (id),
    at         timestamptz NOT NULL,
    author     text NOT NULL,
    text       text NOT NULL
);
CREATE INDEX fault_ticket_notes_ticket ON fault_ticket_notes (ticket_id, at);

CREATE TABLE maintenance_records (
    id           uuid PRIMARY KEY,
    camera_id    text NOT NULL REFERENCES cameras (id),
    done_on      date NOT NULL,
    note         text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL,
    recorded_by  text NOT NULL DEFAULT ''
);
CREATE INDEX maintenance_records_camera ON maintenance_records (camera_id, done_on DESC);

ALTER TABLE connection_needs
    ADD COLUMN structured  jsonb NOT NULL DEFAULT '{}'::jsonb
"""

DOWNGRADE = """
ALTER TABLE connection_needs DROP COLUMN structured;
DROP TABLE maintenance_records;
DROP TABLE fault_ticket_notes;
DROP INDEX fault_tickets_opened;
ALTER TABLE fault_tickets
    DROP COLUMN acknowledged_at, DROP COLUMN acknowledged_by, DROP COLUMN cause,
    DROP COLUMN closed_by;
ALTER TABLE sites DROP COLUMN notice_checked_on, DROP COLUMN updated_at;
ALTER TABLE units
    DROP COLUMN leader_name, DROP COLUMN leader_position, DROP COLUMN leader_phone,
    DROP COLUMN leader_email, DROP COLUMN it_name, DROP COLUMN it_position,
    DROP COLUMN it_phone, DROP COLUMN it_email, DROP COLUMN seeded, DROP COLUMN revision,
    DROP COLUMN updated_at
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
