"""JetStream plumbing: declare streams and consumers, publish protobuf events, consume them.

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
import logging
import math
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal, TypeVar, cast

import nats.errors
import nats.js.errors
from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg
from nats.js import api
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from tncam.deadletter.v1 import dead_letter_pb2
from tncam_contracts.catalog import (
    HEADER_MSG_ID,
    HEADER_TYPE,
    MAX_MESSAGE_BODY_BYTES,
    KVSpec,
    StreamSpec,
)
from tncam_mesh import tracing
from tncam_mesh.errors import (
    ConfigurationError,
    InvalidInputError,
    TncamError,
    UnavailableError,
)
from tncam_mesh.redact import mask_urls_in
from tncam_mesh.tracing import TRACEPARENT, TraceContext

log = logging.getLogger("tncam.mesh.jetstream")

MSG_ID = HEADER_MSG_ID
TYPE = HEADER_TYPE
CONTENT_TYPE = "Content-Type"
PROTOBUF = "application/protobuf"

# Headers of a dead-letter record, duplicating fields of its body so that it can be filtered and
# inspected (nats stream view) without decoding.
DLQ_SUBJECT = "Tncam-Dlq-Subject"
DLQ_STREAM = "Tncam-Dlq-Stream"
DLQ_CONSUMER = "Tncam-Dlq-Consumer"
DLQ_STREAM_SEQ = "Tncam-Dlq-Stream-Seq"
DLQ_NUM_DELIVERED = "Tncam-Dlq-Num-Delivered"
DLQ_ERROR_CODE = "Tncam-Dlq-Error-Code"
DLQ_ERROR_MESSAGE = "Tncam-Dlq-Error-Message"
DLQ_REASON = "Tncam-Dlq-Reason"  # "permanent" or "max_deliver"

_DLQ_ERROR_MESSAGE_MAX = 1024
_DLQ_ATTEMPTS = 3
_DLQ_RETRY_S = 0.5
_STREAM_NAME_EXISTS = 10058  # JetStream err_code: the name is taken with another configuration

Ensured = Literal["created", "updated", "unchanged"]
Outcome = Literal["ack", "nak", "term", "dead_letter", "ack_failed", "dead_letter_failed"]
M = TypeVar("M", bound=Message)


# ---------------------------------------------------------------------------------------------
# Streams


def stream_config(spec: StreamSpec) -> api.StreamConfig:
    """The nats-py stream configuration for ``spec`` (every field of it but ``extra``)."""
    return api.StreamConfig(
        name=spec.name,
        description=spec.description or None,
        subjects=list(spec.subjects),
        retention=api.RetentionPolicy(spec.retention.value),
        discard=api.DiscardPolicy(spec.discard.value),
        max_age=spec.max_age_s,
        max_bytes=spec.max_bytes,
        max_msg_size=spec.max_msg_size,
        duplicate_window=spec.duplicate_window_s,
        deny_delete=spec.deny_delete,
        deny_purge=spec.deny_purge,
        num_replicas=spec.replicas,
        allow_direct=spec.allow_direct,
        storage=api.StorageType(spec.storage.value),
        max_msgs=spec.max_msgs,
        max_msgs_per_subject=spec.max_msgs_per_subject,
    )


def _ns(seconds: float | None) -> int:
    return round((seconds or 0.0) * 1_000_000_000)


def _value(x: object) -> str:
    # The server's answers come back as plain strings, ours are enums.
    return str(getattr(x, "value", x))


def _stream_differs(have: api.StreamConfig, want: api.StreamConfig) -> list[str]:
    checks: dict[str, tuple[object, object]] = {
        "description": (have.description or "", want.description or ""),
        "subjects": (sorted(have.subjects or []), sorted(want.subjects or [])),
        "retention": (_value(have.retention), _value(want.retention)),
        "discard": (_value(have.discard), _value(want.discard)),
        "max_age": (_ns(have.max_age), _ns(want.max_age)),
        "max_bytes": (have.max_bytes, want.max_bytes),
        "max_msg_size": (have.max_msg_size, want.max_msg_size),
        "duplicate_window": (_ns(have.duplicate_window), _ns(want.duplicate_window)),
        "deny_delete": (bool(have.deny_delete), bool(want.deny_delete)),
        "deny_purge": (bool(have.deny_purge), bool(want.deny_purge)),
        "num_replicas": (have.num_replicas or 1, want.num_replicas or 1),
        "allow_direct": (bool(have.allow_direct), bool(want.allow_direct)),
        "storage": (_value(have.storage), _value(want.storage)),
        "max_msgs": (have.max_msgs, want.max_msgs),
        "max_msgs_per_subject": (have.max_msgs_per_subject, want.max_msgs_per_subject),
    }
    return [name for name, (a, b) in checks.items() if a != b]


def _api_failure(code: str, what: str, e: Exception) -> TncamError:
    """Map a JetStream API failure: outages are retryable, rejections are configuration bugs."""
    if isinstance(e, nats.js.errors.APIError) and not isinstance(
        e, nats.js.errors.ServiceUnavailableError
    ):
        return ConfigurationError(f"{code}.rejected", f"{what}: {e.description} ({e.err_code})")
    return UnavailableError(f"{code}.unavailable", f"{what}: {type(e).__name__} {e}".strip())


async def ensure_stream(js: JetStreamContext, spec: StreamSpec) -> Ensured:
    """Create the stream, or update it when its configuration differs from ``spec``."""
    want = stream_config(spec)
    try:
        try:
            info = await js.stream_info(spec.name)
        except nats.js.errors.NotFoundError:
            try:
                await js.add_stream(want)
            except nats.js.errors.BadRequestError as e:
                if e.err_code != _STREAM_NAME_EXISTS:
                    raise
                # Another instance created it in between; converge on the spec below.
                info = await js.stream_info(spec.name)
            else:
                log.info("stream %s created", spec.name)
                return "created"
        differs = _stream_differs(info.config, want)
        if not differs:
            return "unchanged"
        await js.update_stream(want)
    except (TimeoutError, nats.errors.Error) as e:
        raise _api_failure("bus.stream", f"stream {spec.name}", e) from e
    log.info("stream %s updated (%s)", spec.name, ", ".join(differs))
    return "updated"


# ---------------------------------------------------------------------------------------------
# Key-value buckets


def kv_config(spec: KVSpec) -> api.KeyValueConfig:
    """The nats-py bucket configuration of ``spec``."""
    return api.KeyValueConfig(
        bucket=spec.bucket,
        description=spec.description,
        max_value_size=spec.max_value_size,
        history=spec.history,
        ttl=spec.ttl_s or None,
        storage=api.StorageType(spec.storage.value),
        replicas=spec.replicas,
    )


async def ensure_kv(js: JetStreamContext, spec: KVSpec) -> KeyValue:
    """Open the bucket, creating it from ``spec`` when missing (whichever service comes first).

    Losing the creation race to another process (which may have used its own settings) is not
    an error: the bucket is opened as it is.
    """
    try:
        try:
            return await js.key_value(spec.bucket)
        except nats.js.errors.BucketNotFoundError:
            pass
        try:
            return await js.create_key_value(kv_config(spec))
        except nats.js.errors.BadRequestError:
            # Created concurrently by another instance or service.
            return await js.key_value(spec.bucket)
    except (TimeoutError, nats.errors.Error) as e:
        raise UnavailableError(
            "bus.kv.unavailable", f"KV bucket {spec.bucket}: {type(e).__name__} {e}".strip()
        ) from e


# ---------------------------------------------------------------------------------------------
# Consumers


class DeliverPolicy(StrEnum):
    """Where a new durable consumer starts in its stream."""

    ALL = "all"
    NEW = "new"
    LAST = "last"
    LAST_PER_SUBJECT = "last_per_subject"


def capped_exponential(first: float, cap: float, steps: int) -> tuple[float, ...]:
    """``steps`` delays doubling from ``first`` and never above ``cap`` (seconds)."""
    return tuple(min(cap, first * 2**i) for i in range(steps))


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """Declarative durable pull consumer, plus the redelivery policy :func:`consume` applies."""

    durable: str
    filter_subjects: tuple[str, ...] = ()
    description: str = ""
    ack_wait_s: float = 30.0  # must exceed the handler's worst case for a whole fetched batch
    max_deliver: int = 5
    # Delay before the n-th redelivery after a retryable failure (the last value repeats). Used
    # for naks only: the server's own BackOff would also cut the first ack deadline to
    # backoff[0], and ack timeouts (a crashed consumer) are governed by ack_wait.
    backoff_s: tuple[float, ...] = capped_exponential(1.0, 60.0, 7)
    max_ack_pending: int = 256
    deliver_policy: DeliverPolicy = DeliverPolicy.ALL
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.max_deliver < 1:
            raise ValueError("max_deliver must be at least 1: redeliveries are bounded")
        if self.ack_wait_s <= 0 or any(d < 0 for d in self.backoff_s):
            raise ValueError("ack_wait_s must be positive and backoff_s non-negative")

    def scoped(self, namespace: str) -> ConsumerSpec:
        """This consumer with its filter subjects under ``namespace`` (see StreamSpec.scoped)."""
        if not namespace:
            return self
        return replace(
            self, filter_subjects=tuple(f"{namespace}.{s}" for s in self.filter_subjects)
        )

    def redelivery_delay(self, num_delivered: int) -> float:
        """Seconds to wait before redelivering a message that failed on delivery ``n``."""
        if not self.backoff_s:
            return 0.0
        return self.backoff_s[min(max(num_delivered, 1), len(self.backoff_s)) - 1]


def consumer_config(spec: ConsumerSpec) -> api.ConsumerConfig:
    """The nats-py configuration of a durable, explicitly acked pull consumer."""
    single = spec.filter_subjects[0] if len(spec.filter_subjects) == 1 else None
    return api.ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        description=spec.description or None,
        deliver_policy=api.DeliverPolicy(spec.deliver_policy.value),
        ack_policy=api.AckPolicy.EXPLICIT,
        ack_wait=spec.ack_wait_s,
        max_deliver=spec.max_deliver,
        filter_subject=single,
        filter_subjects=list(spec.filter_subjects) if len(spec.filter_subjects) > 1 else None,
        max_ack_pending=spec.max_ack_pending,
        metadata=dict(spec.metadata) or None,
    )


def _filters(c: api.ConsumerConfig) -> list[str]:
    return sorted({*(c.filter_subjects or []), *([c.filter_subject] if c.filter_subject else [])})


def _user_metadata(c: api.ConsumerConfig) -> dict[str, str]:
    # The server adds its own "_nats.*" keys (API level, version).
    return {k: v for k, v in (c.metadata or {}).items() if not k.startswith("_nats.")}


def _consumer_differs(have: api.ConsumerConfig, want: api.ConsumerConfig) -> list[str]:
    checks: dict[str, tuple[object, object]] = {
        "description": (have.description or "", want.description or ""),
        "deliver_policy": (_value(have.deliver_policy), _value(want.deliver_policy)),
        "ack_policy": (_value(have.ack_policy), _value(want.ack_policy)),
        "ack_wait": (_ns(have.ack_wait), _ns(want.ack_wait)),
        "max_deliver": (have.max_deliver, want.max_deliver),
        "filter_subjects": (_filters(have), _filters(want)),
        "max_ack_pending": (have.max_ack_pending, want.max_ack_pending),
        "backoff": (have.backoff or [], want.backoff or []),
        "metadata": (_user_metadata(have), _user_metadata(want)),
    }
    return [name for name, (a, b) in checks.items() if a != b]


async def ensure_consumer(js: JetStreamContext, stream: str, spec: ConsumerSpec) -> Ensured:
    """Create the durable consumer, or update it when its configuration differs from ``spec``."""
    want = consumer_config(spec)
    what = f"consumer {stream}/{spec.durable}"
    try:
        try:
            info = await js.consumer_info(stream, spec.durable)
        except nats.js.errors.NotFoundError:
            await js.add_consumer(stream, want)
            log.info("%s created", what)
            return "created"
        differs = _consumer_differs(info.config, want)
        if not differs:
            return "unchanged"
        # Creating with an existing name updates the editable fields; the server refuses
        # changes to the others (deliver policy), which surfaces as a ConfigurationError.
        await js.add_consumer(stream, want)
    except (TimeoutError, nats.errors.Error) as e:
        raise _api_failure("bus.consumer", what, e) from e
    log.info("%s updated (%s)", what, ", ".join(differs))
    return "updated"


# ---------------------------------------------------------------------------------------------
# Publishing


@dataclass(frozen=True, slots=True)
class Published:
    """The server's acknowledgement of a publish."""

    stream: str
    seq: int
    duplicate: bool  # the Nats-Msg-Id was seen within the stream's duplicate window


