"""Consuming JetStream: a pull loop per consumer, one failure policy, dead letters.

Delivery semantics of :func:`consume` (DESIGN.md §2):

* the handler returning normally is the commit point: the message is then acked and the ack is
  confirmed by the server (double ack), so a handler must commit its side effects first;
* a :class:`TncamError` with ``retryable=True`` — and any unexpected exception, which is treated
  as retryable because a bug or an unclassified outage is better retried a bounded number of
  times than dropped — naks the message with the consumer's capped backoff;
* a :class:`TncamError` with ``retryable=False``, or a failure on the last allowed delivery
  (``num_delivered >= max_deliver``), publishes a ``tncam.deadletter.v1.DeadLetter`` record
  (the original payload and headers, where it came from, why it failed) to the dead-letter
  subject and *then* terminates the message, so nothing disappears silently.

Each delivery ends in exactly one outcome reported to ``on_outcome``: ``ack``, ``nak``,
``dead_letter`` (recorded and terminated), ``term`` (terminated, no dead-letter subject
configured), or the settlement itself failing: ``ack_failed`` (the message will be redelivered)
and ``dead_letter_failed`` (not terminated; see the log).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import nats.errors
import nats.js.errors
from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from tncam_mesh import tracing
from tncam_mesh.clock import wait_or_stop
from tncam_mesh.deadletter import DLQ_ATTEMPTS, one_line, publish_dead_letter
from tncam_mesh.declare import until_declared
from tncam_mesh.errors import InvalidInputError, TncamError, UnavailableError
from tncam_mesh.health import Health
from tncam_mesh.jetstream import (
    MSG_ID,
    TYPE,
    ConsumerSpec,
    ensure_consumer,
)
from tncam_mesh.tracing import TraceContext

log = logging.getLogger("tncam.mesh.consumer")

Outcome = Literal["ack", "nak", "term", "dead_letter", "ack_failed", "dead_letter_failed"]
M = TypeVar("M", bound=Message)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery of a JetStream message to a handler."""

    subject: str
    data: bytes
    headers: Mapping[str, str]
    num_delivered: int
    stream_seq: int
    trace: TraceContext  # bound while the handler runs: the message's trace, a new span
    msg: Msg = field(repr=False)

    @property
    def msg_id(self) -> str | None:
        return self.headers.get(MSG_ID)

    @property
    def message_type(self) -> str | None:
        return self.headers.get(TYPE)

    def decode(self, cls: type[M]) -> M:
        """Parse the payload as ``cls``; a wrong type or bad bytes is a permanent error."""
        name = cls.DESCRIPTOR.full_name
        if self.message_type is not None and self.message_type != name:
            raise InvalidInputError(
                "bus.consume.wrong_type", f"expected {name}, got {self.message_type}"
            )
        message = cls()
        try:
            message.ParseFromString(self.data)
        except DecodeError as e:
            raise InvalidInputError("bus.consume.undecodable", f"not a valid {name}: {e}") from e
        return message


Handler = Callable[[Delivery], Awaitable[None]]


def delivery_of(msg: Msg) -> Delivery:
    """The delivery of a fetched message, its trace a child of the one in its headers."""
    md = msg.metadata
    headers = dict(msg.headers or {})
    parent = tracing.from_headers(headers)
    return Delivery(
        subject=msg.subject,
        data=msg.data,
        headers=headers,
        num_delivered=md.num_delivered,
        stream_seq=md.sequence.stream,
        trace=parent.child() if parent is not None else TraceContext.new(),
        msg=msg,
    )


