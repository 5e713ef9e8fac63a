"""``python -m tncam_ingest.bench_scale``: the cameras-per-core ceiling of ONE ingest process.

No RTSP server: a synthetic packet source replays pre-recorded interleaved RTP/H.265 packets
into the hot path at camera rate, so the whole measured CPU is ingest's. The packets are
recorded once (cached beside the clips of ``tncam_ingest.bench``) from the GStreamer camera
simulator serving the 1080p25 H.265 clip of that benchmark (``--bitrate``, default 4 Mbit/s,
GOP 2 s): whole GOPs, RTCP left out, renumbered. Each synthetic camera is an ordinary
:class:`RtspSession` whose RTSP client (``ReplayClient``) takes its bytes from that recording
instead of a socket, looped endlessly with sequence numbers and timestamps continued (one
patched copy per loop, shared by all cameras), starting at a random phase so the cameras'
keyframes do not line up. Everything after the socket is the service's code: the read
batches (``batch_s`` 0.25 s), the depacketizer, the segmenter and fMP4 writer (6 s segments),
the thread -> event loop hand-off (``LoopPoster``) and :class:`HandOff` publishing every
``SegmentClosed`` to a real ``nats-server`` (a memory stream capped at 512 MiB, discard old:
no recorder drains it here, and NATS's own work is not ingest's), and the snapshots: each
camera asked for a keyframe every ``--snapshot-s`` (60 s, the service's default), decoded to
the quality checks' luma and a JPEG in a worker thread as the service does.

For each N, a fresh child process with N cameras runs pinned to one CPU (``taskset``; NATS on
the other): CPU ms per camera-second (utime+stime over the window / N / seconds), RSS and PSS,
frames received vs expected (real time kept), segments handed off vs expected, and the
marginal cost of a camera between two N (the slope, without the process's fixed share).
Ceiling: the cameras whose marginal cost fits in ``--core-budget`` of one core (default 0.8,
room for reconnect storms and snapshots), and the largest N measured that kept real time.
It prints the figures beside the provincial targets (1,000 and 10,000 cameras); it asserts
nothing. The kernel's TCP receive work (outside the process) is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nats.js.client import JetStreamContext

from tncam_contracts.catalog import (
    RECORDING_HANDOFF_STREAM,
    Discard,
    Retention,
    Storage,
    StreamSpec,
)
from tncam_ingest.bench import (
    CLIP_CACHE,
    REAL_TIME,
    cpu_seconds,
    encode_1080p,
    loadavg,
    pin,
    sample_memory,
)
from tncam_ingest.bench_replay import Recording, Replay, ReplaySession, record
from tncam_ingest.bus.handoff import Drop, HandOff
from tncam_ingest.bus.spool import Spool
from tncam_ingest.media.allocator import tune_process
from tncam_ingest.media.snapshot import decode_snapshot
from tncam_ingest.media.stream import ClosedSegment, SessionOptions, SnapshotPacket
from tncam_ingest.media.threads import LoopPoster
from tncam_ingest.metrics import IngestMetrics
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import ensure_stream

SEGMENT_S = 6.0
TARGETS = (1_000, 10_000)


@dataclass
class Measured:
    """One child process of N cameras."""

    n: int
    seconds: float
    cpu_s: float
    rss_mb: float
    pss_mb: float
    frames_ratio: float
    handed_off: int
    expected_segments: float
    media_bytes: int  # of the segments closed in the window
    submitted: int  # segments closed in the window
    pending: int
    dropped: int
    segment_s: float = SEGMENT_S
    snapshots: int = 0  # decoded in the window
    refusals: list[str] = dataclasses.field(default_factory=list)  # the bus refused the hand-off

    @property
    def cpu_ms_per_cam_s(self) -> float:
        return 1000 * self.cpu_s / self.n / self.seconds


class Snapshots:
    """Snapshots as the service takes them: each camera asked for a keyframe about every
    ``interval_s`` (spread over the cameras), decoded to luma + JPEG in a worker thread."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.decoded = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def ask(self, sessions: list[ReplaySession]) -> None:
        while True:
            for s in sessions:
                s.snapshot_wanted = True
                await asyncio.sleep(self.interval_s / len(sessions))

    def decode(self, pkt: SnapshotPacket) -> None:
        async def run() -> None:
            await asyncio.to_thread(decode_snapshot, pkt)
            self.decoded += 1

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def measure_child(
    n: int, seconds: float, nats_url: str, recording: Path, snapshot_s: float
) -> Measured:
    """N replayed cameras through the hot path and the hand-off to NATS, in this process."""
    source = Replay(Recording.load(recording))
    ns = f"s{os.getpid()}"
    bus = await connect(nats_url, name="ingest-scale-bench")
    await ensure_stream(bus.js, _handoff_stream(ns))
    drops: list[Drop] = []
    refusals = _Refusals()
    media = [0, 0]  # bytes and count of the segments closed
    with tempfile.TemporaryDirectory(prefix="tncam-scale-spool-") as spool_dir:
        handoff = spooled_handoff(bus.js, ns, spool_dir, drops)
        stop = asyncio.Event()
        runner = asyncio.create_task(handoff.run(stop))

        def submit(seg: ClosedSegment) -> None:
            media[0] += seg.media_bytes
            media[1] += 1
            handoff.submit(seg)

        snap = Snapshots(snapshot_s)
        sessions = _sessions(n, source, LoopPoster(asyncio.get_running_loop()), submit, snap)
        threads = [threading.Thread(target=s.run, name=f"syn-{i}") for i, s in enumerate(sessions)]
        for t in threads:  # connected over one segment's time: their cuts spread as in a fleet
            t.start()
            await asyncio.sleep(SEGMENT_S / n)
        asker = asyncio.create_task(snap.ask(sessions))
        await asyncio.sleep(SEGMENT_S + 3)  # every camera has cut (and handed off) a segment
        snaps0 = snap.decoded
        m = await _window(n, seconds, sessions, handoff, media)
        m.dropped, m.snapshots = len(drops), snap.decoded - snaps0
        asker.cancel()
        for s in sessions:
            s.stop()
        await asyncio.to_thread(_join, threads)
        stop.set()
        await runner
    await bus.js.delete_stream(_handoff_stream(ns).name)  # memory streams add up over the N
    await bus.close(timeout=5.0)
    m.refusals = refusals.messages
    return m


