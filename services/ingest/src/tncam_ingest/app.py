"""Composition root of the ingest service: RTSP pull, segmenting, camera health (issue 4)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tncam_contracts.catalog import CAMERA_STREAM
from tncam_contracts.partitions import handoff_streams
from tncam_ingest.media.allocator import tune_malloc
from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.service.worker import CPU_ESTIMATE_S, IngestWorker
from tncam_ingest.settings import IngestSettings
from tncam_ingest.storage.snapshots import SnapshotStore
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.s3 import minio_client


def snapshot_store(s: IngestSettings) -> SnapshotStore | None:
    """The snapshot store, when an object store is configured."""
    if not s.s3_endpoint:
        return None
    client = minio_client(
        s.s3_endpoint,
        s.s3_access_key,
        s.s3_secret_key.get_secret_value(),
        secure=s.s3_secure,
        region=s.s3_region,
    )
    return SnapshotStore(client, s.snapshot_bucket)


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[IngestSettings]) -> AsyncIterator[None]:
    """Declare the streams ingest produces, open the buckets, run the worker."""
    await declare_streams(rt, CAMERA_STREAM, *handoff_streams(rt.settings.handoff_partitions))
    metrics = IngestMetrics(rt.metrics.registry)
    worker = IngestWorker(rt.settings, rt.bus, metrics, snapshot_store(rt.settings))
    # Its KV buckets (R3 on a cluster) are waited for like the streams.
    await rt.until_declared("the ingest KV buckets", worker.leases.open)
    await worker.open()
    stop = asyncio.Event()
    task = rt.spawn("ingest-worker", worker.run(stop))
    rt.every(
        "ingest-cpu-estimate", CPU_ESTIMATE_S, worker.estimate_cpu, first_after_s=CPU_ESTIMATE_S
    )
    try:
        yield
    finally:
        stop.set()
        await task


def main() -> None:
    """Run the ingest service."""
    # Before any session thread allocates (memory per stream); glibc's tunables were given at
    # the start (``__main__``, ADR 0031).
    tune_malloc()
    run_service(IngestSettings, lifespan)