@dataclass(kw_only=True)
class Settler:
    """How a consumer's deliveries end (the module's policy): ack, nak, dead letter or term.

    A batch handler (``consume_batches``) settles each delivery of its batch through this.
    """

    js: JetStreamContext
    stream: str
    spec: ConsumerSpec
    dead_letter_subject: str | None
    on_outcome: Callable[[Outcome], None] | None
    ack_timeout: float
    service: str
    worker_id: str

    def outcome(self, value: Outcome) -> None:
        if self.on_outcome is not None:
            try:
                self.on_outcome(value)
            except Exception:
                log.exception("on_outcome callback failed")  # metrics must not stop consuming

    async def ack_all(self, ds: Sequence[Delivery]) -> None:
        """Ack deliveries whose effects are committed together; the last ack is confirmed by
        the server (acks travel in order on one connection)."""
        for d in ds[:-1]:
            try:
                await d.msg.ack()
            except nats.errors.Error as e:
                log.warning("ack of %s seq %d failed: %s", d.subject, d.stream_seq, e)
                self.outcome("ack_failed")
            else:
                self.outcome("ack")
        if ds:
            await self.ack(ds[-1])

    async def ack(self, d: Delivery) -> None:
        try:
            # Wait for the server to confirm: an ack lost on a dropped link would otherwise
            # redeliver silently (harmless, handlers are idempotent, but invisible).
            await d.msg.ack_sync(timeout=self.ack_timeout)
        except (TimeoutError, nats.errors.Error) as e:
            log.warning(
                "ack of %s seq %d not confirmed (%s); it will be redelivered",
                d.subject,
                d.stream_seq,
                type(e).__name__,
            )
            self.outcome("ack_failed")
        else:
            self.outcome("ack")

    async def fail(self, d: Delivery, failure: TncamError) -> None:
        last = d.num_delivered >= self.spec.max_deliver
        if failure.retryable and not last:
            delay = self.spec.redelivery_delay(d.num_delivered)
            log.warning(
                "%s seq %d failed on delivery %d/%d, retrying in %.1f s: %s",
                d.subject,
                d.stream_seq,
                d.num_delivered,
                self.spec.max_deliver,
                delay,
                one_line(str(failure)),
            )
            await self._nak(d, delay)
            self.outcome("nak")
            return
        reason = "max_deliver" if failure.retryable else "permanent"
        if self.dead_letter_subject is None:
            log.error(
                "%s seq %d terminated (%s, delivery %d) without a dead-letter subject: %s",
                d.subject,
                d.stream_seq,
                reason,
                d.num_delivered,
                one_line(str(failure)),
            )
            await self._term(d)
            self.outcome("term")
            return
        try:
            await self.dead_letter(d, failure, self.dead_letter_subject)
        except TncamError as e:
            # Not terminated: the message stays in its stream, but after its last delivery the
            # server will not redeliver it, so this log line is what an operator follows.
            log.error(
                "dead-lettering %s seq %d (stream %s) failed: %s; original failure: %s",
                d.subject,
                d.stream_seq,
                self.stream,
                e,
                one_line(str(failure)),
            )
            await self._nak(d, self.spec.redelivery_delay(d.num_delivered))
            self.outcome("dead_letter_failed")
            return
        log.error(
            "%s seq %d dead-lettered to %s (%s, delivery %d): %s",
            d.subject,
            d.stream_seq,
            self.dead_letter_subject,
            reason,
            d.num_delivered,
            one_line(str(failure)),
        )
        await self._term(d)
        self.outcome("dead_letter")

    async def dead_letter(self, d: Delivery, failure: TncamError, subject: str) -> None:
        await publish_dead_letter(
            self.js,
            subject,
            d.msg,
            failure,
            stream=self.stream,
            consumer=self.spec.durable,
            service=self.service,
            worker_id=self.worker_id,
            timeout=self.ack_timeout,
            attempts=DLQ_ATTEMPTS,
        )

    async def _nak(self, d: Delivery, delay: float) -> None:
        try:
            await d.msg.nak(delay=delay)
        except nats.errors.Error as e:
            log.warning("nak of %s seq %d failed: %s", d.subject, d.stream_seq, e)

    async def _term(self, d: Delivery) -> None:
        try:
            await d.msg.term()
        except nats.errors.Error as e:
            # Redelivered after ack_wait, then dead-lettered again (deduplicated) and termed.
            log.warning("term of %s seq %d failed: %s", d.subject, d.stream_seq, e)


def unexpected(d: Delivery, e: Exception) -> TncamError:
    """A handler's unexpected exception as a retryable failure (logged with its traceback)."""
    log.exception("handler failed unexpectedly on %s seq %d", d.subject, d.stream_seq)
    return TncamError("bus.consume.unexpected", f"{type(e).__name__}: {e}", retryable=True)


@dataclass(kw_only=True)
class _Consumer(Settler):
    handler: Handler

    async def process(self, msg: Msg) -> None:
        delivery = delivery_of(msg)
        with tracing.bound(delivery.trace):
            try:
                await self.handler(delivery)
            except TncamError as e:
                failure = e
            except Exception as e:
                failure = unexpected(delivery, e)
            else:
                await self.ack(delivery)
                return
            await self.fail(delivery, failure)

    async def process_all(self, msgs: list[Msg]) -> None:
        for msg in msgs:
            await self.process(msg)


#: A handler of a whole fetched batch: it settles each delivery through the settler (ack_all
#: after one commit, fail for what it could not apply).
BatchHandler = Callable[[list[Delivery], Settler], Awaitable[None]]


@dataclass(kw_only=True)
class _BatchConsumer(Settler):
    handler: BatchHandler

    async def process_all(self, msgs: list[Msg]) -> None:
        await self.handler([delivery_of(m) for m in msgs], self)


