"""``tncam.live.v1.open_session``: any replica answers (the mesh's queue-grouped RpcService).

``RpcService.add`` decodes the request and maps a ``TncamError`` to the error reply (with
``Tncam-Retry-After`` for ``live.capacity``); the endpoint is the use case bound to the context.
"""

from __future__ import annotations

import functools

from tncam.live.v1 import session_pb2
from tncam_contracts import catalog
from tncam_live.service import sessions
from tncam_live.service.context import LiveContext
from tncam_mesh.rpc import RpcService


async def add_endpoints(rpc: RpcService, ctx: LiveContext) -> None:
    """Serve open_session on ``rpc``."""
    await rpc.add(
        catalog.LIVE_OPEN_SESSION,
        session_pb2.OpenLiveSessionRequest,
        functools.partial(sessions.open_session, ctx),
        # Each may wait for a camera's first keyframe: one must not hold up the others.
        concurrency=ctx.settings.open_session_concurrency,
    )
