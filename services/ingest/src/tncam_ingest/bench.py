"""``python -m tncam_ingest.bench``: ingest's hot path against one ffmpeg per stream.

Side by side on this machine, for each N: (a) this ingest's session threads pulling N
simulated 1080p25 H.265 streams (~4 Mbit/s) over RTSP/TCP and cutting 6 s fMP4 segments
(segments are built and serialized exactly as for the hand-off, then counted and dropped, so
the NATS server's work is not measured), (b) ``ffmpeg -rtsp_transport tcp -i URL -c copy -f
segment -segment_time 6`` per stream (the Frigate NVR approach). The RTSP server runs pinned
to the other core with ``taskset``; each side is pinned to the remaining one.

Reported per side: CPU seconds per stream-minute (utime+stime of the processes over the
measurement window), RSS and PSS per stream (``/proc/<pid>/smaps_rollup``, sampled every 2 s
over the window and averaged; ingest runs in a fresh process for each N, and its per-stream
figure is the whole process divided by N, so the interpreter counts too), time to
open all streams, frames received vs expected (real time kept?), and the ingest/ffmpeg ratio.
It prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tncam_ingest.media.allocator import tune_process
from tncam_ingest.media.session import RtspSession
from tncam_ingest.media.stream import ClosedSegment, SessionOptions
from tncam_testkit.cameras import CameraClips, CameraSimulator, make_clips

CLIP_CACHE = Path(os.environ.get("TNCAM_BENCH_CACHE", Path.home() / ".cache" / "tncam-bench"))
TARGET_CPU_RATIO = 0.5
TARGET_MB_PER_STREAM = 4.0
REAL_TIME = 0.97
FPS = 25


@dataclass
class Result:
    """One side's measurement for one N."""

    side: str
    n: int
    cpu_per_stream_min: float
    rss_mb_per_stream: float
    pss_mb_per_stream: float
    open_all_s: float
    frames_ratio: float  # frames received / frames expected (1.0 = real time)
    segments: int


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB."""
    rss = pss = 0
    with contextlib.suppress(FileNotFoundError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def sample_memory(pids: list[int], seconds: float, every: float = 2.0) -> tuple[float, float]:
    """Mean total (RSS, PSS) in KiB of ``pids`` sampled every ``every`` s for ``seconds``."""
    samples: list[tuple[int, int]] = []
    deadline = time.monotonic() + seconds
    while True:
        mems = [memory_kb(p) for p in pids]
        samples.append((sum(m[0] for m in mems), sum(m[1] for m in mems)))
        left = deadline - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(every, left))
    return (
        sum(s[0] for s in samples) / len(samples),
        sum(s[1] for s in samples) / len(samples),
    )


def pin(pid: int, cpu: int) -> None:
    """Pin a process (all its threads) to one CPU with taskset."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        subprocess.run(
            ["taskset", "-a", "-p", "-c", str(cpu), str(pid)], check=False, capture_output=True
        )


