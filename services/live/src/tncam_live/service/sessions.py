"""Viewer sessions: open (offer -> answer), trickle, close, and their end (ADR 0022).

A session is admitted against the limits, holds its camera stream's fan-out (and, on the
transcode path, the camera's shared transcode), answers with a complete SDP (candidates
gathered), and then lives in one supervised task until the first of: a close request, its
``expires_at``, its peer connection failing or closing, no connection within
``connect_timeout_s``, or shutdown. Ending releases everything it held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiortc import RTCPeerConnection
from aiortc.exceptions import InvalidAccessError, InvalidStateError

from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import check_token
from tncam_live.domain.admission import Limits, admit
from tncam_live.domain.codec_path import (
    CodecPath,
    mse_offered,
)
from tncam_live.domain.sdp import (
    CandidateLine,
    SdpError,
    offered_video_codecs,
    parse_trickle,
    split_mdns_candidates,
)
from tncam_live.media import peer
from tncam_live.media.tracks import ViewerTrack
from tncam_live.service import mse
from tncam_live.service.channel import Channel
from tncam_live.service.context import LiveContext
from tncam_live.service.fanout import FanOut
from tncam_live.service.stream import held_stream
from tncam_mesh.errors import ConflictError, InvalidInputError, UnavailableError

log = logging.getLogger("tncam.live.sessions")

CLOSE_TIMEOUT_S = 5.0
_PATHS = {
    CodecPath.PASSTHROUGH_H265: session_pb2.CODEC_PATH_PASSTHROUGH_H265,
    CodecPath.PASSTHROUGH_H264: session_pb2.CODEC_PATH_PASSTHROUGH_H264,
    CodecPath.TRANSCODE_H264: session_pb2.CODEC_PATH_TRANSCODE_H264,
}
_STREAMS = (live_pb2.LIVE_STREAM_MAIN, live_pb2.LIVE_STREAM_SUB)
_MSE = session_pb2.LIVE_TRANSPORT_MSE
_TRANSPORTS = (session_pb2.LIVE_TRANSPORT_UNSPECIFIED, session_pb2.LIVE_TRANSPORT_WEBRTC, _MSE)


@dataclass
class Session:
    """One viewer's held session."""

    id: str
    camera_id: str
    account_id: str
    path: CodecPath
    pc: RTCPeerConnection
    track: ViewerTrack
    fanout: FanOut
    deadline: float  # loop time of expires_at
    opened: float  # perf_counter at the request
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)  # everything let go
    end_reason: str = ""

    def end(self, reason: str) -> None:
        """Ask the session to end (the first reason wins)."""
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()


def _check_request(ctx: LiveContext, req: session_pb2.OpenLiveSessionRequest) -> float:
    """Seconds the session may last; raises for a request that cannot be served."""
    for value, what in ((req.session_id, "session_id"), (req.camera_id, "camera_id")):
        try:
            check_token(value, what)
        except ValueError as e:
            raise InvalidInputError("live.open_session.invalid", str(e)) from e
    if req.stream not in _STREAMS:
        raise InvalidInputError("live.open_session.invalid", "stream must be main or sub")
    if req.transport not in _TRANSPORTS:
        raise InvalidInputError("live.open_session.invalid", "unknown transport")
    if req.transport != _MSE and not req.offer_sdp.strip():
        raise InvalidInputError("live.open_session.invalid", "offer_sdp is empty")
    if not req.HasField("expires_at"):
        raise InvalidInputError("live.open_session.invalid", "expires_at is required")
    remaining = (req.expires_at.ToDatetime(ctx.clock().tzinfo) - ctx.clock()).total_seconds()
    if remaining <= 0:
        raise InvalidInputError("live.open_session.expired", "the live token has expired")
    if req.session_id in ctx.slots:
        raise ConflictError("live.open_session.exists", "this session is already open")
    return remaining


