"""The connection report (R2, R4): built from the fleet (now, or as of a past instant from the
state history), scoped to the reader, rendered as asked; the notes people write on it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from tncam.registry.v1 import service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_registry.db import quality as db_quality
from tncam_registry.db import report_notes as db_notes
from tncam_registry.db import reports as db
from tncam_registry.domain import access, report_quality
from tncam_registry.domain import report as rep
from tncam_registry.domain import report_formats as fmt
from tncam_registry.domain.access import ReadScope
from tncam_registry.domain.model import CameraState, SiteKind, UnitKind
from tncam_registry.domain.views import report_to_pb
from tncam_registry.service.context import RegistryContext

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_NOTE = 2000


def _pdf(report: rep.Report) -> bytes:
    # fpdf2 is loaded with the first PDF, not at start-up (a third of the registry's imports).
    from tncam_registry.render.pdf import render_pdf

    return render_pdf(fmt.to_document(report))


#: format -> (renderer, content type, file extension)
RENDERERS: dict[int, tuple[Callable[[rep.Report], bytes], str, str]] = {
    service_pb2.REPORT_FORMAT_JSON: (fmt.render_json, "application/json", "json"),
    service_pb2.REPORT_FORMAT_CSV: (fmt.render_csv, "text/csv; charset=utf-8", "csv"),
    service_pb2.REPORT_FORMAT_XLSX: (fmt.render_xlsx, XLSX, "xlsx"),
    service_pb2.REPORT_FORMAT_HTML: (fmt.render_html, "text/html; charset=utf-8", "html"),
    service_pb2.REPORT_FORMAT_PDF: (_pdf, "application/pdf", "pdf"),
}


def _section_units(ctx: RegistryContext) -> list[rep.UnitRef]:
    """The units of sections II and III: the service center first, then by name."""
    units = [
        rep.UnitRef(uid, ctx.ref.unit_names.get(uid, uid), kind)
        for uid, (kind, _, _) in ctx.ref.units.items()
        if kind in rep.SECTION_UNIT_KINDS
    ]
    return sorted(units, key=lambda u: (u.kind != UnitKind.SERVICE_CENTER.value, u.name))


def _scope_label(ctx: RegistryContext, scope: ReadScope) -> str:
    if scope.unit_id:
        return ctx.ref.unit_names.get(scope.unit_id, scope.unit_id)
    if scope.sector:
        return f"ngành {ctx.ref.sector_names.get(scope.sector, scope.sector)}"
    return ""


async def report_data(
    ctx: RegistryContext, scope: ReadScope | None = None, as_of: dt.datetime | None = None
) -> rep.Report:
    """The report of the cameras in ``scope`` (default: the province), now or ``as_of``."""
    scope = scope or ReadScope()
    async with ctx.sessions() as s:
        rows = await db.report_cameras(s, scope, as_of)
        written = await db_notes.notes(s)
    cams = [
        rep.ReportCamera(
            r.id, r.commune_code, SiteKind(r.kind), CameraState(r.state), r.owner_unit_id
        )
        for r in rows
    ]
    notes = {
        n.commune_code: rep.Note(n.note, n.updated_by, n.updated_at)
        for n in written
        # A past report shows the notes written by then (a later rewrite hides an older one).
        if as_of is None or n.updated_at <= as_of
    }
    communes, units = ctx.ref.communes, _section_units(ctx)
    if scope.limited:
        communes, units = _limited(ctx, scope, cams, units)
    return rep.build_report(
        communes,
        cams,
        ctx.clock(),
        units=units,
        notes=notes,
        as_of=as_of,
        scope=_scope_label(ctx, scope),
    )


def _limited(
    ctx: RegistryContext,
    scope: ReadScope,
    cams: list[rep.ReportCamera],
    units: list[rep.UnitRef],
) -> tuple[list[rep.CommuneRef], list[rep.UnitRef]]:
    """The rows a limited reader sees: a unit its commune's row or its own section row; a
    sector the communes and units holding its cameras."""
    section_ids = {u.id for u in units}
    if scope.unit_id:
        unit = ctx.ref.units.get(scope.unit_id)
        own = {unit[1]} if unit and unit[0] == UnitKind.COMMUNE.value and unit[1] else set()
        owners = {scope.unit_id}
    else:
        own = {c.commune_code for c in cams if c.owner_unit_id not in section_ids}
        owners = {c.owner_unit_id for c in cams}
    return (
        [c for c in ctx.ref.communes if c.code in own],
        [u for u in units if u.id in owners],
    )


def _as_of(req: service_pb2.GetConnectionReportRequest, now: dt.datetime) -> dt.datetime | None:
    if not req.HasField("as_of"):
        return None
    as_of = req.as_of.ToDatetime(dt.UTC)
    if as_of > now:
        raise InvalidInputError(
            "registry.get_connection_report.as_of_future",
            "as_of phải là một thời điểm trong quá khứ (as_of must not be in the future)",
        )
    return as_of


async def quality_list(
    ctx: RegistryContext, communes: set[str]
) -> list[report_quality.QualityEntry]:
    """Connected cameras at section I's site kinds, in the report's ``communes``, with a poor
    picture (issue 14)."""
    async with ctx.sessions() as s:
        rows = await db_quality.poor_connected(s, sorted(k.value for k in rep.COMMUNE_SITE_KINDS))
    shown = [c for c in ctx.ref.communes if c.code in communes]
    return report_quality.build_entries(shown, rows)


async def connection_report(
    ctx: RegistryContext, req: service_pb2.GetConnectionReportRequest
) -> service_pb2.GetConnectionReportReply:
    """The report as a message and as a document in the asked format, scoped to the actor."""
    scope = access.narrowed_report_scope(req.actor, ctx.ref.units, req.unit_id, req.sector)
    fmt_id = req.format or service_pb2.REPORT_FORMAT_JSON
    if fmt_id not in RENDERERS:
        raise InvalidInputError("registry.get_connection_report.format", "unknown format")
    as_of = _as_of(req, ctx.clock())
    with ctx.metrics.report_seconds.labels(
        format=service_pb2.ReportFormat.Name(fmt_id).removeprefix("REPORT_FORMAT_").lower()
    ).time():
        report = await report_data(ctx, scope, as_of)
        # The picture now says nothing of a past instant: a report as of then has no quality list.
        quality = [] if as_of else await quality_list(ctx, {r.commune.code for r in report.rows})
        renderer, content_type, ext = RENDERERS[fmt_id]
        document = await asyncio.to_thread(renderer, report)
        document = await asyncio.to_thread(report_quality.add_to_document, document, ext, quality)
    message = report_to_pb(report)
    message.quality.extend(report_quality.to_pb(quality))
    return service_pb2.GetConnectionReportReply(
        report=message,
        document=document,
        content_type=content_type,
        filename=rep.report_filename(report, ext),
    )


async def set_report_note(
    ctx: RegistryContext, req: service_pb2.SetReportNoteRequest
) -> service_pb2.SetReportNoteReply:
    """Write (or, empty, remove) a commune's report note; audited with before and after."""
    op = "set_report_note"
    access.check_report_note(req.actor)
    code, text = req.commune_code, req.text.strip()
    if code not in ctx.ref.commune_kinds:
        raise NotFoundError(f"registry.{op}.unknown_commune", f"no commune {code}")
    if len(text) > MAX_NOTE:
        raise InvalidInputError(f"registry.{op}.too_long", "ghi chú tối đa 2000 ký tự")
    now = ctx.clock()
    async with unit_of_work(ctx.sessions) as s:
        before = await db_notes.lock_note(s, code)
        if text:
            await db_notes.put_note(s, code, text, req.actor.id, now)
        else:
            await db_notes.delete_note(s, code)
        await ctx.audit(
            s,
            actor=req.actor,
            action="report.note.updated" if text else "report.note.removed",
            before={"commune_code": code, "note": before.note} if before else None,
            after={"commune_code": code, "note": text} if text else None,
            request_id=req.request_id,
            other=("commune", code),
        )
    await ctx.flush()
    reply = service_pb2.SetReportNoteReply(commune_code=code, text=text)
    if text:
        reply.updated_by = req.actor.id
        reply.updated_at.FromDatetime(now)
    return reply
