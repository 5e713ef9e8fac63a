"""``python -m tncam_ingest.bench_rss``: does one ingest process's memory grow under a steady load?

The soak (``make soak``) runs the whole mesh; this runs only ingest's hot path, the synthetic
packet source of ``tncam_ingest.bench_scale`` (recorded RTP/H.265 replayed at camera rate into
N ordinary sessions: depacketizer, segmenter, fMP4, snapshots decoded every minute, the
hand-off to a real ``nats-server``), in one child process for ``--minutes``, and every minute
samples, beside the RSS (the median of five readings a second apart, as the soak does):

- glibc's heap (``mallinfo2``, every arena): bytes in use, free bytes kept in the arenas
  (fragmentation: RSS that nothing uses), bytes in mmapped blocks (segment-sized buffers);
- Python's live objects: pymalloc's allocated blocks and ``gc`` objects counted by type (the
  types that grew most since the warm-up are printed at the end);
- with ``--tracemalloc``, the allocation sites whose live bytes grew most since the warm-up.

At the end: the least-squares slopes per 10 minutes after the warm-up of each series (the
soak's unit), the RSS at the end and the CPU per camera-second. ``--compare NAME=VALUE`` adds a
run of the same length with that in the child's environment (``MALLOC_ARENA_MAX=2``;
``GLIBC_TUNABLES=glibc.malloc.tcache_count=7``: glibc's default per-thread caches, which the
service turns off, ADR 0031), printed side by side. It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import dataclasses
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tncam_ingest.bench import cpu_seconds, memory_kb
from tncam_ingest.bench_replay import Recording, Replay
from tncam_ingest.bench_scale import (
    SEGMENT_S,
    Snapshots,
    _handoff_stream,
    _join,
    _sessions,
    spooled_handoff,
)
from tncam_ingest.bus.handoff import Drop
from tncam_ingest.media.allocator import Trimmer, libc, tune_process
from tncam_ingest.media.threads import LoopPoster
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import ensure_stream

MB = 1_000_000
WARMUP_MINUTES = 5.0
SERIES = ("rss", "rss_unmapped", "heap_used", "heap_free", "mmapped", "py_blocks", "gc_objects")
BYTES = {"rss", "rss_unmapped", "heap_used", "heap_free", "mmapped"}


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def mallinfo() -> dict[str, int]:
    """glibc's heap over every arena: used, free (kept), mmapped bytes ({} if not glibc)."""
    c = libc()  # loaded once (a CDLL per call would be this benchmark's growth)
    fn = getattr(c, "mallinfo2", None)
    if fn is None:  # not glibc, or older than 2.33
        return {}
    fn.restype = _MallInfo2
    mi = fn()
    return {"heap_used": mi.uordblks, "heap_free": mi.fordblks, "mmapped": mi.hblkhd}


@dataclass
class Sample:
    minute: float
    values: dict[str, float]
    types: dict[str, int] = field(default_factory=dict)


def take_sample(minute: float, n: int = 5, gap_s: float = 1.0) -> Sample:
    """One minute's sample, each memory figure the median of ``n`` readings ``gap_s`` apart
    (blocking: called in a thread)."""
    readings: list[dict[str, int]] = []
    for i in range(n):
        if i:
            time.sleep(gap_s)
        r = {"rss": memory_kb(os.getpid())[0] * 1024, **mallinfo()}
        if "mmapped" in r:  # segment-sized buffers come and go by megabytes: leave them out
            r["rss_unmapped"] = r["rss"] - r["mmapped"]
        readings.append(r)
    values: dict[str, float] = {k: statistics.median(r[k] for r in readings) for k in readings[0]}
    values["cpu_s"] = cpu_seconds(os.getpid())
    values["py_blocks"] = sys.getallocatedblocks()
    objs = gc.get_objects()
    values["gc_objects"] = len(objs)
    types = Counter(type(o).__qualname__ for o in objs)
    del objs
    return Sample(minute, values, dict(types))


def slope_per_10min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``points`` (minute, value), per 10 minutes; None if < 2 points."""
    n = len(points)
    if n < 2:
        return None
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return None
    return 10 * sum((t - mt) * (v - mv) for t, v in points) / var


def growth(samples: list[Sample], warmup: float) -> dict[str, float | None]:
    """Each series' slope per 10 minutes after ``warmup`` (bytes, blocks or objects)."""
    kept = [s for s in samples if s.minute >= warmup]
    return {
        k: slope_per_10min([(s.minute, s.values[k]) for s in kept if k in s.values]) for k in SERIES
    }


