"""Playback tokens and playlist rewriting (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tncam_gateway.domain.playback import PlaybackClaims, PlaybackCodec, rewrite_playlist
from tncam_mesh.errors import ForbiddenError, UnauthenticatedError

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SHA = "ab" * 32
CLAIMS = PlaybackClaims(
    playback_id="p-1",
    account_id="a-1",
    session_id="s-1",
    camera_id="cam-1",
    start=NOW - timedelta(hours=1),
    end=NOW,
    live=False,
    purpose="public_order",
    grant_id="",
    expires_at=NOW + timedelta(minutes=10),
)
PLAYLIST = (
    "#EXTM3U\n#EXT-X-VERSION:7\n"
    f'#EXT-X-MAP:URI="/api/v1/recordings/cameras/cam-1/init/{SHA}"\n'
    "#EXTINF:1.000,\n/api/v1/recordings/segments/11111111-1111-1111-1111-111111111111\n"
    "#EXTINF:1.000,\n/api/v1/recordings/segments/22222222-2222-2222-2222-222222222222.m4s\n"
    "#EXT-X-ENDLIST\n"
)
IDS = ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"]


def test_token_round_trip_and_refusals() -> None:
    codec = PlaybackCodec(b"k" * 32)
    token = codec.issue(CLAIMS)
    assert codec.verify(token, now=NOW) == CLAIMS
    with pytest.raises(UnauthenticatedError):
        codec.verify(token, now=CLAIMS.expires_at)
    with pytest.raises(UnauthenticatedError):
        PlaybackCodec(b"o" * 32).verify(token, now=NOW)
    body, mac = token.split(".")
    forged = PlaybackClaims(**{**CLAIMS.__dict__, "camera_id": "cam-2"})
    with pytest.raises(UnauthenticatedError):
        codec.verify(codec.issue(forged).split(".")[0] + "." + mac, now=NOW)
    for bad in ("", "x", "a.b", body + "."):
        with pytest.raises(UnauthenticatedError):
            codec.verify(bad, now=NOW)


def test_playlist_urls_are_signed_for_their_playback_only() -> None:
    codec = PlaybackCodec(b"k" * 32)
    token = codec.issue(CLAIMS)
    text = rewrite_playlist(PLAYLIST, IDS, codec=codec, playback_id="p-1", token=token)
    urls = [line for line in text.splitlines() if line.startswith("/")]
    assert [urlsplit(u).path for u in urls] == [f"/api/v1/recordings/segments/{i}.m4s" for i in IDS]
    assert f"/init/{SHA}.mp4?token=" in text
    for seg_id, url in zip(IDS, urls, strict=True):
        q = parse_qs(urlsplit(url).query)
        assert q["token"] == [token]
        codec.check("p-1", "segment", seg_id, q["sig"][0])
        with pytest.raises(ForbiddenError):
            codec.check("p-2", "segment", seg_id, q["sig"][0])
    with pytest.raises(ForbiddenError):
        codec.check("p-1", "segment", IDS[1], parse_qs(urlsplit(urls[0]).query)["sig"][0])
    with pytest.raises(ValueError, match="more segments"):
        rewrite_playlist(PLAYLIST, IDS[:1], codec=codec, playback_id="p-1", token=token)
