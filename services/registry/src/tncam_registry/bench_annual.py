"""The annual report's benchmark (issue 14 item 5), run by ``python -m tncam_registry.bench``:
the report fleet (92 communes, 2,760 cameras) with a year of history — two outages a month per
camera (48 edges, 24 fault tickets), two maintenance visits, a registry update, next year's
needs for most units — composed and rendered as JSON, XLSX and PDF. Target < 10 s each."""

from __future__ import annotations

import datetime as dt
import functools
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import annual_pb2
from tncam_registry.db.annual_fleet import delete_history, insert_history
from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.service.annual import annual_report
from tncam_registry.service.context import RegistryContext

ADMIN = actor_pb2.Actor(id="bench", role=actor_pb2.ROLE_PROVINCE_ADMIN)
TARGET_S = 10.0
Timed = Callable[[Callable[[], Awaitable[object]], int], Awaitable[list[float]]]


# long: one year of rows of every history table, built in one pass per camera
def _history(camera_ids: list[str], units: list[str], year: int) -> dict[str, list[Any]]:
    rng = random.Random(7)  # noqa: S311 - reproducible data, not security
    edges: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    visits, updates = [], []
    start = dt.datetime(year, 1, 1, tzinfo=VN_TZ)
    for cid in camera_ids:
        edges.append(
            {"camera_id": cid, "at": start - dt.timedelta(days=30), "up": True, "reason": ""}
        )
        for month in range(12):
            for half in (0, 1):
                down = start + dt.timedelta(days=30 * month + 15 * half + rng.randint(0, 10))
                up = down + dt.timedelta(hours=rng.choice((1, 6, 30, 100)))
                edges.append({"camera_id": cid, "at": down, "up": False, "reason": "timeout"})
                edges.append({"camera_id": cid, "at": up, "up": True, "reason": "none"})
                tickets.append(
                    {
                        "id": str(uuid.uuid4()),
                        "camera_id": cid,
                        "detected_at": down,
                        "opened_at": down + dt.timedelta(minutes=5),
                        "due_on": (down + dt.timedelta(days=5)).date(),
                        "closed_at": up,
                        "close_reason": "reconnected",
                    }
                )
        for month in (3, 9):
            visits.append(
                {
                    "id": str(uuid.uuid4()),
                    "camera_id": cid,
                    "done_on": dt.date(year, month, 10),
                    "note": "",
                    "recorded_at": start,
                    "recorded_by": "bench",
                }
            )
        changed = dt.date(year, rng.randint(1, 11), 5)
        updates.append(
            {
                "camera_id": cid,
                "changed_on": changed,
                "due_on": changed + dt.timedelta(days=21),
                "recorded_at": start + dt.timedelta(days=rng.randint(0, 300)),
            }
        )
    needs = [
        {
            "unit_id": u,
            "year": year + 1,
            "needs": "{}",
            "recorded_at": dt.datetime(year, 12, rng.randint(1, 20), tzinfo=VN_TZ),
            "recorded_by": "bench",
        }
        for u in units[: len(units) * 9 // 10]
    ]
    return {
        "connection_edges": edges,
        "fault_tickets": tickets,
        "maintenance_records": visits,
        "registry_updates": updates,
        "connection_needs": needs,
    }


async def bench_annual(
    ctx: RegistryContext, camera_ids: list[str], runs: int, timed: Timed
) -> bool:
    """Seed a year of history over the fleet, time the report in every format, clean up."""
    year = ctx.today().year - 1
    units = sorted(u for u, (kind, _, _) in ctx.ref.units.items() if kind == "commune")
    rows = _history(camera_ids, units, year)
    await insert_history(ctx.sessions, dt.datetime(year - 1, 12, 1, tzinfo=VN_TZ), rows)
    print(
        f"annual fleet: {len(camera_ids)} cameras of {len(units)} communes, year {year}: "
        f"{len(rows['connection_edges'])} edges, {len(rows['fault_tickets'])} fault tickets"
    )
    ok = True
    try:
        for fmt in (
            annual_pb2.ANNUAL_REPORT_FORMAT_JSON,
            annual_pb2.ANNUAL_REPORT_FORMAT_XLSX,
            annual_pb2.ANNUAL_REPORT_FORMAT_PDF,
        ):
            req = annual_pb2.GetAnnualReportRequest(
                actor=ADMIN, year=year, format=fmt, outside_included=True
            )
            await annual_report(ctx, req)  # warm up (the PDF library's first import)
            samples = sorted(await timed(functools.partial(annual_report, ctx, req), runs))
            worst = samples[-1]
            name = annual_pb2.AnnualReportFormat.Name(fmt).removeprefix("ANNUAL_REPORT_FORMAT_")
            good = worst < TARGET_S
            ok &= good
            print(
                f"  annual {name:4s}  median {samples[len(samples) // 2] * 1000:7.0f} ms"
                f"  max {worst * 1000:7.0f} ms ({runs} runs)  target < {TARGET_S * 1000:.0f} ms"
                f"  {'OK' if good else 'MISSED'}"
            )
    finally:
        await delete_history(ctx.sessions)
    return ok
