"""Live view (docs/adr/0022): authorize and audit a viewer, hand out a live token, relay its
WHEP signalling to the live edge over NATS, and end sessions within seconds of token expiry,
logout, account disable or grant revocation.

A session's life is a row of ``live_sessions``: ``issued`` (token handed out) → ``opening``
(the one offer being relayed) → ``open`` (a replica holds it) → ``ending`` (ended here, close
and audit pending) → ``ended``. The end loop (``end_due``, every second on the runtime) reads
the rows that are not over, decides with ``domain/policy.py: live_session_end`` and finishes
them: a close to the holding replica, an audit event with the reason, the row marked ended.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.live.v1 import session_pb2
from tncam_gateway import API_PREFIX
from tncam_gateway.clients.audit import Auditor
from tncam_gateway.clients.live import LiveEdge
from tncam_gateway.db import grants as grant_repo
from tncam_gateway.db import live as repo
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.live import (
    NO_EDGE,
    SDP,
    STREAM_PB,
    TRICKLE_ICE,
    LiveClaims,
    LiveState,
    LiveStreamName,
    LiveTokenCodec,
    already_opened,
    edge_error,
    require_media_type,
    session_ended,
)
from tncam_gateway.domain.policy import (
    Action,
    LiveEnd,
    LiveSessionFacts,
    live_session_end,
    live_token_expiry,
)
from tncam_gateway.domain.purpose import LEGAL_BASIS_PB, PURPOSE_PB, PurposeOfAccess
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.service.auth import AuthService
from tncam_gateway.service.footage import FootageAccess, FootageGuard
from tncam_mesh.audit import service_actor
from tncam_mesh.clock import Clock
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError, TncamError, UnavailableError

log = logging.getLogger("tncam.gateway.live")

WHEP_PATH = API_PREFIX + "/live/{session_id}/whep"
RESOURCE_PATH = WHEP_PATH + "/session"
WS_PATH = API_PREFIX + "/live/{session_id}/ws"


@dataclass(frozen=True)
class LiveConfig:
    """Live token lifetime; the ``Retry-After`` given when the live edge cannot take a
    viewer now."""

    token_ttl_s: int
    retry_after_s: int
    ws_queue_frames: int = 50
    ws_keepalive_s: float = 2.0


@dataclass(frozen=True)
class LiveTicket:
    """What ``POST /live`` returns."""

    session_id: str
    whep_url: str
    ws_url: str
    token: str
    expires_at: datetime
    camera_id: str
    stream: LiveStreamName
    audit_event_id: str


@dataclass(frozen=True)
class MseOpened:
    """An MSE session held by a live replica (ADR 0023)."""

    mime_type: str
    codec_path: str
    replica_id: str


@dataclass(frozen=True)
class LiveAnswer:
    """The live edge's answer to a viewer's offer."""

    answer_sdp: str
    location: str
    codec_path: str


def session_not_found() -> NotFoundError:
    """A WHEP session resource that is not (or no longer) held anywhere."""
    return NotFoundError(
        "gateway.live.session_not_found",
        "Không có phiên xem trực tiếp này (no such live session)",
    )


class LiveService:
    """Issues live tokens, relays WHEP signalling, ends sessions."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        footage: FootageGuard,
        auth: AuthService,
        auditor: Auditor,
        edge: LiveEdge,
        codec: LiveTokenCodec,
        clock: Clock,
        config: LiveConfig,
    ) -> None:
        self.sessions = sessions
        self.footage = footage
        self.auth = auth
        self.auditor = auditor
        self.edge = edge
        self.codec = codec
        self.clock = clock
        self.config = config

    # ------------------------------------------------------------------------ the ticket

    async def issue(
        self,
        caller: Caller,
        client: ClientInfo,
        *,
        camera_id: str,
        stream: LiveStreamName,
        purpose: PurposeOfAccess,
        grant_id: str | None,
    ) -> LiveTicket:
        """Authorize as footage is authorized, record the access (fail closed), then hand
        out the WHEP URL and a live token bound to this session."""
        now = self.clock()
        access = await self.footage.authorize(
            caller,
            client,
            action=Action.FOOTAGE_VIEW,
            kind="live_view",
            camera_id=camera_id,
            purpose=purpose,
            footage=(now, now),
            grant_id=grant_id,
        )
        grant = access.decision.grant
        expires = live_token_expiry(now, now + timedelta(seconds=self.config.token_ttl_s), grant)
        session_id = secrets.token_urlsafe(24)
        event = await self.footage.record(
            access,
            client,
            extra={
                "live_session_id": session_id,
                "stream": stream.value,
                "expires_at": expires.isoformat(),
            },
        )
        claims = LiveClaims(
            session_id=session_id,
            account_id=caller.account_id,
            login_session_id=caller.session_id,
            camera_id=camera_id,
            stream=stream,
            purpose=purpose.code.value,
            grant_id=grant.grant_id if grant else "",
            expires_at=expires,
        )
        await self._store(claims, access, event.event_id, now)
        return LiveTicket(
            session_id=session_id,
            whep_url=WHEP_PATH.format(session_id=session_id),
            ws_url=WS_PATH.format(session_id=session_id),
            token=self.codec.issue(claims),
            expires_at=expires,
            camera_id=camera_id,
            stream=stream,
            audit_event_id=event.event_id,
        )

    async def _store(
        self, claims: LiveClaims, access: FootageAccess, event_id: str, now: datetime
    ) -> None:
        """The session's row, ``issued``: what the end rules and the one-offer rule use."""
        async with unit_of_work(self.sessions) as s:
            await repo.insert(
                s,
                id=claims.session_id,
                account_id=claims.account_id,
                login_session_id=claims.login_session_id,
                camera_id=claims.camera_id,
                owner_unit_id=access.camera.unit_id,
                stream=claims.stream.value,
                purpose=claims.purpose,
                purpose_text=access.purpose.text,
                grant_id=claims.grant_id,
                audit_event_id=event_id,
                created_at=now,
                expires_at=claims.expires_at,
            )

    async def check_token(self, session_id: str, token: str) -> None:
        """401 unless ``token`` is a valid live token of this session (login still valid)."""
        await self._claims(session_id, token)

    async def _claims(self, session_id: str, token: str) -> LiveClaims:
        """The token's claims, its login session still valid (401 otherwise)."""
        claims = self.codec.verify(token, session_id=session_id, now=self.clock())
        await self.auth.session_caller(claims.account_id, claims.login_session_id)
        return claims

    # ---------------------------------------------------------------------------- WHEP

    async def open(
        self, session_id: str, token: str, content_type: str | None, offer: bytes
    ) -> LiveAnswer:
        """WHEP POST: relay the offer of the token's session (once) to any live replica."""
        require_media_type(content_type, SDP)
        claims = await self._claims(session_id, token)
        offer_sdp = _text(offer, "gateway.live.offer_invalid")
        request = _open_request(claims)
        request.offer_sdp = offer_sdp
        reply = await self._relay_open(claims, request)
        return LiveAnswer(
            answer_sdp=reply.answer_sdp,
            location=RESOURCE_PATH.format(session_id=session_id),
            codec_path=session_pb2.CodecPath.Name(reply.codec_path),
        )

    async def open_mse(self, session_id: str, token: str, codecs: list[str]) -> MseOpened:
        """WebSocket (ADR 0023): open the token's session (once) as an MSE session on any
        live replica; the caller subscribed to its media first."""
        claims = await self._claims(session_id, token)
        request = _open_request(claims)
        request.transport = session_pb2.LIVE_TRANSPORT_MSE
        request.mse_codecs.extend(codecs)
        reply = await self._relay_open(claims, request)
        return MseOpened(
            mime_type=reply.mime_type,
            codec_path=session_pb2.CodecPath.Name(reply.codec_path),
            replica_id=reply.replica_id,
        )

    async def keepalive(self, session_id: str, replica_id: str) -> bool:
        """Tell the replica an MSE session is still relayed; False when it no longer holds it
        (or is gone)."""
        control = session_pb2.LiveSessionControl(session_id=session_id, keepalive=True)
        try:
            return await self.edge.control(replica_id, control)
        except UnavailableError as e:
            if e.code in NO_EDGE:
                return False
            raise

    async def _relay_open(
        self, claims: LiveClaims, request: session_pb2.OpenLiveSessionRequest
    ) -> session_pb2.OpenLiveSessionReply:
        """Claim the session (one opening per token), relay the request, mark it open."""
        session_id = claims.session_id
        async with unit_of_work(self.sessions) as s:
            claimed = await repo.claim_for_open(s, session_id)
            current = None if claimed else await repo.get(s, session_id)
        if claimed is None:
            if current is not None and (current.opened_at or current.state in _OPENED):
                raise already_opened()
            raise session_ended()
        try:
            reply = await self.edge.open_session(request)
        except TncamError as e:
            async with unit_of_work(self.sessions) as s:
                await repo.release(s, session_id)  # refused: the same token may try again
            raise edge_error(e, retry_after_s=self.config.retry_after_s) from e
        codec_path = session_pb2.CodecPath.Name(reply.codec_path)
        async with unit_of_work(self.sessions) as s:
            opened = await repo.mark_open(
                s,
                session_id,
                replica_id=reply.replica_id,
                codec_path=codec_path,
                now=self.clock(),
            )
        if not opened:  # ended while the offer was relayed: the replica must drop it
            await self._close_at_edge(reply.replica_id, session_id, "ended_while_opening")
            raise session_ended()
        return reply

    async def _held(self, session_id: str, token: str) -> repo.LiveSessionRecord:
        await self._claims(session_id, token)
        async with unit_of_work(self.sessions) as s:
            record = await repo.get(s, session_id)
        if record is None or record.state is not LiveState.OPEN:
            raise session_not_found()
        return record

    async def trickle(
        self, session_id: str, token: str, content_type: str | None, fragment: bytes
    ) -> None:
        """WHEP PATCH: the viewer's ICE candidates to the replica holding the session."""
        require_media_type(content_type, TRICKLE_ICE)
        record = await self._held(session_id, token)
        control = session_pb2.LiveSessionControl(
            session_id=session_id,
            trickle_sdpfrag=_text(fragment, "gateway.live.sdpfrag_invalid"),
        )
        try:
            found = await self.edge.control(record.replica_id, control)
        except UnavailableError as e:
            if e.code != "rpc.call.no_responders":
                raise edge_error(e, retry_after_s=self.config.retry_after_s) from e
            found = False  # the replica is gone, and its sessions with it
        if not found:
            raise session_not_found()

    async def close(self, session_id: str, token: str) -> None:
        """WHEP DELETE: end the session at the viewer's request."""
        await self._claims(session_id, token)
        async with unit_of_work(self.sessions) as s:
            ended = await repo.begin_end(s, session_id, LiveEnd.CLOSED_BY_VIEWER, self.clock())
        if ended is None:
            raise session_not_found()
        try:
            await self.finish_ending(session_id=session_id)
        except UnavailableError:
            # The session is ended here; the end loop sends the close and records the end.
            log.warning("live session end deferred", extra={"live_session_id": session_id})

    # ------------------------------------------------------------------------ the end loop

    async def end_due(self) -> None:
        """One pass of the end rules over the sessions that are not over (every second)."""
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            checks = await repo.checks(s)
            held = await grant_repo.by_ids(
                s, {c.record.grant_id for c in checks if c.record.grant_id}
            )
            for c in checks:
                grant = held.get(c.record.grant_id)
                facts = LiveSessionFacts(
                    expires_at=c.record.expires_at,
                    account_active=c.account_active,
                    login_revoked_reason=c.login_revoked_reason,
                    login_expires_at=c.login_expires_at,
                    grant_id=c.record.grant_id,
                    grant=grant.policy_view() if grant else None,
                )
                reason = live_session_end(facts, now=now)
                if reason is not None:
                    await repo.begin_end(s, c.record.id, reason, now)
        await self.finish_ending()

    async def finish_ending(self, *, session_id: str | None = None) -> None:
        """Close the ended sessions at their replicas and record each end; a session whose
        end the audit log did not take stays ``ending`` for the next pass."""
        failure: UnavailableError | None = None
        async with unit_of_work(self.sessions) as s:
            rows = await repo.ending(s, session_id=session_id)
            await asyncio.gather(
                *(self._close_at_edge(r.replica_id, r.id, r.end_reason) for r in rows)
            )
            for r in rows:
                try:
                    await self._record_end(s, r)
                except UnavailableError as e:
                    failure = e
                    break
                await repo.mark_ended(s, r.id)
        if failure is not None:
            raise failure

    async def _close_at_edge(self, replica_id: str, session_id: str, reason: str) -> None:
        """Tell the holding replica to drop the session (best effort: a replica that is gone
        or silent holds nothing we can reach, and ends it at the token's expiry itself)."""
        if not replica_id:
            return
        control = session_pb2.LiveSessionControl(session_id=session_id, close_reason=reason)
        try:
            await self.edge.control(replica_id, control)
        except TncamError as e:
            log.warning(
                "live session close not delivered: %s",
                e.code,
                extra={"live_session_id": session_id, "replica_id": replica_id},
            )

    async def _record_end(self, s: AsyncSession, r: repo.LiveSessionRecord) -> None:
        """Record the end of a session and why (returns once the audit log took it)."""
        grant = await grant_repo.get(s, r.grant_id) if r.grant_id else None
        await self.auditor.record(
            "footage.live_view.ended",
            service_actor("gateway"),
            ClientInfo(),
            cameras=(r.camera_id,),
            categories=(apb.DATA_CATEGORY_IMAGE,),
            purpose=PURPOSE_PB[Purpose(r.purpose)],
            purpose_text=r.purpose_text,
            legal_basis=LEGAL_BASIS_PB[grant.legal_basis] if grant else apb.LEGAL_BASIS_NONE,
            grant_id=r.grant_id,
            target_units=(r.owner_unit_id,),
            after={
                "live_session_id": r.id,
                "account_id": r.account_id,
                "camera_id": r.camera_id,
                "stream": r.stream,
                "reason": r.end_reason,
                "opened": r.opened_at is not None,
                "replica_id": r.replica_id,
                "codec_path": r.codec_path,
                "access_event_id": r.audit_event_id,
            },
        )


_OPENED = frozenset({LiveState.OPENING, LiveState.OPEN})


def _open_request(claims: LiveClaims) -> session_pb2.OpenLiveSessionRequest:
    request = session_pb2.OpenLiveSessionRequest(
        session_id=claims.session_id,
        camera_id=claims.camera_id,
        stream=STREAM_PB[claims.stream],
        account_id=claims.account_id,
    )
    request.expires_at.FromDatetime(claims.expires_at)
    return request


def _text(body: bytes, code: str) -> str:
    """A non-empty UTF-8 body (WHEP bodies are SDP text), else 422 ``code``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInputError(code, "Nội dung phải là văn bản UTF-8 (body must be UTF-8)") from e
    if not text.strip():
        raise InvalidInputError(code, "Nội dung trống (empty body)")
    return text
