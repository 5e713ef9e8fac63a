"""The audit service's own metrics (``tncam_audit_*``), registered on the process registry."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class AuditMetrics:
    """Appends, checkpoints, verification and the breach register."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._checkpoint_time: float | None = None
        self._appends(registry)
        self._checkpoints(registry)
        self._verification(registry)
        self.breaches_overdue = Gauge(
            "tncam_audit_breaches_overdue",
            "Breaches past their 72-hour notice deadline without every notice sent",
            registry=registry,
        )

    def _appends(self, r: CollectorRegistry) -> None:
        self.appended = Counter(
            "tncam_audit_appended_events_total", "Events appended to the log", registry=r
        )
        self.duplicates = Counter(
            "tncam_audit_duplicate_events_total",
            "Deliveries of events already in the log (acked, not appended again)",
            registry=r,
        )
        self.rejected = Counter(
            "tncam_audit_rejected_events_total",
            "Messages that are not valid audit events (dead-lettered)",
            registry=r,
        )
        self.batch_seconds = Histogram(
            "tncam_audit_append_batch_seconds",
            "Time to append one batch (transaction and acks)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=r,
        )
        self.tree_size = Gauge("tncam_audit_tree_size", "Entries in the log", registry=r)
        self.sequencer_active = Gauge(
            "tncam_audit_sequencer_active",
            "1 while this replica holds the writer lock and appends",
            registry=r,
        )

    def _checkpoints(self, r: CollectorRegistry) -> None:
        self.checkpoints = Counter(
            "tncam_audit_checkpoints_total", "Checkpoints signed by this replica", registry=r
        )
        self.anchor_failures = Counter(
            "tncam_audit_anchor_failures_total",
            "Failed attempts to write a checkpoint copy to the object store",
            registry=r,
        )
        self.unanchored = Gauge(
            "tncam_audit_checkpoints_unanchored",
            "Checkpoints without an object-locked copy yet",
            registry=r,
        )
        self.checkpoint_age = Gauge(
            "tncam_audit_checkpoint_age_seconds",
            "Seconds since the newest signed checkpoint (NaN before the first)",
            registry=r,
        )
        self.checkpoint_age.set_function(self._age)

    def _verification(self, r: CollectorRegistry) -> None:
        self.verify_failures = Counter(
            "tncam_audit_verify_failures_total",
            "Scheduled verifications that found the log tampered or could not complete",
            registry=r,
        )
        self.verify_runs = Counter(
            "tncam_audit_verify_runs_total",
            "Scheduled verifications by result",
            ["result"],
            registry=r,
        )
        self.verify_first_bad = Gauge(
            "tncam_audit_verify_first_bad_sequence",
            "First bad sequence number found by the last verification (0 = none)",
            registry=r,
        )
        self.verify_duration = Gauge(
            "tncam_audit_verify_duration_seconds",
            "Duration of the last verification",
            registry=r,
        )
        self.verify_last_success = Gauge(
            "tncam_audit_verify_last_success_timestamp_seconds",
            "Unix time of the last verification that found nothing wrong",
            registry=r,
        )

    def checkpoint_signed_at(self, unix: float) -> None:
        """Remember when the newest checkpoint was signed (for the age gauge)."""
        if self._checkpoint_time is None or unix > self._checkpoint_time:
            self._checkpoint_time = unix

    def _age(self) -> float:
        if self._checkpoint_time is None:
            return float("nan")
        return max(0.0, time.time() - self._checkpoint_time)