#: JetStream's "message size exceeds maximum allowed" (the stream's max_msg_size).
_MSG_TOO_LARGE = 10054

PublishObserver = Callable[[str, str], None]
_observers: weakref.WeakKeyDictionary[JetStreamContext, PublishObserver] = (
    weakref.WeakKeyDictionary()
)


def observe_publishes(js: JetStreamContext, observer: PublishObserver) -> None:
    """Report every publish through ``js`` (events and dead letters) as ``(stream, result)``.

    ``result`` is ``ok``, ``duplicate`` (deduplicated by its Nats-Msg-Id) or the last part of
    the failure's code (``unavailable``, ``rejected``, ``too_large``); the stream of a failed
    publish is unknown (``""``). The runtime feeds ``tncam_mesh_published_messages_total``.
    """
    _observers[js] = observer


def _observe(js: JetStreamContext, stream: str, result: str) -> None:
    observer = _observers.get(js)
    if observer is not None:
        try:
            observer(stream, result)
        except Exception:
            log.exception("publish observer failed")  # metrics must not fail a publish


async def _js_publish(
    js: JetStreamContext,
    subject: str,
    payload: bytes | memoryview,
    headers: dict[str, str],
    ack_wait: float,
) -> api.PubAck:
    try:
        ack = await _js_publish_once(js, subject, payload, headers, ack_wait)
    except TncamError as e:
        _observe(js, "", e.code.rsplit(".", 1)[-1])
        raise
    _observe(js, ack.stream, "duplicate" if ack.duplicate else "ok")
    return ack


