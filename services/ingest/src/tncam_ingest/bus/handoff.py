"""Hand segments to the recorders: the RECORDING_HANDOFF work-queue stream, spool when refused.

Each camera's segments go out in order through one of a few shards (a FIFO and a publisher
task each), so cameras do not wait on each other's acknowledgements. A FIFO item is in memory
or, once the bus has refused its shard (NATS away, stream full: ``discard=new``), on disk in
the :class:`Spool`; the shard keeps retrying its head with capped backoff and drains the spool
in order when the bus takes messages again. JetStream de-duplicates retries by ``Nats-Msg-Id``
(the idempotency key). A segment is dropped only when the spool is full or the bus rejects it
for good; every drop is counted and audited (ADR 0008).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from nats.js.client import JetStreamContext

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import type_name
from tncam_contracts.partitions import segment_closed_subject
from tncam_ingest.bus.spool import Spool, SpoolEntry, SpoolFullError
from tncam_ingest.domain.backoff import Backoff
from tncam_ingest.media.fmp4 import Chunk
from tncam_ingest.media.stream import ClosedSegment
from tncam_ingest.metrics import IngestMetrics
from tncam_mesh.errors import InvalidInputError
from tncam_mesh.jetstream import publish_serialized

log = logging.getLogger("tncam.ingest.handoff")

SEGMENT_TYPE = type_name(segment_pb2.SegmentClosed)


@dataclass(frozen=True, slots=True)
class Drop:
    """A segment that was not handed off, and why."""

    camera_id: str
    msg_id: str
    size: int
    reason: str  # "spool_full" | "rejected"
    detail: str


class PublishRejectedError(Exception):
    """The bus refused the message for good (too large, invalid)."""


@dataclass
class _Item:
    camera_id: str
    msg_id: str
    size: int
    closed_at_mono: float
    payload: Chunk | None = None  # in memory
    entry: SpoolEntry | None = None  # on disk


class _Shard:
    def __init__(self) -> None:
        self.items: collections.deque[_Item] = collections.deque()
        self.wakeup = asyncio.Event()
        self.degraded = False  # the bus refused this shard's head: new items go to disk


class HandOff:
    """Publishes ``SegmentClosed`` messages in order per camera, with the on-disk spool."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        namespace: str,
        spool: Spool,
        metrics: IngestMetrics,
        on_drop: Callable[[Drop], None],
        shards: int = 4,
        partitions: int = 1,
        memory_max_bytes: int = 64 * 1024 * 1024,
        publish_timeout_s: float = 10.0,
        retry_max_s: float = 5.0,
    ) -> None:
        self._js = js
        self._namespace = namespace
        self._partitions = partitions  # hand-off streams (ADR 0030): the subject names one
        self.spool = spool
        self._metrics = metrics
        self._on_drop = on_drop
        self._shards = [_Shard() for _ in range(shards)]
        self._memory_max = memory_max_bytes
        self._memory = 0
        self._timeout = publish_timeout_s
        self._retry_max = retry_max_s
        self._writes: set[asyncio.Task[None]] = set()
        self.published = 0

    def _shard(self, camera_id: str) -> _Shard:
        return self._shards[zlib.crc32(camera_id.encode()) % len(self._shards)]

    @property
    def pending(self) -> int:
        """Segments not yet acknowledged by the bus (memory and spool)."""
        return sum(len(s.items) for s in self._shards)

    async def drained(self, timeout_s: float) -> bool:
        """Wait (at most ``timeout_s``) until nothing is pending; False if the bus refuses."""
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            if any(s.degraded for s in self._shards):
                return False
            await asyncio.sleep(0.05)
        return not self.pending

    async def recover(self) -> int:
        """Queue the segments a previous run left in the spool, in their order."""
        entries = await asyncio.to_thread(self.spool.recover)
        for e in entries:
            item = _Item(e.camera_id, "", e.size, time.monotonic(), entry=e)
            shard = self._shard(e.camera_id)
            shard.items.append(item)
            shard.degraded = True
            shard.wakeup.set()
        self._update_gauges()
        if entries:
            log.info(
                "spool: %d segments (%d bytes) to hand off", len(entries), self.spool.total_bytes
            )
        return len(entries)

    def submit(self, seg: ClosedSegment) -> None:
        """Queue a segment (event loop thread; never blocks)."""
        self._metrics.segment_seconds.observe(seg.duration_s)
        self._metrics.segment_bytes.observe(seg.media_bytes)
        shard = self._shard(seg.camera_id)
        item = _Item(seg.camera_id, seg.msg_id, len(seg.payload), seg.closed_at_mono)
        shard.items.append(item)
        if shard.degraded or self._memory + item.size > self._memory_max:
            # To disk in the background, in place in the FIFO: the order is kept.
            item.payload = seg.payload
            self._memory += item.size
            self._spill_later(shard, item)
        else:
            item.payload = seg.payload
            self._memory += item.size
        shard.wakeup.set()

    def _spill_later(self, shard: _Shard, item: _Item) -> None:
        task = asyncio.get_running_loop().create_task(self._spill(shard, item))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _spill(self, shard: _Shard, item: _Item) -> None:
        """Move an in-memory item to the spool (or drop it, audited, when the spool is full)."""
        payload = item.payload
        if payload is None or item.entry is not None:
            return
        try:
            entry = await asyncio.to_thread(self.spool.put, item.camera_id, payload)
        except SpoolFullError as e:
            if item.payload is None:
                return  # published meanwhile
            self._forget(shard, item)
            self._drop(item, "spool_full", str(e))
            return
        except OSError as e:
            # A disk failure must not lose the segment: it stays in memory and is retried.
            log.error("spool write failed (%s); segment kept in memory", e)
            return
        if item.payload is None:
            # Published while being written: the file is not needed.
            await asyncio.to_thread(self.spool.remove, entry)
            return
        item.entry = entry
        item.payload = None
        self._memory -= item.size
        self._metrics.handoff.labels(outcome="spooled").inc()
        self._update_gauges()

    def _forget(self, shard: _Shard, item: _Item) -> None:
        with contextlib.suppress(ValueError):
            shard.items.remove(item)
        if item.payload is not None:
            self._memory -= item.size
            item.payload = None

    def _drop(self, item: _Item, reason: str, detail: str) -> None:
        self._metrics.dropped.labels(reason=reason).inc()
        self._metrics.handoff.labels(outcome="dropped").inc()
        log.error(
            "segment dropped (%s): %s",
            reason,
            detail,
            extra={"camera_id": item.camera_id, "msg_id": item.msg_id},
        )
        self._on_drop(Drop(item.camera_id, item.msg_id, item.size, reason, detail))

    def _update_gauges(self) -> None:
        self._metrics.spool_segments.set(self.spool.count)
        self._metrics.spool_bytes.set(self.spool.total_bytes)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop``; then spool what is still in memory (survives a restart)."""
        async with asyncio.TaskGroup() as tg:
            for shard in self._shards:
                tg.create_task(self._run_shard(shard, stop))
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        await self._persist_memory()

    async def _persist_memory(self) -> None:
        for shard in self._shards:
            for item in list(shard.items):
                if item.payload is not None and item.entry is None:
                    try:
                        entry = await asyncio.to_thread(
                            self.spool.put, item.camera_id, item.payload
                        )
                    except SpoolFullError as e:
                        self._forget(shard, item)
                        self._drop(item, "spool_full", str(e))
                        continue
                    item.entry = entry
                    self._memory -= item.size
                    item.payload = None
        self._update_gauges()

    async def _run_shard(self, shard: _Shard, stop: asyncio.Event) -> None:
        backoff = Backoff(initial_s=0.2, cap_s=self._retry_max)
        while not stop.is_set():
            if not shard.items:
                shard.wakeup.clear()
                await _wait_either(shard.wakeup, stop)
                continue
            item = shard.items[0]
            try:
                await self._publish(item)
            except PublishRejectedError as e:
                self._forget(shard, item)
                if item.entry is not None:
                    await asyncio.to_thread(self.spool.remove, item.entry)
                self._drop(item, "rejected", str(e))
                continue
            except Exception as e:
                if not shard.degraded:
                    log.warning("hand-off refused (%s); spooling to disk", e)
                shard.degraded = True
                for queued in list(shard.items):
                    if queued.payload is not None and queued.entry is None:
                        await self._spill(shard, queued)
                await _sleep_or_stop(stop, backoff.next_delay())
                continue
            backoff.reset()
            if shard.items and shard.items[0] is item:
                shard.items.popleft()
            if item.payload is not None:
                self._memory -= item.size
                item.payload = None
            if item.entry is not None:
                await asyncio.to_thread(self.spool.remove, item.entry)
                item.entry = None
                self._update_gauges()
            if not any(i.entry is not None for i in shard.items):
                shard.degraded = False

    async def _publish(self, item: _Item) -> None:
        payload: Chunk
        if item.payload is not None:
            payload = item.payload
        elif item.entry is not None:
            stored = await asyncio.to_thread(self.spool.read, item.entry)
            if not item.msg_id:  # recovered from the spool: the key is inside the message
                item.msg_id = segment_pb2.SegmentClosed.FromString(stored).idempotency_key
            payload = stored
        else:
            raise RuntimeError("hand-off item has neither bytes nor a spool file")
        # Computed at publish time: a segment spooled under an earlier N goes where the
        # recorder of this N expects it (it also drains the partitions of other N).
        subject = segment_closed_subject(item.camera_id, self._partitions, self._namespace)
        try:
            ack = await publish_serialized(
                self._js,
                subject,
                payload,
                type_name=SEGMENT_TYPE,
                msg_id=item.msg_id,
                timeout=self._timeout,
            )
        except InvalidInputError as e:
            # Larger than the server's max_payload or the stream's max_msg_size: never
            # accepted. Other errors (stream full, no stream yet, JetStream unavailable, other
            # refusals) are retried.
            if e.code == "bus.publish.too_large":
                raise PublishRejectedError(e.message) from e
            raise
        self.published += 1
        self._metrics.handoff.labels(outcome="duplicate" if ack.duplicate else "published").inc()
        self._metrics.handoff_seconds.observe(time.monotonic() - item.closed_at_mono)


async def _wait_either(event: asyncio.Event, stop: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
