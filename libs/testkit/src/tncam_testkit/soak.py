"""``make soak``: the whole mesh with a camera fleet for a long while, its growth measured.

Starts what ``make run`` starts (``Stack``: NATS, PostgreSQL, S3, the simulated cameras, the six
services; 64 cameras by default), imports the fleet, then every minute samples the RSS of every
service process with its children (ingest's workers; the median of 5 readings 1 s apart), the
messages and bytes of every NATS stream (JetStream API), the size of every table of the
services' schemas (``pg_total_relation_size``) and the object count of every bucket. Each
sample is one row of the progress table and lines of ``var/soak/{rss,nats,postgres,s3}.csv``.
At the end: the slopes (least squares after the warm-up) per 10 minutes, each service's RSS
growth against the target (< 1 MB/10 min), also in ``var/soak/summary.txt``. Exits 1 when a
service fails the target or exits. Not part of ``make test`` (it takes ``--minutes``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import signal
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from tncam_testkit import soak_probe as probe
from tncam_testkit import soak_stats as stats
from tncam_testkit.services import REPO_ROOT, SERVICES
from tncam_testkit.stack import Stack

SCHEMAS = ("registry", "recorder", "audit", "gateway")
CSV_HEADERS = {
    "rss": ("minute", "service", "rss_bytes"),
    "nats": ("minute", "stream", "messages", "bytes"),
    "postgres": ("minute", "schema", "table", "bytes"),
    "s3": ("minute", "bucket", "objects"),
}
Series = list[tuple[float, float]]
#: One RSS sample is the median of this many readings, RSS_READING_GAP_S apart.
RSS_READINGS = 5
RSS_READING_GAP_S = 1.0


@dataclass
class SoakLog:
    """Every sample: kept as series for the slopes and appended to the CSV files."""

    out_dir: Path
    rss: dict[str, Series] = field(default_factory=lambda: defaultdict(list))
    stream_msgs: dict[str, Series] = field(default_factory=lambda: defaultdict(list))
    stream_bytes: dict[str, Series] = field(default_factory=lambda: defaultdict(list))
    tables: dict[str, Series] = field(default_factory=lambda: defaultdict(list))
    objects: dict[str, Series] = field(default_factory=lambda: defaultdict(list))
    _files: dict[str, IO[str]] = field(default_factory=dict)

    def open(self) -> None:
        """Start the CSV files afresh (a previous soak's are replaced)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name in CSV_HEADERS:
            f = (self.out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8")
            f.write(",".join(CSV_HEADERS[name]) + "\n")
            self._files[name] = f

    def close(self) -> None:
        for f in self._files.values():
            f.close()

    def _write(self, name: str, rows: list[tuple[object, ...]]) -> None:
        f = self._files[name]
        csv.writer(f).writerows(rows)
        f.flush()

    def sample(self, stack: Stack, minute: float) -> None:
        """Probe everything once and record it at ``minute``."""
        m = round(minute, 3)
        rss = stats.median_readings([self._rss_reading(stack, i) for i in range(RSS_READINGS)])
        streams = asyncio.run(probe.nats_streams(stack.env["TNCAM_NATS_URL"]))
        tables = asyncio.run(probe.table_sizes(stack.admin_dsn, SCHEMAS))
        buckets = probe.bucket_objects(
            stack.env["TNCAM_S3_ENDPOINT"],
            stack.env["TNCAM_S3_ACCESS_KEY"],
            stack.env["TNCAM_S3_SECRET_KEY"],
        )
        for name, value in rss.items():
            self.rss[name].append((m, value))
        for s in streams:
            self.stream_msgs[s.name].append((m, s.messages))
            self.stream_bytes[s.name].append((m, s.bytes))
        for t in tables:
            self.tables[f"{t.schema}.{t.table}"].append((m, t.bytes))
        for bucket, count in buckets.items():
            self.objects[bucket].append((m, count))
        self._write("rss", [(m, n, v) for n, v in rss.items()])
        self._write("nats", [(m, s.name, s.messages, s.bytes) for s in streams])
        self._write("postgres", [(m, t.schema, t.table, t.bytes) for t in tables])
        self._write("s3", [(m, b, c) for b, c in buckets.items()])

    @staticmethod
    def _rss_reading(stack: Stack, i: int) -> dict[str, int]:
        if i:
            time.sleep(RSS_READING_GAP_S)
        parents = probe.process_parents()
        return {
            name: probe.tree_rss_bytes(proc.pid, parents)
            for name, proc in stack.services.items()
            if proc.pid is not None
        }

    def progress_headers(self) -> list[str]:
        return ["min", *(f"{n} MB" for n in SERVICES), "NATS msgs", "NATS MB", "PG MB", "S3 objs"]

    def progress_row(self) -> list[str]:
        """The newest sample as one row of the progress table."""
        minute = next(iter(self.rss.values()))[-1][0]
        return [
            f"{minute:.1f}",
            *(f"{last(self.rss[n]) / stats.MB:.1f}" for n in SERVICES),
            f"{sum(last(s) for s in self.stream_msgs.values()):.0f}",
            f"{sum(last(s) for s in self.stream_bytes.values()) / stats.MB:.1f}",
            f"{sum(last(s) for s in self.tables.values()) / stats.MB:.1f}",
            f"{sum(last(s) for s in self.objects.values()):.0f}",
        ]


def last(series: Series) -> float:
    """The newest value of a series (0 before the first sample)."""
    return series[-1][1] if series else 0.0


def _largest_tables(tables: dict[str, Series]) -> list[str]:
    """The TOP_TABLES largest tables (at the last sample) of each schema."""
    by_schema: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for name, series in tables.items():
        by_schema[name.split(".", 1)[0]].append((series[-1][1], name))
    return [
        name
        for schema in sorted(by_schema)
        for _, name in sorted(by_schema[schema], reverse=True)[: probe.TOP_TABLES]
    ]


def summary(log: SoakLog, warmup: float) -> tuple[str, bool]:
    """The slopes after warm-up as text, and whether every service met the RSS target."""
    verdicts = stats.rss_verdicts(log.rss, warmup_minutes=warmup)
    parts = [
        f"RSS per service (children included), least squares after {warmup:g} min of warm-up, "
        f"target < {stats.RSS_TARGET_MB_PER_10MIN:g} MB/10 min:",
        stats.table(
            ["service", "MB at warm-up end", "MB at end", "MB/10 min", "verdict"],
            [
                (v.name, f"{v.first_mb:.1f}", f"{v.last_mb:.1f}", fmt(v.mb_per_10min), v.label)
                for v in verdicts
            ],
        ),
        "\nNATS streams (growth per 10 min):",
        stats.table(
            ["stream", "messages", "MB", "messages/10 min", "MB/10 min"],
            [
                (
                    name,
                    f"{log.stream_msgs[name][-1][1]:.0f}",
                    f"{log.stream_bytes[name][-1][1] / stats.MB:.2f}",
                    fmt(stats.per_10min(log.stream_msgs[name], warmup), 0),
                    fmt(_mb(stats.per_10min(log.stream_bytes[name], warmup))),
                )
                for name in sorted(log.stream_msgs)
            ],
        ),
        f"\nPostgreSQL, the {probe.TOP_TABLES} largest tables per schema (growth per 10 min):",
        stats.table(
            ["table", "MB", "MB/10 min"],
            [
                (
                    name,
                    f"{log.tables[name][-1][1] / stats.MB:.2f}",
                    fmt(_mb(stats.per_10min(log.tables[name], warmup)), 3),
                )
                for name in _largest_tables(log.tables)
            ],
        ),
        "\nS3 buckets (growth per 10 min):",
        stats.table(
            ["bucket", "objects", "objects/10 min"],
            [
                (b, f"{s[-1][1]:.0f}", fmt(stats.per_10min(s, warmup), 0))
                for b, s in sorted(log.objects.items())
            ],
        ),
    ]
    return "\n".join(parts), all(v.passed for v in verdicts)


def fmt(value: float | None, digits: int = 2) -> str:
    return stats.fmt_rate(value, digits)


def _mb(value: float | None) -> float | None:
    return None if value is None else value / stats.MB


def _stop_event() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, handler)
    return stop


def soak(stack: Stack, log: SoakLog, *, minutes: float, stop: threading.Event) -> str | None:
    """Sample every minute for ``minutes``; the reason it ended early, if it did."""
    started = time.monotonic()
    headers = log.progress_headers()
    widths = [max(len(h), 7) for h in headers]
    print(stats.line(headers, widths), "  ".join("-" * w for w in widths), sep="\n", flush=True)
    k = 0
    while True:
        log.sample(stack, (time.monotonic() - started) / 60)
        print(stats.line(log.progress_row(), widths), flush=True)
        dead = [n for n, p in stack.services.items() if not p.running]
        if dead:
            return f"{', '.join(dead)} exited (logs in {stack.state_dir / 'logs'})"
        k += 1
        if k > minutes:
            return None
        if stop.wait(max(0.0, started + 60 * k - time.monotonic())):
            return "interrupted"


def main(argv: list[str] | None = None) -> int:
    """Run the soak; exit 1 when a service's RSS grows past the target or a service exits."""
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--cameras", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=stats.WARMUP_MINUTES, help="minutes")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "soak")
    args = parser.parse_args(argv)
    stop = _stop_event()
    # A shared machine under load can take more than make run's 30 s to make a service ready.
    stack = Stack(
        args.out / "stack", cameras=args.cameras, h264=(args.cameras,), ready_timeout=120.0
    )
    log = SoakLog(args.out)
    try:
        stack.start()
        stack.import_fleet()
        print(f"\nsoak: {args.cameras} cameras for {args.minutes:g} min, samples every minute")
        log.open()
        ended = soak(stack, log, minutes=args.minutes, stop=stop)
    except Exception as e:  # the stack's start-up failures, told plainly
        print(f"\nerror: {e}", file=sys.stderr)
        return 1
    finally:
        log.close()
        stack.stop()
    text, passed = summary(log, args.warmup)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\n{text}\n\nsamples: {args.out}/*.csv")
    if ended is not None:
        print(f"error: the soak ended early: {ended}", file=sys.stderr)
        return 1
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
