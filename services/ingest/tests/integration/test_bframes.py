"""A camera with B-frames behind a third-party RTSP server (LIVE555): recorded right (ADR 0024);
the GStreamer simulator (no B-frames) through the same checks.

The clip is libx265 with ``bframes=3``: pictures arrive in decode order, each with its
presentation time as RTP timestamp. The recording must carry decode order, composition
offsets and the source's presentation times: decoded, it gives every picture of the source,
in presentation order, with the source's timing, and FFmpeg has nothing to warn about.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tncam.recording.v1 import segment_pb2
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.live555 import Live555Camera, make_bframe_clip

pytestmark = pytest.mark.integration


@pytest.fixture
def live555_camera(
    request: pytest.FixtureRequest, bframe_clips: Path, tmp_path: Path
) -> Iterator[Live555Camera]:
    """A fresh server per test (each session sees the clip from its start, no seam); with
    ``audio``, an AAC track beside the video, which ingest ignores."""
    clip = make_bframe_clip(bframe_clips, audio=request.param == "audio")
    with Live555Camera(tmp_path / "live555", clip) as cam:
        yield cam


def pictures(source: Path | bytes) -> list[tuple[float, str]]:
    """(presentation time s, hash of the decoded picture) of every frame, in output order."""
    out: list[tuple[float, str]] = []
    with av.open(str(source) if isinstance(source, Path) else io.BytesIO(source), "r") as c:
        for frame in c.decode(video=0):
            planes = b"".join(bytes(p) for p in frame.planes)
            # A raw Annex-B clip has no times: -1 (only its pictures are compared).
            time = -1.0 if frame.time is None else float(frame.time)
            out.append((time, hashlib.sha256(planes).hexdigest()))
    return out


def ffmpeg_warnings(path: Path) -> str:
    """What FFmpeg says (warnings and errors) while decoding the whole file."""
    run = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "warning", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return run.stderr.decode(errors="replace")


def packets(path: Path) -> list[dict[str, str]]:
    run = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "v", "-show_packets"),
            *("-show_entries", "packet=pts,dts,flags", "-of", "json", str(path)),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    result: list[dict[str, str]] = json.loads(run.stdout)["packets"]
    return result


async def record(harness, url: str) -> list[segment_pb2.SegmentClosed]:
    """At least four segments of one camera through a worker; their joins checked. The first
    cut waits for no sender report (LIVE555's first comes 3-5 s in: 3 s more per test, and a
    first segment of other than 2 s; the wait is the interop suite's and test_segments')."""
    await harness.put_camera("cam-b", url)
    ev = harness.events
    async with harness.worker(first_report_wait_s=0.0):
        await ev.wait_for(lambda: len(ev.of("segments", "cam-b")) >= 4, timeout=40, what="segs")
    segs: list[segment_pb2.SegmentClosed] = ev.of("segments", "cam-b")
    for a, b in itertools.pairwise(segs):
        assert a.segment_end == b.segment_start  # presentation times join
    return segs


def check_recording(
    segs: list[segment_pb2.SegmentClosed], source: list[tuple[float, str]], fps: int, path: Path
) -> list[dict[str, str]]:
    """The whole segments, concatenated, against the source's pictures: decodes with no FFmpeg
    warning, monotonic decode times, every picture in presentation order with the source's
    timing. Returns FFprobe's packets."""
    full = segs[:-1]  # the last one may be the session's tail, cut at shutdown
    frame_s = 1 / fps
    for s in full:
        assert s.keyframe_at_start
        # 2 GOPs of 1 s (to the server's retiming, below)
        assert abs(s.duration.ToTimedelta().total_seconds() - 2.0) < frame_s / 4
        alone = pictures(s.init_segment + s.media_bytes)
        assert len(alone) == s.frames == 2 * fps
    path.write_bytes(full[0].init_segment + b"".join(s.media_bytes for s in full))
    assert ffmpeg_warnings(path) == ""  # no "non monotonically increasing dts", no errors
    pkts = packets(path)
    assert all(b > a for a, b in itertools.pairwise(int(p["dts"]) for p in pkts))
    assert all(int(p["pts"]) >= int(p["dts"]) for p in pkts)
    # Every picture, in presentation order: a run of the source's (which may loop).
    recorded = pictures(path)
    assert len(recorded) == 2 * fps * len(full)
    assert all(t >= 0 for t, _ in recorded)
    hashes = [h for _, h in source]
    first = hashes.index(recorded[0][1])
    looped = source * (2 + len(recorded) // len(source))
    assert [h for _, h in recorded] == [h for _, h in looped[first : first + len(recorded)]]
    # The source's timing, step by step. LIVE555 retimes what it relays when it synchronises
    # to its back end's RTCP sender reports (with the audio track too: up to three pictures
    # moved by ~21 ms, two steps each, also seen with ffprobe on its own output); every other
    # step is the source's to the millisecond.
    steps = [b - a for (a, _), (b, _) in itertools.pairwise(recorded)]
    off = [abs(x - frame_s) for x in steps]
    assert max(off) < frame_s / 4, off
    assert sum(o > 1e-3 for o in off) <= 6, off
    return pkts


@pytest.mark.parametrize("live555_camera", ["video", "audio"], indirect=True)
async def test_bframes_from_live555_are_recorded_in_presentation_order(
    harness, live555_camera: Live555Camera, tmp_path: Path
):
    clip = live555_camera.clip
    assert clip is not None
    segs = await record(harness, live555_camera.url)
    source = pictures(clip.path)
    assert all(  # the source's own timing: one frame apart
        b - a == pytest.approx(1 / clip.fps, abs=1e-3)
        for (a, _), (b, _) in itertools.pairwise(source)
    )
    pkts = check_recording(segs, source, clip.fps, tmp_path / "recording.mp4")
    # Decode order kept, B-frames marked by their composition offsets.
    assert len([p for p in pkts if p["pts"] != p["dts"]]) >= len(pkts) // 2, pkts[:12]
    assert sorted(int(p["pts"]) for p in pkts) != [int(p["pts"]) for p in pkts]


async def test_the_gstreamer_simulator_without_b_frames_passes_the_same_checks(
    harness, camera_fleet: CameraSimulator, tmp_path: Path
):
    clips = camera_fleet.clips
    assert clips is not None
    segs = await record(harness, camera_fleet.url(2))
    source = pictures(clips.h265)  # Annex-B: no times of its own, only the pictures
    pkts = check_recording(segs, source, clips.fps, tmp_path / "recording.mp4")
    assert all(p["pts"] == p["dts"] for p in pkts)  # no B-frames: trun version 0 as before