async def _js_publish_once(
    js: JetStreamContext,
    subject: str,
    payload: bytes | memoryview,
    headers: dict[str, str],
    ack_wait: float,
) -> api.PubAck:
    try:
        # nats-py only takes the payload's length and concatenates it into the PUB command
        # (bytes + buffer): a memoryview goes out as is, without a copy here.
        return await js.publish(subject, cast(bytes, payload), timeout=ack_wait, headers=headers)
    except nats.errors.MaxPayloadError as e:
        raise InvalidInputError(
            "bus.publish.too_large", f"{len(payload)} bytes exceed the server's max_payload"
        ) from e
    except nats.js.errors.BadRequestError as e:
        code = "bus.publish.too_large" if e.err_code == _MSG_TOO_LARGE else "bus.publish.rejected"
        raise InvalidInputError(code, f"{subject}: {e.description} ({e.err_code})") from e
    except (TimeoutError, nats.errors.Error) as e:
        # Timeouts, no stream/responders (JetStream starting), reconnecting, full streams with
        # discard=new: all worth retrying later.
        raise UnavailableError(
            "bus.publish.unavailable", f"{subject}: {type(e).__name__} {e}".strip()
        ) from e


async def publish(
    js: JetStreamContext,
    subject: str,
    message: Message,
    *,
    msg_id: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> Published:
    """Publish a protobuf event with its idempotency key, type and trace context; await the ack."""
    return await publish_serialized(
        js,
        subject,
        message.SerializeToString(),
        type_name=message.DESCRIPTOR.full_name,
        msg_id=msg_id,
        headers=headers,
        timeout=timeout,
    )


async def publish_serialized(
    js: JetStreamContext,
    subject: str,
    payload: bytes | memoryview,
    *,
    type_name: str,
    msg_id: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> Published:
    """``publish`` for a protobuf message serialized by the caller (e.g. built in place)."""
    if not msg_id:
        raise ValueError("msg_id is required: it is the event's idempotency key")
    hdrs = dict(headers or {})
    # The message is a new span of the caller's trace (or starts a trace); an explicit
    # traceparent from the caller (e.g. a relay) wins.
    hdrs.setdefault(TRACEPARENT, tracing.current().child().header())
    hdrs[MSG_ID] = msg_id
    hdrs[TYPE] = type_name
    hdrs[CONTENT_TYPE] = PROTOBUF
    ack = await _js_publish(js, subject, payload, hdrs, timeout)
    return Published(stream=ack.stream, seq=ack.seq, duplicate=bool(ack.duplicate))


# ---------------------------------------------------------------------------------------------
# Consuming


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


def _one_line(text: str) -> str:
    # Error messages may quote URLs with credentials and must fit on one header (or log) line.
    one_line = " ".join(mask_urls_in(text).split())
    return one_line[:_DLQ_ERROR_MESSAGE_MAX]


def dead_letter_message(
    msg: Msg,
    failure: TncamError,
    *,
    stream: str,
    consumer: str,
    service: str,
    worker_id: str,
) -> tuple[bytes, dict[str, str]]:
    """Body and headers of the ``tncam.deadletter.v1.DeadLetter`` record of a failed message.

    A retryable ``failure`` means the deliveries ran out (reason ``max_deliver``), any other is
    ``permanent``. The message id is stable per (stream, consumer, sequence), so a record
    repeated after a lost term is deduplicated by the dead-letter stream.
    """
    md = msg.metadata
    seq, delivered = md.sequence.stream, md.num_delivered
    original = dict(msg.headers or {})
    reason = "max_deliver" if failure.retryable else "permanent"
    error_message = _one_line(failure.message)
    record = dead_letter_pb2.DeadLetter(
        original_subject=msg.subject,
        original_type=original.get(TYPE, ""),
        payload=msg.data,
        headers=original,
        stream=stream,
        consumer=consumer,
        stream_sequence=seq,
        deliveries=delivered,
        error_code=failure.code,
        error_message=error_message,
        permanent=not failure.retryable,
        service=service,
        worker_id=worker_id,
    )
    record.failed_at.GetCurrentTime()
    body = record.SerializeToString()
    if len(body) > MAX_MESSAGE_BODY_BYTES:
        # A full-size original (a recording hand-off) does not fit next to its envelope;
        # the record still says where to find it (stream + sequence).
        record.payload = b""
        record.payload_omitted = True
        body = record.SerializeToString()
    headers = {
        DLQ_SUBJECT: msg.subject,
        DLQ_STREAM: stream,
        DLQ_CONSUMER: consumer,
        DLQ_STREAM_SEQ: str(seq),
        DLQ_NUM_DELIVERED: str(delivered),
        DLQ_ERROR_CODE: failure.code,
        DLQ_ERROR_MESSAGE: error_message,
        DLQ_REASON: reason,
        MSG_ID: f"dlq:{stream}:{consumer}:{seq}",
        TYPE: record.DESCRIPTOR.full_name,
        CONTENT_TYPE: PROTOBUF,
        # The record continues the failed message's trace.
        TRACEPARENT: tracing.current().child().header(),
    }
    return body, headers


async def publish_dead_letter(
    js: JetStreamContext,
    subject: str,
    msg: Msg,
    failure: TncamError,
    *,
    stream: str,
    consumer: str,
    service: str,
    worker_id: str,
    timeout: float = 5.0,
    attempts: int = 1,
) -> None:
    """Publish the dead-letter record of ``msg`` to ``subject``; raise if it was not stored.

    With ``attempts`` > 1 an unavailable server is retried here (keeping ``msg`` from being
    redelivered meanwhile): on a message's last delivery there is no redelivery to retry with.
    The caller terminates ``msg`` once this returns.
    """
    body, headers = dead_letter_message(
        msg, failure, stream=stream, consumer=consumer, service=service, worker_id=worker_id
    )
    for attempt in range(attempts):
        try:
            await _js_publish(js, subject, body, headers, timeout)
            return
        except UnavailableError:
            if attempt + 1 >= attempts:
                raise
        with contextlib.suppress(nats.errors.Error):
            await msg.in_progress()
        await asyncio.sleep(_DLQ_RETRY_S * 2**attempt)


@dataclass
class _Consumer:
    js: JetStreamContext
    stream: str
    spec: ConsumerSpec
    handler: Handler
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

    async def process(self, msg: Msg) -> None:
        md = msg.metadata
        headers = dict(msg.headers or {})
        parent = tracing.from_headers(headers)
        ctx = parent.child() if parent is not None else TraceContext.new()
        delivery = Delivery(
            subject=msg.subject,
            data=msg.data,
            headers=headers,
            num_delivered=md.num_delivered,
            stream_seq=md.sequence.stream,
            trace=ctx,
            msg=msg,
        )
        with tracing.bound(ctx):
            try:
                await self.handler(delivery)
            except TncamError as e:
                failure = e
            except Exception as e:
                log.exception(
                    "handler failed unexpectedly on %s seq %d",
                    delivery.subject,
                    delivery.stream_seq,
                )
                failure = TncamError(
                    "bus.consume.unexpected", f"{type(e).__name__}: {e}", retryable=True
                )
            else:
                await self.ack(delivery)
                return
            await self.fail(delivery, failure)

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
                _one_line(str(failure)),
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
                _one_line(str(failure)),
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
                _one_line(str(failure)),
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
            _one_line(str(failure)),
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
            attempts=_DLQ_ATTEMPTS,
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


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` or until ``stop`` is set, whichever comes first; True if stopped."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
    return stop.is_set()


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
) -> None:
    """Declare ``consumer`` on ``stream`` and handle its messages until ``stop`` is set.

    Messages of a fetched batch are handled one at a time, in stream order. Once ``stop`` is
    set no more are fetched; the current batch is finished and the function returns. Fetch
    timeouts and errors while NATS reconnects are expected and retried. ``service`` and
    ``worker_id`` are recorded in dead letters.
    """
    if batch < 1 or fetch_timeout <= 0:
        raise ValueError("batch must be at least 1 and fetch_timeout positive")
    worker = _Consumer(
        js,
        stream,
        consumer,
        handler,
        dead_letter_subject,
        on_outcome,
        ack_timeout,
        service,
        worker_id,
    )
    await ensure_consumer(js, stream, consumer)
    try:
        psub = await js.pull_subscribe_bind(consumer.durable, stream=stream)
    except nats.errors.Error as e:
        raise UnavailableError(
            "bus.consume.unavailable", f"subscribe {stream}/{consumer.durable}: {e}"
        ) from e
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
                delay = min(0.25 * math.pow(2, failures), 5.0)
                log.warning(
                    "fetch from %s/%s failed (%s); retrying in %.1f s",
                    stream,
                    consumer.durable,
                    e,
                    delay,
                )
                await wait_or_stop(stop, delay)
                if isinstance(e, nats.js.errors.NotFoundError) and not stop.is_set():
                    # The consumer vanished (deleted by hand, server store lost): declare again.
                    with contextlib.suppress(TncamError):
                        await ensure_consumer(js, stream, consumer)
                continue
            failures = 0
            for msg in msgs:
                await worker.process(msg)
    finally:
        # Without this, a later drain() would wait on messages nobody will fetch.
        with contextlib.suppress(nats.errors.Error):
            await psub.unsubscribe()
