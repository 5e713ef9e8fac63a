"""Camera import from a CSV or XLSX file, all rows or none; a dry run is rolled back.

The file is read and checked in the import worker process (``ctx.import_worker``): the event
loop keeps serving other requests while a large file is parsed, a file that takes longer than
the time limit is refused, and one file is parsed at a time (another waits, more are refused).
"""

from __future__ import annotations

import logging

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.workers import WorkTimeoutError
from tncam_registry.db import cameras as db
from tncam_registry.db import changes as db_changes
from tncam_registry.domain import access, records
from tncam_registry.domain import credentials as creds
from tncam_registry.domain import importing as imp
from tncam_registry.domain.changes import import_needs_approval
from tncam_registry.domain.import_rows import forbidden_owner
from tncam_registry.service.camera_writes import CameraWrite, site_for, write_camera
from tncam_registry.service.context import RegistryContext

log = logging.getLogger("tncam.registry")

_FORMATS = {service_pb2.IMPORT_FORMAT_CSV: "csv", service_pb2.IMPORT_FORMAT_XLSX: "xlsx"}


async def _forbidden(
    ctx: RegistryContext, actor: actor_pb2.Actor, rows: list[imp.CameraRow]
) -> list[imp.RowError]:
    """Rows the actor may not write: by their new owner, or by the camera's current owner; and
    a unit operator's move of an active camera to another commune or site kind (which waits
    for approval through the update operation instead)."""
    if not rows:
        return []
    async with ctx.sessions() as s:
        current = await db.owners(s, [r.code for r in rows])
        placed = await db_changes.places(s, [r.code for r in rows])
    errors = []
    for row in rows:
        for owner in {records.owner_of(row), current.get(row.code, "")} - {""}:
            if not access.may_write(actor, owner):
                errors.append(forbidden_owner(row.row, owner))
        commune, kind, active = placed.get(row.code, (row.commune_code, row.site_kind.value, False))
        moved = (commune, kind) != (row.commune_code, row.site_kind.value)
        if active and moved and access.change_needs_approval(actor):
            errors.append(import_needs_approval(row.row))
    return errors


async def _write_rows(
    ctx: RegistryContext, req: service_pb2.ImportCamerasRequest, result: imp.Validated
) -> dict[str, int]:
    """Write every row and the import's audit record; commits unless it is a dry run."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    async with unit_of_work(ctx.sessions) as s:
        for row in result.rows:
            existing = await db.lock_camera(s, row.code)
            site_id = await site_for(ctx, s, row)
            given, set_creds = creds.given(None, row)
            write = CameraWrite(
                actor=req.actor,
                camera_id=row.code,
                values=records.column_values(row, site_id, records.owner_of(row)),
                creds=given,
                set_credentials=set_creds,
                request_id=req.request_id,
                activate=True,
            )
            counts[await write_camera(ctx, s, write, existing)] += 1
        await ctx.audit(
            s,
            actor=req.actor,
            action="camera.import.completed",
            after={
                "filename": req.filename,
                "rows": result.total_rows,
                **counts,
                "dry_run": req.dry_run,
            },
            request_id=req.request_id,
            other=("camera_import", req.filename or "upload"),
        )
        if req.dry_run:
            # A preview: every check and write ran (so the counts are true), none is kept.
            await s.rollback()
    return counts


async def start_worker(ctx: RegistryContext) -> None:
    """Start the import worker's process now, so the first import does not wait for it (and
    its start does not compete with requests then); if it fails, the first import retries."""
    try:
        await ctx.import_worker.start()
    except Exception as e:
        log.warning("the import worker did not start (the first import will retry): %s", e)


async def import_cameras(
    ctx: RegistryContext, req: service_pb2.ImportCamerasRequest
) -> service_pb2.ImportCamerasReply:
    """Import a file: any error anywhere rejects the whole file with every error listed."""
    access.check_actor(req.actor, "import_cameras")
    fmt = _FORMATS.get(req.format) or imp.guess_format(req.filename, req.content)
    reply = service_pb2.ImportCamerasReply()
    try:
        result = await ctx.import_worker.run(imp.check_file, req.content, fmt, ctx.ref.importing())
    except WorkTimeoutError:
        result = imp.Validated([], [imp.parse_timeout(ctx.import_worker.timeout_s)], 0)
    reply.rows = result.total_rows
    errors = list(result.errors) + await _forbidden(ctx, req.actor, result.rows)
    if errors:
        reply.errors.extend(
            service_pb2.ImportError(row=e.row, column=e.column, code=e.code, message=e.message)
            for e in errors
        )
        return reply
    counts = await _write_rows(ctx, req, result)
    if req.dry_run:
        reply.rows = sum(counts.values())
    else:
        await ctx.flush()
    reply.accepted = True
    reply.created, reply.updated, reply.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    return reply
