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

import contextlib
import logging

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg

from tncam.camera.v1 import stats_pb2
from tncam_contracts.catalog import CAMERA_STATS_REPORTED, CAMERA_STREAM, dead_letter_subject
from tncam_mesh.clock import wait_or_stop
from tncam_mesh.consumer import Delivery
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.jetstream import ConsumerSpec, ensure_consumer
from tncam_mesh.periodic import is_transient
from tncam_mesh.runtime import Runtime
from tncam_mesh.tracing import TraceContext
from tncam_registry.consumers.settle import Settler
from tncam_registry.domain.stream_stats import Measurement
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.stream_stats import apply_stats_batch, measurement
from tncam_registry.settings import RegistrySettings

log = logging.getLogger("tncam.registry")

STATS_DURABLE = "registry-camera-stats"
STATS_BATCH = 128
_FETCH_TIMEOUT_S = 1.0


def stats_spec(namespace: str) -> ConsumerSpec:
    """The stats consumer (the same durable the one-message-at-a-time consumer had)."""
    return ConsumerSpec(
        durable=STATS_DURABLE,
        filter_subjects=(CAMERA_STATS_REPORTED.filter(namespace),),
        description="registry: measured codec/resolution from ingest's stream stats",
        max_deliver=5,
    )


def _decode(ctx: RegistryContext, msg: Msg, namespace: str) -> Measurement:
    md = msg.metadata
    delivery = Delivery(
        subject=msg.subject,
        data=msg.data,
        headers=dict(msg.headers or {}),
        num_delivered=md.num_delivered,
        stream_seq=md.sequence.stream,
        trace=TraceContext.new(),
        msg=msg,
    )
    stats = delivery.decode(stats_pb2.StreamStats)
    if not stats.camera_id:
        stats.camera_id = CAMERA_STATS_REPORTED.key_of(msg.subject, namespace)
    return measurement(ctx, stats)


def _failure(e: Exception) -> TncamError:
    """How a failed message counts: as raised, or (unexpected) retryable, as ``rt.consume``."""
    if isinstance(e, TncamError):
        return e
    log.error("stats consumer failed unexpectedly", exc_info=e)
    return TncamError("bus.consume.unexpected", f"{type(e).__name__}: {e}", retryable=True)


async def handle_batch(
    ctx: RegistryContext, settler: Settler, msgs: list[Msg], namespace: str
) -> None:
    """Decode, apply in one transaction, ack after the commit; isolate what fails."""
    good: list[tuple[Msg, Measurement]] = []
    for msg in msgs:
        try:
            good.append((msg, _decode(ctx, msg, namespace)))
        except Exception as e:
            await settler.fail(msg, _failure(e))
    try:
        await apply_stats_batch(ctx, [m for _, m in good])
    except Exception as e:
        if len(good) > 1 and not is_transient(e):
            log.warning("stats batch of %d failed (%s); applying one by one", len(good), e)
            for msg, m in good:
                await _handle_one(ctx, settler, msg, m)
            return
        failure = _failure(e)
        for msg, _ in good:
            await settler.fail(msg, failure)
        return
    await settler.ack([msg for msg, _ in good])


async def _handle_one(ctx: RegistryContext, settler: Settler, msg: Msg, m: Measurement) -> None:
    try:
        await apply_stats_batch(ctx, [m])
    except Exception as e:
        await settler.fail(msg, _failure(e))
        return
    await settler.ack([msg])


async def run_stats_consumer(rt: Runtime[RegistrySettings], ctx: RegistryContext) -> None:
    """Record the latest measured stream properties of each camera, until stopped."""
    ns = rt.settings.nats_namespace
    js = rt.bus.js
    stream = CAMERA_STREAM.scoped(ns).name
    spec = stats_spec(ns)
    settler = Settler(
        js,
        stream,
        spec,
        dead_letter_subject(CAMERA_STREAM, ns),
        rt.metrics.consumer_messages,
        rt.settings.service_name,
        f"{rt.settings.instance_id}/stats",
    )
    await ensure_consumer(js, stream, spec)
    try:
        psub = await js.pull_subscribe_bind(spec.durable, stream=stream)
    except nats.errors.Error as e:
        raise UnavailableError("bus.consume.unavailable", f"subscribe {stream}: {e}") from e
    failures = 0
    try:
        while not rt.stopping.is_set():
            try:
                msgs = await psub.fetch(STATS_BATCH, timeout=_FETCH_TIMEOUT_S)
            except TimeoutError:
                continue
            except nats.errors.ConnectionClosedError as e:
                if rt.stopping.is_set():
                    break
                raise UnavailableError("bus.consume.closed", f"NATS closed under {stream}") from e
            except nats.errors.Error as e:
                failures += 1
                log.warning("fetch of stream stats failed (%s); retrying", e)
                await wait_or_stop(rt.stopping, min(0.25 * 2**failures, 5.0))
                if isinstance(e, nats.js.errors.NotFoundError) and not rt.stopping.is_set():
                    with contextlib.suppress(TncamError):
                        await ensure_consumer(js, stream, spec)
                continue
            failures = 0
            await handle_batch(ctx, settler, msgs, ns)
    finally:
        with contextlib.suppress(nats.errors.Error):
            await psub.unsubscribe()
