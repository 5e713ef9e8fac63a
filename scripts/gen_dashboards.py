#!/usr/bin/env python3
"""Generate the Grafana dashboards in deploy/grafana/ (and the chart's copies) from one place.

Every query uses only metric names that the services export; `tests/deploy` scrapes the running
services and fails otherwise. Run `make dashboards` after editing this file.
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


def panel(
    title: str,
    exprs: list[tuple[str, str]],
    *,
    kind: str = "timeseries",
    unit: str = "short",
    w: int = 12,
    h: int = 8,
    description: str = "",
) -> dict[str, Any]:
    """One panel with its PromQL targets (expr, legend)."""
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [
            {"refId": chr(65 + i), "expr": e, "legendFormat": legend, "datasource": DS}
            for i, (e, legend) in enumerate(exprs)
        ],
    }


def dashboard(uid: str, title: str, panels: list[dict[str, Any]]) -> dict[str, Any]:
    """A dashboard with a Prometheus datasource variable and laid-out panels."""
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
                }
            ]
        },
        "panels": panels,
    }


def province() -> dict[str, Any]:
    return dashboard(
        "tncam-province",
        "tncam — Toàn tỉnh / Province overview",
        [
            panel(
                "Camera theo trạng thái / Cameras by state",
                [("sum by (state) (tncam_registry_cameras)", "{{state}}")],
                kind="piechart",
                w=8,
            ),
            panel(
                "Theo loại xã/phường / By commune kind and state",
                [
                    (
                        "sum by (commune_kind, state) (tncam_registry_cameras)",
                        "{{commune_kind}} {{state}}",
                    )
                ],
                kind="bargauge",
                w=8,
            ),
            panel(
                "Tỷ lệ kết nối / Share connected",
                [
                    (
                        'sum(tncam_registry_cameras{state=~"connected|unstable"})'
                        " / clamp_min(sum(tncam_registry_cameras), 1)",
                        "connected",
                    )
                ],
                kind="stat",
                unit="percentunit",
                w=8,
            ),
            panel(
                "Mất kết nối / Lost connection",
                [('sum(tncam_registry_cameras{state="lost"})', "lost")],
                kind="stat",
                w=6,
            ),
            panel(
                "Chưa kết nối / Never connected",
                [('sum(tncam_registry_cameras{state="never"})', "never")],
                kind="stat",
                w=6,
            ),
            panel(
                "Không ổn định / Unstable",
                [('sum(tncam_registry_cameras{state="unstable"})', "unstable")],
                kind="stat",
                w=6,
            ),
            panel(
                "Sự cố đang mở / Open fault tickets",
                [("sum(tncam_registry_open_fault_tickets)", "open")],
                kind="stat",
                w=6,
            ),
            panel(
                "Chuyển trạng thái / State transitions",
                [
                    (
                        "sum by (state) (rate(tncam_registry_state_transitions_total[5m]))",
                        "→ {{state}}",
                    )
                ],
            ),
            panel(
                "Hạn quá hạn / Overdue deadlines",
                [("sum by (kind) (tncam_registry_overdue_deadlines)", "{{kind}}")],
                kind="bargauge",
            ),
            panel(
                "Cảnh báo chất lượng hình ảnh / Picture-quality alarms",
                [("sum by (flag) (rate(tncam_ingest_quality_flags_total[15m]))", "{{flag}}")],
            ),
            panel(
                "Camera hình ảnh kém theo xã/phường / Cameras with poor picture by commune",
                [
                    (
                        "max by (commune) (tncam_registry_cameras_poor_quality) > 0",
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
                        "(rate(tncam_registry_report_generation_seconds_bucket[1h])))",
                        "{{format}}",
                    )
                ],
                unit="s",
            ),
        ],
    )


def ingest() -> dict[str, Any]:
    return dashboard(
        "tncam-ingest",
        "tncam — Ingest",
        [
            panel(
                "RTSP sessions",
                [
                    ("sum(tncam_ingest_sessions)", "sessions"),
                    ("sum(tncam_ingest_leases)", "leases"),
                ],
                w=8,
            ),
            panel(
                "Live workers", [("max(tncam_ingest_live_workers)", "workers")], kind="stat", w=4
            ),
            panel(
                "Reconnects by reason",
                [("sum by (reason) (rate(tncam_ingest_disconnects_total[5m]))", "{{reason}}")],
                w=12,
            ),
            panel(
                "Bitrate in",
                [("sum(rate(tncam_ingest_received_bytes_total[1m])) * 8", "bit/s")],
                unit="bps",
            ),
            panel("Packets in", [("sum(rate(tncam_ingest_received_packets_total[1m]))", "pkt/s")]),
            panel(
                "Spool",
                [
                    ("sum(tncam_ingest_spool_bytes)", "bytes"),
                    ("sum(tncam_ingest_spool_segments)", "segments"),
                ],
                unit="bytes",
            ),
            panel(
                "Dropped segments",
                [
                    (
                        "sum by (reason) (increase(tncam_ingest_dropped_segments_total[1h]))",
                        "{{reason}}",
                    )
                ],
            ),
            panel(
                "Hand-off latency p50 / p99",
                [
                    (
                        "histogram_quantile(0.5, sum by (le) (rate(tncam_ingest_handoff_latency_seconds_bucket[5m])))",
                        "p50",
                    ),
                    (
                        "histogram_quantile(0.99, sum by (le) (rate(tncam_ingest_handoff_latency_seconds_bucket[5m])))",
                        "p99",
                    ),
                ],
                unit="s",
            ),
            panel(
                "Hand-off outcomes",
                [
                    (
                        "sum by (outcome) (rate(tncam_ingest_handoff_segments_total[5m]))",
                        "{{outcome}}",
                    )
                ],
            ),
            panel(
                "Segment duration p50",
                [
                    (
                        "histogram_quantile(0.5, sum by (le) (rate(tncam_ingest_segment_duration_seconds_bucket[15m])))",
                        "p50",
                    )
                ],
                unit="s",
            ),
            panel(
                "CPU seconds per stream-minute",
                [("avg(tncam_ingest_cpu_seconds_per_stream_minute)", "cpu s / stream·min")],
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
                        "sum by (result) (rate(tncam_recorder_segments_written_total[5m]))",
                        "{{result}}",
                    )
                ],
            ),
            panel(
                "Write rate",
                [("sum(rate(tncam_recorder_written_bytes_total[5m]))", "bytes/s")],
                unit="Bps",
            ),
            panel(
                "Write latency p99",
                [
                    (
                        "histogram_quantile(0.99, sum by (le) (rate(tncam_recorder_write_latency_seconds_bucket[5m])))",
                        "p99",
                    )
                ],
                unit="s",
            ),
            panel(
                "Hand-off buffer",
                [
                    ("max(tncam_recorder_buffer_age_seconds)", "oldest (s)"),
                    ("max(tncam_recorder_buffer_messages)", "messages"),
                ],
            ),
            panel(
                "Storage by retention class",
                [
                    (
                        "sum by (retention_class) (tncam_recorder_storage_bytes)",
                        "{{retention_class}}",
                    )
                ],
                unit="bytes",
            ),
            panel(
                "Legal holds (lưu giữ theo vụ việc)",
                [
                    ("max(tncam_recorder_legal_holds_active)", "holds"),
                    ("max(tncam_recorder_held_segments)", "held segments"),
                ],
            ),
            panel(
                "Deletions by reason",
                [
                    (
                        "sum by (reason) (increase(tncam_recorder_segments_deleted_total[1d]))",
                        "{{reason}}",
                    )
                ],
            ),
            panel(
                "S3 unavailable",
                [("sum(increase(tncam_recorder_s3_unavailable_total[1h]))", "errors")],
            ),
        ],
    )


def audit() -> dict[str, Any]:
    return dashboard(
        "tncam-audit",
        "tncam — Audit",
        [
            panel(
                "Append rate", [("sum(rate(tncam_audit_appended_events_total[5m]))", "events/s")]
            ),
            panel("Log size", [("max(tncam_audit_tree_size)", "entries")], kind="stat", w=6),
            panel(
                "Active sequencer",
                [("sum(tncam_audit_sequencer_active)", "active")],
                kind="stat",
                w=6,
            ),
            panel(
                "Verification failures",
                [("sum(increase(tncam_audit_verify_failures_total[1d]))", "failures")],
                kind="stat",
                w=8,
            ),
            panel(
                "Checkpoint age",
                [("max(tncam_audit_checkpoint_age_seconds)", "age")],
                unit="s",
                w=8,
            ),
            panel(
                "Unanchored checkpoints",
                [("max(tncam_audit_checkpoints_unanchored)", "unanchored")],
                w=8,
            ),
            panel(
                "Overdue breach notices (72 h)",
                [("max(tncam_audit_breaches_overdue)", "overdue")],
                kind="stat",
            ),
            panel(
                "Duplicates and rejects",
                [
                    ("sum(rate(tncam_audit_duplicate_events_total[5m]))", "duplicates"),
                    ("sum(rate(tncam_audit_rejected_events_total[5m]))", "rejected"),
                ],
            ),
        ],
    )


def gateway() -> dict[str, Any]:
    return dashboard(
        "tncam-gateway",
        "tncam — Gateway",
        [
            panel(
                "Requests by status",
                [("sum by (status) (rate(tncam_gateway_requests_total[5m]))", "{{status}}")],
            ),
            panel(
                "Latency p50 / p99",
                [
                    (
                        "histogram_quantile(0.5, sum by (le) (rate(tncam_gateway_request_duration_seconds_bucket[5m])))",
                        "p50",
                    ),
                    (
                        "histogram_quantile(0.99, sum by (le) (rate(tncam_gateway_request_duration_seconds_bucket[5m])))",
                        "p99",
                    ),
                ],
                unit="s",
            ),
            panel(
                "Authentication failures",
                [("sum by (reason) (rate(tncam_gateway_auth_failures_total[5m]))", "{{reason}}")],
            ),
            panel("Lockouts", [("sum(increase(tncam_gateway_lockouts_total[1h]))", "lockouts")]),
            panel(
                "Footage accesses by purpose",
                [
                    (
                        "sum by (purpose, outcome) (increase(tncam_gateway_footage_accesses_total[1h]))",
                        "{{purpose}} {{outcome}}",
                    )
                ],
            ),
            panel(
                "Break-glass grants",
                [
                    (
                        "sum by (legal_basis) (increase(tncam_gateway_grants_issued_total[1d]))",
                        "{{legal_basis}}",
                    )
                ],
            ),
        ],
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    boards = {
        "province-overview": province(),
        "ingest": ingest(),
        "recorder": recorder(),
        "audit": audit(),
        "gateway": gateway(),
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