def grown_types(samples: list[Sample], warmup: float, top: int = 8) -> list[tuple[str, int]]:
    """The object types whose count grew most from the first sample after warm-up to the last."""
    kept = [s for s in samples if s.minute >= warmup]
    if len(kept) < 2:
        return []
    first, last = kept[0].types, kept[-1].types
    diff = {t: last.get(t, 0) - first.get(t, 0) for t in set(first) | set(last)}
    return sorted(((t, d) for t, d in diff.items() if d > 0), key=lambda x: -x[1])[:top]


def _trace_top(base: tracemalloc.Snapshot | None, top: int = 10) -> list[str]:
    if base is None:
        return []
    now = tracemalloc.take_snapshot()
    stats = now.compare_to(base, "traceback")
    return [
        f"{s.size_diff / 1024:+.1f} KiB ({s.count_diff:+d}) " + " <- ".join(s.traceback.format())
        for s in stats[:top]
    ]


async def run_child(  # long: the fleet set up, the minute loop and the tear-down read as one
    n: int, minutes: float, nats_url: str, recording: Path, trace: bool, snapshot_s: float
) -> dict[str, object]:
    """N replayed cameras for ``minutes``, sampled each minute; the figures as JSON."""
    if trace:
        tracemalloc.start(8)
    source = Replay(Recording.load(recording))
    ns = f"r{os.getpid()}"
    bus = await connect(nats_url, name="ingest-rss-bench")
    await ensure_stream(bus.js, _handoff_stream(ns))
    drops: list[Drop] = []
    samples: list[Sample] = []
    base: tracemalloc.Snapshot | None = None
    with tempfile.TemporaryDirectory(prefix="tncam-rss-spool-") as spool_dir:
        handoff = spooled_handoff(bus.js, ns, spool_dir, drops)
        stop = asyncio.Event()
        runner = asyncio.create_task(handoff.run(stop))
        snap = Snapshots(snapshot_s or 60.0)
        sessions = _sessions(
            n, source, LoopPoster(asyncio.get_running_loop()), handoff.submit, snap
        )
        threads = [threading.Thread(target=s.run, name=f"syn-{i}") for i, s in enumerate(sessions)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
            await asyncio.sleep(SEGMENT_S / n)
        asker = asyncio.create_task(snap.ask(sessions) if snapshot_s else asyncio.sleep(0))
        minute = 1
        while minute <= minutes:
            await asyncio.sleep(max(0.0, t0 + 60 * minute - time.monotonic()))
            s = await asyncio.to_thread(take_sample, float(minute))
            if len(samples) >= 2 and samples[-2].minute >= WARMUP_MINUTES:
                samples[-1].types = {}  # only the first after warm-up and the last are compared:
                # the counts kept every minute would be growth of this benchmark's own
            samples.append(s)
            if trace and base is None and minute >= WARMUP_MINUTES:
                base = await asyncio.to_thread(tracemalloc.take_snapshot)
            print(_progress(s), file=sys.stderr, flush=True)
            minute += 1
        top = await asyncio.to_thread(_trace_top, base)
        asker.cancel()
        for sess in sessions:
            sess.stop()
        await asyncio.to_thread(_join, threads)
        stop.set()
        await runner
    await bus.js.delete_stream(_handoff_stream(ns).name)
    await bus.close(timeout=5.0)
    return {
        "samples": [dataclasses.asdict(s) for s in samples],
        "cameras": n,
        "handed_off": handoff.published,
        "dropped": len(drops),
        "trace": top,
    }


def _progress(s: Sample) -> str:
    v = s.values
    cells = [
        f"{k} {v[k] / MB:.1f} MB"
        for k in ("rss", "rss_unmapped", "heap_used", "heap_free", "mmapped")
        if k in v
    ]
    return f"  min {s.minute:3.0f}: " + ", ".join(cells) + f", gc objects {v['gc_objects']:.0f}"


def cpu_ms_per_cam_s(samples: list[Sample], warmup: float, cameras: int) -> float | None:
    """CPU (utime + stime) per camera-second between the first sample after warm-up and the last."""
    kept = [s for s in samples if s.minute >= warmup and "cpu_s" in s.values]
    if len(kept) < 2 or cameras < 1:
        return None
    cpu = kept[-1].values["cpu_s"] - kept[0].values["cpu_s"]
    return 1000 * cpu / (60 * (kept[-1].minute - kept[0].minute)) / cameras


@dataclass
class Run:
    """One child's figures (its JSON output)."""

    label: str
    cameras: int
    handed_off: int
    dropped: int
    samples: list[Sample]
    trace: list[str]

    @classmethod
    def from_json(cls, label: str, data: dict[str, Any]) -> Run:
        samples = [Sample(**s) for s in data["samples"]]
        return cls(
            label, data["cameras"], data["handed_off"], data["dropped"], samples, data["trace"]
        )


def side_by_side(runs: list[Run], warmup: float) -> list[str]:
    """The slopes per 10 minutes after warm-up of each run, one column per run."""
    cols = [growth(r.samples, warmup) for r in runs]
    lines = [f"{'per 10 min after warm-up':<26}" + "".join(f"{r.label:>24}" for r in runs)]
    for k in SERIES:
        cells = []
        for g in cols:
            v = g[k]
            cells.append(
                "n/a" if v is None else (f"{v / MB:+.2f} MB" if k in BYTES else f"{v:+.0f}")
            )
        lines.append(f"{k:<26}" + "".join(f"{c:>24}" for c in cells))
    last = [f"{r.samples[-1].values['rss'] / MB:.1f} MB" if r.samples else "n/a" for r in runs]
    lines.append(f"{'RSS at the end':<26}" + "".join(f"{c:>24}" for c in last))
    cpu = [cpu_ms_per_cam_s(r.samples, warmup, r.cameras) for r in runs]
    lines.append(
        f"{'CPU ms per camera-second':<26}"
        + "".join(f"{'n/a' if c is None else f'{c:.2f}':>24}" for c in cpu)
    )
    handed = [f"{r.handed_off} / {r.dropped}" for r in runs]
    lines.append(f"{'segments handed / dropped':<26}" + "".join(f"{c:>24}" for c in handed))
    for r in runs:
        grown = grown_types(r.samples, warmup)
        if grown:
            lines.append(f"{r.label}: types grown: " + ", ".join(f"{t} +{d}" for t, d in grown))
        lines += [f"{r.label}: {t}" for t in r.trace]
    return lines


def _variants(compare: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The runs: as the service runs, then one per ``--compare NAME=VALUE`` (its environment)."""
    runs: list[tuple[str, dict[str, str]]] = [("service", {})]
    for kv in compare:
        name, _, value = kv.partition("=")
        runs.append((kv, {name: value}))
    return runs


def _run_all(args: argparse.Namespace) -> list[Run]:
    """Each run in a child process of its own, with a fresh ``nats-server``, one after another."""
    from tncam_ingest.bench_scale import recording_for
    from tncam_testkit.nats import NatsServer

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="tncam-rss-") as tmp:
        rec = recording_for(args.bitrate, Path(tmp))
        for label, extra in _variants(args.compare):
            print(f"{label}: {args.n} cameras for {args.minutes:g} min", flush=True)
            with NatsServer(Path(tmp) / f"nats-{len(runs)}") as nats:
                child = [sys.executable, "-m", "tncam_ingest.bench_rss", "--child", str(args.n)]
                child += ["--minutes", str(args.minutes), "--nats", nats.url]
                child += ["--recording", str(rec)]
                child += ["--tracemalloc"] if args.tracemalloc else []
                child += ["--snapshot-s", str(args.snapshot_s), "--trim-s", str(args.trim_s)]
                out = subprocess.run(
                    child, check=True, stdout=subprocess.PIPE, text=True, env=os.environ | extra
                )
            runs.append(Run.from_json(label, json.loads(out.stdout.strip().splitlines()[-1])))
    return runs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tncam_ingest.bench_rss", description=__doc__)
    p.add_argument("--n", type=int, default=64, help="cameras")
    p.add_argument("--minutes", type=float, default=16.0, help="length of each run")
    p.add_argument(
        "--warmup", type=float, default=WARMUP_MINUTES, help="minutes left out of the fit"
    )
    p.add_argument("--bitrate", default="4M", help="H.265 clip bitrate")
    p.add_argument("--tracemalloc", action="store_true", help="allocation sites that grew")
    p.add_argument(
        "--snapshot-s", type=float, default=60.0, help="snapshot interval (service); 0: none"
    )
    p.add_argument(
        "--trim-s", type=float, default=0.0, help="malloc_trim(0) this often (s); 0: never"
    )
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another run with this in its environment (e.g. MALLOC_ARENA_MAX=2), side by side",
    )
    p.add_argument("--json", type=Path, help="also write the samples here")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--nats", help=argparse.SUPPRESS)
    p.add_argument("--recording", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        tune_process([sys.executable, *sys.orig_argv[1:]])  # as the service starts
        trimmer = Trimmer(args.trim_s).start() if args.trim_s > 0 else None
        res = asyncio.run(
            run_child(
                args.child,
                args.minutes,
                args.nats,
                args.recording,
                args.tracemalloc,
                args.snapshot_s,
            )
        )
        if trimmer is not None:
            trimmer.stop()
            print(f"malloc_trim: {trimmer.rounds} rounds, {trimmer.seconds:.3f} s", file=sys.stderr)
        print(json.dumps(res))
        return 0
    runs = _run_all(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([dataclasses.asdict(r) for r in runs]))
    print("\n".join(side_by_side(runs, args.warmup)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
