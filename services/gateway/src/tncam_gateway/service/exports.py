"""Exports (trích xuất): quick extraction by commune operators, approval for the rest, a signed
export from the recorder downloadable once within a short window (docs/adr/0017)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.common.v1 import actor_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_gateway.clients.recorder import Recordings
from tncam_gateway.db import accounts as account_repo
from tncam_gateway.db import exports as repo
from tncam_gateway.db.exports import ExportRecord
from tncam_gateway.domain.caller import ROLE_PB, Caller, ClientInfo
from tncam_gateway.domain.errors import GoneError
from tncam_gateway.domain.policy import Action, export_listing, may_review_exports, require
from tncam_gateway.domain.purpose import PURPOSE_PB, PurposeOfAccess
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.service.footage import FootageAccess, FootageGuard
from tncam_gateway.service.playback import ObjectStream
from tncam_mesh.clock import Clock
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TncamError,
)

QUICK = "quick"
APPROVAL = "approval"
MIN_REASON = 5


@dataclass(frozen=True)
class ExportRequest:
    """What a requester asks for."""

    camera_id: str
    start: datetime
    end: datetime
    purpose: PurposeOfAccess
    reason: str
    quick: bool
    grant_id: str | None = None


@dataclass(frozen=True)
class ExportFilter:
    """What a caller asks for when listing exports."""

    kind: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def not_found() -> NotFoundError:
    """The one answer for exports the caller may not see (no hint that they exist)."""
    return NotFoundError("gateway.export.not_found", "Không tìm thấy yêu cầu trích xuất")


class ExportService:
    """Requests, approvals, building (through the recorder) and one-time downloads."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        footage: FootageGuard,
        recordings: Recordings,
        clock: Clock,
        download_window_s: int,
        max_range_s: int,
    ) -> None:
        self.sessions = sessions
        self.footage = footage
        self.recordings = recordings
        self.clock = clock
        self.window = timedelta(seconds=download_window_s)
        self.max_range = timedelta(seconds=max_range_s)

    def _validate(self, req: ExportRequest, now: datetime) -> str:
        if req.start >= req.end:
            raise InvalidInputError("gateway.export.range_invalid", "from phải trước to")
        if req.end - req.start > self.max_range:
            raise InvalidInputError(
                "gateway.export.range_too_long",
                f"Tối đa {int(self.max_range.total_seconds())} giây mỗi lần trích xuất",
            )
        if req.start > now:
            raise InvalidInputError("gateway.export.range_future", "from ở tương lai")
        reason = req.reason.strip()
        if len(reason) < MIN_REASON:
            raise InvalidInputError(
                "gateway.export.reason_required",
                "Phải nêu lý do trích xuất (reason, at least 5 characters)",
            )
        return reason[:1000]

    async def request(self, caller: Caller, client: ClientInfo, req: ExportRequest) -> ExportRecord:
        """Quick extraction: authorized, recorded and built at once. Otherwise: recorded as
        pending until an approver decides."""
        now = self.clock()
        reason = self._validate(req, now)
        kind = QUICK if req.quick else APPROVAL
        access = await self.footage.authorize(
            caller,
            client,
            action=Action.FOOTAGE_QUICK_EXTRACT if req.quick else Action.FOOTAGE_EXPORT,
            kind="extraction" if req.quick else "export",
            camera_id=req.camera_id,
            purpose=req.purpose,
            footage=(req.start, req.end),
            grant_id=req.grant_id,
        )
        grant = access.decision.grant
        export_id = str(uuid.uuid4())
        async with unit_of_work(self.sessions) as s:
            record = await repo.insert(
                s,
                id=export_id,
                kind=kind,
                status="pending",
                requested_by=caller.account_id,
                requester_unit_id=caller.principal.unit_id,
                camera_id=req.camera_id,
                owner_unit_id=access.camera.unit_id,
                footage_from=req.start,
                footage_to=req.end,
                purpose=req.purpose.code.value,
                purpose_text=req.purpose.text,
                reason=reason,
                grant_id=grant.grant_id if grant else "",
                created_at=now,
            )
            # Recorded (and acknowledged) before the row commits: no audit, no export.
            await self.footage.record(
                access,
                client,
                verb="quick" if req.quick else "requested",
                legal_basis=apb.LEGAL_BASIS_QUICK_EXTRACTION if req.quick else None,
                extra={"export_id": export_id, "reason": reason, "kind": kind},
            )
        if req.quick:
            return await self._build(record, caller.actor())
        return record

    async def decide(
        self, caller: Caller, client: ClientInfo, export_id: str, *, approve: bool, note: str
    ) -> ExportRecord:
        """An approver approves (the export is built) or rejects a pending request."""
        now = self.clock()
        require(caller.principal, Action.EXPORT_APPROVE, now=now)
        async with unit_of_work(self.sessions) as s:
            record = await repo.get(s, export_id, lock=True)
            if record is None:
                raise not_found()
            if record.status != "pending" or record.kind != APPROVAL or record.decided_at:
                raise ConflictError(
                    "gateway.export.not_pending", "Yêu cầu không ở trạng thái chờ duyệt"
                )
            if record.requested_by == caller.account_id:
                raise ForbiddenError(
                    "gateway.export.self_approval",
                    "Không được tự duyệt yêu cầu của mình (four-eyes principle)",
                )
            verb = "approved" if approve else "rejected"
            record = await repo.update(
                s,
                export_id,
                status="pending" if approve else "rejected",
                decided_at=now,
                decided_by=caller.account_id,
                decision_note=note.strip()[:1000],
            )
            await self.footage.auditor.record(
                f"footage.export.{verb}",
                caller.actor(),
                client,
                other=("export", export_id),
                categories=(apb.DATA_CATEGORY_IMAGE,),
                purpose=PURPOSE_PB[Purpose(record.purpose)],
                purpose_text=record.purpose_text,
                grant_id=record.grant_id,
                target_units=(record.owner_unit_id,),
                after={
                    "export_id": export_id,
                    "camera_id": record.camera_id,
                    "requested_by": record.requested_by,
                    "note": note.strip()[:200],
                },
            )
            requester = await account_repo.get(s, record.requested_by)
        if not approve:
            return record
        actor = actor_pb2.Actor(id=record.requested_by, unit_id=record.requester_unit_id)
        if requester is not None:
            actor.display_name = requester.display_name
            actor.role = ROLE_PB[requester.role]
        return await self._build(record, actor)

    async def _build(self, record: ExportRecord, requester: actor_pb2.Actor) -> ExportRecord:
        """Ask the recorder for the signed export; the outcome is stored on the record."""
        try:
            reply = await self.recordings.create_export(
                camera_id=record.camera_id,
                start=record.footage_from,
                end=record.footage_to,
                requester=requester,
                purpose=PURPOSE_PB[Purpose(record.purpose)],
                purpose_text=record.purpose_text or record.reason,
                grant_id=record.grant_id or record.id,
            )
        except TncamError as e:
            async with unit_of_work(self.sessions) as s:
                return await repo.update(s, record.id, status="failed", error_code=e.code)
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            return await repo.update(
                s,
                record.id,
                status="ready",
                recorder_export_id=reply.export_id,
                file_sha256=reply.file.sha256,
                file_bytes=reply.file.size_bytes,
                ready_at=now,
                download_deadline=now + self.window,
            )

    async def search(self, caller: Caller, f: ExportFilter) -> tuple[list[ExportRecord], int]:
        """The exports the caller may see matching ``f``, and how many match in all."""
        listing = export_listing(caller.principal, now=self.clock())
        async with unit_of_work(self.sessions) as s:
            return await repo.listing(
                s,
                requested_by=listing.requested_by,
                owner_unit_id=listing.unit_id,
                kind=f.kind,
                status=f.status,
                since=f.since,
                until=f.until,
                limit=f.limit,
                offset=f.offset,
            )

    async def get(self, caller: Caller, export_id: str) -> ExportRecord:
        """One export: its requester, or a reviewer."""
        may_review = may_review_exports(caller.principal, now=self.clock())
        async with unit_of_work(self.sessions) as s:
            record = await repo.get(s, export_id)
        if record is None or not (may_review or record.requested_by == caller.account_id):
            raise not_found()
        return record

    async def download(
        self, caller: Caller, client: ClientInfo, export_id: str
    ) -> tuple[ExportRecord, ObjectStream]:
        """The export file, once, by its requester, within the window; re-authorized and
        recorded before the first byte (a failed audit leaves the download unused)."""
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            record = await repo.get(s, export_id, lock=True)
            if record is None or record.requested_by != caller.account_id:
                raise not_found()
            if record.status != "ready":
                raise ConflictError(
                    "gateway.export.not_ready", f"Bản trích xuất chưa sẵn sàng ({record.status})"
                )
            if record.downloaded_at is not None:
                raise GoneError(
                    "gateway.export.already_downloaded", "Bản trích xuất đã được tải (one download)"
                )
            if record.download_deadline is None or now >= record.download_deadline:
                raise GoneError(
                    "gateway.export.download_expired", "Đã quá thời hạn tải bản trích xuất"
                )
            quick = record.kind == QUICK
            access: FootageAccess = await self.footage.authorize(
                caller,
                client,
                action=Action.FOOTAGE_QUICK_EXTRACT if quick else Action.FOOTAGE_EXPORT,
                kind="extraction" if quick else "export",
                camera_id=record.camera_id,
                purpose=PurposeOfAccess(Purpose(record.purpose), record.purpose_text),
                footage=(record.footage_from, record.footage_to),
                grant_id=record.grant_id if record.grant_id else None,
            )
            request = api.ReadObjectRequest(export_id=record.recorder_export_id)
            first = await self.recordings.first_chunk(request)
            await self.footage.record(
                access,
                client,
                verb="downloaded",
                legal_basis=apb.LEGAL_BASIS_QUICK_EXTRACTION if quick else None,
                extra={"export_id": export_id, "sha256": first.sha256},
            )
            record = await repo.update(s, export_id, downloaded_at=now)
        stream = ObjectStream(
            content_type=first.content_type or "application/zip",
            total_bytes=first.total_bytes,
            sha256=first.sha256,
            chunks=self.recordings.rest(request, first),
        )
        return record, stream
