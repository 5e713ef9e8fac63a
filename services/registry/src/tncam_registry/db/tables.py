"""SQLAlchemy Core tables of the registry schema (as created by the migrations)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, JSONB, UUID

metadata = sa.MetaData()

communes = sa.Table(
    "communes",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)

sectors = sa.Table(
    "sectors",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("commune_code", sa.Text),
    sa.Column("sector_code", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("leader_name", sa.Text, nullable=False, server_default=""),
    sa.Column("leader_position", sa.Text, nullable=False, server_default=""),
    sa.Column("leader_phone", sa.Text, nullable=False, server_default=""),
    sa.Column("leader_email", sa.Text, nullable=False, server_default=""),
    sa.Column("it_name", sa.Text, nullable=False, server_default=""),
    sa.Column("it_position", sa.Text, nullable=False, server_default=""),
    sa.Column("it_phone", sa.Text, nullable=False, server_default=""),
    sa.Column("it_email", sa.Text, nullable=False, server_default=""),
    sa.Column("seeded", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("revision", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("commune_code", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("notice_required", sa.Boolean, nullable=False),
    sa.Column("notice_present", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    sa.Column("notice_checked_on", sa.Date),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)

cameras = sa.Table(
    "cameras",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("site_id", sa.Text, nullable=False),
    sa.Column("owner_unit_id", sa.Text, nullable=False),
    sa.Column("sectors", ARRAY(sa.Text), nullable=False),
    sa.Column("rtsp_url", sa.Text, nullable=False),
    sa.Column("rtsp_sub_url", sa.Text, nullable=False),
    sa.Column("onvif_url", sa.Text, nullable=False),
    sa.Column("vendor", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("firmware", sa.Text, nullable=False),
    sa.Column("declared_codec", sa.Text, nullable=False),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("qcvn135_cert", sa.Text, nullable=False),
    sa.Column("qcvn135_valid_until", sa.Date),
    sa.Column("onvif_version", sa.Text, nullable=False),
    sa.Column("installed_on", sa.Date),
    sa.Column("retention_days", sa.Integer, nullable=False),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("last_maintained_on", sa.Date),
    sa.Column("credentials_sealed", BYTEA),
    sa.Column("credentials_revision", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deactivated_at", sa.DateTime(timezone=True)),
    sa.Column("min_fps", sa.Float, nullable=False, server_default="0"),
)

camera_connection = sa.Table(
    "camera_connection",
    metadata,
    sa.Column("camera_id", sa.Text, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("connected", sa.Boolean, nullable=False),
    sa.Column("ever_connected", sa.Boolean, nullable=False),
    sa.Column("state_changed_at", sa.DateTime(timezone=True)),
    sa.Column("last_edge_at", sa.DateTime(timezone=True)),
    sa.Column("lost_since", sa.DateTime(timezone=True)),
    sa.Column("handover_since", sa.DateTime(timezone=True)),
    sa.Column("last_observed_at", sa.DateTime(timezone=True)),
    sa.Column("last_stream_seq", sa.BigInteger, nullable=False),
    sa.Column("last_reason", sa.Text, nullable=False),
    sa.Column("last_detail", sa.Text, nullable=False),
    sa.Column("measured_codec", sa.Text, nullable=False),
    sa.Column("measured_width", sa.Integer, nullable=False),
    sa.Column("measured_height", sa.Integer, nullable=False),
    sa.Column("measured_fps", sa.Float, nullable=False),
    sa.Column("measured_bitrate_bps", sa.BigInteger, nullable=False),
    sa.Column("measured_at", sa.DateTime(timezone=True)),
    sa.Column("mismatch_since", sa.DateTime(timezone=True)),
)

camera_quality = sa.Table(
    "camera_quality",
    metadata,
    sa.Column("camera_id", sa.Text, primary_key=True),
    sa.Column("flags", ARRAY(sa.Text), nullable=False),
    sa.Column("fps", sa.Float, nullable=False),
    sa.Column("bitrate_bps", sa.BigInteger, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("codec", sa.Text, nullable=False),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_good_at", sa.DateTime(timezone=True)),
    sa.Column("poor_since", sa.DateTime(timezone=True)),
)

camera_quality_history = sa.Table(
    "camera_quality_history",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("flags", ARRAY(sa.Text), nullable=False),
    sa.Column("fps", sa.Float, nullable=False),
    sa.Column("bitrate_bps", sa.BigInteger, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("codec", sa.Text, nullable=False),
)

connection_edges = sa.Table(
    "connection_edges",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("up", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

state_transitions = sa.Table(
    "state_transitions",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("previous_state", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

fault_tickets = sa.Table(
    "fault_tickets",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("close_reason", sa.Text, nullable=False),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
    sa.Column("acknowledged_by", sa.Text, nullable=False, server_default=""),
    sa.Column("cause", sa.Text, nullable=False, server_default=""),
    sa.Column("closed_by", sa.Text, nullable=False, server_default=""),
    sa.Column("notified_at", sa.DateTime(timezone=True)),
)

fault_ticket_notes = sa.Table(
    "fault_ticket_notes",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("ticket_id", UUID(as_uuid=False), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

maintenance_records = sa.Table(
    "maintenance_records",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.Text, nullable=False),
)

connection_needs = sa.Table(
    "connection_needs",
    metadata,
    sa.Column("unit_id", sa.Text, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("needs", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.Text, nullable=False),
    sa.Column("structured", JSONB, nullable=False, server_default="{}"),
)

report_notes = sa.Table(
    "report_notes",
    metadata,
    sa.Column("commune_code", sa.Text, primary_key=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("msg_type", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("msg_id", sa.Text, nullable=False),
    sa.Column("payload", BYTEA, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)

notification_targets = sa.Table(
    "notification_targets",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("unit_id", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("secret_sealed", BYTEA),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
)

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("event_key", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text, nullable=False),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("ticket_id", UUID(as_uuid=False)),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("secret_sealed", BYTEA),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)

camera_change_requests = sa.Table(
    "camera_change_requests",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("owner_unit_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("requested_by_name", sa.Text, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", BYTEA, nullable=False),
    sa.Column("summary", ARRAY(sa.Text), nullable=False),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("decision_reason", sa.Text, nullable=False),
)

registry_updates = sa.Table(
    "registry_updates",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("camera_id", sa.Text, nullable=False),
    sa.Column("changed_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
