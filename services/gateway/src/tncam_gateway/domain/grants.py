"""Validation of break-glass grants and committee approvals (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tncam_gateway.domain.local_time import local_date
from tncam_gateway.domain.roles import BREAK_GLASS_BASES, GrantScope, LegalBasis, Role
from tncam_mesh.errors import InvalidInputError

MAX_CAMERAS = 500
#: Break-glass is time-boxed: at most a week; a committee approval at most 90 days.
MAX_BREAK_GLASS = timedelta(days=7)
MAX_APPROVAL = timedelta(days=90)
#: The footage a break-glass grant may cover: none older than the longest retention class the
#: recorder keeps (365 days; the regulation's minimum is 30), since older footage no longer
#: exists outside a legal hold, and a legal hold goes through a committee approval or a
#: written request of its own. No grant covers footage after it expires: it cannot be used
#: to watch what is recorded later.
MAX_BREAK_GLASS_FOOTAGE_AGE = timedelta(days=365)


@dataclass(frozen=True)
class GrantRequest:
    """What an issuer asks for."""

    grantee_id: str
    legal_basis: LegalBasis
    reason: str
    camera_ids: tuple[str, ...]
    footage_from: datetime
    footage_to: datetime
    scopes: frozenset[GrantScope]
    expires_at: datetime
    ticket_id: str = ""
    document_number: str = ""
    document_issuer: str = ""
    document_date: date | None = None


def _bad(detail: str, message: str) -> InvalidInputError:
    return InvalidInputError(f"gateway.grant.{detail}", message)


def validate(req: GrantRequest, *, grantee_role: Role, now: datetime) -> None:
    """Raise ``InvalidInputError`` unless the request is a complete, lawful grant."""
    if not req.reason.strip():
        raise _bad("reason_required", "Phải nêu lý do (reason is required)")
    basis = req.legal_basis
    if basis is LegalBasis.INCIDENT_FIX and not req.ticket_id.strip():
        raise _bad("ticket_required", "incident_fix cần mã phiếu sự cố (ticket_id)")
    if basis in (LegalBasis.WRITTEN_REQUEST, LegalBasis.COMMITTEE_APPROVAL):
        if not (req.document_number.strip() and req.document_issuer.strip() and req.document_date):
            raise _bad(
                "document_required",
                f"{basis.value} cần số văn bản, cơ quan ban hành và ngày "
                "(document_number, document_issuer, document_date)",
            )
        if req.document_date > local_date(now):  # dated in Vietnam's time
            raise _bad("document_date_future", "Ngày văn bản ở tương lai (document date ahead)")
    if basis in BREAK_GLASS_BASES and grantee_role is not Role.PROVINCE_ADMIN:
        raise _bad(
            "grantee_role", "Quyền khẩn cấp chỉ cấp cho province_admin (break-glass is for admins)"
        )
    if basis is LegalBasis.COMMITTEE_APPROVAL and grantee_role in (
        Role.PROVINCE_ADMIN,
        Role.AUDITOR,
    ):
        raise _bad(
            "grantee_role",
            "Phê duyệt của UBND tỉnh dành cho đơn vị sử dụng, không cho province_admin/auditor",
        )
    ids = [c.strip() for c in req.camera_ids]
    if not ids or any(not c for c in ids):
        raise _bad("cameras_required", "Phải nêu danh sách camera (camera_ids)")
    if len(ids) > MAX_CAMERAS or len(set(ids)) != len(ids):
        raise _bad("cameras_invalid", f"Tối đa {MAX_CAMERAS} camera, không trùng lặp")
    if req.footage_from >= req.footage_to:
        raise _bad("range_invalid", "footage_from phải trước footage_to")
    _check_footage_window(req, now)
    if not req.scopes:
        raise _bad("scope_required", "Phải nêu phạm vi (view/export)")
    if req.expires_at <= now:
        raise _bad("expiry_past", "Thời hạn đã qua (expires_at must be in the future)")
    limit = MAX_APPROVAL if basis is LegalBasis.COMMITTEE_APPROVAL else MAX_BREAK_GLASS
    if req.expires_at - now > limit:
        raise _bad(
            "expiry_too_far", f"Thời hạn tối đa {limit.days} ngày (at most {limit.days} days)"
        )


def _check_footage_window(req: GrantRequest, now: datetime) -> None:
    """Break-glass footage no older than the retention; no grant past its own expiry."""
    if req.footage_to > req.expires_at:
        raise _bad(
            "footage_after_expiry",
            "footage_to không được sau thời hạn của quyền (footage_to after expires_at)",
        )
    if (
        req.legal_basis in BREAK_GLASS_BASES
        and req.footage_from < now - MAX_BREAK_GLASS_FOOTAGE_AGE
    ):
        days = MAX_BREAK_GLASS_FOOTAGE_AGE.days
        raise _bad(
            "footage_too_old",
            f"Quyền khẩn cấp chỉ cho hình ảnh trong {days} ngày gần nhất "
            f"(break-glass footage at most {days} days old)",
        )