async def consume(
    js: JetStreamContext,
    *,
    stream: str,
    consumer: ConsumerSpec,
    handler: Handler,
    stop: asyncio.Event,
    batch: int = 16,
    dead_letter_subject: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    fetch_timeout: float = 1.0,
    ack_timeout: float = 5.0,
    service: str = "",
    worker_id: str = "",
    health: Health | None = None,
) -> None:
    """Declare ``consumer`` on ``stream`` and handle its messages until ``stop`` is set.

    Messages of a fetched batch are handled one at a time, in stream order. Once ``stop`` is
    set no more are fetched; the current batch is finished and the function returns. Fetch
    timeouts and errors while NATS reconnects are expected and retried. ``service`` and
    ``worker_id`` are recorded in dead letters. Declaring the consumer is retried while NATS
    does not answer it, ``health`` (if given) not ready meanwhile (``tncam_mesh.declare``).
    """
    worker = _Consumer(
        js=js,
        stream=stream,
        spec=consumer,
        handler=handler,
        dead_letter_subject=dead_letter_subject,
        on_outcome=on_outcome,
        ack_timeout=ack_timeout,
        service=service,
        worker_id=worker_id,
    )
    await _run(worker, stop, batch, fetch_timeout, health)


async def consume_batches(
    js: JetStreamContext,
    *,
    stream: str,
    consumer: ConsumerSpec,
    handler: BatchHandler,
    stop: asyncio.Event,
    batch: int = 16,
    dead_letter_subject: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    fetch_timeout: float = 1.0,
    ack_timeout: float = 5.0,
    service: str = "",
    worker_id: str = "",
    health: Health | None = None,
) -> None:
    """As ``consume``, but each fetched batch (up to ``batch``, or what is there) goes to
    ``handler`` whole, with the settler through which it acks or fails each delivery — for a
    consumer that applies a batch in one transaction."""
    worker = _BatchConsumer(
        js=js,
        stream=stream,
        spec=consumer,
        handler=handler,
        dead_letter_subject=dead_letter_subject,
        on_outcome=on_outcome,
        ack_timeout=ack_timeout,
        service=service,
        worker_id=worker_id,
    )
    await _run(worker, stop, batch, fetch_timeout, health)


async def _run(
    worker: _Consumer | _BatchConsumer,
    stop: asyncio.Event,
    batch: int,
    fetch_timeout: float,
    health: Health | None,
) -> None:
    if batch < 1 or fetch_timeout <= 0:
        raise ValueError("batch must be at least 1 and fetch_timeout positive")
    js, stream, consumer = worker.js, worker.stream, worker.spec
    # A cluster slow to answer (an R3 stream's consumer on a loaded machine) is waited for,
    # ``health`` not ready meanwhile: the service does not exit for it.
    await until_declared(
        f"consumer {stream}/{consumer.durable}",
        functools.partial(ensure_consumer, js, stream, consumer),
        health=health,
        stop=stop,
    )
    try:
        psub = await js.pull_subscribe_bind(consumer.durable, stream=stream)
    except nats.errors.Error as e:
        raise UnavailableError(
            "bus.consume.unavailable", f"subscribe {stream}/{consumer.durable}: {e}"
        ) from e
    await _pull(psub, worker, stop, batch, fetch_timeout)


async def _after_fetch_error(
    js: JetStreamContext,
    stream: str,
    consumer: ConsumerSpec,
    stop: asyncio.Event,
    error: nats.errors.Error,
    failures: int,
) -> None:
    """Back off after the ``failures``-th fetch error in a row; declare a lost consumer again."""
    delay = min(0.25 * math.pow(2, failures), 5.0)
    log.warning(
        "fetch from %s/%s failed (%s); retrying in %.1f s", stream, consumer.durable, error, delay
    )
    await wait_or_stop(stop, delay)
    if isinstance(error, nats.js.errors.NotFoundError) and not stop.is_set():
        # The consumer vanished (deleted by hand, server store lost): declare again.
        with contextlib.suppress(TncamError):
            await ensure_consumer(js, stream, consumer)


async def _pull(
    psub: JetStreamContext.PullSubscription,
    worker: _Consumer | _BatchConsumer,
    stop: asyncio.Event,
    batch: int,
    fetch_timeout: float,
) -> None:
    """Fetch and handle batches until ``stop``; unsubscribe at the end."""
    js, stream, consumer = worker.js, worker.stream, worker.spec
    failures = 0
    try:
        while not stop.is_set():
            try:
                msgs = await psub.fetch(batch, timeout=fetch_timeout)
            except TimeoutError:  # includes nats' own timeouts: nothing to do right now
                failures = 0
                continue
            except nats.errors.ConnectionClosedError as e:
                if stop.is_set():
                    break
                raise UnavailableError(
                    "bus.consume.closed", f"NATS closed under {stream}/{consumer.durable}"
                ) from e
            except nats.errors.Error as e:
                failures += 1
                await _after_fetch_error(js, stream, consumer, stop, e, failures)
                continue
            failures = 0
            await worker.process_all(msgs)
    finally:
        # Without this, a later drain() would wait on messages nobody will fetch.
        with contextlib.suppress(nats.errors.Error):
            await psub.unsubscribe()
