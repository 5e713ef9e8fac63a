"""Reading: timeline and gaps, gap report, HLS that plays through the gateway's URLs, export."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import http.server
import io
import json
import threading
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import ClassVar

import av
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts.catalog import (
    RECORDING_CREATE_EXPORT,
    RECORDING_GET_GAP_REPORT,
    RECORDING_GET_LIVE_PLAYLIST,
    RECORDING_GET_OBJECT,
    RECORDING_GET_PLAYLIST,
    RECORDING_GET_TIMELINE,
    RECORDING_LIST_SEGMENTS,
)
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_mesh.rpc import call
from tncam_recorder import cli
from tncam_recorder.media.exportfile import verify_bundle
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.s3 import S3Endpoint

from .conftest import OFFICER, T0, Harness, Media, make_settings, recorder_harness

pytestmark = pytest.mark.integration


def ts(t: dt.datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(t)
    return out


class Files(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A stand-in for the gateway: serves whatever bytes the test fetched through the RPC."""
    files: dict[str, bytes] = {}
    handler = type("H", (Files,), {"files": files})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
async def reader(
    s3_endpoint: S3Endpoint,
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    namespace: str,
    media: Media,
    gateway: tuple[str, dict[str, bytes]],
) -> AsyncIterator[Harness]:
    base, _ = gateway
    settings = make_settings(
        s3_endpoint,
        migrated_database,
        namespace,
        segment_url_template=base + "/api/v1/recordings/segments/{segment_id}.m4s",
        init_url_template=base + "/api/v1/recordings/cameras/{camera_id}/init/{init_sha256}.mp4",
    )
    async with recorder_harness(settings, s3_endpoint, nats_server, migrated_database, media) as h:
        yield h


async def fetch(h: Harness, request: api.ReadObjectRequest) -> bytes:
    """Read an object through the RPC in small chunks, as the gateway does."""
    out = bytearray()
    request.length = 4096
    while True:
        request.offset = len(out)
        chunk = await call(h.bus, RECORDING_GET_OBJECT, request, api.ObjectChunk, namespace=h.ns)
        out += chunk.data
        if chunk.eof:
            assert hashlib.sha256(out).hexdigest() == chunk.sha256
            return bytes(out)


async def test_timeline_gaps_playlists_and_playback(
    reader: Harness, gateway: tuple[str, dict[str, bytes]]
) -> None:
    h = reader
    base, files = gateway
    cam = h.camera(1)
    # 0-6 s recorded, 6-10 s missing, 10-14 s recorded.
    await h.write_direct(cam, 6, T0)
    writer_start = T0 + dt.timedelta(seconds=10)
    await h.write_direct(cam, 4, writer_start, first=6)
    h.clock.now = T0 + dt.timedelta(seconds=20)

    tl = await call(
        h.bus,
        RECORDING_GET_TIMELINE,
        api.GetTimelineRequest(camera_id=cam, start=ts(T0), end=ts(T0 + dt.timedelta(hours=1))),
        api.TimelineReply,
        namespace=h.ns,
    )
    assert tl.range.end.ToDatetime(dt.UTC) == h.clock.now  # never into the future
    assert [(r.start.ToDatetime(dt.UTC), r.segments) for r in tl.recorded] == [
        (T0, 6),
        (writer_start, 4),
    ]
    assert [(g.start.ToDatetime(dt.UTC), g.end.ToDatetime(dt.UTC)) for g in tl.gaps] == [
        (T0 + dt.timedelta(seconds=6), writer_start),
        (T0 + dt.timedelta(seconds=14), h.clock.now),
    ]
    assert tl.recorded_seconds == pytest.approx(10.0)

    report = await call(
        h.bus,
        RECORDING_GET_GAP_REPORT,
        api.GetGapReportRequest(camera_ids=[cam], date="2026-11-20"),
        api.GapReportReply,
        namespace=h.ns,
    )
    day = report.cameras[0]
    # 2026-11-20 in UTC+7 starts at 2026-11-19T17:00Z; T0 is 08:00 local.
    assert day.range.start.ToDatetime(dt.UTC) == dt.datetime(2026, 11, 19, 17, tzinfo=dt.UTC)
    assert [g.end.ToDatetime(dt.UTC) for g in day.gaps] == [T0, writer_start, h.clock.now]
    assert day.recorded_seconds == pytest.approx(10.0)

    listed = await call(
        h.bus,
        RECORDING_LIST_SEGMENTS,
        api.ListSegmentsRequest(camera_id=cam, start=ts(T0), end=ts(h.clock.now), limit=3),
        api.ListSegmentsReply,
        namespace=h.ns,
    )
    assert len(listed.segments) == 3
    assert listed.truncated

    vod = await call(
        h.bus,
        RECORDING_GET_PLAYLIST,
        api.GetPlaylistRequest(camera_id=cam, start=ts(T0), end=ts(h.clock.now)),
        api.PlaylistReply,
        namespace=h.ns,
    )
    text = vod.playlist
    assert vod.segments == 10
    assert text.count("#EXT-X-MAP:") == 1
    assert "#EXT-X-ENDLIST" in text
    assert text.count("#EXT-X-DISCONTINUITY") == 1
    assert "X-Amz-" not in text
    assert all(line.startswith(base) for line in text.splitlines() if not line.startswith("#"))
    # The gateway stand-in serves the bytes it reads through the recorder's RPC.
    files["/playlist.m3u8"] = text.encode()
    for seg_id in vod.segment_ids:
        files[f"/api/v1/recordings/segments/{seg_id}.m4s"] = await fetch(
            h, api.ReadObjectRequest(segment_id=seg_id)
        )
    files[f"/api/v1/recordings/cameras/{cam}/init/{h.media.init_sha}.mp4"] = await fetch(
        h, api.ReadObjectRequest(init=api.InitRef(camera_id=cam, init_sha256=h.media.init_sha))
    )

    def play() -> int:
        frames = 0
        with av.open(f"{base}/playlist.m3u8", mode="r") as container:
            for _ in container.decode(video=0):
                frames += 1
        return frames

    assert await asyncio.to_thread(play) == 100  # 10 segments x 10 frames, across boundaries

    live = await call(
        h.bus,
        RECORDING_GET_LIVE_PLAYLIST,
        api.GetLivePlaylistRequest(camera_id=cam, segments=3),
        api.PlaylistReply,
        namespace=h.ns,
    )
    assert "#EXT-X-ENDLIST" not in live.playlist
    assert "#EXT-X-MEDIA-SEQUENCE:8" in live.playlist
    assert live.segment_ids == vod.segment_ids[-3:]

    with pytest.raises(NotFoundError):
        await call(
            h.bus,
            RECORDING_GET_PLAYLIST,
            api.GetPlaylistRequest(camera_id=h.camera(9), start=ts(T0), end=ts(h.clock.now)),
            api.PlaylistReply,
            namespace=h.ns,
        )


