"""Live view on core NATS (ADR 0020): demands in, access units out. No JetStream: a live
picture is worthless a second later, and nobody acknowledges it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from tncam.live.v1 import live_pb2
from tncam_contracts.catalog import (
    HEADER_TYPE,
    LIVE_ACCESS_UNITS,
    LIVE_DEMAND,
    live_access_unit_subject,
)

log = logging.getLogger("tncam.ingest.live")

_AU_HEADERS = {HEADER_TYPE: LIVE_ACCESS_UNITS.type_name}


class LiveBus:
    """The worker's live subjects under its namespace."""

    def __init__(self, nc: Client, namespace: str) -> None:
        self._nc = nc
        self.namespace = namespace

    def au_subject(self, camera_id: str, stream: int) -> str:
        """Where a stream's access units go."""
        return live_access_unit_subject(camera_id, stream, self.namespace)

    async def publish(self, subject: str, payload: bytes) -> None:
        """One serialized ``LiveAccessUnit`` (buffered by the client, flushed in the background)."""
        await self._nc.publish(subject, payload, headers=_AU_HEADERS)

    async def subscribe_demands(
        self, on_demand: Callable[[live_pb2.LiveDemand], None]
    ) -> Subscription:
        """Every camera's demands (one wildcard subscription; the caller filters by lease)."""

        async def handle(msg: Msg) -> None:
            try:
                demand = live_pb2.LiveDemand.FromString(msg.data)
            except Exception:  # a malformed demand from a peer must not stop the others
                log.warning("malformed live demand on %s", msg.subject)
                return
            try:
                (camera_id,) = LIVE_DEMAND.tokens_of(msg.subject, self.namespace)
            except ValueError:
                return
            if demand.camera_id and demand.camera_id != camera_id:
                log.warning("live demand for %s on the subject of %s", demand.camera_id, camera_id)
                return
            demand.camera_id = camera_id
            on_demand(demand)

        return await self._nc.subscribe(LIVE_DEMAND.filter(self.namespace), cb=handle)