class _Refusals(logging.Handler):
    """The hand-off's warnings (the bus refused a publish: spooling to disk), kept."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        logging.getLogger("tncam.ingest.handoff").addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def spooled_handoff(js: JetStreamContext, ns: str, spool_dir: str, drops: list[Drop]) -> HandOff:
    """The service's hand-off to ``ns`` with a 1 GB spool in ``spool_dir``, drops noted."""
    return HandOff(
        js,
        namespace=ns,
        spool=Spool(Path(spool_dir), 1024**3),
        metrics=IngestMetrics(),
        on_drop=drops.append,
    )


def _handoff_stream(ns: str) -> StreamSpec:
    """RECORDING_HANDOFF in memory, capped, discard old: no recorder drains it here."""
    return dataclasses.replace(
        RECORDING_HANDOFF_STREAM,
        retention=Retention.LIMITS,
        discard=Discard.OLD,
        storage=Storage.MEMORY,
        max_bytes=512 * 1024 * 1024,
    ).scoped(ns)


def _sessions(
    n: int,
    source: Replay,
    poster: LoopPoster,
    submit: Callable[[ClosedSegment], None],
    snap: Snapshots,
) -> list[ReplaySession]:
    rng = random.Random(n)  # noqa: S311 - camera phases, not security
    return [
        ReplaySession(
            camera_id=f"syn{i:05d}",
            url="rtsp://replay.invalid/cam",
            worker_id="scale-bench",
            # The replay carries no RTCP: the first cut waits for no sender report (the
            # service's would wait FIRST_REPORT_WAIT_S, once per session, in the warm-up).
            options=SessionOptions(segment_target_s=SEGMENT_S, first_report_wait_s=0.0),
            on_connected=lambda _info: None,
            on_segment=lambda seg: poster.post(submit, seg),
            on_snapshot=lambda pkt: poster.post(snap.decode, pkt),
            source=source,
            phase_s=rng.uniform(0, source.rec.period_s),
        )
        for i in range(n)
    ]


