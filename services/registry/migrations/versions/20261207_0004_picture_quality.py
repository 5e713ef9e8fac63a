"""Picture quality per camera: the latest result, a short history, a per-camera fps minimum.

ingest publishes a quality result with each snapshot (camera.v1 SnapshotTaken.result); the
registry keeps the latest one per camera and the last results (pruned to the registry's
history length on every insert). Issue 14 item 3.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Unqualified names resolve to the registry schema (env.py sets search_path).
UPGRADE = """
ALTER TABLE cameras ADD COLUMN min_fps double precision NOT NULL DEFAULT 0
    CHECK (min_fps >= 0 AND min_fps <= 120);

CREATE TABLE camera_quality (
    camera_id     text PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    flags         text[] NOT NULL,
    fps           double precision NOT NULL,
    bitrate_bps   bigint NOT NULL,
    width         integer NOT NULL,
    height        integer NOT NULL,
    codec         text NOT NULL,
    checked_at    timestamptz NOT NULL,
    last_good_at  timestamptz,
    -- Start of the current run of poor results; NULL while good.
    poor_since    timestamptz
);

CREATE TABLE camera_quality_history (
    id           bigserial PRIMARY KEY,
    camera_id    text NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    flags        text[] NOT NULL,
    fps          double precision NOT NULL,
    bitrate_bps  bigint NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    codec        text NOT NULL
);
CREATE INDEX camera_quality_history_camera_at ON camera_quality_history (camera_id, at DESC);
"""

DOWNGRADE = """
DROP TABLE camera_quality_history;
DROP TABLE camera_quality;
ALTER TABLE cameras DROP COLUMN min_fps;
"""


def _run(script: str) -> None:
    # Driver SQL: no bind-parameter parsing of the ':' in comments and regular expressions.
    conn = op.get_bind()
    for statement in script.split(";\n"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
