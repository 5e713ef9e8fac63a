"""``python -m tncam_registry.bench``: report generation and filtered listing, p50/p95 vs targets.

Starts a throwaway PostgreSQL (``tncam_testkit.postgres.PostgresServer``), migrates the registry
schema with the real migrations, seeds the reference data, then:

* the connection report for 92 communes x 3 site kinds x 10 cameras = 2,760 cameras, built and
  rendered (JSON, CSV, XLSX) — target < 1 s at p95;
* a page of 50 cameras with filters (commune, site kind, state, sector, text) over a fleet of
  10,000 cameras — target < 50 ms at p95.

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

import sqlalchemy as sa

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_mesh.db import create_engine, service_url, session_factory
from tncam_mesh.migrations import upgrade
from tncam_registry.bus.outbox import Outbox
from tncam_registry.crypto import CredentialBox
from tncam_registry.db.tables import camera_connection, cameras, sites
from tncam_registry.domain import report as rep
from tncam_registry.domain.calendar import WorkingCalendar
from tncam_registry.domain.model import SiteKind, commune_unit_id, default_site_id
from tncam_registry.metrics import RegistryMetrics
from tncam_registry.service import Registry

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
ADMIN = actor_pb2.Actor(id="bench", role=actor_pb2.ROLE_PROVINCE_ADMIN)
STATES = ("connected", "connected", "connected", "lost", "never", "unstable")
KINDS = [k for k, _, _ in rep.REPORT_KINDS] + [SiteKind.PUBLIC_PLACE]


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


async def seed_fleet(registry: Registry, per_kind: int, kinds: list[SiteKind], prefix: str) -> int:
    """Insert cameras directly (the import path is not what is measured here)."""
    rng = random.Random(42)  # noqa: S311 - a reproducible fleet, not security
    now = dt.datetime.now(dt.UTC)
    cam_rows, conn_rows, site_rows = [], [], []
    for commune in registry.ref.communes:
        for kind in kinds:
            sid = default_site_id(commune.code, kind)
            site_rows.append(
                {
                    "id": sid,
                    "name": sid,
                    "kind": kind.value,
                    "commune_code": commune.code,
                    "unit_id": commune_unit_id(commune.code),
                    "notice_required": kind.notice_required,
                }
            )
            for i in range(per_kind):
                cid = f"{prefix}-{commune.code}-{kind.value}-{i:03d}"
                cam_rows.append(
                    {
                        "id": cid,
                        "name": f"Camera {i}",
                        "site_id": sid,
                        "owner_unit_id": commune_unit_id(commune.code),
                        "sectors": ["traffic"] if kind == SiteKind.SQUARE else [],
                        "rtsp_url": f"rtsp://10.0.{int(commune.code)}.{i}/1",
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
                )
                state = rng.choice(STATES)
                conn_rows.append(
                    {
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
                )
    async with registry.sessions() as s:
        await s.execute(sa.dialects.postgresql.insert(sites).on_conflict_do_nothing(), site_rows)
        for i in range(0, len(cam_rows), 2000):
            await s.execute(sa.insert(cameras), cam_rows[i : i + 2000])
            await s.execute(sa.insert(camera_connection), conn_rows[i : i + 2000])
        await s.commit()
        await s.execute(sa.text("ANALYZE"))
    return len(cam_rows)


async def clear(registry: Registry) -> None:
    async with registry.sessions() as s:
        await s.execute(sa.delete(camera_connection))
        await s.execute(sa.delete(cameras))
        await s.commit()


async def bench(base_url: str, password: str, runs: int) -> bool:
    engine = create_engine(
        service_url(base_url, user="tncam_registry", password=password),
        schema="registry",
        pool_size=5,
        application_name="tncam-registry-bench",
    )
    from prometheus_client import CollectorRegistry

    registry = Registry(
        sessions=session_factory(engine),
        box=CredentialBox(secrets.token_urlsafe(32)),  # throwaway key: bench data only
        calendar=WorkingCalendar(),
        outbox=Outbox("", audit_subject="bench"),
        relay=None,
        metrics=RegistryMetrics(CollectorRegistry()),
    )
    ok = True
    try:
        await registry.seed()
        n = await seed_fleet(registry, 10, [k for k, _, _ in rep.REPORT_KINDS], "r")
        print(f"report fleet: {n} cameras in {len(registry.ref.communes)} communes")
        for fmt in (
            service_pb2.REPORT_FORMAT_JSON,
            service_pb2.REPORT_FORMAT_CSV,
            service_pb2.REPORT_FORMAT_XLSX,
            service_pb2.REPORT_FORMAT_HTML,
        ):
            report_req = service_pb2.GetConnectionReportRequest(actor=ADMIN, format=fmt)
            await registry.connection_report(report_req)  # warm up
            p50, p95 = percentiles(
                await timed(functools.partial(registry.connection_report, report_req), runs)
            )
            name = service_pb2.ReportFormat.Name(fmt).removeprefix("REPORT_FORMAT_")
            good = p95 < 1.0
            ok &= good
            print(
                f"  report {name:5s}  p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
                f"  target p95 < 1000 ms  {'OK' if good else 'MISSED'}"
            )
        await clear(registry)
        per_kind = -(-10_000 // (len(registry.ref.communes) * len(KINDS)))
        n = await seed_fleet(registry, per_kind, KINDS, "l")
        print(f"list fleet: {n} cameras")
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
                owner_unit_id="commune-42",
                site_kinds=["committee_hq", "service_center"],
            ),
            service_pb2.ListCamerasRequest(actor=ADMIN, text="camera 7"),
        ]
        samples: list[float] = []
        for req in filters:
            req.page_size = 50
            await registry.list_cameras(req)
            samples += await timed(functools.partial(registry.list_cameras, req), max(runs, 30))
        second = service_pb2.ListCamerasRequest(actor=ADMIN, page_size=50)
        second.page_token = (await registry.list_cameras(second)).next_page_token
        samples += await timed(lambda: registry.list_cameras(second), max(runs, 30))
        p50, p95 = percentiles(samples)
        good = p95 < 0.050
        ok &= good
        print(
            f"  list page (50, {len(filters) + 1} filter sets, {len(samples)} calls)"
            f"  p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  target p95 < 50 ms"
            f"  {'OK' if good else 'MISSED'}"
        )
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
