"""Consumers of ingest's camera events: status changes drive the connection state."""

from __future__ import annotations

from tncam.camera.v1 import stats_pb2, status_pb2
from tncam_contracts.catalog import (
    CAMERA_STATS_REPORTED,
    CAMERA_STATUS_CHANGED,
    CAMERA_STREAM,
    dead_letter_subject,
)
from tncam_mesh.jetstream import ConsumerSpec, Delivery, consume
from tncam_mesh.runtime import Runtime
from tncam_registry.service import Registry
from tncam_registry.settings import RegistrySettings

STATUS_DURABLE = "registry-camera-status"
STATS_DURABLE = "registry-camera-stats"


async def run_status_consumer(rt: Runtime[RegistrySettings], registry: Registry) -> None:
    """Apply every CameraStatusChanged, in stream order, until the service stops."""
    ns = rt.settings.nats_namespace
    stream = CAMERA_STREAM.scoped(ns).name

    async def handle(d: Delivery) -> None:
        msg = d.decode(status_pb2.CameraStatusChanged)
        if not msg.camera_id:
            msg.camera_id = CAMERA_STATUS_CHANGED.key_of(d.subject, ns)
        result = await registry.apply_status(msg, d.stream_seq)
        registry.metrics.status_events.labels(event="status", result=result).inc()

    counter = rt.metrics.consumer_messages
    await consume(
        rt.bus.js,
        stream=stream,
        consumer=ConsumerSpec(
            durable=STATUS_DURABLE,
            filter_subjects=(CAMERA_STATUS_CHANGED.filter(ns),),
            description="registry: connection state from ingest's status events",
            ack_wait_s=30.0,
            max_deliver=10,
        ),
        handler=handle,
        stop=rt.stopping,
        dead_letter_subject=dead_letter_subject(CAMERA_STREAM, ns),
        on_outcome=lambda o: counter.labels(
            stream=stream, consumer=STATUS_DURABLE, outcome=o
        ).inc(),
        service="registry",
        worker_id=rt.settings.instance_id,
    )


async def run_stats_consumer(rt: Runtime[RegistrySettings], registry: Registry) -> None:
    """Record the latest measured stream properties of each camera."""
    ns = rt.settings.nats_namespace
    stream = CAMERA_STREAM.scoped(ns).name

    async def handle(d: Delivery) -> None:
        msg = d.decode(stats_pb2.StreamStats)
        if not msg.camera_id:
            msg.camera_id = CAMERA_STATS_REPORTED.key_of(d.subject, ns)
        result = await registry.apply_stats(msg)
        registry.metrics.status_events.labels(event="stats", result=result).inc()

    counter = rt.metrics.consumer_messages
    await consume(
        rt.bus.js,
        stream=stream,
        consumer=ConsumerSpec(
            durable=STATS_DURABLE,
            filter_subjects=(CAMERA_STATS_REPORTED.filter(ns),),
            description="registry: measured codec/resolution from ingest's stream stats",
            max_deliver=5,
        ),
        handler=handle,
        stop=rt.stopping,
        batch=64,
        dead_letter_subject=dead_letter_subject(CAMERA_STREAM, ns),
        on_outcome=lambda o: counter.labels(stream=stream, consumer=STATS_DURABLE, outcome=o).inc(),
        service="registry",
        worker_id=rt.settings.instance_id,
    )
