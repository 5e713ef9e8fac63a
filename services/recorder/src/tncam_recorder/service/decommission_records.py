"""The technical department's sign-off of a decommissioning (Art. 11.4: "biên bản xác nhận của
bộ phận kỹ thuật"), recorded once beside the machine certificate, and the list of both."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError
from tncam_recorder.db import decommissions as repo
from tncam_recorder.domain.actors import actor_dict, require_actor
from tncam_recorder.domain.audit_events import other_event
from tncam_recorder.domain.requests import require_text
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder.decommission")
OP = "decommission_sign_off"


def _certificate_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as e:
        raise NotFoundError(
            "recording.decommission.not_found", f"no deletion certificate {value!r}"
        ) from e


def signed_on_date(value: str, issued_at: dt.datetime, now: dt.datetime, offset_h: int) -> dt.date:
    """The minutes' date: a calendar date (UTC+7) from the certificate's day to today."""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError as e:
        raise InvalidInputError(
            "recording.decommission.bad_signed_on", "signed_on: YYYY-MM-DD"
        ) from e
    tz = dt.timezone(dt.timedelta(hours=offset_h))
    if day < issued_at.astimezone(tz).date():
        raise InvalidInputError(
            "recording.decommission.signed_before_certificate",
            "Ngày ký biên bản trước ngày cấp chứng nhận xóa "
            "(the sign-off is dated before the deletion certificate)",
        )
    if day > now.astimezone(tz).date():
        raise InvalidInputError(
            "recording.decommission.signed_in_future",
            "Ngày ký biên bản ở tương lai (the sign-off is dated in the future)",
        )
    return day


async def sign_off(
    rec: Recorder,
    *,
    certificate_id: str,
    signer_name: str,
    signer_role: str,
    signed_on: str,
    note: str,
    actor: actor_pb2.Actor,
) -> repo.DecommissionRow:
    """Record the human sign-off of a certificate (once; audited, fail closed)."""
    require_actor(actor, OP)
    name = require_text(signer_name, "signer_name", OP)
    role = require_text(signer_role, "signer_role", OP)
    cid = _certificate_id(certificate_id)
    now = rec.clock()
    async with unit_of_work(rec.sessions) as s:
        cert = await repo.get(s, cid)
        if cert is None:
            raise NotFoundError(
                "recording.decommission.not_found", f"no deletion certificate {certificate_id}"
            )
        if cert.sign_off is not None:
            raise ConflictError(
                "recording.decommission.already_signed_off",
                "Chứng nhận xóa đã có biên bản xác nhận (already signed off)",
            )
        day = signed_on_date(signed_on, cert.issued_at, now, rec.settings.report_utc_offset_hours)
        row = repo.SignOffRow(name, role, day, note.strip(), actor_dict(actor), now)
        if not await repo.add_sign_off(s, cid, row):
            raise ConflictError(
                "recording.decommission.already_signed_off",
                "Chứng nhận xóa đã có biên bản xác nhận (already signed off)",
            )
        await rec.audit.record(
            other_event(
                action="footage.decommission.signed_off",
                actor=actor,
                kind="deletion_certificate",
                target_id=str(cid),
                cameras=[cert.camera_id] if cert.camera_id else [],
                purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                purpose_text=f"biên bản xác nhận của bộ phận kỹ thuật ({role})",
                after={
                    "certificate_id": str(cid),
                    "signer_name": name,
                    "signer_role": role,
                    "signed_on": day.isoformat(),
                    "note": row.note,
                },
                now=now,
            )
        )
        signed = await repo.get(s, cid)
    assert signed is not None
    log.info("decommission signed off", extra={"certificate_id": str(cid)})
    return signed


async def list_decommissions(
    rec: Recorder, *, unsigned_only: bool, limit: int, offset: int
) -> tuple[list[repo.DecommissionRow], int]:
    """One page of certificates with their sign-offs, newest first."""
    async with unit_of_work(rec.sessions) as s:
        return await repo.page(s, unsigned_only=unsigned_only, limit=limit, offset=offset)
