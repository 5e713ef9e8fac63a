"""Consumer of ingest's snapshot events: each camera's picture-quality result."""

from __future__ import annotations

from tncam.camera.v1 import snapshot_pb2
from tncam_contracts.catalog import CAMERA_SNAPSHOT_TAKEN, CAMERA_STREAM
from tncam_mesh.consumer import Delivery
from tncam_mesh.jetstream import ConsumerSpec
from tncam_mesh.runtime import Runtime
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.quality import apply_result
from tncam_registry.settings import RegistrySettings

QUALITY_DURABLE = "registry-camera-quality"


async def run_quality_consumer(rt: Runtime[RegistrySettings], ctx: RegistryContext) -> None:
    """Store the latest quality result (and its history) of every camera, until stopped."""
    ns = rt.settings.nats_namespace

    async def handle(d: Delivery) -> None:
        msg = d.decode(snapshot_pb2.SnapshotTaken)
        if not msg.camera_id:
            msg.camera_id = CAMERA_SNAPSHOT_TAKEN.key_of(d.subject, ns)
        result = await apply_result(ctx, msg)
        ctx.metrics.status_events.labels(event="quality", result=result).inc()

    await rt.consume(
        CAMERA_STREAM,
        ConsumerSpec(
            durable=QUALITY_DURABLE,
            filter_subjects=(CAMERA_SNAPSHOT_TAKEN.filter(ns),),
            description="registry: picture-quality results from ingest's snapshots",
            max_deliver=5,
        ),
        handle,
        batch=64,
    )
