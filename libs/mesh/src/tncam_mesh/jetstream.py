"""JetStream plumbing: declare streams, KV buckets and consumers; publish protobuf events.

Consuming (the delivery semantics, dead letters) is :mod:`tncam_mesh.consumer`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal, TypeVar, cast

import nats.errors
import nats.js.errors
from google.protobuf.message import Message
from nats.js import api
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from tncam_contracts.catalog import (
    HEADER_MSG_ID,
    HEADER_TYPE,
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
from tncam_mesh.tracing import TRACEPARENT

log = logging.getLogger("tncam.mesh.jetstream")

MSG_ID = HEADER_MSG_ID
TYPE = HEADER_TYPE
CONTENT_TYPE = "Content-Type"
PROTOBUF = "application/protobuf"

_STREAM_NAME_EXISTS = 10058  # JetStream err_code: the name is taken with another configuration
_NO_PEERS = 10005  # "no suitable peers for placement": not every peer of the cluster is up

Ensured = Literal["created", "updated", "unchanged"]
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
    """Map a JetStream API failure: outages are retryable, rejections are configuration bugs.

    A cluster whose peers have not all joined (or one is down) refuses an R3 placement with a
    400 ("no suitable peers for placement"): that passes too. (A 500 is not an outage: the
    server answers changes it cannot make, e.g. of a deliver policy, with it.)
    """
    if isinstance(e, nats.js.errors.APIError) and not (
        isinstance(e, nats.js.errors.ServiceUnavailableError) or e.err_code == _NO_PEERS
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


async def publish_bytes(
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
    ack = await publish_bytes(js, subject, payload, hdrs, timeout)
    return Published(stream=ack.stream, seq=ack.seq, duplicate=bool(ack.duplicate))
