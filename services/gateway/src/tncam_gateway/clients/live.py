"""The live edge (services/live) as the gateway uses it: open a viewer's session on any
replica, then trickle ICE or close it on the replica that holds it (docs/adr/0022)."""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from tncam.live.v1 import session_pb2
from tncam_contracts.catalog import LIVE_MEDIA, LIVE_OPEN_SESSION, LIVE_SESSION_CONTROL
from tncam_gateway.clients.rpc import RpcClient
from tncam_mesh.bus import Bus
from tncam_mesh.errors import TncamError
from tncam_mesh.rpc import call_subject

#: An MSE session's subscription buffers up to this much before the client drops (the relay's
#: own bounded queue is the back-pressure; this only guards against a stalled event loop).
MEDIA_PENDING_BYTES = 32 * 1024 * 1024


class LiveEdge(RpcClient):
    """Client of the live edge's session operations."""

    def __init__(
        self, bus: Bus, *, namespace: str, open_timeout_s: float, control_timeout_s: float
    ) -> None:
        super().__init__(bus, namespace=namespace, timeout_s=open_timeout_s)
        self._control_timeout = control_timeout_s

    async def open_session(
        self, request: session_pb2.OpenLiveSessionRequest
    ) -> session_pb2.OpenLiveSessionReply:
        """Relay an authorized viewer's offer; the answer and the replica that holds it."""
        reply = await self._call(LIVE_OPEN_SESSION, request, session_pb2.OpenLiveSessionReply)
        self.control_subject(reply.replica_id)  # a replica id we can address, or an error
        return reply

    def control_subject(self, replica_id: str) -> str:
        """``tncam.live.v1.control.<replica_id>`` in this namespace."""
        try:
            return LIVE_SESSION_CONTROL.subject(replica_id, namespace=self._namespace)
        except ValueError as e:
            raise TncamError(
                "gateway.live.bad_replica_id",
                "Máy chủ xem trực tiếp trả lời sai (the live edge named no valid replica)",
            ) from e

    async def control(self, replica_id: str, control: session_pb2.LiveSessionControl) -> bool:
        """Trickle ICE or close on the holding replica; False when it does not hold it."""
        reply = await call_subject(
            self._bus,
            self.control_subject(replica_id),
            control,
            session_pb2.LiveSessionControlReply,
            timeout=self._control_timeout,
        )
        return reply.found

    async def subscribe_media(
        self, session_id: str, on_segment: Callable[[session_pb2.LiveMediaSegment], None]
    ) -> Subscription:
        """An MSE session's media segments (ADR 0023), decoded, to ``on_segment`` in order;
        subscribe before opening the session so the init segment is not missed."""

        async def handle(msg: Msg) -> None:
            try:
                segment = session_pb2.LiveMediaSegment.FromString(msg.data)
            except DecodeError:
                return  # one bad message must not end the relay
            on_segment(segment)

        return await self._bus.nc.subscribe(
            LIVE_MEDIA.subject(session_id, namespace=self._namespace),
            cb=handle,
            pending_bytes_limit=MEDIA_PENDING_BYTES,
        )
