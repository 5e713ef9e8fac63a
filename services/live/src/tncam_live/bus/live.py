"""Live view on core NATS (ADR 0020): a camera stream's access units in, demands out.

No JetStream: nothing here is stored or acknowledged. The edge subscribes to a stream's
access units before it publishes its first demand, renews the demand about every second
while it has viewers, and releases it (``ttl_ms`` 0) when the last one leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from google.protobuf.message import DecodeError
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import (
    HEADER_TYPE,
    LIVE_DEMAND,
    LIVE_MEDIA,
    live_access_unit_subject,
)

log = logging.getLogger("tncam.live.bus")

_DEMAND_HEADERS = {HEADER_TYPE: LIVE_DEMAND.type_name}
_MEDIA_HEADERS = {HEADER_TYPE: LIVE_MEDIA.type_name}
#: A stream's subscription buffers up to this much before the client drops (slow consumer).
PENDING_BYTES = 64 * 1024 * 1024


class LiveBus:
    """The replica's live subjects under its namespace."""

    def __init__(self, nc: Client, namespace: str, holder_id: str) -> None:
        self._nc = nc
        self.namespace = namespace
        self.holder_id = holder_id

    async def subscribe_access_units(
        self,
        camera_id: str,
        stream: int,
        on_unit: Callable[[live_pb2.LiveAccessUnit], None],
    ) -> Subscription:
        """Every access unit of one camera stream, decoded, to ``on_unit`` (in order)."""
        subject = live_access_unit_subject(camera_id, stream, self.namespace)

        async def handle(msg: Msg) -> None:
            try:
                unit = live_pb2.LiveAccessUnit.FromString(msg.data)
            except DecodeError:  # one bad message must not stop the stream
                log.warning("malformed live access unit on %s", subject)
                return
            on_unit(unit)

        return await self._nc.subscribe(subject, cb=handle, pending_bytes_limit=PENDING_BYTES)

    async def demand(self, camera_id: str, stream: int, ttl_ms: int) -> None:
        """Say this replica watches (``ttl_ms`` > 0) or no longer watches (0) a stream."""
        message = live_pb2.LiveDemand(
            camera_id=camera_id,
            stream=cast("live_pb2.LiveStream", stream),
            holder_id=self.holder_id,
            ttl_ms=ttl_ms,
        )
        await self._nc.publish(
            LIVE_DEMAND.subject(camera_id, namespace=self.namespace),
            message.SerializeToString(),
            headers=_DEMAND_HEADERS,
        )

    async def publish_media(self, segment: session_pb2.LiveMediaSegment) -> None:
        """One piece of an MSE session's media (ADR 0023), to the gateway relaying it."""
        await self._nc.publish(
            LIVE_MEDIA.subject(segment.session_id, namespace=self.namespace),
            segment.SerializeToString(),
            headers=_MEDIA_HEADERS,
        )
