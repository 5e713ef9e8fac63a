"""The registry's gauges: cameras by state and commune kind, open tickets, overdue deadlines."""

from __future__ import annotations

from tncam_registry.db import reports as db
from tncam_registry.db import tickets as db_tickets
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain.model import CameraState
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.deadlines import overdue
from tncam_registry.service.quality import refresh_quality_gauges

COMMUNE_KINDS = ("xa", "phuong")


async def refresh_gauges(ctx: RegistryContext) -> None:
    """Cameras by state and commune kind, open tickets, overdue deadlines."""
    async with ctx.sessions() as s:
        rows = await db.cameras_by_state(s)
        open_tickets = await db_tickets.count_open(s)
        lost_long = await db.lost_over_15_minutes(s)
        all_lost = await db.communes_all_lost(s)
    m = ctx.metrics
    m.lost_over_15m.set(lost_long)
    m.communes_all_lost.set(all_lost)
    counts = {(st.value, k): 0 for st in CameraState for k in COMMUNE_KINDS}
    for state, kind, n in rows:
        counts[(state, kind)] = n
    for (state, kind), n in counts.items():
        m.cameras.labels(state=state, commune_kind=kind).set(n)
    m.open_tickets.set(open_tickets)
    by_kind = dict.fromkeys(dl.KINDS, 0)
    for item in await overdue(ctx):
        by_kind[item.kind] += 1
    for kind, n in by_kind.items():
        m.overdue.labels(kind=kind).set(n)
    await refresh_quality_gauges(ctx)
