"""ONVIF probes, security assessments and the PTZ lock of cameras (issue 17).

One row per probed or assessed camera: the last probe (JSON, no secret), its security findings,
what changed since the probe before (it raises the 15-working-day registry-update deadline
until the camera's record is updated), the assessment before commissioning (Art. 18.2) and
whether the owning unit locked PTZ for the center.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE TABLE camera_onvif (
    camera_id           text PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    probed_at           timestamptz,
    probe               jsonb,
    findings            jsonb NOT NULL DEFAULT '[]'::jsonb,
    changes             text[] NOT NULL DEFAULT '{}',
    changed_since       timestamptz,
    assessment          text NOT NULL DEFAULT 'not_assessed'
                        CHECK (assessment IN ('not_assessed', 'passed', 'failed', 'accepted')),
    assessment_reasons  text[] NOT NULL DEFAULT '{}',
    document_number     text NOT NULL DEFAULT '',
    document_date       date,
    assessed_at         timestamptz,
    ptz_locked          boolean NOT NULL DEFAULT false,
    last_error          text NOT NULL DEFAULT '',
    last_attempt_at     timestamptz
);
CREATE INDEX camera_onvif_probed_at ON camera_onvif (probed_at)
"""

DOWNGRADE = """
DROP TABLE camera_onvif
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
