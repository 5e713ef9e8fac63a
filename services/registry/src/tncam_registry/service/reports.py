"""The province-wide connection report (R2): built from the fleet, rendered as asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tncam.registry.v1 import service_pb2
from tncam_registry.db import quality as db_quality
from tncam_registry.db import reports as db
from tncam_registry.domain import access, report_quality
from tncam_registry.domain import report as rep
from tncam_registry.domain.model import CameraState, SiteKind
from tncam_registry.domain.views import report_to_pb
from tncam_registry.service.context import RegistryContext

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: format -> (renderer, content type, file extension)
RENDERERS: dict[int, tuple[Callable[[rep.Report], bytes], str, str]] = {
    service_pb2.REPORT_FORMAT_JSON: (rep.render_json, "application/json", "json"),
    service_pb2.REPORT_FORMAT_CSV: (rep.render_csv, "text/csv; charset=utf-8", "csv"),
    service_pb2.REPORT_FORMAT_XLSX: (rep.render_xlsx, XLSX, "xlsx"),
    service_pb2.REPORT_FORMAT_HTML: (rep.render_html, "text/html; charset=utf-8", "html"),
}


async def report_data(ctx: RegistryContext) -> rep.Report:
    """The report of every active camera at a reported site kind."""
    async with ctx.sessions() as s:
        rows = await db.report_cameras(s, [k.value for k, _, _ in rep.REPORT_KINDS])
    cams = [
        rep.ReportCamera(r.id, r.commune_code, SiteKind(r.kind), CameraState(r.state)) for r in rows
    ]
    return rep.build_report(ctx.ref.communes, cams, ctx.clock())


async def quality_list(ctx: RegistryContext) -> list[report_quality.QualityEntry]:
    """Connected cameras at the report's site kinds with a poor picture (issue 14)."""
    async with ctx.sessions() as s:
        rows = await db_quality.poor_connected(s, [k.value for k, _, _ in rep.REPORT_KINDS])
    return report_quality.build_entries(ctx.ref.communes, rows)


async def connection_report(
    ctx: RegistryContext, req: service_pb2.GetConnectionReportRequest
) -> service_pb2.GetConnectionReportReply:
    """The report as a message and as a document in the asked format (province roles only)."""
    access.check_province_report(req.actor, ctx.ref.units)
    fmt = req.format or service_pb2.REPORT_FORMAT_JSON
    with ctx.metrics.report_seconds.labels(
        format=service_pb2.ReportFormat.Name(fmt).removeprefix("REPORT_FORMAT_").lower()
    ).time():
        report = await report_data(ctx)
        quality = await quality_list(ctx)
        renderer, content_type, ext = RENDERERS[fmt]
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
