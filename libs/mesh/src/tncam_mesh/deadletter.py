"""Dead-letter records (DESIGN.md §2): what a consumer publishes for a message it gives up on.

The record (``tncam.deadletter.v1.DeadLetter``) carries the original payload and headers,
where the message came from and why it failed; a few of its fields are repeated as headers so
that a dead-letter stream can be filtered and inspected without decoding. Published with the
failed message's stream position as its id, so a record repeated after a lost term is
deduplicated by the dead-letter stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats.errors
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from tncam.deadletter.v1 import dead_letter_pb2
from tncam_contracts.catalog import MAX_MESSAGE_BODY_BYTES
from tncam_mesh import tracing
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.jetstream import CONTENT_TYPE, MSG_ID, PROTOBUF, TYPE, publish_bytes
from tncam_mesh.redact import mask_urls_in
from tncam_mesh.tracing import TRACEPARENT

log = logging.getLogger("tncam.mesh.consumer")

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
DLQ_ATTEMPTS = 3
_DLQ_RETRY_S = 0.5


def one_line(text: str) -> str:
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
    error_message = one_line(failure.message)
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
            await publish_bytes(js, subject, body, headers, timeout)
            return
        except UnavailableError:
            if attempt + 1 >= attempts:
                raise
        with contextlib.suppress(nats.errors.Error):
            await msg.in_progress()
        await asyncio.sleep(_DLQ_RETRY_S * 2**attempt)
