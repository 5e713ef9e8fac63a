"""Playback tokens and the HLS playlists the gateway hands out (pure; docs/adr/0016).

A playback token is the proof of one audited, authorized access: it binds the playback id,
the account and its session, the camera, the footage range (or near-live), the purpose and
the grant, and it expires after a few minutes. It travels in the query string because HLS
players fetch segment URLs without headers.

The recorder's playlist names segments by id; a segment id says nothing about its camera or
time, so the gateway signs every object URL it puts into a playlist with a MAC over (playback
id, object). A segment URL is served only with a valid token *and* a signature made for that
token: a token for camera A cannot fetch a segment of camera B or outside its range, because
no playlist of that token ever listed it. Stateless, so any replica can serve any request.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from tncam_gateway.domain.signed import Sealer, b64url
from tncam_mesh.errors import ForbiddenError, UnauthenticatedError

TOKEN_VERSION = 1
SIG_BYTES = 16
SEGMENT_EXT = ".m4s"
INIT_EXT = ".mp4"


def invalid_token() -> UnauthenticatedError:
    """The one error of every playback token failure."""
    return UnauthenticatedError(
        "gateway.playback.invalid_token",
        "Token phát lại không hợp lệ hoặc đã hết hạn (invalid or expired playback token)",
    )


def not_in_playback() -> ForbiddenError:
    """An object the token's playlists never listed (other camera, other range, forged)."""
    return ForbiddenError(
        "gateway.playback.not_in_playback",
        "Đoạn video không thuộc phiên phát lại này (object not part of this playback)",
    )


@dataclass(frozen=True)
class PlaybackClaims:
    """What a playback token binds."""

    playback_id: str
    account_id: str
    session_id: str
    camera_id: str
    start: datetime
    end: datetime
    live: bool
    purpose: str
    grant_id: str
    expires_at: datetime

    def to_json(self) -> bytes:
        body = {
            "v": TOKEN_VERSION,
            "pid": self.playback_id,
            "sub": self.account_id,
            "sid": self.session_id,
            "cam": self.camera_id,
            "from": self.start.timestamp(),
            "to": self.end.timestamp(),
            "live": self.live,
            "pur": self.purpose,
            "gid": self.grant_id,
            "exp": self.expires_at.timestamp(),
        }
        return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> PlaybackClaims:
        d = json.loads(raw)
        if d.get("v") != TOKEN_VERSION:
            raise ValueError("token version")
        return cls(
            playback_id=str(d["pid"]),
            account_id=str(d["sub"]),
            session_id=str(d["sid"]),
            camera_id=str(d["cam"]),
            start=datetime.fromtimestamp(float(d["from"]), UTC),
            end=datetime.fromtimestamp(float(d["to"]), UTC),
            live=bool(d["live"]),
            purpose=str(d["pur"]),
            grant_id=str(d["gid"]),
            expires_at=datetime.fromtimestamp(float(d["exp"]), UTC),
        )


class PlaybackCodec:
    """Issues and verifies playback tokens and object signatures with one key."""

    def __init__(self, key: bytes) -> None:
        self._sealer = Sealer(key, what="playback")

    def issue(self, claims: PlaybackClaims) -> str:
        """The token: ``<base64url claims>.<base64url HMAC-SHA256>``."""
        return self._sealer.seal(b"token", claims.to_json())

    def verify(self, token: str, *, now: datetime) -> PlaybackClaims:
        """The claims of a genuine, unexpired token (else 401 ``invalid_token``)."""
        try:
            claims = PlaybackClaims.from_json(self._sealer.unseal(b"token", token))
        except (ValueError, KeyError, TypeError) as e:
            raise invalid_token() from e
        if now >= claims.expires_at:
            raise invalid_token()
        return claims

    def sign(self, playback_id: str, kind: str, ref: str) -> str:
        """The signature of one object URL of one playback."""
        data = f"{playback_id}\x00{kind}\x00{ref}".encode()
        return b64url(self._sealer.mac(b"object", data)[:SIG_BYTES])

    def check(self, playback_id: str, kind: str, ref: str, sig: str) -> None:
        """Refuse (403 ``not_in_playback``) an object this playback's playlists never listed."""
        if not hmac.compare_digest(self.sign(playback_id, kind, ref), sig or ""):
            raise not_in_playback()


_MAP_RE = re.compile(r'^(#EXT-X-MAP:URI=")([^"]*)(".*)$')
_INIT_RE = re.compile(r"/cameras/([A-Za-z0-9_-]{1,64})/init/([0-9a-f]{64})(?:\.mp4)?$")


def strip_ext(ref: str, ext: str) -> str:
    """``abc.m4s`` → ``abc`` (the gateway serves both forms)."""
    return ref[: -len(ext)] if ref.endswith(ext) else ref


def _with_ext(path: str, ext: str) -> str:
    return path if path.endswith(ext) else path + ext


def rewrite_playlist(
    text: str,
    segment_ids: Sequence[str],
    *,
    codec: PlaybackCodec,
    playback_id: str,
    token: str,
) -> str:
    """The recorder's playlist with every object URL carrying the token and its signature.

    Media URLs (lines not starting with ``#``) are matched to ``segment_ids`` in order; init
    URLs (``EXT-X-MAP``) are recognised by their ``/cameras/<id>/init/<sha256>`` path. File
    extensions are added where missing (FFmpeg-based players check them).
    """
    q = quote(token, safe="")
    out: list[str] = []
    media = iter(segment_ids)
    for line in text.splitlines():
        if not line:
            out.append(line)
            continue
        m = _MAP_RE.match(line)
        if m:
            path = m.group(2).split("?", 1)[0]
            im = _INIT_RE.search(strip_ext(path, INIT_EXT))
            if im is None:
                raise ValueError(f"unexpected init URL in playlist: {path!r}")
            sig = codec.sign(playback_id, "init", f"{im.group(1)}/{im.group(2)}")
            url = f"{_with_ext(path, INIT_EXT)}?token={q}&sig={sig}"
            out.append(f"{m.group(1)}{url}{m.group(3)}")
            continue
        if line.startswith("#"):
            out.append(line)
            continue
        segment_id = next(media, None)
        if segment_id is None:
            raise ValueError("playlist lists more segments than segment_ids")
        path = line.split("?", 1)[0]
        sig = codec.sign(playback_id, "segment", segment_id)
        out.append(f"{_with_ext(path, SEGMENT_EXT)}?token={q}&sig={sig}")
    return "\n".join(out) + "\n"
