#!/usr/bin/env python3
"""Generate the Grafana dashboards in deploy/grafana/ (and the chart's copies) from one place.

Every query uses only metric names that the services export; `tests/deploy` scrapes the running
services and fails otherwise. Run `make dashboards` after editing this file.

Each dashboard is one function whose body is its list of panels in screen order, read as a
table (title, query, legend, thresholds, description): long on purpose, since splitting a
dashboard over several functions would scatter its layout. The helpers (`panel`, `variable`,
`dashboard`) hold everything the panels share.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "deploy" / "grafana"
CHART = ROOT / "helm" / "tncam" / "files"
DS = {"type": "prometheus", "uid": "${datasource}"}


# Every dashboard's namespace filter; the service-health one also filters on tncam_service, the
# label that the chart's ServiceMonitors and the compose Prometheus put on every tncam target.
NS = 'namespace=~"$namespace"'
RATE = "$__rate_interval"
Steps = list[tuple[float | None, str]]


def panel(
    title: str,
    exprs: list[tuple[str, str]],
    *,
    kind: str = "timeseries",
    unit: str = "short",
    w: int = 12,
    h: int = 8,
    description: str,
    thresholds: Steps | None = None,
    table: bool = False,
    transformations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One panel with its PromQL targets (expr, legend), its description and thresholds.

    ``thresholds`` are (from, colour) steps, the first from None (the base); a table panel's
    targets are instant queries in table format."""
    steps = thresholds or [(None, "green")]
    defaults: dict[str, Any] = {
        "unit": unit,
        "thresholds": {
            "mode": "absolute",
            "steps": [{"value": v, "color": c} for v, c in steps],
        },
    }
    if thresholds and kind == "timeseries":
        defaults["custom"] = {"thresholdsStyle": {"mode": "line"}}
    if thresholds and kind in {"stat", "table", "bargauge"}:
        defaults["color"] = {"mode": "thresholds"}
    out: dict[str, Any] = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"w": w, "h": h},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {},
        "targets": [
            {"refId": chr(65 + i), "expr": e, "legendFormat": legend, "datasource": DS}
            | ({"instant": True, "range": False, "format": "table"} if table else {})
            for i, (e, legend) in enumerate(exprs)
        ],
    }
    if transformations:
        out["transformations"] = transformations
    return out


def variable(name: str, label: str, query: str, *, multi: bool = True) -> dict[str, Any]:
    """A query variable over label values; "All" matches series without the label too."""
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "query": {"query": query, "refId": f"var-{name}"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "allValue": ".*",
        "multi": multi,
        "current": {"text": "All", "value": "$__all"},
        "sort": 1,
    }


NAMESPACE = variable(
    "namespace", "Namespace", "label_values(tncam_build_info, namespace)", multi=False
)
SERVICE = variable("service", "Service", 'label_values(up{tncam_service!=""}, tncam_service)')
COMMUNE = variable(
    "commune", "Xã/phường / Commune", "label_values(tncam_registry_cameras, commune_name)"
)


