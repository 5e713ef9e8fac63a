"""Playback and near-live HLS: one audited access per playback token (docs/adr/0016).

Every object served under a token is re-checked (account and session through the auth cache,
the authorization, grant included, cached per playback for ``recheck_s``) and recorded in the
processing log (``footage.<kind>.served``, one event per object) before any byte leaves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tncam.recording.v1 import recording_api_pb2 as api
from tncam_gateway import API_PREFIX
from tncam_gateway.clients.recorder import Recordings
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.playback import (
    PlaybackClaims,
    PlaybackCodec,
    invalid_token,
    not_in_playback,
    rewrite_playlist,
)
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.service.auth import AuthService
from tncam_gateway.service.footage import FootageAccess, FootageGuard
from tncam_mesh.clock import Clock
from tncam_mesh.errors import InvalidInputError, NotFoundError

MAX_TIMELINE = timedelta(days=31)
#: Playbacks whose re-check is cached at most (a bound on memory, not on correctness).
_MAX_RECHECKS = 10_000
PLAYLIST_PATH = API_PREFIX + "/playback/{playback_id}/index.m3u8"


@dataclass(frozen=True)
class Playback:
    """What ``POST /playback`` returns."""

    playback_id: str
    url: str
    token: str
    camera_id: str
    start: datetime
    end: datetime
    live: bool
    expires_at: datetime
    audit_event_id: str


@dataclass(frozen=True)
class ObjectStream:
    """An object's first chunk (size, type, hash known) and the rest of its bytes."""

    content_type: str
    total_bytes: int
    sha256: str
    chunks: AsyncIterator[bytes]


