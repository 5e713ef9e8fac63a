"""Consumer of ingest's stream stats: a pulled batch applied in one transaction.

10,000 cameras report every 10 s: 1,000 messages a second, more than one transaction per
message can carry. Each fetch (up to ``STATS_BATCH`` messages, or what is there) is decoded,
the undecodable or impossible ones dead-lettered, the rest applied together
(``apply_stats_batch``: one locking read, one update) and acked after the commit. If the batch
fails for a reason other than an outage, its messages are applied one by one, so a message the
database rejects is settled alone (dead-lettered at once if the error is permanent, else
retried with backoff and dead-lettered on its last delivery) and does not hold back the others.
"""

from __future__ import annotations

import logging

from tncam.camera.v1 import stats_pb2
from tncam_contracts.catalog import CAMERA_STATS_REPORTED, CAMERA_STREAM
from tncam_mesh.consumer import Delivery, Settler, unexpected
from tncam_mesh.errors import TncamError
from tncam_mesh.jetstream import ConsumerSpec
from tncam_mesh.periodic import is_transient
from tncam_mesh.runtime import Runtime
from tncam_registry.domain.stream_stats import Measurement
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.stream_stats import apply_stats_batch, measurement
from tncam_registry.settings import RegistrySettings

log = logging.getLogger("tncam.registry")

STATS_DURABLE = "registry-camera-stats"
STATS_BATCH = 128


def stats_spec(namespace: str) -> ConsumerSpec:
    """The stats consumer (the same durable the one-message-at-a-time consumer had)."""
    return ConsumerSpec(
        durable=STATS_DURABLE,
        filter_subjects=(CAMERA_STATS_REPORTED.filter(namespace),),
        description="registry: measured codec/resolution from ingest's stream stats",
        max_deliver=5,
    )


def _decode(ctx: RegistryContext, d: Delivery, namespace: str) -> Measurement:
    stats = d.decode(stats_pb2.StreamStats)
    if not stats.camera_id:
        stats.camera_id = CAMERA_STATS_REPORTED.key_of(d.subject, namespace)
    return measurement(ctx, stats)


def _failure(d: Delivery, e: Exception) -> TncamError:
    """How a failed message counts: as raised, or (unexpected) retryable, as ``rt.consume``."""
    return e if isinstance(e, TncamError) else unexpected(d, e)


async def handle_batch(
    ctx: RegistryContext, settler: Settler, batch: list[Delivery], namespace: str
) -> None:
    """Decode, apply in one transaction, ack after the commit; isolate what fails."""
    good: list[tuple[Delivery, Measurement]] = []
    for d in batch:
        try:
            good.append((d, _decode(ctx, d, namespace)))
        except Exception as e:
            await settler.fail(d, _failure(d, e))
    try:
        await apply_stats_batch(ctx, [m for _, m in good])
    except Exception as e:
        if len(good) > 1 and not is_transient(e):
            log.warning("stats batch of %d failed (%s); applying one by one", len(good), e)
            for d, m in good:
                await _handle_one(ctx, settler, d, m)
            return
        for d, _ in good:
            await settler.fail(d, _failure(d, e))
        return
    await settler.ack_all([d for d, _ in good])


async def _handle_one(ctx: RegistryContext, settler: Settler, d: Delivery, m: Measurement) -> None:
    try:
        await apply_stats_batch(ctx, [m])
    except Exception as e:
        await settler.fail(d, _failure(d, e))
        return
    await settler.ack(d)


async def run_stats_consumer(rt: Runtime[RegistrySettings], ctx: RegistryContext) -> None:
    """Record the latest measured stream properties of each camera, until stopped."""
    ns = rt.settings.nats_namespace

    async def handle(batch: list[Delivery], settler: Settler) -> None:
        await handle_batch(ctx, settler, batch, ns)

    await rt.consume_batches(
        CAMERA_STREAM, stats_spec(ns), handle, batch=STATS_BATCH, worker="stats"
    )
