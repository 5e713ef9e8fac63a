"""Settling messages a batch consumer handled: ack, nak with backoff, or dead letter.

The same policy as ``tncam_mesh.consumer`` applies to each message (DESIGN.md §2): a
retryable failure is nakked with the consumer's backoff until its last delivery; a permanent
one, or the last delivery, is recorded on the stream's dead-letter subject and terminated.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import nats.errors
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext
from prometheus_client import Counter

from tncam_mesh.consumer import Outcome, publish_dead_letter
from tncam_mesh.errors import TncamError
from tncam_mesh.jetstream import ConsumerSpec

log = logging.getLogger("tncam.registry")

_DLQ_ATTEMPTS = 3


@dataclass(frozen=True)
class Settler:
    """Where a consumer's messages end: its stream, spec, dead-letter subject and counter."""

    js: JetStreamContext
    stream: str
    spec: ConsumerSpec
    dead_letter_subject: str
    outcomes: Counter
    service: str
    worker_id: str
    ack_timeout: float = 5.0

    def count(self, outcome: Outcome, n: int = 1) -> None:
        self.outcomes.labels(stream=self.stream, consumer=self.spec.durable, outcome=outcome).inc(n)

    async def ack(self, msgs: Sequence[Msg]) -> None:
        """Ack messages whose effects are committed; the last ack is confirmed by the server."""
        if not msgs:
            return
        for msg in msgs[:-1]:
            with contextlib.suppress(nats.errors.Error):
                await msg.ack()
        try:
            await msgs[-1].ack_sync(timeout=self.ack_timeout)
        except (TimeoutError, nats.errors.Error) as e:
            # Harmless: applying the same stats again stores the same row.
            log.warning("acks of %d messages not confirmed (%s)", len(msgs), type(e).__name__)
            self.count("ack_failed", len(msgs))
        else:
            self.count("ack", len(msgs))

    async def fail(self, msg: Msg, failure: TncamError) -> None:
        """Nak ``msg`` for a later retry, or dead-letter and terminate it."""
        md = msg.metadata
        seq, delivered = md.sequence.stream, md.num_delivered
        if failure.retryable and delivered < self.spec.max_deliver:
            with contextlib.suppress(nats.errors.Error):
                await msg.nak(delay=self.spec.redelivery_delay(delivered))
            log.warning("%s seq %d failed on delivery %d: %s", msg.subject, seq, delivered, failure)
            self.count("nak")
            return
        try:
            await publish_dead_letter(
                self.js,
                self.dead_letter_subject,
                msg,
                failure,
                stream=self.stream,
                consumer=self.spec.durable,
                service=self.service,
                worker_id=self.worker_id,
                timeout=self.ack_timeout,
                attempts=_DLQ_ATTEMPTS,
            )
        except TncamError as e:
            log.error("dead-lettering %s seq %d failed: %s", msg.subject, seq, e)
            with contextlib.suppress(nats.errors.Error):
                await msg.nak(delay=self.spec.redelivery_delay(delivered))
            self.count("dead_letter_failed")
            return
        log.error(
            "%s seq %d dead-lettered to %s (delivery %d): %s",
            msg.subject,
            seq,
            self.dead_letter_subject,
            delivered,
            failure,
        )
        with contextlib.suppress(nats.errors.Error):
            await msg.term()
        self.count("dead_letter")