class PlaybackService:
    """Opens playbacks (authorize, audit, token) and serves their playlists and objects."""

    def __init__(
        self,
        *,
        footage: FootageGuard,
        recordings: Recordings,
        auth: AuthService,
        codec: PlaybackCodec,
        clock: Clock,
        ttl_s: int,
        max_range_s: int,
        live_window_s: int,
        recheck_s: float = 2.0,
    ) -> None:
        self.footage = footage
        self.recordings = recordings
        self.auth = auth
        self.codec = codec
        self.clock = clock
        self.ttl = timedelta(seconds=ttl_s)
        self.max_range = timedelta(seconds=max_range_s)
        self.live_window = timedelta(seconds=live_window_s)
        self.recheck = timedelta(seconds=recheck_s)
        # playback id -> (valid until, the access re-authorized then)
        self._rechecked: dict[str, tuple[datetime, FootageAccess]] = {}

    def _range(
        self, start: datetime | None, end: datetime | None, live: bool, now: datetime
    ) -> tuple[datetime, datetime]:
        if live:
            return now - self.live_window, now + self.ttl
        if start is None or end is None:
            raise InvalidInputError(
                "gateway.playback.range_required",
                "Cần from và to cho phát lại (from/to required unless live)",
            )
        if start >= end:
            raise InvalidInputError("gateway.playback.range_invalid", "from phải trước to")
        if end - start > self.max_range:
            raise InvalidInputError(
                "gateway.playback.range_too_long",
                f"Tối đa {int(self.max_range.total_seconds())} giây mỗi lần phát lại",
            )
        if start > now:
            raise InvalidInputError("gateway.playback.range_future", "from ở tương lai")
        return start, end

    async def timeline(
        self, caller: Caller, camera_id: str, start: datetime, end: datetime
    ) -> api.TimelineReply:
        """Recorded ranges and gaps of a camera the caller may read (metadata: no image, no
        purpose needed), at most 31 days."""
        if start >= end or end - start > MAX_TIMELINE:
            raise InvalidInputError(
                "gateway.timeline.range_invalid", "from phải trước to, tối đa 31 ngày"
            )
        # The same grants that let the caller play the camera back let it see the timeline.
        await self.footage.readable(caller, camera_id)
        return await self.recordings.timeline(camera_id, start, end)

    async def open(
        self,
        caller: Caller,
        client: ClientInfo,
        *,
        camera_id: str,
        start: datetime | None,
        end: datetime | None,
        live: bool,
        purpose: PurposeOfAccess,
        grant_id: str | None,
    ) -> Playback:
        """Authorize, make sure there is something to play, record the access, issue a token."""
        now = self.clock()
        footage = self._range(start, end, live, now)
        kind = "live" if live else "playback"
        access = await self.footage.authorize(
            caller,
            client,
            action=Action.FOOTAGE_VIEW,
            kind=kind,
            camera_id=camera_id,
            purpose=purpose,
            footage=footage,
            grant_id=grant_id,
        )
        if not live:
            await self.recordings.playlist(camera_id, *footage)  # 404 when nothing recorded
        playback_id = str(uuid.uuid4())
        expires = now + self.ttl
        event = await self.footage.record(access, client, extra={"playback_id": playback_id})
        claims = PlaybackClaims(
            playback_id=playback_id,
            account_id=caller.account_id,
            session_id=caller.session_id,
            camera_id=camera_id,
            start=footage[0],
            end=footage[1],
            live=live,
            purpose=purpose.code.value,
            grant_id=access.decision.grant.grant_id if access.decision.grant else "",
            expires_at=expires,
        )
        token = self.codec.issue(claims)
        return Playback(
            playback_id=playback_id,
            url=PLAYLIST_PATH.format(playback_id=playback_id) + "?token=" + token,
            token=token,
            camera_id=camera_id,
            start=footage[0],
            end=footage[1],
            live=live,
            expires_at=expires,
            audit_event_id=event.event_id,
        )

    async def _claims(self, token: str) -> tuple[PlaybackClaims, Caller]:
        claims = self.codec.verify(token, now=self.clock())
        caller = await self.auth.session_caller(claims.account_id, claims.session_id)
        return claims, caller

    async def _authorize(
        self, claims: PlaybackClaims, caller: Caller, client: ClientInfo
    ) -> FootageAccess:
        """The token's access decided again now (a refusal is audited and raised)."""
        return await self.footage.authorize(
            caller,
            client,
            action=Action.FOOTAGE_VIEW,
            kind="live" if claims.live else "playback",
            camera_id=claims.camera_id,
            purpose=PurposeOfAccess(Purpose(claims.purpose), "playback " + claims.playback_id),
            footage=(claims.start, claims.end),
            grant_id=claims.grant_id or None,
        )

    async def _reauthorized(
        self, claims: PlaybackClaims, caller: Caller, client: ClientInfo
    ) -> FootageAccess:
        """``_authorize``, its result kept ``recheck_s`` per playback (objects come in bursts)."""
        now = self.clock()
        hit = self._rechecked.get(claims.playback_id)
        if hit is not None and now < hit[0]:
            return hit[1]
        access = await self._authorize(claims, caller, client)
        if len(self._rechecked) >= _MAX_RECHECKS:
            self._rechecked = {k: v for k, v in self._rechecked.items() if now < v[0]}
            if len(self._rechecked) >= _MAX_RECHECKS:
                self._rechecked.clear()
        self._rechecked[claims.playback_id] = (now + self.recheck, access)
        return access

    async def playlist(self, playback_id: str, token: str, client: ClientInfo) -> str:
        """The playlist of a playback, its object URLs signed for this token. The access is
        re-authorized (a revoked grant or a changed scope ends it at the next refresh)."""
        claims, caller = await self._claims(token)
        if claims.playback_id != playback_id:
            raise invalid_token()
        await self._authorize(claims, caller, client)
        if claims.live:
            reply = await self.recordings.live_playlist(claims.camera_id)
            if not await self._all_within(claims, reply):
                raise NotFoundError(
                    "gateway.playback.no_recent_recording",
                    "Camera không có bản ghi gần thời gian thực (no recent recording)",
                )
        else:
            reply = await self.recordings.playlist(claims.camera_id, claims.start, claims.end)
        return rewrite_playlist(
            reply.playlist,
            list(reply.segment_ids),
            codec=self.codec,
            playback_id=claims.playback_id,
            token=token,
        )

    async def _all_within(self, claims: PlaybackClaims, reply: api.PlaylistReply) -> bool:
        """Whether every segment of a near-live playlist started inside the token's window."""
        allowed = await self.recordings.segment_ids(claims.camera_id, claims.start, claims.end)
        return bool(reply.segment_ids) and set(reply.segment_ids) <= allowed

    async def segment(
        self, segment_id: str, token: str, sig: str, client: ClientInfo
    ) -> ObjectStream:
        """The bytes of a media segment listed by this token's playlists, re-checked and
        recorded before they leave."""
        claims, caller = await self._claims(token)
        self.codec.check(claims.playback_id, "segment", segment_id, sig)
        access = await self._reauthorized(claims, caller, client)
        obj = await self._stream(api.ReadObjectRequest(segment_id=segment_id))
        await self._served(access, client, claims, obj, segment_id=segment_id)
        return obj

    async def init(
        self, camera_id: str, init_sha256: str, token: str, sig: str, client: ClientInfo
    ) -> ObjectStream:
        """The bytes of an init segment listed by this token's playlists, re-checked and
        recorded before they leave."""
        claims, caller = await self._claims(token)
        if camera_id != claims.camera_id:
            raise not_in_playback()
        self.codec.check(claims.playback_id, "init", f"{camera_id}/{init_sha256}", sig)
        access = await self._reauthorized(claims, caller, client)
        obj = await self._stream(
            api.ReadObjectRequest(init=api.InitRef(camera_id=camera_id, init_sha256=init_sha256))
        )
        await self._served(access, client, claims, obj, init_sha256=init_sha256)
        return obj

    async def _served(
        self,
        access: FootageAccess,
        client: ClientInfo,
        claims: PlaybackClaims,
        obj: ObjectStream,
        *,
        segment_id: str = "",
        init_sha256: str = "",
    ) -> None:
        """Record one object served under a playback; returns once the log acknowledged it
        (else 503: no byte leaves)."""
        await self.footage.record(
            access,
            client,
            verb="served",
            extra={
                "playback_id": claims.playback_id,
                "object": "segment" if segment_id else "init",
                "segment_id": segment_id,
                "init_sha256": init_sha256,
                "sha256": obj.sha256,
                "bytes": str(obj.total_bytes),
            },
        )

    async def _stream(self, request: api.ReadObjectRequest) -> ObjectStream:
        first = await self.recordings.first_chunk(request)
        return ObjectStream(
            content_type=first.content_type or "application/octet-stream",
            total_bytes=first.total_bytes,
            sha256=first.sha256,
            chunks=self.recordings.rest(request, first),
        )
