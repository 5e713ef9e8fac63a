"""What every viewer's opening holds first, whatever its transport (WebRTC or MSE): the camera
stream's fan-out, the viewer's codec path, and the channel it reads (the camera's own, or its
shared transcode's); all released again if the opening fails after taking them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tncam.live.v1 import session_pb2
from tncam_live.domain.codec_path import CodecPath, NoCommonCodecError, choose_path
from tncam_live.service.channel import Channel
from tncam_live.service.context import LiveContext
from tncam_live.service.fanout import FanOut
from tncam_mesh.errors import InvalidInputError


@dataclass(frozen=True)
class HeldStream:
    fanout: FanOut
    path: CodecPath
    channel: Channel


@contextlib.asynccontextmanager
async def held_stream(
    ctx: LiveContext, req: session_pb2.OpenLiveSessionRequest, offered: frozenset[str]
) -> AsyncIterator[HeldStream]:
    """The viewer's stream, kept when the ``async with`` body succeeds (the session releases it
    when it ends), released when the body (or this) fails."""
    fanout = await ctx.fanouts.acquire(req.camera_id, req.stream)
    path: CodecPath | None = None
    try:
        codec = await fanout.require_codec(ctx.settings.first_keyframe_wait_s)
        try:
            path = choose_path(codec, offered)
        except NoCommonCodecError as e:
            raise InvalidInputError("live.offer.no_common_codec", str(e)) from e
        transcoding = path is CodecPath.TRANSCODE_H264
        channel = fanout.acquire_transcode().output if transcoding else fanout.channel
        yield HeldStream(fanout, path, channel)
    except BaseException:
        if path is CodecPath.TRANSCODE_H264:
            await fanout.release_transcode()
        await ctx.fanouts.release(fanout)
        raise
