"""``python -m tncam_registry.bench``: report generation and filtered listing, p50/p95 vs targets.

Starts a throwaway PostgreSQL (``tncam_testkit.postgres.PostgresServer``), migrates the registry
schema with the real migrations, seeds the reference data, then:

* the connection report for 92 communes x 3 site kinds x 10 cameras = 2,760 cameras, built and
  rendered (JSON, CSV, XLSX, HTML) — target < 1 s at p95;
* the same report ``as_of`` one year back, over a year of state history of those 2,760 cameras
  (two transitions a day each, ~2 million rows), recomputed in the database — target < 5 s;
* the report over a fleet of 10,000 cameras (the three columns, public places, and the
  provincial service center's and a sector center's cameras) as JSON, XLSX and PDF — target
  < 2 s each at p95;
* a page of 50 cameras with filters (commune, site kind, state, sector, text) over that fleet
  — target < 50 ms at p95.
* the annual report of the same 92 communes with a year of history (``bench_annual``), JSON,
  XLSX and PDF — target < 10 s each;
* the stream statistics of the 10,000 cameras (``bench_events``): one per camera per 10 s is
  1,000 a second to apply — the rate of 2,000 of them serially (one consumer) and 4 at a time;

The operations run through the same use-case code the NATS endpoints call (without the NATS
round trip, which adds well under a millisecond locally). Options: ``--runs N``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_contracts.units import commune_unit_id
from tncam_mesh.db import create_engine, service_url, session_factory
from tncam_mesh.migrations import upgrade
from tncam_registry.bench_annual import bench_annual
from tncam_registry.bench_events import bench_stats
from tncam_registry.bus.outbox import Outbox
from tncam_registry.db.annual_fleet import fleet_ids
from tncam_registry.db.credentials import CredentialBox
from tncam_registry.db.fleet import delete_fleet, insert_fleet, insert_history
from tncam_registry.domain.calendar import WorkingCalendar
from tncam_registry.domain.model import SiteKind, default_site_id
from tncam_registry.metrics import RegistryMetrics
from tncam_registry.service.cameras import list_cameras
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.reference import seed
from tncam_registry.service.reports import connection_report

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
ADMIN = actor_pb2.Actor(id="bench", role=actor_pb2.ROLE_PROVINCE_ADMIN)
STATES = ("connected", "connected", "connected", "lost", "never", "unstable")
REPORT_KINDS = [SiteKind.SERVICE_CENTER, SiteKind.COMMITTEE_HQ, SiteKind.SQUARE]
KINDS = [*REPORT_KINDS, SiteKind.PUBLIC_PLACE, SiteKind.SECTOR_SITE]
#: Owners of some of the big fleet's cameras: the provincial center, a sector center.
SECTION_OWNERS = {SiteKind.SERVICE_CENTER: "ttpvhcc-tinh", SiteKind.SECTOR_SITE: "ttdh-y-te"}


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (seconds)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


def _site_row(commune_code: str, kind: SiteKind) -> dict[str, Any]:
    sid = default_site_id(commune_code, kind)
    return {
        "id": sid,
        "name": sid,
        "kind": kind.value,
        "commune_code": commune_code,
        "unit_id": commune_unit_id(commune_code),
        "notice_required": kind.notice_required,
    }


def _camera_row(
    cid: str, commune_code: str, kind: SiteKind, i: int, now: dt.datetime
) -> dict[str, Any]:
    return {
        "id": cid,
        "name": f"Camera {i}",
        "site_id": default_site_id(commune_code, kind),
        "owner_unit_id": SECTION_OWNERS.get(kind, commune_unit_id(commune_code))
        if i % 4 == 0
        else commune_unit_id(commune_code),
        "sectors": ["traffic"] if kind == SiteKind.SQUARE else [],
        "rtsp_url": f"rtsp://10.0.{int(commune_code)}.{i}/1",
        "rtsp_sub_url": "",
        "onvif_url": "",
        "vendor": "Hikvision",
        "model": "DS-2CD",
        "firmware": "",
        "declared_codec": "hevc",
        "resolution": "1920x1080",
        "qcvn135_cert": "Q-1",
        "onvif_version": "2.6",
        "retention_days": 30,
        "location": "",
        "active": True,
        "revision": 1,
        "created_at": now,
        "updated_at": now,
    }


def _connection_row(cid: str, state: str) -> dict[str, Any]:
    return {
        "camera_id": cid,
        "state": state,
        "connected": state in ("connected", "unstable"),
        "ever_connected": state != "never",
        "last_stream_seq": 0,
        "last_reason": "",
        "last_detail": "",
        "measured_codec": "hevc",
        "measured_width": 1920,
        "measured_height": 1080,
        "measured_fps": 25.0,
        "measured_bitrate_bps": 4_000_000,
    }


async def seed_fleet(
    ctx: RegistryContext, per_kind: int, kinds: list[SiteKind], prefix: str
) -> int:
    """Insert cameras directly (the import path is not what is measured here)."""
    rng = random.Random(42)  # noqa: S311 - a reproducible fleet, not security
    now = dt.datetime.now(dt.UTC)
    cam_rows, conn_rows, site_rows = [], [], []
    for commune in ctx.ref.communes:
        for kind in kinds:
            site_rows.append(_site_row(commune.code, kind))
            for i in range(per_kind):
                cid = f"{prefix}-{commune.code}-{kind.value}-{i:03d}"
                cam_rows.append(_camera_row(cid, commune.code, kind, i, now))
                conn_rows.append(_connection_row(cid, rng.choice(STATES)))
    await insert_fleet(ctx.sessions, site_rows, cam_rows, conn_rows)
    return len(cam_rows)


def _line(label: str, samples: list[float], target_s: float) -> bool:
    p50, p95 = percentiles(samples)
    good = p95 < target_s
    print(
        f"  {label:28s} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
        f"  target p95 < {target_s * 1000:.0f} ms  {'OK' if good else 'MISSED'}"
    )
    return good


async def bench_report(
    ctx: RegistryContext,
    runs: int,
    formats: tuple[service_pb2.ReportFormat, ...],
    target_s: float,
    as_of: dt.datetime | None = None,
) -> bool:
    """The connection report in ``formats`` over the fleet in the database."""
    ok = True
    for fmt in formats:
        report_req = service_pb2.GetConnectionReportRequest(actor=ADMIN, format=fmt)
        if as_of is not None:
            report_req.as_of.FromDatetime(as_of)
        await connection_report(ctx, report_req)  # warm up
        name = service_pb2.ReportFormat.Name(fmt).removeprefix("REPORT_FORMAT_")
        label = f"report {name}" + (" as_of -1 year" if as_of else "")
        samples = await timed(functools.partial(connection_report, ctx, report_req), runs)
        ok &= _line(label, samples, target_s)
    return ok


async def bench_history(ctx: RegistryContext, runs: int) -> bool:
    """The report as of one year back over a year (and a month) of state history."""
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=395)
    t0 = time.perf_counter()
    n = await insert_history(ctx.sessions, start, dt.timedelta(hours=12), 395 * 2)
    print(
        f"state history: {n} transitions from {start:%Y-%m-%d} ({time.perf_counter() - t0:.0f} s)"
    )
    as_of = now - dt.timedelta(days=365)
    req = service_pb2.GetConnectionReportRequest(actor=ADMIN)
    req.as_of.FromDatetime(as_of)
    past = (await connection_report(ctx, req)).report
    counted = sum(
        c.cameras for r in past.rows for c in (r.service_center, r.committee_hq, r.square)
    ) + sum(u.cameras.cameras for u in past.service_centers)
    print(f"  as_of {as_of:%Y-%m-%d %H:%M} UTC counts {counted} cameras")
    return await bench_report(
        ctx, max(3, runs // 4), (service_pb2.REPORT_FORMAT_JSON,), 5.0, as_of=as_of
    )


async def bench_list(ctx: RegistryContext, runs: int) -> bool:
    """A page of 50 cameras under several filter sets, and a second page."""
    filters = [
        service_pb2.ListCamerasRequest(actor=ADMIN),
        service_pb2.ListCamerasRequest(actor=ADMIN, commune_codes=["17"]),
        service_pb2.ListCamerasRequest(
            actor=ADMIN, site_kinds=["square"], states=[camera_state_pb2.CAMERA_STATE_LOST]
        ),
        service_pb2.ListCamerasRequest(
            actor=ADMIN, sector="traffic", states=[camera_state_pb2.CAMERA_STATE_NEVER]
        ),
        service_pb2.ListCamerasRequest(
            actor=ADMIN,
            owner_unit_id=commune_unit_id("42"),
            site_kinds=["committee_hq", "service_center"],
        ),
        service_pb2.ListCamerasRequest(actor=ADMIN, text="camera 7"),
    ]
    samples: list[float] = []
    for req in filters:
        req.page_size = 50
        await list_cameras(ctx, req)
        samples += await timed(functools.partial(list_cameras, ctx, req), max(runs, 30))
    second = service_pb2.ListCamerasRequest(actor=ADMIN, page_size=50)
    second.page_token = (await list_cameras(ctx, second)).next_page_token
    samples += await timed(lambda: list_cameras(ctx, second), max(runs, 30))
    p50, p95 = percentiles(samples)
    good = p95 < 0.050
    print(
        f"  list page (50, {len(filters) + 1} filter sets, {len(samples)} calls)"
        f"  p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  target p95 < 50 ms"
        f"  {'OK' if good else 'MISSED'}"
    )
    return good


async def bench(base_url: str, password: str, runs: int) -> bool:
    engine = create_engine(
        service_url(base_url, user="tncam_registry", password=password),
        schema="registry",
        pool_size=5,
        application_name="tncam-registry-bench",
    )
    from prometheus_client import CollectorRegistry

    ctx = RegistryContext(
        sessions=session_factory(engine),
        box=CredentialBox(secrets.token_urlsafe(32)),  # throwaway key: bench data only
        calendar=WorkingCalendar(),
        outbox=Outbox("", audit_subject="bench"),
        relay=None,
        metrics=RegistryMetrics(CollectorRegistry()),
    )
    try:
        await seed(ctx)
        n = await seed_fleet(ctx, 10, REPORT_KINDS, "r")
        print(f"report fleet: {n} cameras in {len(ctx.ref.communes)} communes")
        f = service_pb2
        fast = (
            f.REPORT_FORMAT_JSON,
            f.REPORT_FORMAT_CSV,
            f.REPORT_FORMAT_XLSX,
            f.REPORT_FORMAT_HTML,
        )
        ok = await bench_report(ctx, runs, fast, 1.0)
        ok &= await bench_history(ctx, runs)
        ok &= await bench_annual(ctx, await fleet_ids(ctx.sessions), max(3, runs // 5), timed)
        await delete_fleet(ctx.sessions)
        per_kind = -(-10_000 // (len(ctx.ref.communes) * len(KINDS)))
        n = await seed_fleet(ctx, per_kind, KINDS, "l")
        print(f"big fleet: {n} cameras (every site kind, section owners)")
        big = (f.REPORT_FORMAT_JSON, f.REPORT_FORMAT_XLSX, f.REPORT_FORMAT_PDF)
        ok &= await bench_report(ctx, max(5, runs // 2), big, 2.0)
        ok &= await bench_list(ctx, runs)
        ok &= await bench_stats(ctx)
    finally:
        await engine.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tncam_registry.bench")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    from tncam_testkit.postgres import PostgresServer

    with (
        tempfile.TemporaryDirectory(prefix="tncam-registry-bench-") as tmp,
        PostgresServer(Path(tmp)) as pg,
    ):
        password = secrets.token_urlsafe(16)
        asyncio.run(
            upgrade(
                pg.dsn(),
                script_location=MIGRATIONS,
                schema="registry",
                role="tncam_registry",
                role_password=password,
            )
        )
        base = f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
        ok = asyncio.run(bench(base, password, args.runs))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
