"""Change requests that would hide a camera, and the histories the annual report reads.

* ``camera_change_requests``: a unit operator's deactivation, or change of commune or site
  kind, waits here for a province admin (issue 14 item 2);
* ``registry_updates``: every update with the date of the change in the field, for "registry
  updated within 15 working days".

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE TABLE camera_change_requests (
    id                 uuid PRIMARY KEY,
    camera_id          text NOT NULL REFERENCES cameras (id),
    owner_unit_id      text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('deactivate', 'update')),
    status             text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by       text NOT NULL,
    requested_by_name  text NOT NULL DEFAULT '',
    requested_at       timestamptz NOT NULL,
    reason             text NOT NULL DEFAULT '',
    -- The serialized UpdateCameraRequest (update) or DeactivateCameraRequest (deactivate).
    payload            bytea NOT NULL,
    summary            text[] NOT NULL DEFAULT '{}',
    decided_by         text NOT NULL DEFAULT '',
    decided_at         timestamptz,
    decision_reason    text NOT NULL DEFAULT ''
);
-- At most one pending request per camera.
CREATE UNIQUE INDEX camera_change_requests_one_pending
    ON camera_change_requests (camera_id) WHERE status = 'pending';
CREATE INDEX camera_change_requests_owner ON camera_change_requests (owner_unit_id, requested_at);

CREATE TABLE registry_updates (
    id           bigserial PRIMARY KEY,
    camera_id    text NOT NULL REFERENCES cameras (id),
    changed_on   date NOT NULL,
    due_on       date NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX registry_updates_recorded ON registry_updates (recorded_at)
"""

DOWNGRADE = """
DROP TABLE registry_updates;
DROP TABLE camera_change_requests
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
