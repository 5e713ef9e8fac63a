"""The writers over the hand-off partitions (ADR 0030): who pulls from which stream.

Each hand-off stream of the configured N has its own durable pull consumer
``recorder-writer`` (shared by every replica: a work queue), with the same redelivery and
dead-letter policy. A replica's ``write_concurrency`` writers are spread round-robin over the
N streams, at least one per stream. Hand-off streams of another N (the single stream after a
change to N > 1, partitions beyond N after a decrease, ...) are found at start and again every
``handoff_rescan_s`` and drained by one more writer each, for as long as they exist: a segment
published before (or during) the change of N is stored, never lost. Removing such a stream is
an operator's step once it is empty and no ingest of the old N runs (docs/operations).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from tncam_contracts.catalog import RECORDING_HANDOFF_STREAM, StreamSpec
from tncam_contracts.partitions import handoff_stream_of, handoff_streams
from tncam_mesh.clock import wait_or_stop
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.jetstream import ConsumerSpec, capped_exponential
from tncam_recorder.bus.handoff import handoff_stream_names
from tncam_recorder.service.context import Recorder
from tncam_recorder.settings import RecorderSettings

log = logging.getLogger("tncam.recorder.writers")

WRITER_DURABLE = "recorder-writer"

#: Runs one pull loop: (unscoped stream, its consumer, worker name, stop) -> until stop.
PullLoop = Callable[[StreamSpec, ConsumerSpec, str, asyncio.Event], Coroutine[Any, Any, None]]


def writer_consumer(
    settings: RecorderSettings, stream: StreamSpec = RECORDING_HANDOFF_STREAM
) -> ConsumerSpec:
    """The durable pull consumer of one hand-off stream (scoped), the same policy on every
    stream; on the single stream it filters ``segment_closed.*`` as it always has."""
    return ConsumerSpec(
        durable=WRITER_DURABLE,
        filter_subjects=stream.subjects,
        description="recorder: store and index closed segments",
        ack_wait_s=30.0,
        max_deliver=settings.consumer_max_deliver,
        backoff_s=capped_exponential(0.5, 10.0, 6),
        max_ack_pending=max(64, settings.write_concurrency * 8),
    ).scoped(settings.nats_namespace)


def worker_plan(write_concurrency: int, partitions: int) -> list[int]:
    """The partition each writer pulls from: round-robin, at least one writer per partition."""
    return [i % partitions for i in range(max(write_concurrency, partitions))]


class HandoffWriters:
    """Runs the writers of every current partition and drains the streams of another N."""

    def __init__(self, rec: Recorder, pull: PullLoop, stop: asyncio.Event) -> None:
        self.rec = rec
        self._pull = pull
        self._stop = stop
        s = rec.settings
        self.streams = handoff_streams(s.handoff_partitions)
        self._current = {spec.scoped(rec.namespace).name for spec in self.streams}
        self.draining: dict[str, asyncio.Event] = {}  # scoped name -> its writer's stop

    def consumer(self, stream: StreamSpec) -> ConsumerSpec:
        """The writers' consumer on ``stream`` (unscoped)."""
        return writer_consumer(self.rec.settings, stream)

    async def check(self) -> None:
        """Readiness: every hand-off stream of this N exists (one listing request)."""
        names = await handoff_stream_names(self.rec.js, self.rec.namespace)
        missing = sorted(self._current - names)
        if missing:
            raise UnavailableError(
                "recording.handoff.missing", f"hand-off streams missing: {', '.join(missing)}"
            )

    async def run(self) -> None:
        """Until stop: the writers of the N partitions and the drains of stale streams."""
        plan = worker_plan(self.rec.settings.write_concurrency, len(self.streams))
        async with asyncio.TaskGroup() as tg:
            for i, k in enumerate(plan):
                stream = self.streams[k]
                tg.create_task(self._pull(stream, self.consumer(stream), str(i), self._stop))
            tg.create_task(self._watch_stale(tg))

    async def _watch_stale(self, tg: asyncio.TaskGroup) -> None:
        while True:
            try:
                await self.rescan(tg)
            except TncamError as e:  # NATS away: the bus reconnects, the next scan retries
                log.warning("listing the hand-off streams failed (%s); retrying", e)
            if await wait_or_stop(self._stop, self.rec.settings.handoff_rescan_s):
                break
        for ev in self.draining.values():
            ev.set()

    async def rescan(self, tg: asyncio.TaskGroup) -> None:
        """Start a writer on each new stale stream; stop those whose stream was removed."""
        names = await handoff_stream_names(self.rec.js, self.rec.namespace)
        for name in sorted(names - self._current - self.draining.keys()):
            spec = handoff_stream_of(name, self.rec.namespace)
            if spec is None:
                continue
            log.warning(
                "hand-off stream %s is not one of the %d partitions configured: draining it",
                name,
                len(self.streams),
            )
            ev = asyncio.Event()
            self.draining[name] = ev
            tg.create_task(self._drain(name, spec, ev))
        for name in [n for n in self.draining if n not in names]:
            log.info("hand-off stream %s is gone: its writer stops", name)
            self.draining.pop(name).set()
        self.rec.metrics.stale_partitions.set(len(self.draining))

    async def _drain(self, name: str, spec: StreamSpec, ev: asyncio.Event) -> None:
        try:
            await self._pull(spec, self.consumer(spec), f"drain-{spec.name}", ev)
        except TncamError as e:  # removed meanwhile, NATS away: the next scan tries again
            log.warning("draining hand-off stream %s stopped (%s)", name, e)
            if self.draining.get(name) is ev:
                del self.draining[name]
