"""The sequencer: the one active writer of the log.

Every replica runs it; the one that takes the PostgreSQL advisory lock appends, the others
retry the lock every ``leader_retry_s``. The lock is held by the same connection that writes,
so a writer whose connection dies loses the lock and its uncommitted batch together.

Each fetched batch is appended in one transaction (events already stored are skipped by
``event_id``) and acked only after the commit. A crash before the commit leaves the batch
unacked, so JetStream redelivers it after ``ack_wait``; a crash after the commit and before
the acks makes the redelivered events duplicates, which are acked without being appended.
Either way: no gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam_audit.db import pg
from tncam_audit.db.log_store import HeadMismatchError, try_writer_lock
from tncam_audit.domain.entries import InvalidEventError, validate_event
from tncam_audit.metrics import AuditMetrics
from tncam_audit.service.appender import (
    Appender,
    count_batch,
    count_checkpoint,
    start_writer,
)
from tncam_audit.settings import AuditSettings
from tncam_contracts.catalog import (
    AUDIT_EVENT_RECORDED,
    AUDIT_STREAM,
    HEADER_TYPE,
    dead_letter_subject,
)
from tncam_mesh.clock import Clock, utc_now, wait_or_stop
from tncam_mesh.deadletter import publish_dead_letter
from tncam_mesh.errors import InvalidInputError, TncamError
from tncam_mesh.jetstream import ConsumerSpec, ensure_consumer
from tncam_mesh.periodic import is_transient

log = logging.getLogger("tncam.audit.sequencer")

DURABLE = "audit-sequencer"
# Audit events are never given up on: a database outage only delays them.
MAX_DELIVER = 1_000_000
_RECONNECT_S = 2.0


def consumer_spec(settings: AuditSettings) -> ConsumerSpec:
    """The sequencer's durable pull consumer on the AUDIT stream."""
    return ConsumerSpec(
        durable=DURABLE,
        filter_subjects=(AUDIT_EVENT_RECORDED.filter(),),
        description="The audit log sequencer (one active writer).",
        ack_wait_s=settings.consumer_ack_wait_s,
        max_deliver=MAX_DELIVER,
        max_ack_pending=settings.consumer_max_ack_pending,
        backoff_s=(),
    ).scoped(settings.nats_namespace)