def _join(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(10)


async def _window(
    n: int, seconds: float, sessions: list[ReplaySession], handoff: HandOff, media: list[int]
) -> Measured:
    pid = os.getpid()
    frames0 = sum(s.counters.frames for s in sessions)
    pub0, (media0, segs0) = handoff.published, media
    cpu0, w0 = cpu_seconds(pid), time.monotonic()
    rss, pss = await asyncio.to_thread(sample_memory, [pid], seconds)
    cpu1, w1 = cpu_seconds(pid), time.monotonic()
    frames1 = sum(s.counters.frames for s in sessions)
    fps = 25.0
    return Measured(
        n=n,
        seconds=w1 - w0,
        cpu_s=cpu1 - cpu0,
        rss_mb=rss / 1024,
        pss_mb=pss / 1024,
        frames_ratio=(frames1 - frames0) / (n * fps * (w1 - w0)),
        handed_off=handoff.published - pub0,
        expected_segments=n * (w1 - w0) / SEGMENT_S,
        media_bytes=media[0] - media0,
        submitted=media[1] - segs0,
        pending=handoff.pending,
        dropped=0,
    )


def run_child(
    n: int, args: argparse.Namespace, nats_url: str, recording: Path, cpu: int | None
) -> Measured:
    argv = [sys.executable, "-m", "tncam_ingest.bench_scale", "--child", str(n)]
    argv += ["--seconds", str(args.seconds), "--snapshot-s", str(args.snapshot_s)]
    argv += ["--nats", nats_url, "--recording", str(recording)]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=900)
    return Measured(**json.loads(out.stdout.strip().splitlines()[-1]))


def recording_for(bitrate: str, workdir: Path) -> Path:
    """The cached recording of the benchmark clip at ``bitrate`` (recorded once)."""
    from tncam_testkit.cameras import CameraSimulator

    clips = encode_1080p(CLIP_CACHE, bitrate)
    path = CLIP_CACHE / (clips.h265.stem + ".rtp")
    if not path.exists():
        with CameraSimulator(workdir / "sim", cameras=1, h264_cameras=(), clips=clips) as sim:
            rec = record(sim.urls[0], clips.seconds + 2 * clips.gop / clips.fps + 1)
        rec.save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tncam_ingest.bench_scale", description=__doc__)
    p.add_argument("--n", type=int, action="append", help="camera counts (default 50 100)")
    p.add_argument("--seconds", type=float, default=20.0, help="measurement window per N")
    p.add_argument("--bitrate", default="4M", help="H.265 clip bitrate")
    p.add_argument("--snapshot-s", type=float, default=60.0, help="snapshot interval (service)")
    p.add_argument("--core-budget", type=float, default=0.8, help="share of a core to fill")
    p.add_argument(
        "--no-verify", dest="verify", action="store_false", help="skip the run at the ceiling"
    )
    p.add_argument("--json", type=Path, help="also write the figures here (capacity model)")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--nats", help=argparse.SUPPRESS)
    p.add_argument("--recording", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        tune_process([sys.executable, *sys.orig_argv[1:]])  # as the service starts
        m = asyncio.run(
            measure_child(args.child, args.seconds, args.nats, args.recording, args.snapshot_s)
        )
        print(json.dumps(dataclasses.asdict(m)))
        return 0
    from tncam_ingest.bench_scale_report import predicted_ceiling, report
    from tncam_testkit.nats import NatsServer

    multi = (os.cpu_count() or 1) > 1
    print(f"load average before: {loadavg()}  (cores: {os.cpu_count()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="tncam-scale-") as tmp:
        rec_path = recording_for(args.bitrate, Path(tmp))
        rec = Recording.load(rec_path)
        mbit = len(rec.data) * 8 / rec.period_s / 1e6
        print(f"recording: {rec_path.name}, {len(rec.offsets)} packets, {rec.period_s:.1f} s loop")
        print(f"  {mbit:.2f} Mbit/s of interleaved RTP per camera", flush=True)
        rows: list[Measured] = []
        with NatsServer(Path(tmp) / "nats") as nats:
            if multi and nats.pid is not None:
                pin(nats.pid, 0)
            cpu = 1 if multi else None
            for n in sorted(set(args.n or [50, 100])):
                rows.append(run_child(n, args, nats.url, rec_path, cpu))
                print(f"  N={n}: done (load {loadavg()})", flush=True)
            if args.verify:  # the model's ceiling, measured: does one process keep up there?
                n = predicted_ceiling(rows, args.core_budget, REAL_TIME)
                if n not in {r.n for r in rows}:
                    rows.append(run_child(n, args, nats.url, rec_path, cpu))
                    print(f"  N={n} (the fitted ceiling): done (load {loadavg()})", flush=True)
    figures = report(rows, args.core_budget, mbit, TARGETS, REAL_TIME)
    print(f"load average after: {loadavg()}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
