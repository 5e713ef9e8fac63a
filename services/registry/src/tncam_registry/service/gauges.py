"""The registry's gauges: cameras by state and commune, open tickets, overdue deadlines.

Every replica exports the same whole-database figures: dashboards and rules take ``max`` over the
replicas (never ``sum``). The ``commune`` label is bounded by the reference data (92 communes of the
province, ``data/communes.csv``): at most 92 x 4 series of ``tncam_registry_cameras``.
"""

from __future__ import annotations

from tncam_registry.db import reports as db
from tncam_registry.db import tickets as db_tickets
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain.model import CameraState
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.deadlines import overdue
from tncam_registry.service.quality import refresh_quality_gauges


async def refresh_gauges(ctx: RegistryContext) -> None:
    """Cameras by state and commune, open tickets, overdue deadlines."""
    async with ctx.sessions() as s:
        rows = await db.cameras_by_state(s)
        labels = await db.commune_labels(s)
        open_tickets = await db_tickets.count_open(s)
        lost_long = await db.lost_over_15_minutes(s)
        all_lost = await db.communes_all_lost(s)
    m = ctx.metrics
    m.lost_over_15m.set(lost_long)
    m.communes_all_lost.set(all_lost)
    counts = {(st.value, code): 0 for st in CameraState for code, _, _ in labels}
    for state, code, n in rows:
        counts[(state, code)] = n
    names = {code: (name, kind) for code, name, kind in labels}
    for (state, code), n in counts.items():
        name, kind = names.get(code, ("", ""))
        m.cameras.labels(state=state, commune=code, commune_name=name, commune_kind=kind).set(n)
    m.open_tickets.set(open_tickets)
    by_kind = dict.fromkeys(dl.KINDS, 0)
    for item in await overdue(ctx):
        by_kind[item.kind] += 1
    for kind, n in by_kind.items():
        m.overdue.labels(kind=kind).set(n)
    await refresh_quality_gauges(ctx)