def bench_ingest(urls: list[str], seconds: float) -> Result:
    """Run N sessions in this process (one thread each) and measure the process."""
    pid = os.getpid()
    n = len(urls)
    segments = 0
    opened = threading.Semaphore(0)
    lock = threading.Lock()

    def on_segment(seg: ClosedSegment) -> None:
        nonlocal segments
        with lock:
            segments += 1

    opts = SessionOptions(segment_target_s=6.0)
    sessions = [
        RtspSession(
            camera_id=f"cam{i}",
            url=url,
            worker_id="bench",
            options=opts,
            on_connected=lambda _info: opened.release(),
            on_segment=on_segment,
            on_snapshot=lambda _p: None,
        )
        for i, url in enumerate(urls)
    ]
    threads = [threading.Thread(target=s.run, name=f"rtsp-{i}") for i, s in enumerate(sessions)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for _ in range(n):
        if not opened.acquire(timeout=60):
            break
    open_all = time.monotonic() - t0
    time.sleep(3.0)  # settle
    frames0 = sum(s.counters.frames for s in sessions)
    cpu0 = cpu_seconds(pid)
    w0 = time.monotonic()
    rss, pss = sample_memory([pid], seconds)
    cpu1 = cpu_seconds(pid)
    w1 = time.monotonic()
    frames1 = sum(s.counters.frames for s in sessions)
    for s in sessions:
        s.stop()
    for t in threads:
        t.join(timeout=10)
    minutes = (w1 - w0) / 60
    return Result(
        "ingest",
        n,
        (cpu1 - cpu0) / n / minutes,
        rss / 1024 / n,
        pss / 1024 / n,
        open_all,
        (frames1 - frames0) / (n * FPS * (w1 - w0)),
        segments,
    )


def bench_ffmpeg(urls: list[str], seconds: float, workdir: Path, cpu: int | None) -> Result:
    """One ``ffmpeg -c copy -f segment`` per stream; measure the processes."""
    n = len(urls)
    procs: list[subprocess.Popen[bytes]] = []
    outs: list[Path] = []
    t0 = time.monotonic()
    for i, url in enumerate(urls):
        out = workdir / f"ff{i}"
        out.mkdir(parents=True, exist_ok=True)
        outs.append(out)
        argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"]
        argv += ["-rtsp_transport", "tcp", "-i", url, "-c", "copy", "-f", "segment"]
        argv += ["-segment_time", "6", "-reset_timestamps", "1", str(out / "%06d.mp4")]
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu), *argv]
        procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL))
    # Opened = the first segment file exists (ffmpeg writes it once the stream is read).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(any(o.iterdir()) for o in outs):
        time.sleep(0.05)
    open_all = time.monotonic() - t0
    time.sleep(3.0)
    pids = [p.pid for p in procs]
    cpu0 = sum(cpu_seconds(p) for p in pids)
    size0 = sum(f.stat().st_size for o in outs for f in o.iterdir())
    w0 = time.monotonic()
    rss, pss = sample_memory(pids, seconds)
    cpu1 = sum(cpu_seconds(p) for p in pids)
    w1 = time.monotonic()
    size1 = sum(f.stat().st_size for o in outs for f in o.iterdir())
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    segments = sum(len(list(o.iterdir())) for o in outs)
    for o in outs:
        shutil.rmtree(o, ignore_errors=True)
    minutes = (w1 - w0) / 60
    # ffmpeg does not report frames here; its byte rate against the clip's stands in.
    return Result(
        "ffmpeg",
        n,
        (cpu1 - cpu0) / n / minutes,
        rss / 1024 / n,
        pss / 1024 / n,
        open_all,
        float(size1 - size0),
        segments,
    )