def _admit(ctx: LiveContext, camera_id: str) -> None:
    s = ctx.settings
    refusal = admit(
        Limits(per_camera=s.max_viewers_per_camera, per_replica=s.max_viewers),
        camera_viewers=sum(1 for c in ctx.slots.values() if c == camera_id),
        replica_viewers=len(ctx.slots),
    )
    if refusal is None:
        return
    ctx.metrics.capacity_refusals.labels(limit=refusal.limit).inc()
    after = s.capacity_retry_after_s
    what = "camera này" if refusal.limit == "camera" else "máy chủ này"
    raise UnavailableError(
        "live.capacity",
        f"Đã đủ {refusal.allowed} người xem trên {what}, thử lại sau {after} s "
        f"(the {refusal.limit} serves {refusal.allowed} viewers at most; retry after {after} s)",
        details={"retry_after_s": after, "limit": refusal.limit},
    )


async def open_session(
    ctx: LiveContext, req: session_pb2.OpenLiveSessionRequest
) -> session_pb2.OpenLiveSessionReply:
    """Answer a viewer's offer and hold its session until it ends."""
    opened = time.perf_counter()
    admitted = False
    session: Session | mse.MseSession
    try:
        remaining = _check_request(ctx, req)
        is_mse = req.transport == _MSE
        offered = mse_offered(req.mse_codecs) if is_mse else offered_video_codecs(req.offer_sdp)
        if not offered & {"H264", "H265"}:
            raise InvalidInputError(
                "live.offer.no_common_codec",
                f"the {'MSE codecs' if is_mse else 'offer'} list neither H265 nor H264 video",
            )
        _admit(ctx, req.camera_id)
        ctx.slots[req.session_id] = req.camera_id
        admitted = True
        if is_mse:
            session = await mse.start(ctx, req, offered, opened, remaining)
        else:
            session = await _start(ctx, req, offered, opened, remaining)
    except BaseException as e:
        if admitted:
            ctx.slots.pop(req.session_id, None)
        ctx.metrics.open_failures.labels(code=getattr(e, "code", type(e).__name__)).inc()
        raise
    if isinstance(session, mse.MseSession):
        ctx.spawn(f"session-{session.id}", mse.hold(ctx, session))
        return session_pb2.OpenLiveSessionReply(
            replica_id=ctx.replica_id,
            codec_path=_PATHS[session.path],
            mime_type=session.viewer.init.mime_type,
        )
    ctx.spawn(f"session-{session.id}", _hold(ctx, session))
    return session_pb2.OpenLiveSessionReply(
        answer_sdp=session.pc.localDescription.sdp,
        replica_id=ctx.replica_id,
        codec_path=_PATHS[session.path],
    )


async def _start(
    ctx: LiveContext,
    req: session_pb2.OpenLiveSessionRequest,
    offered: frozenset[str],
    opened: float,
    remaining: float,
) -> Session:
    async with held_stream(ctx, req, offered) as held:
        fanout, path = held.fanout, held.path
        s = ctx.settings
        password = s.turn_password.get_secret_value() if s.turn_password else None
        pc = RTCPeerConnection(peer.ice_configuration(s.ice_server_urls, s.turn_username, password))
        try:
            track = _track(ctx, held.channel, path, opened)
            offer_sdp, mdns = split_mdns_candidates(req.offer_sdp)
            try:
                await peer.answer(pc, track, path.sent_codec, offer_sdp)
            except (ValueError, InvalidAccessError, InvalidStateError) as e:
                raise InvalidInputError(
                    "live.offer.invalid", f"the offer cannot be answered: {e}"
                ) from e
        except BaseException:
            await _close_pc(pc)
            raise
    loop = asyncio.get_running_loop()
    session = Session(
        id=req.session_id,
        camera_id=req.camera_id,
        account_id=req.account_id,
        path=path,
        pc=pc,
        track=track,
        fanout=fanout,
        deadline=loop.time() + remaining,
        opened=opened,
    )
    ctx.sessions[session.id] = session
    ctx.metrics.sessions_opened.labels(codec_path=path.value).inc()
    ctx.metrics.viewers.labels(codec_path=path.value).inc()
    if mdns:
        ctx.spawn(f"candidates-{session.id}", _add_candidates(session, mdns))
    log.info(
        "live session opened: %s, %s",
        path.value,
        session.id,
        extra={"camera_id": session.camera_id, "account_id": session.account_id},
    )
    return session


def _track(ctx: LiveContext, channel: Channel, path: CodecPath, opened: float) -> ViewerTrack:
    metrics = ctx.metrics

    def first_frame() -> None:
        metrics.ttff.labels(codec_path=path.value).observe(time.perf_counter() - opened)

    return ViewerTrack(
        queue_frames=ctx.settings.viewer_queue_frames,
        on_start=channel.attach,
        on_end=channel.detach,
        on_first_frame=first_frame,
        on_drop=lambda n: metrics.dropped_frames.labels(stage="viewer").inc(n),
    )


