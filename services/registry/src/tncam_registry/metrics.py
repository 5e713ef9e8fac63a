"""The registry's Prometheus metrics (``tncam_registry_*``), registered on the process registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class RegistryMetrics:
    """Cameras by state, transitions, overdue deadlines, report generation time, operations."""

    # long: one declaration per metric, read as a table
    def __init__(self, registry: CollectorRegistry) -> None:
        self.cameras = Gauge(
            "tncam_registry_cameras",
            "Active cameras by state and commune (code, name, kind); the same on every replica",
            ["state", "commune", "commune_name", "commune_kind"],
            registry=registry,
        )
        self.transitions = Counter(
            "tncam_registry_state_transitions_total",
            "Connection state transitions of cameras",
            ["previous", "state"],
            registry=registry,
        )
        self.overdue = Gauge(
            "tncam_registry_overdue_deadlines",
            "Deadlines past due by kind (connection, registry_update, maintenance, fault_fix, "
            "annual_needs)",
            ["kind"],
            registry=registry,
        )
        self.open_tickets = Gauge(
            "tncam_registry_open_fault_tickets", "Open fault tickets", registry=registry
        )
        self.lost_over_15m = Gauge(
            "tncam_registry_cameras_lost_over_15m",
            "Active cameras in state lost for more than 15 minutes",
            registry=registry,
        )
        self.communes_all_lost = Gauge(
            "tncam_registry_communes_all_lost",
            "Communes whose every active camera is lost",
            registry=registry,
        )
        self.poor_quality, self.poor_quality_longest = _quality_gauges(registry)
        self.report_seconds = Histogram(
            "tncam_registry_report_generation_seconds",
            "Time to build and render the connection report, by format",
            ["format"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
            registry=registry,
        )
        self.requests = Histogram(
            "tncam_registry_request_duration_seconds",
            "Registry operations by operation and outcome (ok or the error code)",
            ["operation", "outcome"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
            registry=registry,
        )
        self.status_events = Counter(
            "tncam_registry_status_events_total",
            "Camera status and stats events handled, by kind and result "
            "(applied, duplicate, stale, unknown_camera)",
            ["event", "result"],
            registry=registry,
        )
        self.published = Counter(
            "tncam_registry_outbox_published_total",
            "Outbox rows published, by kind (event, kv_put, kv_delete, audit)",
            ["kind"],
            registry=registry,
        )
        self.notices = Counter(
            "tncam_registry_notices_total",
            "Tries of notices to the units, by channel and outcome (sent, retrying, dead)",
            ["channel", "outcome"],
            registry=registry,
        )


def _quality_gauges(registry: CollectorRegistry) -> tuple[Gauge, Gauge]:
    """Poor pictures by commune. Bounded label: the 92 communes of communes.csv (every one is
    set, 0 where none is poor), never a camera id."""
    poor = Gauge(
        "tncam_registry_cameras_poor_quality",
        "Active connected cameras whose latest picture-quality result is poor, by commune",
        ["commune"],
        registry=registry,
    )
    longest = Gauge(
        "tncam_registry_poor_quality_longest_seconds",
        "Longest uninterrupted run of poor picture-quality results among the commune's "
        "connected cameras, seconds (0 when none is poor)",
        ["commune"],
        registry=registry,
    )
    return poor, longest
