"""Composition root of the recorder service: segments into S3, index, holds, reading, export."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tncam_contracts.catalog import (
    AUDIT_STREAM,
    DEADLETTER_STREAM,
    RECORDING_STREAM,
    StreamSpec,
)
from tncam_contracts.partitions import handoff_streams
from tncam_mesh.audit import AuditClient
from tncam_mesh.errors import ConfigurationError, UnavailableError
from tncam_mesh.jetstream import ConsumerSpec
from tncam_mesh.metrics import VERSION
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database
from tncam_recorder.api.rpc import add_endpoints
from tncam_recorder.consumers.segments import SegmentWriter
from tncam_recorder.domain.signing import SigningKeyError, load_private_key
from tncam_recorder.metrics import RecorderMetrics
from tncam_recorder.service.context import Recorder
from tncam_recorder.service.gauges import refresh_gauges
from tncam_recorder.service.provisioning import provision
from tncam_recorder.service.sweep import sweep
from tncam_recorder.service.writers import WRITER_DURABLE, HandoffWriters, writer_consumer
from tncam_recorder.settings import RecorderSettings
from tncam_recorder.storage.s3 import ObjectStore

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
__all__ = ["WRITER_DURABLE", "lifespan", "main", "make_store", "writer_consumer"]


def make_store(settings: RecorderSettings) -> ObjectStore:
    """The object store client of these settings."""
    return ObjectStore(
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        bucket=settings.bucket,
        region=settings.s3_region,
        secure=settings.s3_secure,
        timeout_s=settings.s3_timeout_s,
        # A writer per partition at least (ADR 0030), and the readers beside them.
        max_connections=max(settings.write_concurrency, settings.handoff_partitions) + 8,
    )


async def writers(
    rec: Recorder, rt: Runtime[RecorderSettings], ready: asyncio.Event, handoff: HandoffWriters
) -> None:
    """``write_concurrency`` pull loops over the hand-off partitions (bounded concurrency),
    and one more on each stream of another partition count until it is gone (ADR 0030)."""
    await ready.wait()
    await handoff.run()


def handoff_writers(rt: Runtime[RecorderSettings], rec: Recorder) -> HandoffWriters:
    """The writers over the hand-off streams, each pull loop wired by ``rt.consume``."""
    writer = SegmentWriter(rec, rt.stopping)

    async def pull(
        stream: StreamSpec, spec: ConsumerSpec, worker: str, stop: asyncio.Event
    ) -> None:
        # batch=1: a writer waiting out an S3 outage holds one message, not 16.
        await rt.consume(stream, spec, writer.handle, batch=1, worker=worker, stop=stop)

    return HandoffWriters(rec, pull, rt.stopping)


def signing_key(settings: RecorderSettings) -> Ed25519PrivateKey:
    """The Ed25519 key exports and certificates are signed with."""
    try:
        return load_private_key(settings.signing_key.get_secret_value())
    except SigningKeyError as e:
        raise ConfigurationError("settings.load.invalid", f"TNCAM_RECORDER_SIGNING_KEY: {e}") from e


async def start_rpc(rt: Runtime[RecorderSettings], rec: Recorder) -> RpcService:
    """The recorder's operations on NATS micro, timed per operation."""
    rpc = RpcService(rt.bus, name="recorder", version=VERSION, namespace=rec.namespace)
    rpc.on_request = lambda op, outcome, secs: rec.metrics.rpc.labels(
        operation=op, outcome=outcome
    ).observe(secs)
    await rpc.start()
    await add_endpoints(rpc, rec)
    return rpc


def background(rt: Runtime[RecorderSettings], rec: Recorder) -> list[asyncio.Task[None]]:
    """Provisioning, then the writers, the retention sweep and the gauges."""
    settings = rec.settings
    provisioned = asyncio.Event()

    async def object_store_check() -> None:
        if not provisioned.is_set():
            raise UnavailableError("recording.s3.provisioning", "bucket not provisioned")
        await rec.store.check()

    rt.health.add_check("object_store", object_store_check)
    handoff = handoff_writers(rt, rec)
    if settings.handoff_partitions > 1:  # the single stream: readiness as it always was
        rt.health.add_check("handoff_partitions", handoff.check)

    async def provision_then_signal() -> None:
        if await provision(rec, rt.stopping):
            provisioned.set()

    return [
        rt.spawn("provision", provision_then_signal()),
        rt.spawn("writers", writers(rec, rt, provisioned, handoff)),
        # The first pass one interval after provisioning, as before.
        rt.every(
            "sweep",
            settings.sweep_interval_s,
            lambda: sweep(rec),
            first_after_s=settings.sweep_interval_s,
            after=provisioned,
        ),
        rt.every(
            "gauges", settings.gauges_interval_s, lambda: refresh_gauges(rec), after=provisioned
        ),
    ]


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[RecorderSettings]) -> AsyncIterator[None]:
    """Open the schema, provision the bucket, serve operations, run writers and the sweep."""
    settings = rt.settings
    key = signing_key(settings)
    store = make_store(settings)
    try:
        async with open_database(settings, rt.health, migrations=MIGRATIONS) as db:
            await declare_streams(
                rt,
                RECORDING_STREAM,
                *handoff_streams(settings.handoff_partitions),
                AUDIT_STREAM,
                DEADLETTER_STREAM,
            )
            rec = Recorder(
                settings=settings,
                sessions=db.sessions,
                store=store,
                js=rt.bus.js,
                audit=AuditClient(rt.bus.js, service="recorder", namespace=settings.nats_namespace),
                metrics=RecorderMetrics(rt.metrics.registry),
                signing_key=key,
            )
            rpc = await start_rpc(rt, rec)
            tasks = background(rt, rec)
            try:
                yield
            finally:
                await rpc.stop()
                # In-flight segments finish (or are naked) before NATS drains.
                await asyncio.wait(tasks)
    finally:
        store.close()


def main() -> None:
    """Run the recorder service."""
    run_service(RecorderSettings, lifespan)