async def test_export_verifies_and_any_change_fails(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = harness
    cam = h.camera(2)
    await h.write_direct(cam, 3, T0)
    await h.write_direct(cam, 2, T0 + dt.timedelta(seconds=5), first=5)
    request = api.CreateExportRequest(
        camera_id=cam,
        start=ts(T0),
        end=ts(T0 + dt.timedelta(seconds=10)),
        requester=OFFICER,
        purpose_code=audit_pb.PURPOSE_CODE_CASE_INVESTIGATION,
        purpose_text="Trích xuất phục vụ điều tra vụ VV-2026-0142",
        grant_id="grant-7",
    )
    exp = await call(
        h.bus, RECORDING_CREATE_EXPORT, request, api.ExportReply, namespace=h.ns, timeout=60
    )
    assert exp.segments == 5
    assert exp.gaps == 2
    manifest = json.loads(exp.manifest_json)
    assert manifest["requester"]["id"] == OFFICER.id
    assert manifest["grant_id"] == "grant-7"
    assert manifest["purpose"]["code"] == "PURPOSE_CODE_CASE_INVESTIGATION"
    rows = await h.rows(cam)
    assert [s["sha256"] for s in manifest["segments"]] == [r.sha256 for r in rows]

    bundle = tmp_path / "export.zip"
    bundle.write_bytes(await fetch(h, api.ReadObjectRequest(export_id=exp.export_id)))
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == exp.file.sha256
    pub = tmp_path / "signer.pem"
    with zipfile.ZipFile(bundle) as z:
        pub.write_bytes(z.read("signer.pub"))
        video = z.read("video.mp4")
    with av.open(io.BytesIO(video), mode="r") as c:
        assert sum(1 for _ in c.decode(video=0)) == 50

    parser_args = ["export", "verify", str(bundle), "--public-key", str(pub)]
    assert run_cli(parser_args) == 0
    assert "HỢP LỆ" in capsys.readouterr().out

    # One flipped byte in the video.
    data = bytearray(bundle.read_bytes())
    offset = data.find(video[1000:1016])
    assert offset > 0
    data[offset + 3] ^= 0x01
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(data))
    assert run_cli(["export", "verify", str(flipped)]) == 1
    assert "KHÔNG HỢP LỆ" in capsys.readouterr().out

    # A segment left out (archive rebuilt without it, everything else intact).
    dropped = tmp_path / "dropped.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(dropped, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("segments/000002"):
                dst.writestr(info, src.read(info.filename))
    result = verify_bundle(dropped)
    assert not result.ok
    assert any("segment 2" in p for p in result.problems)

    # Metadata flipped outside any member's data (the archive is canonical).
    tail = bytearray(bundle.read_bytes())
    tail[-3] ^= 0x01
    (tmp_path / "tail.zip").write_bytes(bytes(tail))
    assert not verify_bundle(tmp_path / "tail.zip").ok

    # Another signing key: not accepted when the published key is given.
    other = tmp_path / "other.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tncam_recorder.domain.signing import public_pem

    other.write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    assert run_cli(["export", "verify", str(bundle), "--public-key", str(other)]) == 1

    request.purpose_text = ""
    with pytest.raises(InvalidInputError):
        await call(h.bus, RECORDING_CREATE_EXPORT, request, api.ExportReply, namespace=h.ns)
    events = [e for e in await h.audit_events() if e.action == "footage.export.created"]
    assert len(events) == 1
    assert events[0].actor.id == OFFICER.id


def run_cli(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="tncam")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    with contextlib.suppress(SystemExit):
        return int(args.func(args))
    return 2
