"""Prometheus metrics: one registry per service process, plumbing metrics shared by all.

Names follow ``tncam_<service>_<what>_<unit>``; the plumbing every service has is under
``tncam_mesh_`` so one dashboard panel covers all five services (Prometheus adds ``job``).
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

# ``*_created`` series double the series count and no dashboard uses them.
disable_created_metrics()  # type: ignore[no-untyped-call]

VERSION = "0.1.0"


class Metrics:
    """The metrics registry of one service process and the metrics every service exports."""

    def __init__(self, service: str, instance: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.build_info = Info(
            "tncam_build", "Service name, version and instance", registry=self.registry
        )
        self.build_info.info({"service": service, "version": VERSION, "instance": instance})
        self.ready = Gauge(
            "tncam_mesh_ready", "1 when the service reports ready", registry=self.registry
        )
        self.nats_connected = Gauge(
            "tncam_mesh_nats_connected", "1 while connected to NATS", registry=self.registry
        )
        self.nats_reconnects = Counter(
            "tncam_mesh_nats_reconnects_total",
            "NATS reconnections since start",
            registry=self.registry,
        )
        self.consumer_messages = Counter(
            "tncam_mesh_consumer_messages_total",
            "JetStream messages handled, by stream, consumer and outcome",
            ["stream", "consumer", "outcome"],
            registry=self.registry,
        )
        self.published = Counter(
            "tncam_mesh_published_messages_total",
            "Messages published to JetStream, by stream and result",
            ["stream", "result"],
            registry=self.registry,
        )
        self.periodic_runs = Counter(
            "tncam_mesh_periodic_runs_total",
            "Rounds of periodic background work, by task and outcome (ok, retried)",
            ["task", "outcome"],
            registry=self.registry,
        )
        self.task_failures = Counter(
            "tncam_mesh_task_failures_total",
            "Supervised background tasks that failed",
            ["task"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition of every metric in this registry."""
        return generate_latest(self.registry)
