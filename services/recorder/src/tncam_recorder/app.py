"""Composition root of the recorder service: segments into S3, index, holds, reading, export."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import nats.errors

from tncam_contracts.catalog import (
    AUDIT_STREAM,
    DEADLETTER_STREAM,
    RECORDING_HANDOFF_STREAM,
    RECORDING_STREAM,
    SEGMENT_CLOSED,
    dead_letter_subject,
)
from tncam_mesh.audit import AuditClient
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConfigurationError, TncamError, UnavailableError
from tncam_mesh.jetstream import ConsumerSpec, capped_exponential, consume
from tncam_mesh.metrics import VERSION
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database
from tncam_recorder.api.rpc import RecorderApi
from tncam_recorder.consumers.segments import SegmentWriter
from tncam_recorder.db import repo
from tncam_recorder.domain.retention import lifecycle_rules
from tncam_recorder.domain.signing import SigningKeyError, load_private_key
from tncam_recorder.metrics import RecorderMetrics
from tncam_recorder.service.context import Recorder
from tncam_recorder.service.sweep import sweep
from tncam_recorder.settings import RecorderSettings
from tncam_recorder.storage.s3 import ObjectStore

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
WRITER_DURABLE = "recorder-writer"
log = logging.getLogger("tncam.recorder")


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
        max_connections=settings.write_concurrency + 8,
    )


def writer_consumer(settings: RecorderSettings) -> ConsumerSpec:
    """The durable pull consumer every replica's writers share (a work queue)."""
    return ConsumerSpec(
        durable=WRITER_DURABLE,
        filter_subjects=(SEGMENT_CLOSED.filter(),),
        description="recorder: store and index closed segments",
        ack_wait_s=30.0,
        max_deliver=settings.consumer_max_deliver,
        backoff_s=capped_exponential(0.5, 10.0, 6),
        max_ack_pending=max(64, settings.write_concurrency * 8),
    ).scoped(settings.nats_namespace)


async def provision(rec: Recorder, stop: asyncio.Event) -> None:
    """Provision the bucket, waiting (not failing) while the object store is unreachable."""
    delay = 0.5
    rules = lifecycle_rules(rec.settings.retention_classes)
    while not stop.is_set():
        try:
            state = await rec.store.provision(rules)
        except UnavailableError as e:
            log.warning("object store not ready (%s); retrying in %.1f s", e.code, delay)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
            delay = min(delay * 2, 10.0)
            continue
        log.info("bucket %s provisioned (%s)", rec.store.bucket, state)
        return


async def writers(rec: Recorder, rt: Runtime[RecorderSettings], ready: asyncio.Event) -> None:
    """``write_concurrency`` pull loops on the shared consumer (bounded concurrency)."""
    await ready.wait()
    settings = rec.settings
    stream = RECORDING_HANDOFF_STREAM.scoped(settings.nats_namespace).name
    spec = writer_consumer(settings)
    writer = SegmentWriter(rec, rt.stopping)
    counter = rt.metrics.consumer_messages

    def outcome(o: str) -> None:
        counter.labels(stream=stream, consumer=spec.durable, outcome=o).inc()

    async with asyncio.TaskGroup() as tg:
        for i in range(settings.write_concurrency):
            tg.create_task(
                consume(
                    rec.js,
                    stream=stream,
                    consumer=spec,
                    handler=writer.handle,
                    stop=rt.stopping,
                    batch=1,  # a writer waiting out an S3 outage holds one message, not 16
                    dead_letter_subject=dead_letter_subject(
                        RECORDING_HANDOFF_STREAM, settings.nats_namespace
                    ),
                    on_outcome=outcome,
                    service="recorder",
                    worker_id=f"{settings.instance_id}/{i}",
                )
            )


async def sweeper(rec: Recorder, stop: asyncio.Event, ready: asyncio.Event) -> None:
    """Run the retention sweep every ``sweep_interval_s``; a failed pass is retried next time."""
    await ready.wait()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(rec.settings.sweep_interval_s):
                await stop.wait()
        if stop.is_set():
            return
        try:
            await sweep(rec)
        except TncamError as e:
            log.warning("retention sweep failed: %s", e)
        except Exception:
            log.exception("retention sweep failed unexpectedly")


async def gauges(rec: Recorder, stop: asyncio.Event) -> None:
    """Refresh storage, hold and buffer gauges."""
    m = rec.metrics
    stream = RECORDING_HANDOFF_STREAM.scoped(rec.namespace).name
    while not stop.is_set():
        try:
            async with unit_of_work(rec.sessions) as s:
                for name, (count, size) in (await repo.storage_by_class(s)).items():
                    m.storage_segments.labels(retention_class=name).set(count)
                    m.storage_bytes.labels(retention_class=name).set(size)
                m.holds_active.set(await repo.active_holds(s, None))
                m.segments_held.set(await repo.held_segments(s, None))
            info = await rec.js.stream_info(stream)
            m.buffer_messages.set(info.state.messages)
            age = 0.0
            if info.state.messages:
                first = await rec.js.get_msg(stream, seq=info.state.first_seq, next=True)
                if first.time is not None:
                    age = (dt.datetime.now(dt.UTC) - first.time).total_seconds()
            m.buffer_age.set(max(0.0, age))
        except (TncamError, nats.errors.Error, TimeoutError, OSError) as e:
            log.debug("gauges not refreshed: %s", e)
        except Exception:
            log.exception("gauges not refreshed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(rec.settings.gauges_interval_s):
                await stop.wait()


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[RecorderSettings]) -> AsyncIterator[None]:
    """Open the schema, provision the bucket, serve operations, run writers and the sweep."""
    settings = rt.settings
    try:
        key = load_private_key(settings.signing_key.get_secret_value())
    except SigningKeyError as e:
        raise ConfigurationError("settings.load.invalid", f"TNCAM_RECORDER_SIGNING_KEY: {e}") from e
    store = make_store(settings)
    try:
        async with open_database(settings, rt.health, migrations=MIGRATIONS) as db:
            await declare_streams(
                rt, RECORDING_STREAM, RECORDING_HANDOFF_STREAM, AUDIT_STREAM, DEADLETTER_STREAM
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
            provisioned = asyncio.Event()

            async def object_store_check() -> None:
                if not provisioned.is_set():
                    raise UnavailableError("recording.s3.provisioning", "bucket not provisioned")
                await store.check()

            rt.health.add_check("object_store", object_store_check)

            async def provision_then_signal() -> None:
                await provision(rec, rt.stopping)
                if not rt.stopping.is_set():
                    provisioned.set()

            rpc = RpcService(
                rt.bus, name="recorder", version=VERSION, namespace=settings.nats_namespace
            )
            rpc.on_request = lambda op, outcome, secs: rec.metrics.rpc.labels(
                operation=op, outcome=outcome
            ).observe(secs)
            await rpc.start()
            await RecorderApi(rec).register(rpc)
            tasks = [
                rt.spawn("provision", provision_then_signal()),
                rt.spawn("writers", writers(rec, rt, provisioned)),
                rt.spawn("sweep", sweeper(rec, rt.stopping, provisioned)),
                rt.spawn("gauges", gauges(rec, rt.stopping)),
            ]
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
