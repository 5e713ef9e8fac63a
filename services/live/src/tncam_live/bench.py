"""``python -m tncam_live.bench`` (``make bench-live``): the live edge measured on loopback.

One run, real components: the testkit's ``nats-server``; the live edge as its own process
(``python -m tncam_live``, as ``make run`` starts it); a synthetic ingest in this process
publishing a 1080p25 H.265 clip (~4 Mbit/s, a keyframe every 2 s) on the access-unit
subject in real time, every picture stamped with its capture time (``bench_stream``); aiortc
viewers in their own process (``bench_viewers``), opening sessions over NATS as the gateway
would; and, side by side, a naive per-viewer aiortc server (``bench_naive``: each viewer
decodes the H.265 and aiortc re-encodes it to H.264). On two or more cores the server under
measurement (edge or naive) is pinned to CPU 0 and everything else to CPU 1 (taskset).

Measured:
- time to first frame: one viewer holds the camera; 20 more join one by one at random
  moments (0-2 s apart), each from its offer to its first decoded frame;
- glass-to-glass: the holding viewer's decoded frames against the capture time stamped in
  each picture (same clock, same machine);
- CPU of the edge process (utime+stime, /proc) per viewer-second by passthrough at N viewers,
  and through the one shared transcode; the naive server's at the same N.
It prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tncam_live.bench_report import CpuRun, cpu_lines, latency_lines
from tncam_live.bench_stream import CLIP_CACHE, FPS, encode_clip, publish, read_access_units
from tncam_live.bench_viewers import NAIVE_CLOSE_SUBJECT
from tncam_mesh.bus import Bus, connect
from tncam_testkit.nats import NatsServer
from tncam_testkit.services import ServiceProcess, http_get

CAMERA = "cam-bench"
SETTLE_S = 2.0


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pinning() -> tuple[str | None, str | None]:
    """(server CPU, everything else's CPU) when there are two cores and taskset, else None."""
    if (os.cpu_count() or 1) > 1 and shutil.which("taskset"):
        return "0", "1"
    return None, None


def pin(pid: int, cpu: str | None) -> None:
    if cpu is not None:
        subprocess.run(
            ["taskset", "-a", "-p", "-c", cpu, str(pid)], check=False, capture_output=True
        )


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Child:
    """A bench child process spoken to in JSON lines."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, module: str, args: list[str], cpu: str | None) -> Child:
        argv = [sys.executable, "-m", module, *args]
        if cpu is not None:
            argv = ["taskset", "-c", cpu, *argv]
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        return cls(proc)

    async def line(self, timeout: float = 300.0) -> str:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            raise RuntimeError(f"bench child exited ({self.proc.returncode})")
        return raw.decode()

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command).encode() + b"\n")
        await self.proc.stdin.drain()
        reply: dict[str, Any] = json.loads(await self.line())
        return reply

    async def stop(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write(b'{"op": "quit"}\n')
                self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def edge_viewers(url: str) -> float:
    """Sessions the edge holds (every codec path), from its /metrics."""
    _, body = await asyncio.to_thread(http_get, f"{url}/metrics")
    return sum(
        s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if s.name == "tncam_live_viewers"
    )


async def measure(
    viewers: Child, target: str, side: str, n: int, codecs: list[str], pid: int, window: float
) -> CpuRun:
    """Open N viewers, let them settle, measure the server's CPU and the pictures received."""
    opened = await viewers.ask({"op": "open", "target": target, "n": n, "codecs": codecs})
    await asyncio.sleep(SETTLE_S)
    first = await viewers.ask({"op": "count"})
    cpu0 = cpu_seconds(pid)
    await asyncio.sleep(window)
    cpu1 = cpu_seconds(pid)
    last = await viewers.ask({"op": "count"})
    await viewers.ask({"op": "close"})
    for failure in opened["failures"]:
        print(f"    failed viewer: {failure}", flush=True)
    run = CpuRun(
        side=side,
        n=n,
        opened=int(opened["opened"]),
        cpu_s=cpu1 - cpu0,
        window_s=float(last["at"] - first["at"]),
        frames=int(last["frames"] - first["frames"]),
        fps=FPS,
    )
    print(
        f"  {side} N={n}: {run.cpu_per_viewer_s:.4f} CPU s/viewer-s, real time "
        f"{run.real_time:.2f} (load {loadavg()})",
        flush=True,
    )
    return run


async def wait_edge_idle(url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while await edge_viewers(url) and time.monotonic() < deadline:  # noqa: ASYNC110 - polled
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # the fan-out and transcode stop with the last session


def edge_env(nats_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TNCAM_ENVIRONMENT": "test",
        "TNCAM_NATS_URL": nats_url,
        "TNCAM_LOG_LEVEL": "WARNING",
        "TNCAM_LIVE_ICE_HOST_ADDRESSES": "127.0.0.1",
        "TNCAM_LIVE_MAX_VIEWERS": "100",
        "TNCAM_LIVE_MAX_VIEWERS_PER_CAMERA": "100",
    }


async def run_all(args: argparse.Namespace, workdir: Path, bus: Bus, nats_url: str) -> None:
    """Start the edge, the viewers and the naive server; measure; stop them; the tables."""
    server_cpu, other_cpu = pinning()
    edge = ServiceProcess("live", env=edge_env(nats_url), log_dir=workdir)
    async with contextlib.AsyncExitStack() as stack:
        await asyncio.to_thread(edge.start)
        stack.push_async_callback(asyncio.to_thread, edge.stop)
        assert edge.pid is not None
        pin(edge.pid, server_cpu)
        viewers = await Child.start("tncam_live.bench_viewers", [nats_url, "", CAMERA], other_cpu)
        stack.push_async_callback(viewers.stop)
        naive = await Child.start("tncam_live.bench_naive", [nats_url, "", CAMERA], server_cpu)
        stack.push_async_callback(naive.stop)
        await naive.line(60.0)  # "ready"
        latency = await measure_latency(args, viewers, edge.url)
        edge_runs = await measure_edge(args, viewers, edge.pid, edge.url)
        naive_runs = await measure_naive(args, viewers, naive, bus)
    report(args, latency, edge_runs, naive_runs, pinned=server_cpu is not None)


async def measure_latency(args: argparse.Namespace, viewers: Child, url: str) -> dict[str, Any]:
    """Time to first frame over the joins, glass-to-glass of the viewer holding the camera."""
    print(f"time to first frame: {args.joins} joins (decoding viewers)", flush=True)
    latency = await viewers.ask(
        {"op": "ttff", "joins": args.joins, "max_delay": 2.0, "seed": args.seed}
    )
    for failure in latency["failures"]:
        print(f"    failed join: {failure}", flush=True)
    await wait_edge_idle(url)
    return latency


async def measure_edge(
    args: argparse.Namespace, viewers: Child, pid: int, url: str
) -> list[CpuRun]:
    """The edge's CPU by passthrough (H.265 offers) and through the transcode (H.264 only)."""
    runs: list[CpuRun] = []
    for side, counts, codecs in (
        ("passthrough", args.passthrough, ["H265"]),
        ("transcode", args.transcode, ["H264"]),
    ):
        for n in counts:
            runs.append(await measure(viewers, "edge", side, n, codecs, pid, args.seconds))
            await wait_edge_idle(url)
    return runs


async def measure_naive(
    args: argparse.Namespace, viewers: Child, naive: Child, bus: Bus
) -> list[CpuRun]:
    """The naive server's CPU at every N the edge was measured at."""
    runs: list[CpuRun] = []
    pid = naive.proc.pid
    for n in [] if args.no_naive else sorted({*args.passthrough, *args.transcode}):
        runs.append(await measure(viewers, "naive", "naive", n, ["H264"], pid, args.seconds))
        await bus.nc.request(NAIVE_CLOSE_SUBJECT, b"{}", timeout=10.0)
        await asyncio.sleep(1.0)
    return runs


def report(
    args: argparse.Namespace,
    latency: dict[str, Any],
    edge_runs: list[CpuRun],
    naive_runs: list[CpuRun],
    *,
    pinned: bool,
) -> None:
    print(f"\nload average after: {loadavg()}\n")
    for line in latency_lines(latency["ttff_s"], latency["g2g_ms"], args.joins):
        print(line)
    print()
    for line in cpu_lines(edge_runs, naive_runs):
        print(line)
    print(
        "\ncores: the server process's CPU over the window; CPU s/viewer-s: its CPU seconds"
        " per second of one viewer held;"
        " real time: pictures received / 25 per viewer per second; viewers/core: 1 / CPU"
        " seconds per viewer-second delivered (fair when a side falls behind); naive/edge:"
        " the ratio of those costs. Passthrough sends the camera's 1080p H.265; the edge's"
        " transcode is one shared H.265 -> H.264 (720p, libx264 veryfast); naive decodes"
        " and re-encodes per viewer with aiortc's own H.264 encoder at 1080p."
        + (" Server pinned to CPU 0, viewers/NATS/publisher to CPU 1." if pinned else "")
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tncam_live.bench", description=__doc__)
    p.add_argument("--seconds", type=float, default=10.0, help="CPU measurement window per run")
    p.add_argument("--joins", type=int, default=20, help="viewers joining for time to first frame")
    p.add_argument("--passthrough", type=int, nargs="+", default=[5, 10, 20], help="viewer counts")
    p.add_argument("--transcode", type=int, nargs="+", default=[1, 10], help="viewer counts")
    p.add_argument("--no-naive", action="store_true", help="skip the naive per-viewer server")
    p.add_argument("--bitrate", default="4M", help="the clip's H.265 bitrate")
    p.add_argument("--seed", type=int, default=13, help="the joins' random moments")
    args = p.parse_args(argv)
    print(f"load average before: {loadavg()}  (cores: {os.cpu_count()})", flush=True)
    clip = encode_clip(CLIP_CACHE, args.bitrate)
    units = read_access_units(clip)
    mbps = clip.stat().st_size * 8 / (len(units) / FPS) / 1e6
    print(f"clip: {clip.name}, {mbps:.1f} Mbit/s H.265 1080p{FPS}, keyframe every 2 s", flush=True)
    asyncio.run(_main(args, units))
    return 0


async def _main(args: argparse.Namespace, units: list[Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="tncam-bench-live-") as tmp:
        workdir = Path(tmp)
        nats = NatsServer(workdir / "nats")
        await asyncio.to_thread(nats.start)
        _, other_cpu = pinning()
        if nats.pid is not None:
            pin(nats.pid, other_cpu)
        pin(os.getpid(), other_cpu)
        bus = await connect(nats.url, name="live-bench", timeout=10.0)
        stop = asyncio.Event()
        publisher = asyncio.create_task(publish(bus.nc, "", CAMERA, units, stop))
        try:
            await run_all(args, workdir, bus, nats.url)
        finally:
            stop.set()
            await publisher
            await bus.close(timeout=5.0)
            await asyncio.to_thread(nats.stop)


if __name__ == "__main__":
    sys.exit(main())
