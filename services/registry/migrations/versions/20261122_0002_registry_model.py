"""Registry model: communes, sectors, units, sites, cameras, connection state, deadlines, outbox.

Reference rows (communes, sectors, units of the communes) are seeded at service start from the
file shipped in the package, not here: see docs/adr/0007-registry-reference-data-seeding.md.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Unqualified names resolve to the registry schema (env.py sets search_path).
UPGRADE = """
CREATE TABLE communes (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('xa', 'phuong')),
    position    integer NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sectors (
    code  text PRIMARY KEY,
    name  text NOT NULL
);

CREATE TABLE units (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    kind          text NOT NULL
                  CHECK (kind IN ('commune', 'department', 'service_center', 'sector_center')),
    commune_code  text REFERENCES communes (code),
    sector_code   text REFERENCES sectors (code),
    active        boolean NOT NULL DEFAULT true
);

CREATE TABLE sites (
    id               text PRIMARY KEY,
    name             text NOT NULL,
    kind             text NOT NULL CHECK (kind IN
                     ('service_center', 'committee_hq', 'square', 'public_place', 'sector_site')),
    commune_code     text NOT NULL REFERENCES communes (code),
    unit_id          text REFERENCES units (id),
    notice_required  boolean NOT NULL,
    notice_present   boolean NOT NULL DEFAULT false,
    address          text NOT NULL DEFAULT ''
);
CREATE INDEX sites_commune_kind ON sites (commune_code, kind);

CREATE TABLE cameras (
    id                   text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    name                 text NOT NULL,
    site_id              text NOT NULL REFERENCES sites (id),
    owner_unit_id        text NOT NULL REFERENCES units (id),
    sectors              text[] NOT NULL DEFAULT '{}',
    rtsp_url             text NOT NULL,
    rtsp_sub_url         text NOT NULL DEFAULT '',
    onvif_url            text NOT NULL DEFAULT '',
    vendor               text NOT NULL DEFAULT '',
    model                text NOT NULL DEFAULT '',
    firmware             text NOT NULL DEFAULT '',
    declared_codec       text NOT NULL DEFAULT 'hevc' CHECK (declared_codec IN ('hevc', 'h264')),
    resolution           text NOT NULL DEFAULT '',
    qcvn135_cert         text NOT NULL DEFAULT '',
    qcvn135_valid_until  date,
    onvif_version        text NOT NULL DEFAULT '',
    installed_on         date,
    retention_days       integer NOT NULL DEFAULT 30 CHECK (retention_days >= 30),
    latitude             double precision,
    longitude            double precision,
    location             text NOT NULL DEFAULT '',
    last_maintained_on   date,
    -- AES-256-GCM: 12-byte nonce || ciphertext+tag of {"username", "password"}; AAD = id.
    credentials_sealed   bytea,
    credentials_revision bigint NOT NULL DEFAULT 0,
    active               boolean NOT NULL DEFAULT true,
    revision             bigint NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deactivated_at       timestamptz
);
CREATE INDEX cameras_site ON cameras (site_id);
CREATE INDEX cameras_owner ON cameras (owner_unit_id);
CREATE INDEX cameras_sectors ON cameras USING gin (sectors);

-- The registry's view of each camera's connection (one row per camera).
CREATE TABLE camera_connection (
    camera_id            text PRIMARY KEY REFERENCES cameras (id),
    state                text NOT NULL DEFAULT 'never'
                         CHECK (state IN ('never', 'connected', 'lost', 'unstable')),
    connected            boolean NOT NULL DEFAULT false,
    ever_connected       boolean NOT NULL DEFAULT false,
    state_changed_at     timestamptz,
    last_edge_at         timestamptz,
    lost_since           timestamptz,
    handover_since       timestamptz,
    last_observed_at     timestamptz,
    last_stream_seq      bigint NOT NULL DEFAULT 0,
    last_reason          text NOT NULL DEFAULT '',
    last_detail          text NOT NULL DEFAULT '',
    measured_codec       text NOT NULL DEFAULT '',
    measured_width       integer NOT NULL DEFAULT 0,
    measured_height      integer NOT NULL DEFAULT 0,
    measured_fps         double precision NOT NULL DEFAULT 0,
    measured_bitrate_bps bigint NOT NULL DEFAULT 0,
    measured_at          timestamptz,
    mismatch_since       timestamptz
);
CREATE INDEX camera_connection_state ON camera_connection (state);

-- Up/down edges of the connection: the source of uptime and flapping.
CREATE TABLE connection_edges (
    id         bigserial PRIMARY KEY,
    camera_id  text NOT NULL REFERENCES cameras (id),
    at         timestamptz NOT NULL,
    up         boolean NOT NULL,
    reason     text NOT NULL DEFAULT ''
);
CREATE INDEX connection_edges_camera_at ON connection_edges (camera_id, at);

CREATE TABLE state_transitions (
    id              bigserial PRIMARY KEY,
    camera_id       text NOT NULL REFERENCES cameras (id),
    at              timestamptz NOT NULL,
    previous_state  text NOT NULL,
    state           text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX state_transitions_camera_at ON state_transitions (camera_id, at);

CREATE TABLE fault_tickets (
    id            uuid PRIMARY KEY,
    camera_id     text NOT NULL REFERENCES cameras (id),
    detected_at   timestamptz NOT NULL,
    opened_at     timestamptz NOT NULL,
    due_on        date NOT NULL,
    closed_at     timestamptz,
    close_reason  text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX fault_tickets_one_open ON fault_tickets (camera_id) WHERE closed_at IS NULL;

CREATE TABLE connection_needs (
    unit_id      text NOT NULL REFERENCES units (id),
    year         integer NOT NULL,
    needs        text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL,
    recorded_by  text NOT NULL DEFAULT '',
    PRIMARY KEY (unit_id, year)
);

-- Transactional outbox: events, KV writes and audit records written in the same transaction
-- as the change and published after commit (docs/adr/0006).
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('event', 'kv_put', 'kv_delete', 'audit')),
    msg_type    text NOT NULL DEFAULT '',
    target      text NOT NULL,
    msg_id      text NOT NULL,
    payload     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = """
DROP TABLE outbox;
DROP TABLE connection_needs;
DROP TABLE fault_tickets;
DROP TABLE state_transitions;
DROP TABLE connection_edges;
DROP TABLE camera_connection;
DROP TABLE cameras;
DROP TABLE sites;
DROP TABLE units;
DROP TABLE sectors;
DROP TABLE communes;
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
