"""The annual report per unit (issue 14 item 4): the registry's own facts for the year, the
outside facts the gateway passes in, composed, scored and rendered off the event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable

from tncam.registry.v1 import annual_pb2
from tncam_mesh.errors import InvalidInputError
from tncam_registry.db import annual as db
from tncam_registry.domain import access
from tncam_registry.domain import annual as an
from tncam_registry.domain import annual_report as doc
from tncam_registry.domain.annual_compose import Outside, Period, UnitInfo, YearRows, compose
from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.model import UnitKind
from tncam_registry.domain.views import ts
from tncam_registry.render.annual_pdf import render_pdf
from tncam_registry.service.context import RegistryContext

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
F = annual_pb2
RENDERERS: dict[int, tuple[Callable[[doc.AnnualReport], bytes], str, str]] = {
    F.ANNUAL_REPORT_FORMAT_UNSPECIFIED: (doc.render_json, "application/json", "json"),
    F.ANNUAL_REPORT_FORMAT_JSON: (doc.render_json, "application/json", "json"),
    F.ANNUAL_REPORT_FORMAT_XLSX: (doc.render_xlsx, XLSX, "xlsx"),
    F.ANNUAL_REPORT_FORMAT_PDF: (render_pdf, "application/pdf", "pdf"),
}
#: Units always listed: every commune's People's Committee and the service center.
ALWAYS = (UnitKind.COMMUNE.value, UnitKind.SERVICE_CENTER.value)
KIND_ORDER = {k.value: i for i, k in enumerate(UnitKind)}


def period_of(year: int, now: dt.datetime) -> Period:
    """The calendar year in Vietnam, up to now for the current year."""
    first, last = an.period(year, now.astimezone(VN_TZ).date())
    start = dt.datetime.combine(first, dt.time(), VN_TZ)
    end = min(dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), VN_TZ), now)
    return Period(year, first, last, start, end)


def units_of(
    ctx: RegistryContext, rows: YearRows, wanted: str, named: Iterable[str]
) -> list[UnitInfo]:
    """The report's units in order: communes as the appendix lists them, then the service
    center, departments and sector centers by name; only ``wanted`` when given."""
    ref = ctx.ref
    with_facts = {c.owner_unit_id for c in rows.cameras} | set(named)
    position = {c.code: i for i, c in enumerate(ref.communes)}
    chosen = [
        uid
        for uid, (kind, _, _) in ref.units.items()
        if (uid == wanted if wanted else (kind in ALWAYS or uid in with_facts))
    ]

    def key(uid: str) -> tuple[int, int, str]:
        kind, commune, _ = ref.units[uid]
        name = ref.unit_names.get(uid, uid)
        return (KIND_ORDER.get(kind, 9), position.get(commune or "", 0), name)

    return [
        UnitInfo(uid, ref.unit_names.get(uid, uid), ref.units[uid][0], ref.units[uid][1] or "")
        for uid in sorted(chosen, key=key)
    ]


def _check(req: annual_pb2.GetAnnualReportRequest, today: dt.date, op: str) -> None:
    if not 2000 <= req.year <= today.year:
        raise InvalidInputError(
            f"registry.{op}.invalid_year", f"year must be 2000-{today.year} (got {req.year})"
        )
    if req.format not in RENDERERS:
        raise InvalidInputError(f"registry.{op}.format", "format: JSON, XLSX or PDF")


async def annual_report(
    ctx: RegistryContext, req: annual_pb2.GetAnnualReportRequest
) -> annual_pb2.GetAnnualReportReply:
    """The report as a message and a document (province roles: every unit; unit roles: their
    own)."""
    op = "get_annual_report"
    wanted = access.annual_report_unit(req.actor, ctx.ref.units, req.unit_id)
    now = ctx.clock()
    _check(req, ctx.today(), op)
    p = period_of(req.year, now)
    with ctx.metrics.report_seconds.labels(format=f"annual_{RENDERERS[req.format][2]}").time():
        async with ctx.sessions() as s:
            rows = await db.year_rows(s, p.start, p.end, p.year, wanted)
        outside = {
            o.unit_id: Outside(
                o.extractions,
                o.quick_extractions,
                o.break_glass_uses,
                o.breaches,
                o.breaches_notified_in_time,
            )
            for o in req.outside
        }
        units = units_of(ctx, rows, wanted, outside)
        render, content_type, ext = RENDERERS[req.format]

        def build() -> tuple[doc.AnnualReport, bytes]:
            report = compose(
                rows,
                units,
                outside,
                p,
                ctx.calendar,
                generated_at=now,
                outside_included=req.outside_included,
            )
            return report, render(report)

        # Composition (a year of edges) and rendering are CPU work: off the event loop.
        report, document = await asyncio.to_thread(build)
    return annual_pb2.GetAnnualReportReply(
        report=report_to_pb(report),
        document=document,
        content_type=content_type,
        filename=doc.filename(report, ext),
    )


def report_to_pb(report: doc.AnnualReport) -> annual_pb2.AnnualReport:
    out = annual_pb2.AnnualReport(
        year=report.year,
        period_from=report.period_from.isoformat(),
        period_to=report.period_to.isoformat(),
        score_rules=list(an.SCORE_RULES),
        outside_included=report.outside_included,
    )
    stamp = ts(report.generated_at)
    if stamp is not None:
        out.generated_at.CopyFrom(stamp)
    for r in report.rows:
        d = doc.row_dict(r)
        parts = d.pop("parts")
        row = out.rows.add(**{k: v for k, v in d.items() if k != "number"}, number=r.number)
        row.parts.extend(annual_pb2.ScorePart(**p) for p in parts)
    return out
