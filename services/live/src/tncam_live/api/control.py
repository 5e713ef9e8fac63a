"""``tncam.live.v1.control.<replica_id>``: trickle and close for the sessions this replica holds.

A core NATS request/reply subject only this replica subscribes to (no queue group: the
gateway addresses the replica named in the open_session reply). Errors travel as in the
mesh's RPC (``Nats-Service-Error*`` and ``Tncam-Error-*`` headers).
"""

from __future__ import annotations

import logging

from google.protobuf.message import DecodeError
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.micro.request import ERROR_CODE_HEADER, ERROR_HEADER

from tncam.live.v1 import session_pb2
from tncam_contracts.catalog import HEADER_TYPE, LIVE_SESSION_CONTROL, type_name
from tncam_live.service import sessions
from tncam_live.service.context import LiveContext
from tncam_mesh.errors import InvalidInputError, TncamError
from tncam_mesh.rpc import error_headers

log = logging.getLogger("tncam.live.control")


async def subscribe_control(nc: Client, ctx: LiveContext, namespace: str) -> Subscription:
    """Answer control requests for this replica's sessions until unsubscribed."""
    subject = LIVE_SESSION_CONTROL.subject(ctx.replica_id, namespace=namespace)

    async def handle(msg: Msg) -> None:
        if not msg.reply:
            return
        try:
            try:
                request = session_pb2.LiveSessionControl.FromString(msg.data)
            except DecodeError as e:
                raise InvalidInputError(
                    "live.control.malformed", "not a LiveSessionControl message"
                ) from e
            reply = sessions.control(ctx, request)
        except TncamError as e:
            await _respond_error(nc, msg, e)
            return
        await nc.publish(
            msg.reply, reply.SerializeToString(), headers={HEADER_TYPE: type_name(reply)}
        )

    return await nc.subscribe(subject, cb=handle)


async def _respond_error(nc: Client, msg: Msg, error: TncamError) -> None:
    await nc.publish(
        msg.reply,
        b"",
        headers={
            ERROR_HEADER: error.message,
            ERROR_CODE_HEADER: str(error.http_status),
            **error_headers(error),
        },
    )