def dashboard(
    uid: str,
    title: str,
    panels: list[dict[str, Any]],
    variables: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A dashboard with a Prometheus datasource variable, its others and laid-out panels."""
    x = y = 0
    row_h = 0
    for i, p in enumerate(panels, start=1):
        pos = p["gridPos"]
        if x + pos["w"] > 24:
            x, y = 0, y + row_h
            row_h = 0
        pos.update({"x": x, "y": y})
        x += pos["w"]
        row_h = max(row_h, pos["h"])
        p["id"] = i
    return {
        "uid": uid,
        "title": title,
        "tags": ["tncam"],
        "timezone": "Asia/Ho_Chi_Minh",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                },
                NAMESPACE,
                *(variables or []),
            ]
        },
        "panels": panels,
    }


# Registry gauges are the same whole-database figure on every replica: max over the replicas,
# then sum over communes (never a plain sum, which counts each camera once per replica).
CAMS = f'tncam_registry_cameras{{{NS}, commune_name=~"$commune"}}'
LOST = f'tncam_registry_cameras{{{NS}, commune_name=~"$commune", state="lost"}}'


def cams(by: str, state: str = "") -> str:
    """Cameras summed by ``by`` after taking the max over registry replicas."""
    sel = CAMS if not state else CAMS.replace("}", f', state=~"{state}"}}')
    return f"sum by ({by}) (max by (state, commune, commune_name, commune_kind) ({sel}))"


def province() -> dict[str, Any]:
    return dashboard(
        "tncam-province",
        "tncam — Toàn tỉnh / Province overview",
        [
            panel(
                "Camera theo trạng thái / Cameras by state",
                [(cams("state"), "{{state}}")],
                kind="piechart",
                w=8,
                description="Active cameras of the selected communes by connection state "
                "(registry; max over its replicas).",
            ),
            panel(
                "Theo loại xã/phường / By commune kind and state",
                [(cams("commune_kind, state"), "{{commune_kind}} {{state}}")],
                kind="bargauge",
                w=8,
                description="Active cameras by commune kind (xã / phường) and connection state.",
            ),
            panel(
                "Tỷ lệ kết nối / Share connected",
                [
                    (
                        f"sum({cams('state', 'connected|unstable')})"
                        f" / clamp_min(sum({cams('state')}), 1)",
                        "connected",
                    )
                ],
                kind="stat",
                unit="percentunit",
                w=8,
                description="Share of active cameras delivering a stream (connected or unstable). "
                "Red below 90 %, orange below 97 %.",
                thresholds=[(None, "red"), (0.9, "orange"), (0.97, "green")],
            ),
            panel(
                "Mất kết nối / Lost connection",
                [(f"sum({cams('state', 'lost')})", "lost")],
                kind="stat",
                w=6,
                description="Active cameras in state lost. Orange from 1, red from 10 "
                "(a commune's link is likely down).",
                thresholds=[(None, "green"), (1, "orange"), (10, "red")],
            ),
            panel(
                "Chưa kết nối / Never connected",
                [(f"sum({cams('state', 'never')})", "never")],
                kind="stat",
                w=6,
                description="Registered cameras that never delivered a stream (installation "
                "or registration not finished).",
                thresholds=[(None, "green"), (1, "orange")],
            ),
            panel(
                "Không ổn định / Unstable",
                [(f"sum({cams('state', 'unstable')})", "unstable")],
                kind="stat",
                w=6,
                description="Cameras that connect but drop repeatedly (flapping).",
                thresholds=[(None, "green"), (1, "orange")],
            ),
            panel(
                "Sự cố đang mở / Open fault tickets",
                [(f"max(tncam_registry_open_fault_tickets{{{NS}}})", "open")],
                kind="stat",
                w=6,
                description="Fault tickets opened for cameras lost over 15 minutes and not closed.",
                thresholds=[(None, "green"), (1, "orange")],
            ),
            panel(
                "Chuyển trạng thái / State transitions",
                [
                    (
                        f"sum by (state) (rate(tncam_registry_state_transitions_total{{{NS}}}[{RATE}]))",
                        "→ {{state}}",
                    )
                ],
                description="Connection state changes per second, by new state (every replica "
                "counts only those it applied: sum is right here).",
            ),
            panel(
                "Hạn quá hạn / Overdue deadlines",
                [(f"max by (kind) (tncam_registry_overdue_deadlines{{{NS}}})", "{{kind}}")],
                kind="bargauge",
                description="Deadlines past due by kind (fault fix in 3 working days, "
                "registry update, maintenance, ...).",
                thresholds=[(None, "green"), (1, "red")],
            ),
            panel(
                "Cảnh báo chất lượng hình ảnh / Picture-quality alarms",
                [
                    (
                        f"sum by (flag) (rate(tncam_ingest_quality_flags_total{{{NS}}}[{RATE}]))",
                        "{{flag}}",
                    )
                ],
                description="Picture-quality flags raised per second by kind (black, frozen, "
                "blurred, covered).",
            ),
            panel(
                "Camera hình ảnh kém theo xã/phường / Cameras with poor picture by commune",
                [
                    (
                        f"max by (commune) (tncam_registry_cameras_poor_quality{{{NS}}}) > 0",
                        "{{commune}}",
                    )
                ],
                kind="bargauge",
                description="Connected cameras whose latest picture-quality result has a flag "
                "(black, blurred, frozen, low fps, bitrate collapse, codec/resolution not as "
                "registered), by commune code; only communes with at least one are shown.",
            ),
            panel(
                "Thời gian lập báo cáo / Report generation time (p95)",
                [
                    (
                        "histogram_quantile(0.95, sum by (le, format) "
                        f"(rate(tncam_registry_report_generation_seconds_bucket{{{NS}}}[1h])))",
                        "{{format}}",
                    )
                ],
                unit="s",
                description="95th percentile of the connection report's generation time over "
                "the last hour, by format. Orange above 5 s, red above 10 s.",
                thresholds=[(None, "green"), (5, "orange"), (10, "red")],
            ),
            panel(
                "Camera mất kết nối theo xã/phường / Lost cameras by commune",
                [
                    (
                        f"sort_desc(max by (commune, commune_name) ({LOST}) > 0)",
                        "",
                    )
                ],
                kind="table",
                table=True,
                h=10,
                description="Communes with lost cameras, most first (instant). A commune whose "
                "every camera is lost points at its network link.",
                thresholds=[(None, "green"), (1, "orange"), (5, "red")],
                transformations=[
                    {
                        "id": "organize",
                        "options": {
                            "excludeByName": {"Time": True},
                            "renameByName": {
                                "commune": "Mã / code",
                                "commune_name": "Xã/phường / commune",
                                "Value": "Mất kết nối / lost",
                            },
                        },
                    }
                ],
            ),
            panel(
                "Camera theo trạng thái từng xã/phường / Cameras by state per commune",
                [(cams("commune_name, state"), "")],
                kind="table",
                table=True,
                h=10,
                description="Active cameras per commune (rows) and connection state (columns).",
                transformations=[
                    {
                        "id": "groupingToMatrix",
                        "options": {
                            "rowField": "commune_name",
                            "columnField": "state",
                            "valueField": "Value",
                        },
                    }
                ],
            ),
        ],
        [COMMUNE],
    )


def ingest() -> dict[str, Any]:
    hist = "tncam_ingest_handoff_latency_seconds_bucket"
    return dashboard(
        "tncam-ingest",
        "tncam — Ingest",
        [
            panel(
                "RTSP sessions",
                [
                    (f"sum(tncam_ingest_sessions{{{NS}}})", "sessions"),
                    (f"sum(tncam_ingest_leases{{{NS}}})", "leases"),
                ],
                w=8,
                description="Open RTSP sessions and camera leases held, over every ingest pod. "
                "Sessions below leases: cameras that do not answer.",
            ),
            panel(
                "Live workers",
                [(f"max(tncam_ingest_live_workers{{{NS}}})", "workers")],
                kind="stat",
                w=4,
                description="Ingest workers alive, as seen by the fullest replica.",
                thresholds=[(None, "red"), (1, "green")],
            ),
            panel(
                "Reconnects by reason",
                [
                    (
                        f"sum by (reason) (rate(tncam_ingest_disconnects_total{{{NS}}}[{RATE}]))",
                        "{{reason}}",
                    )
                ],
                w=12,
                description="RTSP sessions ended per second, by reason (timeout, refused, "
                "auth, eof).",
            ),
            panel(
                "Bitrate in",
                [(f"sum(rate(tncam_ingest_received_bytes_total{{{NS}}}[{RATE}])) * 8", "bit/s")],
                unit="bps",
                description="Video received from the cameras, over every ingest pod.",
            ),
            panel(
                "Packets in",
                [(f"sum(rate(tncam_ingest_received_packets_total{{{NS}}}[{RATE}]))", "pkt/s")],
                description="RTP packets received per second.",
            ),
            panel(
                "Spool",
                [
                    (f"sum(tncam_ingest_spool_bytes{{{NS}}})", "bytes"),
                    (f"sum(tncam_ingest_spool_segments{{{NS}}})", "segments"),
                ],
                unit="bytes",
                description="Segments kept on the pods' spool volumes while NATS does not take "
                "them. Should be 0; the alert TncamIngestSpoolFilling fires after 10 minutes.",
                thresholds=[(None, "green"), (1, "orange")],
            ),
            panel(
                "Dropped segments",
                [
                    (
                        "sum by (reason) "
                        f"(increase(tncam_ingest_dropped_segments_total{{{NS}}}[1h]))",
                        "{{reason}}",
                    )
                ],
                description="Segments dropped in the last hour (footage lost). Any is red.",
                thresholds=[(None, "green"), (1, "red")],
            ),
            panel(
                "Hand-off latency p50 / p99",
                [
                    (
                        f"histogram_quantile(0.5, sum by (le) (rate({hist}{{{NS}}}[{RATE}])))",
                        "p50",
                    ),
                    (
                        f"histogram_quantile(0.99, sum by (le) (rate({hist}{{{NS}}}[{RATE}])))",
                        "p99",
                    ),
                ],
                unit="s",
                description="From a segment closed to its hand-off acknowledged by JetStream. "
                "Orange above 1 s, red above 5 s.",
                thresholds=[(None, "green"), (1, "orange"), (5, "red")],
            ),
            panel(
                "Hand-off outcomes",
                [
                    (
                        "sum by (outcome) "
                        f"(rate(tncam_ingest_handoff_segments_total{{{NS}}}[{RATE}]))",
                        "{{outcome}}",
                    )
                ],
                description="Segments handed off per second by outcome (published, spooled, "
                "dropped).",
            ),
            panel(
                "Segment duration p50",
                [
                    (
                        "histogram_quantile(0.5, sum by (le) "
                        f"(rate(tncam_ingest_segment_duration_seconds_bucket{{{NS}}}[15m])))",
                        "p50",
                    )
                ],
                unit="s",
                description="Median segment length (cut on key frames; about the camera's GOP).",
            ),
            panel(
                "CPU seconds per stream-minute",
                [
                    (
                        f"avg(tncam_ingest_cpu_seconds_per_stream_minute{{{NS}}})",
                        "cpu s / stream·min",
                    )
                ],
                description="Ingest CPU cost of one camera stream per minute (sizing figure).",
            ),
        ],
    )


def recorder() -> dict[str, Any]:
    return dashboard(
        "tncam-recorder",
        "tncam — Recorder",
        [
            panel(
                "Segments written",
                [
                    (
                        "sum by (result) "
                        f"(rate(tncam_recorder_segments_written_total{{{NS}}}[{RATE}]))",
                        "{{result}}",
                    )
                ],
                description="Segments handled per second by result (stored, duplicate, failed).",
            ),
            panel(
                "Write rate",
                [(f"sum(rate(tncam_recorder_written_bytes_total{{{NS}}}[{RATE}]))", "bytes/s")],
                unit="Bps",
                description="Bytes written to S3 per second, over every recorder pod.",
            ),
            panel(
                "Write latency p99",
                [
                    (
                        "histogram_quantile(0.99, sum by (le) "
                        f"(rate(tncam_recorder_write_latency_seconds_bucket{{{NS}}}[{RATE}])))",
                        "p99",
                    )
                ],
                unit="s",
                description="99th percentile of one segment's S3 write and index. Orange above "
                "2 s, red above 5 s (segments back up).",
                thresholds=[(None, "green"), (2, "orange"), (5, "red")],
            ),
            panel(
                "Hand-off buffer",
                [
                    (f"max(tncam_recorder_buffer_age_seconds{{{NS}}})", "oldest (s)"),
                    (f"max(tncam_recorder_buffer_messages{{{NS}}})", "messages"),
                ],
                description="Segments waiting in the hand-off stream and the oldest one's age. "
                "Red from 120 s (TncamRecorderBufferAging).",
                thresholds=[(None, "green"), (60, "orange"), (120, "red")],
            ),
            panel(
                "Storage by retention class",
                [
                    (
                        f"max by (retention_class) (tncam_recorder_storage_bytes{{{NS}}})",
                        "{{retention_class}}",
                    )
                ],
                unit="bytes",
                description="Bytes stored by retention class, from the index (the same figure "
                "on every replica: max, not sum).",
            ),
            panel(
                "Legal holds (lưu giữ theo vụ việc)",
                [
                    (f"max(tncam_recorder_legal_holds_active{{{NS}}})", "holds"),
                    (f"max(tncam_recorder_held_segments{{{NS}}})", "held segments"),
                ],
                description="Active legal holds and the segments they keep from deletion.",
            ),
            panel(
                "Deletions by reason",
                [
                    (
                        "sum by (reason) "
                        f"(increase(tncam_recorder_segments_deleted_total{{{NS}}}[1d]))",
                        "{{reason}}",
                    )
                ],
                description="Segments deleted over the last day by reason (retention, request).",
            ),
            panel(
                "S3 unavailable",
                [(f"sum(increase(tncam_recorder_s3_unavailable_total{{{NS}}}[1h]))", "errors")],
                description="S3 writes refused as unavailable in the last hour. Red from 1 "
                "(TncamS3Unavailable fires after 5 minutes of failures).",
                thresholds=[(None, "green"), (1, "red")],
            ),
        ],
    )


def audit() -> dict[str, Any]:
    return dashboard(
        "tncam-audit",
        "tncam — Audit",
        [
            panel(
                "Append rate",
                [(f"sum(rate(tncam_audit_appended_events_total{{{NS}}}[{RATE}]))", "events/s")],
                description="Audit events appended to the log per second.",
            ),
            panel(
                "Log size",
                [(f"max(tncam_audit_tree_size{{{NS}}})", "entries")],
                kind="stat",
                w=6,
                description="Entries in the Merkle tree.",
            ),
            panel(
                "Active sequencer",
                [(f"sum(tncam_audit_sequencer_active{{{NS}}})", "active")],
                kind="stat",
                w=6,
                description="Replicas holding the sequencer lock: exactly 1 (green); 0 or 2+ "
                "is red (TncamAuditSequencerNotOne).",
                thresholds=[(None, "red"), (1, "green"), (2, "red")],
            ),
            panel(
                "Verification failures",
                [(f"sum(increase(tncam_audit_verify_failures_total{{{NS}}}[1d]))", "failures")],
                kind="stat",
                w=8,
                description="Failed verifications of the log in the last day: any is red "
                "(possible tampering).",
                thresholds=[(None, "green"), (1, "red")],
            ),
            panel(
                "Checkpoint age",
                [(f"max(tncam_audit_checkpoint_age_seconds{{{NS}}})", "age")],
                unit="s",
                w=8,
                description="Age of the newest signed checkpoint. Red from 900 s "
                "(TncamAuditCheckpointStale).",
                thresholds=[(None, "green"), (600, "orange"), (900, "red")],
            ),
            panel(
                "Unanchored checkpoints",
                [(f"max(tncam_audit_checkpoints_unanchored{{{NS}}})", "unanchored")],
                w=8,
                description="Signed checkpoints not yet written to the object-locked bucket.",
                thresholds=[(None, "green"), (1, "orange")],
            ),
            panel(
                "Overdue breach notices (72 h)",
                [(f"max(tncam_audit_breaches_overdue{{{NS}}})", "overdue")],
                kind="stat",
                description="Personal-data breaches past the 72-hour notice deadline: any is red.",
                thresholds=[(None, "green"), (1, "red")],
            ),
            panel(
                "Duplicates and rejects",
                [
                    (
                        f"sum(rate(tncam_audit_duplicate_events_total{{{NS}}}[{RATE}]))",
                        "duplicates",
                    ),
                    (f"sum(rate(tncam_audit_rejected_events_total{{{NS}}}[{RATE}]))", "rejected"),
                ],
                description="Redelivered events recognised as duplicates, and events rejected "
                "as invalid (per second).",
            ),
        ],
    )


def gateway() -> dict[str, Any]:
    hist = "tncam_gateway_request_duration_seconds_bucket"
    api = f'{NS}, route!~".*(download|segments|init|[.]csv|import).*"'
    return dashboard(
        "tncam-gateway",
        "tncam — Gateway",
        [
            panel(
                "Requests by status",
                [
                    (
                        f"sum by (status) (rate(tncam_gateway_requests_total{{{NS}}}[{RATE}]))",
                        "{{status}}",
                    )
                ],
                description="API requests per second by HTTP status.",
            ),
            panel(
                "Latency p50 / p99",
                [
                    (
                        f"histogram_quantile(0.5, sum by (le) (rate({hist}{{{api}}}[{RATE}])))",
                        "p50",
                    ),
                    (
                        f"histogram_quantile(0.99, sum by (le) (rate({hist}{{{api}}}[{RATE}])))",
                        "p99",
                    ),
                ],
                unit="s",
                description="API latency, downloads and imports excluded. Red above 2 s "
                "(TncamGatewayLatencyHigh at p99 for 10 minutes).",
                thresholds=[(None, "green"), (1, "orange"), (2, "red")],
            ),
            panel(
                "5xx ratio",
                [
                    (
                        f'sum(rate(tncam_gateway_requests_total{{{NS}, status=~"5.."}}[{RATE}]))'
                        f" / clamp_min(sum(rate(tncam_gateway_requests_total{{{NS}}}[{RATE}])), 1e-9)",
                        "5xx",
                    )
                ],
                unit="percentunit",
                description="Share of requests answered 5xx. Red above 5 % (TncamGateway5xxRatio).",
                thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
            ),
            panel(
                "Authentication failures",
                [
                    (
                        f"sum by (reason) (rate(tncam_gateway_auth_failures_total{{{NS}}}[{RATE}]))",
                        "{{reason}}",
                    )
                ],
                description="Refused logins, refreshes and password changes per second.",
            ),
            panel(
                "Lockouts",
                [(f"sum(increase(tncam_gateway_lockouts_total{{{NS}}}[1h]))", "lockouts")],
                description="Logins refused by lockout or throttling in the last hour.",
                thresholds=[(None, "green"), (10, "orange")],
            ),
            panel(
                "Footage accesses by purpose",
                [
                    (
                        "sum by (purpose, outcome) "
                        f"(increase(tncam_gateway_footage_accesses_total{{{NS}}}[1h]))",
                        "{{purpose}} {{outcome}}",
                    )
                ],
                description="Live and recorded footage accesses in the last hour, by declared "
                "purpose and outcome.",
            ),
            panel(
                "Break-glass grants",
                [
                    (
                        "sum by (legal_basis) "
                        f"(increase(tncam_gateway_grants_issued_total{{{NS}}}[1d]))",
                        "{{legal_basis}}",
                    )
                ],
                description="Access grants issued in the last day, by legal basis.",
            ),
        ],
    )


def health() -> dict[str, Any]:
    sel = f'{NS}, tncam_service=~"$service"'
    return dashboard(
        "tncam-health",
        "tncam — Service health",
        [
            panel(
                "Up",
                [(f"up{{{sel}}}", "{{tncam_service}} {{instance}}")],
                kind="state-timeline",
                w=12,
                description="Whether Prometheus scrapes each pod (1) or not (0). Red is "
                "TncamServiceDown after 2 minutes.",
                thresholds=[(None, "red"), (1, "green")],
            ),
            panel(
                "Ready",
                [(f"tncam_mesh_ready{{{sel}}}", "{{tncam_service}} {{instance}}")],
                kind="state-timeline",
                w=12,
                description="Each pod's /readyz (1 ready). Not ready: a dependency fails "
                "(TncamServiceNotReady).",
                thresholds=[(None, "red"), (1, "green")],
            ),
            panel(
                "NATS connected",
                [(f"tncam_mesh_nats_connected{{{sel}}}", "{{tncam_service}} {{instance}}")],
                kind="state-timeline",
                w=12,
                description="Each pod's NATS connection (1 connected) — TncamNatsDisconnected.",
                thresholds=[(None, "red"), (1, "green")],
            ),
            panel(
                "NATS reconnects",
                [
                    (
                        f"sum by (tncam_service) (increase(tncam_mesh_nats_reconnects_total{{{sel}}}[1h]))",
                        "{{tncam_service}}",
                    )
                ],
                w=12,
                description="NATS reconnections in the last hour, by service.",
                thresholds=[(None, "green"), (5, "orange")],
            ),
            panel(
                "Dead letters",
                [
                    (
                        "sum by (tncam_service, stream, consumer) (increase("
                        f'tncam_mesh_consumer_messages_total{{{sel}, outcome=~"dead_letter.*"}}[1h]))',
                        "{{tncam_service}} {{stream}}/{{consumer}}",
                    )
                ],
                w=12,
                description="Messages dead-lettered in the last hour: any is red "
                "(TncamDeadLetters).",
                thresholds=[(None, "green"), (1, "red")],
            ),
            panel(
                "Task failures",
                [
                    (
                        "sum by (tncam_service, task) "
                        f"(increase(tncam_mesh_task_failures_total{{{sel}}}[1h]))",
                        "{{tncam_service}} {{task}}",
                    )
                ],
                w=12,
                description="Supervised background tasks that failed in the last hour "
                "(TncamTaskFailures).",
                thresholds=[(None, "green"), (1, "orange")],
            ),
            panel(
                "Consumer outcomes",
                [
                    (
                        "sum by (tncam_service, outcome) "
                        f"(rate(tncam_mesh_consumer_messages_total{{{sel}}}[{RATE}]))",
                        "{{tncam_service}} {{outcome}}",
                    )
                ],
                w=12,
                description="JetStream messages handled per second by outcome (ack, nak, term, "
                "dead_letter).",
            ),
            panel(
                "Periodic work retried",
                [
                    (
                        "sum by (tncam_service, task) (rate("
                        f'tncam_mesh_periodic_runs_total{{{sel}, outcome="retried"}}[{RATE}]))',
                        "{{tncam_service}} {{task}}",
                    )
                ],
                w=12,
                description="Rounds of periodic work that failed and will be retried.",
            ),
        ],
        [SERVICE],
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    boards = {
        "province-overview": province(),
        "ingest": ingest(),
        "recorder": recorder(),
        "audit": audit(),
        "gateway": gateway(),
        "service-health": health(),
    }
    dest = CHART / "dashboards"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, board in boards.items():
        text = json.dumps(board, indent=2, ensure_ascii=False) + "\n"
        (OUT / f"{name}.json").write_text(text, encoding="utf-8")
        (dest / f"{name}.json").write_text(text, encoding="utf-8")
    shutil.copyfile(ROOT / "deploy" / "prometheus" / "rules.yml", CHART / "rules.yml")
    print(f"gen_dashboards: {len(boards)} dashboards, rules copied into the chart")


if __name__ == "__main__":
    main()