async def _hold(ctx: LiveContext, session: Session) -> None:
    """Keep the session until something ends it, then release what it holds."""
    pc = session.pc
    loop = asyncio.get_running_loop()
    connect_by = loop.time() + ctx.settings.connect_timeout_s

    @pc.on("connectionstatechange")
    def changed() -> None:
        if pc.connectionState == "failed":
            session.end("peer_failed")
        elif pc.connectionState == "closed":
            session.end("peer_closed")

    try:
        while not session.ended.is_set():
            now = loop.time()
            if pc.connectionState in ("failed", "closed"):
                session.end(f"peer_{pc.connectionState}")
                break
            if now >= session.deadline:
                session.end("expired")
                break
            connected = pc.connectionState == "connected"
            if not connected and now >= connect_by:
                session.end("connect_timeout")
                break
            wake = session.deadline if connected else min(session.deadline, connect_by)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, min(wake - now, 1.0))):
                    await session.ended.wait()
    finally:
        await _end(ctx, session)


async def _end(ctx: LiveContext, session: Session) -> None:
    ctx.sessions.pop(session.id, None)
    session.track.stop()
    await _close_pc(session.pc)
    if session.path is CodecPath.TRANSCODE_H264:
        await session.fanout.release_transcode()
    await ctx.fanouts.release(session.fanout)
    ctx.slots.pop(session.id, None)
    session.released.set()
    ctx.metrics.viewers.labels(codec_path=session.path.value).dec()
    ctx.metrics.sessions_ended.labels(reason=session.end_reason or "error").inc()
    log.info(
        "live session ended (%s): %s, %d frames sent, %d dropped",
        session.end_reason,
        session.id,
        session.track.frames_sent,
        session.track.dropped,
        extra={"camera_id": session.camera_id},
    )


async def _close_pc(pc: RTCPeerConnection) -> None:
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await pc.close()
    except TimeoutError:
        log.warning("a peer connection did not close within %.0f s", CLOSE_TIMEOUT_S)


async def _add_candidates(session: Session, lines: Sequence[CandidateLine]) -> None:
    try:
        await peer.add_candidates(session.pc, lines)
    except ValueError as e:
        log.warning(
            "a viewer's candidate was refused: %s", e, extra={"camera_id": session.camera_id}
        )


def control(
    ctx: LiveContext, req: session_pb2.LiveSessionControl
) -> session_pb2.LiveSessionControlReply:
    """Trickle candidates into, close or keep alive a held session; ``found`` false when not
    held."""
    session = ctx.sessions.get(req.session_id)
    if session is None or session.ended.is_set():
        return session_pb2.LiveSessionControlReply(found=False)
    action = req.WhichOneof("action")
    if action == "keepalive":
        if isinstance(session, mse.MseSession):
            session.keepalive()
    elif action == "trickle_sdpfrag":
        if not isinstance(session, Session):
            raise InvalidInputError("live.control.not_webrtc", "an MSE session has no ICE")
        try:
            trickle = parse_trickle(req.trickle_sdpfrag)
        except SdpError as e:
            raise InvalidInputError("live.control.bad_sdpfrag", str(e)) from e
        if trickle.candidates:
            ctx.spawn(f"trickle-{session.id}", _add_candidates(session, list(trickle.candidates)))
    elif action == "close_reason":
        log.info(
            "closing live session %s: %s",
            session.id,
            req.close_reason,
            extra={"camera_id": session.camera_id},
        )
        session.end("closed")
    else:
        raise InvalidInputError("live.control.invalid", "no trickle_sdpfrag, close or keepalive")
    return session_pb2.LiveSessionControlReply(found=True)


async def close_all(ctx: LiveContext, timeout: float) -> None:
    """End every session (shutdown) and wait, at most ``timeout`` seconds, for their ends."""
    held = list(ctx.sessions.values())
    for session in held:
        session.end("shutdown")
    if held:
        await asyncio.wait(
            [asyncio.ensure_future(s.released.wait()) for s in held], timeout=timeout
        )