def encode_1080p(dest: Path, bitrate: str, seconds: int = 8, gop: int = 50) -> CameraClips:
    """A 1080p25 H.265 clip at ``bitrate`` (testsrc2: motion and detail), cached.

    ``make_clips`` has no bitrate parameter; its H.264 clip is reused only as the simulator's
    required second clip.
    """
    h264 = make_clips(dest, width=320, height=240, fps=FPS, seconds=seconds, gop=gop).h264
    h265 = dest / f"testsrc2_1920x1080_{FPS}fps_{seconds}s_gop{gop}_{bitrate}.h265"
    if not h265.exists():
        tmp = h265.with_name(h265.name + ".tmp")
        x265 = (
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:open-gop=0:repeat-headers=1:"
            f"vbv-maxrate={bitrate.rstrip('M')}000:vbv-bufsize={bitrate.rstrip('M')}000:"
            "log-level=error"
        )
        subprocess.run(
            [
                *("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
                *("-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS}"),
                *("-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx265"),
                *("-preset", "ultrafast", "-b:v", bitrate, "-x265-params", x265),
                *("-f", "hevc", str(tmp)),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        tmp.replace(h265)
    return CameraClips(
        h265=h265, h264=h264, width=1920, height=1080, fps=FPS, seconds=seconds, gop=gop
    )


def ingest_in_child(urls: list[str], seconds: float, cpu: int | None) -> Result:
    """Measure ingest in a fresh process (no memory left over from earlier runs)."""
    argv = [sys.executable, "-m", "tncam_ingest.bench", "--child", str(seconds), *urls]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=600)
    fields = json.loads(out.stdout.strip().splitlines()[-1])
    return Result(**fields)


def clip_bitrate(clips: CameraClips) -> float:
    """Bytes per second of the H.265 clip."""
    return clips.h265.stat().st_size / clips.seconds


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tncam_ingest.bench", description=__doc__)
    p.add_argument("--n", type=int, action="append", help="stream counts (default 16 64 96 128)")
    p.add_argument("--seconds", type=float, default=30.0, help="measurement window per run")
    p.add_argument("--bitrate", default="4M", help="H.265 clip bitrate")
    p.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)
    args, rest = p.parse_known_args(argv)
    if args.child is not None:
        tune_process([sys.executable, *sys.orig_argv[1:]])  # as the service starts
        print(json.dumps(dataclasses.asdict(bench_ingest(rest, args.child))))
        return 0
    counts = args.n or [16, 64, 96, 128]
    CLIP_CACHE.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {loadavg()}  (cores: {os.cpu_count()})", flush=True)
    clips = encode_1080p(CLIP_CACHE, args.bitrate)
    mbps = clip_bitrate(clips) * 8 / 1e6
    print(f"clip: {clips.h265.name} {mbps:.1f} Mbit/s H.265 1080p{FPS}, GOP 2 s", flush=True)
    multi = (os.cpu_count() or 1) > 1 and shutil.which("taskset") is not None
    rows = measure(sorted(set(counts)), clips, args.seconds, multi=multi)
    report(rows, multi=multi)
    return 0


def measure(
    counts: list[int], clips: CameraClips, seconds: float, *, multi: bool
) -> list[tuple[Result, Result]]:
    """Ingest and ffmpeg side by side for each N (server on CPU 0, clients on CPU 1)."""
    server_cpu, client_cpu = (0, 1) if multi else (None, None)
    if client_cpu is not None:
        pin(os.getpid(), client_cpu)
    rows: list[tuple[Result, Result]] = []
    with tempfile.TemporaryDirectory(prefix="tncam-bench-") as tmp:
        for n in counts:
            sim = CameraSimulator(Path(tmp) / f"sim{n}", cameras=n, h264_cameras=(), clips=clips)
            with sim:
                if sim.pid is not None and server_cpu is not None:
                    pin(sim.pid, server_cpu)
                ing = ingest_in_child(sim.urls, seconds, client_cpu)
                ff = bench_ffmpeg(sim.urls, seconds, Path(tmp), client_cpu)
                ff.frames_ratio = ff.frames_ratio / (n * clip_bitrate(clips) * seconds)
                rows.append((ing, ff))
                print(f"  N={n}: done (load {loadavg()})", flush=True)
    return rows


def report(rows: list[tuple[Result, Result]], *, multi: bool) -> None:
    """The table: CPU and memory per stream, open time, real-time ratio, and the targets."""
    print(f"load average after: {loadavg()}")
    print()
    head = (
        f"{'N':>4} {'side':<7} {'CPU s/stream-min':>16} {'RSS MB/str':>10} {'PSS MB/str':>10}"
        f" {'open all s':>10} {'real time':>9} {'segments':>8}"
    )
    print(head)
    print("-" * len(head))
    for ing, ff in rows:
        for r in (ing, ff):
            print(
                f"{r.n:>4} {r.side:<7} {r.cpu_per_stream_min:>16.3f} {r.rss_mb_per_stream:>10.2f}"
                f" {r.pss_mb_per_stream:>10.2f} {r.open_all_s:>10.2f} {r.frames_ratio:>9.2f}"
                f" {r.segments:>8}"
            )
        ratio = ing.cpu_per_stream_min / ff.cpu_per_stream_min if ff.cpu_per_stream_min else 0
        print(
            f"{'':>4} ratio   CPU ingest/ffmpeg = {ratio:.2f} (target <= {TARGET_CPU_RATIO}),"
            f" PSS ingest = {ing.pss_mb_per_stream:.2f} MB/stream (target <= "
            f"{TARGET_MB_PER_STREAM})"
        )
    for (a, _), (b, _) in itertools.pairwise(rows):
        # The process's fixed share (interpreter, libraries) divides by N; the slope between
        # two N is what one more stream costs.
        slope = (b.pss_mb_per_stream * b.n - a.pss_mb_per_stream * a.n) / (b.n - a.n)
        print(f"{'':>4} PSS per added stream, N {a.n} -> {b.n}: {slope:.2f} MB")
    both = [ing.n for ing, ff in rows if min(ing.frames_ratio, ff.frames_ratio) >= REAL_TIME]
    print(
        f"\nlargest N measured where both kept real time (>= {REAL_TIME}): "
        f"{max(both) if both else 'none'}"
    )
    print(
        "real time = frames (ingest) or bytes (ffmpeg) received / expected over the window;"
        " server pinned to CPU 0, clients to CPU 1 (taskset)."
        if multi
        else "\nreal time = received / expected; single CPU: no pinning."
    )


if __name__ == "__main__":
    sys.exit(main())
