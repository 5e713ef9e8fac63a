"""Consumer of ingest's status events: they drive the connection state (stats: ``stats``)."""

from __future__ import annotations

from tncam.camera.v1 import status_pb2
from tncam_contracts.catalog import CAMERA_STATUS_CHANGED, CAMERA_STREAM
from tncam_mesh.consumer import Delivery
from tncam_mesh.jetstream import ConsumerSpec
from tncam_mesh.runtime import Runtime
from tncam_registry.service import connection
from tncam_registry.service.context import RegistryContext
from tncam_registry.settings import RegistrySettings

STATUS_DURABLE = "registry-camera-status"


async def run_status_consumer(rt: Runtime[RegistrySettings], ctx: RegistryContext) -> None:
    """Apply every CameraStatusChanged, in stream order, until the service stops."""
    ns = rt.settings.nats_namespace

    async def handle(d: Delivery) -> None:
        msg = d.decode(status_pb2.CameraStatusChanged)
        if not msg.camera_id:
            msg.camera_id = CAMERA_STATUS_CHANGED.key_of(d.subject, ns)
        result = await connection.apply_status(ctx, msg, d.stream_seq)
        ctx.metrics.status_events.labels(event="status", result=result).inc()

    await rt.consume(
        CAMERA_STREAM,
        ConsumerSpec(
            durable=STATUS_DURABLE,
            filter_subjects=(CAMERA_STATUS_CHANGED.filter(ns),),
            description="registry: connection state from ingest's status events",
            ack_wait_s=30.0,
            max_deliver=10,
        ),
        handle,
    )
