"""Live view: the live token (``POST /live``) and the WHEP resource on the gateway's origin,
relayed to the live edge over NATS (docs/adr/0022).

The WHEP endpoints authenticate with the live token as ``Authorization: Bearer`` (WHEP's
rule), never with the user's access token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.live import SDP, TRICKLE_ICE, LiveStreamName, invalid_live_token
from tncam_gateway.domain.policy import Access, Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.domain.roles import Purpose

router = APIRouter(tags=["live"])

live_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="LiveToken",
    description="Token xem trực tiếp từ POST /api/v1/live (the live token, not the JWT)",
)
SESSION_ID = Path(pattern=r"^[A-Za-z0-9_-]{16,64}$", max_length=64)
NO_STORE = {"Cache-Control": "no-store"}


def live_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(live_bearer)],
) -> str:
    """The bearer live token (401 ``gateway.live.invalid_token`` when missing)."""
    if credentials is None or not credentials.credentials:
        raise invalid_live_token()
    return credentials.credentials


LiveTokenDep = Annotated[str, Depends(live_token)]


class LiveCreate(BaseModel):
    """Which camera to watch, and why."""

    camera_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["cam-0001"])
    purpose: Purpose = Field(description="Mục đích truy cập (required)")
    purpose_text: str | None = Field(default=None, max_length=500)
    grant_id: str | None = Field(default=None, max_length=64)
    stream: LiveStreamName = Field(
        default=LiveStreamName.MAIN, description="main (luồng chính) or sub (luồng phụ)"
    )


class LiveOut(BaseModel):
    """A WHEP URL and the live token that opens one session on it, until ``expires_at``."""

    session_id: str
    whep_url: str = Field(
        description="WHEP endpoint (relative to the API host): POST the SDP offer there with "
        "Authorization: Bearer <token>",
        examples=["/api/v1/live/3q2-.../whep"],
    )
    ws_url: str = Field(
        description="The same session without WebRTC (docs/adr/0023): a WebSocket carrying "
        "fMP4 for MediaSource; open it with the subprotocols `tncam-live, <token>` (never the "
        "token in the URL) and `?codecs=` the MediaSource accepts. One of whep_url and ws_url "
        "opens the session, once.",
        examples=["/api/v1/live/3q2-.../ws"],
    )
    token: str = Field(description="Live token (bound to session, camera, stream, user)")
    expires_at: UtcDatetime
    camera_id: str
    stream: LiveStreamName
    audit_event_id: str


@router.post(
    "/live",
    response_model=LiveOut,
    status_code=201,
    summary="Mở phiên xem trực tiếp (WebRTC/WHEP hoặc MSE/WebSocket; cần mục đích truy cập)",
    responses=responses(400, 401, 403, 404, 422, 503),
    **operation("createLiveSession", Action.FOOTAGE_VIEW),
)
async def open_live(
    body: LiveCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> LiveOut:
    """Authorize the access as footage is (own unit, own sector, or a break-glass grant),
    record it in the processing log with its purpose (503 ``gateway.audit.unavailable`` if
    the log cannot take it: no token is issued), and return the WHEP URL with a live token
    bound to this session, the camera, the stream, the user, the purpose and the grant."""
    ticket = await gw.live.issue(
        caller,
        client,
        camera_id=body.camera_id,
        stream=body.stream,
        purpose=PurposeOfAccess.parse(body.purpose.value, body.purpose_text),
        grant_id=body.grant_id,
    )
    return LiveOut(
        session_id=ticket.session_id,
        whep_url=ticket.whep_url,
        ws_url=ticket.ws_url,
        token=ticket.token,
        expires_at=ticket.expires_at,
        camera_id=ticket.camera_id,
        stream=ticket.stream,
        audit_event_id=ticket.audit_event_id,
    )


def _body(media_type: str) -> dict[str, Any]:
    return {"required": True, "content": {media_type: {"schema": {"type": "string"}}}}


@router.options(
    "/live/{session_id}/whep",
    status_code=204,
    summary="WHEP: phương thức và kiểu nội dung được chấp nhận (OPTIONS)",
    response_class=Response,
    responses={
        204: {
            "description": "What the endpoint takes",
            "headers": {
                "Accept-Post": {"schema": {"type": "string", "enum": [SDP]}},
                "Allow": {"schema": {"type": "string"}},
            },
        }
    },
    **operation("whepOptions", Access.PUBLIC),
)
async def whep_options(session_id: Annotated[str, SESSION_ID]) -> Response:
    """What the WHEP endpoint takes (CORS preflights are answered as the gateway's CORS
    settings allow)."""
    return Response(status_code=204, headers={"Accept-Post": SDP, "Allow": "OPTIONS, POST"})


#: How the edge sends the video (``CodecPath`` without its prefix), for players to show.
CODEC_PATH_HEADER = "X-Tncam-Codec-Path"


@router.post(
    "/live/{session_id}/whep",
    status_code=201,
    summary="WHEP: gửi SDP offer, nhận SDP answer",
    response_class=Response,
    responses={
        201: {
            "description": "The SDP answer; Location names the session resource",
            "content": {SDP: {"schema": {"type": "string"}}},
            "headers": {
                "Location": {
                    "description": "The WHEP session resource (PATCH trickle ICE, DELETE)",
                    "required": True,
                    "schema": {"type": "string"},
                },
                CODEC_PATH_HEADER: {
                    "description": "How the edge sends the video to this viewer",
                    "schema": {
                        "type": "string",
                        "enum": ["passthrough_h265", "passthrough_h264", "transcode_h264"],
                    },
                },
            },
        },
        **responses(401, 409, 415, 422, 503),
    },
    **operation("whepOffer", Action.FOOTAGE_VIEW, requestBody=_body(SDP)),
)
async def whep_offer(
    request: Request,
    gw: GatewayDep,
    token: LiveTokenDep,
    session_id: Annotated[str, SESSION_ID],
) -> Response:
    """Relay the viewer's offer to a live edge replica (once per token: 409 after); 503
    with ``Retry-After`` when the live edge is at capacity, the camera is unavailable or no
    replica answers."""
    offer = await request.body()
    answer = await gw.live.open(session_id, token, request.headers.get("content-type"), offer)
    return Response(
        content=answer.answer_sdp,
        status_code=201,
        media_type=SDP,
        headers={
            **NO_STORE,
            "Location": answer.location,
            CODEC_PATH_HEADER: answer.codec_path.removeprefix("CODEC_PATH_").lower(),
        },
    )


@router.patch(
    "/live/{session_id}/whep/session",
    status_code=204,
    summary="WHEP: trickle ICE (thêm ứng viên ICE)",
    response_class=Response,
    responses={204: {"description": "Relayed"}, **responses(401, 404, 415, 422, 503)},
    **operation("whepTrickle", Action.FOOTAGE_VIEW, requestBody=_body(TRICKLE_ICE)),
)
async def whep_trickle(
    request: Request,
    gw: GatewayDep,
    token: LiveTokenDep,
    session_id: Annotated[str, SESSION_ID],
) -> Response:
    """The viewer's ICE candidates, to the replica holding the session (404 when none
    does)."""
    fragment = await request.body()
    await gw.live.trickle(session_id, token, request.headers.get("content-type"), fragment)
    return Response(status_code=204)


@router.delete(
    "/live/{session_id}/whep/session",
    status_code=200,
    summary="WHEP: kết thúc phiên xem trực tiếp",
    response_class=Response,
    responses={200: {"description": "Ended"}, **responses(401, 404)},
    **operation("whepDelete", Action.FOOTAGE_VIEW),
)
async def whep_delete(
    gw: GatewayDep, token: LiveTokenDep, session_id: Annotated[str, SESSION_ID]
) -> Response:
    """End the session: closed at the live edge, the end recorded."""
    await gw.live.close(session_id, token)
    return Response(status_code=200, headers=NO_STORE)
