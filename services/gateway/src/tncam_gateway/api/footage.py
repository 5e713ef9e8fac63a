"""Footage: the timeline, playback and near-live HLS behind short-lived playback tokens.

The HLS endpoints take the playback token in the query string (players fetch segment URLs
without headers); every object URL of a playlist is signed for its token (docs/adr/0016).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import StreamingResponse
from fastapi.security import APIKeyQuery
from pydantic import BaseModel, Field

from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.playback import INIT_EXT, SEGMENT_EXT, invalid_token, strip_ext
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.service.playback import ObjectStream

router = APIRouter(tags=["footage"])

HLS = "application/vnd.apple.mpegurl"
CAMERA_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", max_length=64)


class Span(BaseModel):
    """A time range [from, to)."""

    from_: UtcDatetime = Field(alias="from", serialization_alias="from")
    to: UtcDatetime

    model_config = {"populate_by_name": True}


class RecordedSpan(Span):
    """A stretch of continuous recording."""

    segments: int


class TimelineOut(BaseModel):
    """What was recorded of a camera in a range, and the gaps."""

    camera_id: str
    range: Span
    recorded: list[RecordedSpan]
    gaps: list[Span]
    recorded_seconds: float


@router.get(
    "/cameras/{camera_id}/recordings",
    response_model=TimelineOut,
    response_model_by_alias=True,
    summary="Dòng thời gian ghi hình (các đoạn đã ghi và khoảng trống)",
    responses=responses(401, 404, 422, 503),
    **operation("getCameraRecordings", Action.CAMERA_READ),
)
async def timeline(
    gw: GatewayDep,
    caller: CallerDep,
    camera_id: Annotated[str, CAMERA_ID],
    from_: Annotated[Instant, Query(alias="from", examples=["2026-11-20T08:00:00+07:00"])],
    to: Annotated[Instant, Query(examples=["2026-11-20T09:00:00+07:00"])],
) -> TimelineOut:
    """Recorded ranges and gaps of a camera within the caller's scope (metadata: no image,
    no purpose needed). At most 31 days per request."""
    reply = await gw.playback.timeline(caller, camera_id, from_, to)

    def dt(t: Any) -> datetime:
        return t.ToDatetime(UTC)  # type: ignore[no-any-return]

    return TimelineOut(
        camera_id=reply.camera_id,
        range=Span(from_=dt(reply.range.start), to=dt(reply.range.end)),
        recorded=[
            RecordedSpan(from_=dt(r.start), to=dt(r.end), segments=r.segments)
            for r in reply.recorded
        ],
        gaps=[Span(from_=dt(g.start), to=dt(g.end)) for g in reply.gaps],
        recorded_seconds=reply.recorded_seconds,
    )


class PlaybackCreate(BaseModel):
    """What to play, and why."""

    camera_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["cam-0001"])
    from_: Instant | None = Field(
        default=None, alias="from", examples=["2026-11-20T08:00:00+07:00"]
    )
    to: Instant | None = Field(default=None, examples=["2026-11-20T08:10:00+07:00"])
    live: bool = Field(default=False, description="Near-live HLS of the newest segments")
    purpose: Purpose = Field(description="Mục đích truy cập (required)")
    purpose_text: str | None = Field(default=None, max_length=500)
    grant_id: str | None = Field(default=None, max_length=64)

    model_config = {"populate_by_name": True}


class PlaybackOut(BaseModel):
    """An HLS URL bound to camera, range, purpose and user, valid until ``expires_at``."""

    playback_id: str
    url: str = Field(
        description="HLS playlist URL (relative to the API host), carrying the playback token",
        examples=["/api/v1/playback/2f1c.../index.m3u8?token=..."],
    )
    expires_at: UtcDatetime
    camera_id: str
    from_: UtcDatetime = Field(serialization_alias="from")
    to: UtcDatetime
    live: bool
    audit_event_id: str


@router.post(
    "/playback",
    response_model=PlaybackOut,
    response_model_by_alias=True,
    status_code=201,
    summary="Mở phiên phát lại / xem gần thời gian thực (cần mục đích truy cập)",
    responses=responses(400, 401, 403, 404, 422, 503),
    **operation("createPlayback", Action.FOOTAGE_VIEW),
)
async def open_playback(
    body: PlaybackCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> PlaybackOut:
    """Authorize the access (own unit, own sector, or a grant covering the range), record it
    in the processing log with its purpose (503 ``gateway.audit.unavailable`` if the log
    cannot take it: no URL is issued), and return an HLS URL whose token binds the camera,
    the range (or near-live), the purpose and the user, for a few minutes."""
    pb = await gw.playback.open(
        caller,
        client,
        camera_id=body.camera_id,
        start=body.from_,
        end=body.to,
        live=body.live,
        purpose=PurposeOfAccess.parse(body.purpose.value, body.purpose_text),
        grant_id=body.grant_id,
    )
    return PlaybackOut(
        playback_id=pb.playback_id,
        url=pb.url,
        expires_at=pb.expires_at,
        camera_id=pb.camera_id,
        from_=pb.start,
        to=pb.end,
        live=pb.live,
        audit_event_id=pb.audit_event_id,
    )


playback_token = APIKeyQuery(
    name="token",
    scheme_name="PlaybackToken",
    auto_error=False,
    description="Token phát lại trong URL từ POST /api/v1/playback (the playback token: "
    "players fetch playlists and segments without headers)",
)
MAX_TOKEN = 4096


def _token(token: str | None) -> str:
    if not token or len(token) > MAX_TOKEN:
        raise invalid_token()
    return token


TokenQuery = Annotated[str | None, Depends(playback_token)]
SigQuery = Annotated[str | None, Query(max_length=64, description="Object signature")]
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get(
    "/playback/{playback_id}/index.m3u8",
    summary="Danh sách phát HLS của một phiên phát lại",
    response_class=Response,
    responses={
        200: {
            "description": "HLS media playlist",
            "content": {HLS: {"schema": {"type": "string"}}},
        },
        **responses(401, 403, 404, 503),
    },
    **operation("getPlaybackPlaylist", Action.FOOTAGE_VIEW),
)
async def playlist(
    gw: GatewayDep,
    client: ClientDep,
    playback_id: Annotated[str, Path(max_length=64)],
    token: TokenQuery = None,
) -> Response:
    """The playlist (VOD, or near-live refreshed by the player); every segment URL is signed
    for this token. Re-authorized at each request."""
    text = await gw.playback.playlist(playback_id, _token(token), client)
    return Response(content=text, media_type=HLS, headers=NO_STORE)


def _stream(obj: ObjectStream) -> StreamingResponse:
    return StreamingResponse(
        obj.chunks,
        media_type=obj.content_type,
        headers={**NO_STORE, "Content-Length": str(obj.total_bytes), "ETag": f'"{obj.sha256}"'},
    )


BINARY = {"schema": {"type": "string", "format": "binary"}}
OBJECT_HEADERS = {
    "ETag": {"description": "SHA-256 of the object, quoted", "schema": {"type": "string"}},
    "Content-Length": {"schema": {"type": "integer"}},
}


@router.get(
    "/recordings/segments/{segment_ref}",
    summary="Một đoạn video (fMP4) của phiên phát lại",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "fMP4 media segment",
            "content": {"video/iso.segment": BINARY},
            "headers": OBJECT_HEADERS,
        },
        **responses(401, 403, 404, 503),
    },
    **operation("getPlaybackSegment", Action.FOOTAGE_VIEW),
)
async def segment(
    gw: GatewayDep,
    client: ClientDep,
    segment_ref: Annotated[str, Path(max_length=80, pattern=r"^[0-9a-fA-F-]{36}(\.m4s)?$")],
    token: TokenQuery = None,
    sig: SigQuery = None,
) -> StreamingResponse:
    """A media segment listed by this token's playlists (403 otherwise)."""
    # The playback is re-checked (grant, account, session) and the segment recorded in the
    # processing log before any byte leaves (service/playback.py).
    ref = strip_ext(segment_ref, SEGMENT_EXT)
    obj = await gw.playback.segment(ref, _token(token), sig or "", client)
    return _stream(obj)


@router.get(
    "/recordings/cameras/{camera_id}/init/{init_ref}",
    summary="Phân đoạn khởi tạo (init segment) của phiên phát lại",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "fMP4 init segment",
            "content": {"video/mp4": BINARY},
            "headers": OBJECT_HEADERS,
        },
        **responses(401, 403, 404, 503),
    },
    **operation("getPlaybackInitSegment", Action.FOOTAGE_VIEW),
)
async def init_segment(
    gw: GatewayDep,
    client: ClientDep,
    camera_id: Annotated[str, CAMERA_ID],
    init_ref: Annotated[str, Path(max_length=80, pattern=r"^[0-9a-f]{64}(\.mp4)?$")],
    token: TokenQuery = None,
    sig: SigQuery = None,
) -> StreamingResponse:
    """The init segment of this token's camera, listed by its playlists (403 otherwise)."""
    # Re-checked and recorded like a media segment.
    ref = strip_ext(init_ref, INIT_EXT)
    obj = await gw.playback.init(camera_id, ref, _token(token), sig or "", client)
    return _stream(obj)