class Sequencer:
    """Takes the writer lock when it can, then appends until stopped."""

    def __init__(
        self,
        settings: AuditSettings,
        js: JetStreamContext,
        metrics: AuditMetrics,
        stop: asyncio.Event,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._settings = settings
        self._js = js
        self._metrics = metrics
        self._stop = stop
        self._clock = clock
        self._stream = AUDIT_STREAM.scoped(settings.nats_namespace).name
        self._spec = consumer_spec(settings)
        self._dlq = dead_letter_subject(AUDIT_STREAM, settings.nats_namespace)
        self.is_leader = asyncio.Event()

    async def run(self) -> None:
        """Until stopped: connect, wait for the lock, append; reconnect after failures."""
        while not self._stop.is_set():
            try:
                await self._session()
            except HeadMismatchError:
                raise  # damage: stop the service loudly rather than append on top of it
            except Exception as e:
                # A PostgreSQL restart mid-batch also breaks the connection on the client's
                # side (asyncpg InterfaceError: "another operation is in progress", or
                # InternalClientError: "cannot switch to state 15" when the batch's BEGIN
                # meets the server's FATAL): is_transient says so, the session starts again.
                if not (isinstance(e, asyncpg.PostgresError | TncamError) or is_transient(e)):
                    raise
                log.warning("sequencer session ended: %s; retrying", _describe(e))
                await wait_or_stop(self._stop, _RECONNECT_S)

    async def _session(self) -> None:
        conn = await pg.connect(self._settings, purpose="sequencer")
        try:
            while not await try_writer_lock(conn):
                await wait_or_stop(self._stop, self._settings.leader_retry_s)
                if self._stop.is_set():
                    return
            self.is_leader.set()
            self._metrics.sequencer_active.set(1)
            appender, size = await start_writer(
                conn, self._settings, self._metrics, clock=self._clock
            )
            log.info("sequencer active (writer lock taken)", extra={"tree_size": size})
            await self._consume(appender)
        finally:
            self.is_leader.clear()
            self._metrics.sequencer_active.set(0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)

    async def _consume(self, appender: Appender) -> None:
        """Fetch and append until stopped; declare and bind again after a failed fetch.

        A fetch that fails (``ServiceUnavailable``: nobody answers the consumer's pull
        requests, e.g. after a partition or once the consumer is gone) would fail the same way
        forever on the same subscription: the consumer is declared again and a new
        subscription bound, so the sequencer drains again as soon as the consumer answers.
        """
        while not self._stop.is_set():
            await ensure_consumer(self._js, self._stream, self._spec)
            try:
                psub = await self._js.pull_subscribe_bind(self._spec.durable, stream=self._stream)
            except nats.errors.Error as e:
                raise TncamError(
                    "audit.sequencer.subscribe", f"subscribe {self._stream}: {e}", retryable=True
                ) from e
            try:
                await self._fetch_until_failure(appender, psub)
            finally:
                with contextlib.suppress(nats.errors.Error):
                    await psub.unsubscribe()
            await wait_or_stop(self._stop, 1.0)

    async def _fetch_until_failure(
        self, appender: Appender, psub: JetStreamContext.PullSubscription
    ) -> None:
        while not self._stop.is_set():
            try:
                msgs = await psub.fetch(
                    self._settings.batch_max, timeout=self._settings.fetch_timeout_s
                )
            except TimeoutError:
                msgs = []
            except nats.errors.Error as e:
                log.warning("fetch failed: %s; binding the consumer again", e)
                return
            if msgs:
                await self._append(appender, msgs)
            else:
                await self._checkpoint(appender)

    async def _checkpoint(self, appender: Appender) -> None:
        count_checkpoint(self._metrics, await appender.checkpoint_if_due())

    async def _append(self, appender: Appender, msgs: list[Msg]) -> None:
        started = time.perf_counter()
        events: list[pb.AuditEvent] = []
        good: list[Msg] = []
        for msg in msgs:
            event = await self._decode(msg)
            if event is not None:
                events.append(event)
                good.append(msg)
        try:
            result = await appender.append(events)
        except BaseException:
            # Nothing was committed: hand the batch back now rather than after ack_wait.
            for msg in good:
                with contextlib.suppress(Exception):
                    await msg.nak()
            raise
        for msg in good[:-1]:
            with contextlib.suppress(nats.errors.Error):
                await msg.ack()
        if good:
            try:
                await good[-1].ack_sync(timeout=5.0)
            except (TimeoutError, nats.errors.Error) as e:
                # Harmless: the redelivered events are found by event_id and only acked.
                log.warning("acks not confirmed (%s); duplicates will be skipped", e)
        count_batch(self._metrics, result, time.perf_counter() - started)

    async def _decode(self, msg: Msg) -> pb.AuditEvent | None:
        headers = msg.headers or {}
        kind = headers.get(HEADER_TYPE)
        try:
            if kind is not None and kind != AUDIT_EVENT_RECORDED.type_name:
                raise InvalidEventError(f"message type {kind}, not an audit event")
            event = pb.AuditEvent()
            try:
                event.ParseFromString(msg.data)
            except Exception as e:
                raise InvalidEventError(f"undecodable: {type(e).__name__}") from e
            validate_event(event)
        except InvalidEventError as e:
            await self._dead_letter(msg, str(e))
            return None
        return event

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        """A message that can never be an entry: keep it in the dead-letter stream, term it."""
        # Raises (so the batch is not acked, and retried) if the dead letter cannot be kept.
        await publish_dead_letter(
            self._js,
            self._dlq,
            msg,
            InvalidInputError("audit.append.invalid_event", reason),
            stream=self._stream,
            consumer=DURABLE,
            service="audit",
            worker_id=self._settings.instance_id,
        )
        md = msg.metadata
        log.error(
            "invalid audit message dead-lettered: %s",
            reason,
            extra={"subject": msg.subject, "stream_seq": md.sequence.stream},
        )
        self._metrics.rejected.inc()
        with contextlib.suppress(nats.errors.Error):
            await msg.term()


def _describe(e: BaseException) -> str:
    # Connection errors may quote the DSN; keep the type and the first line only.
    from tncam_mesh.redact import mask_urls_in

    return f"{type(e).__name__}: {mask_urls_in(str(e)).splitlines()[0] if str(e) else ''}"
