"""Events of the other services that concern a unit, turned into its notices (ADR 0025): a
break-glass grant on its footage (gateway, Art. 6.2), a breach involving it (audit, R14). Each
handler commits the notices before the consumer acks: a redelivered event finds them there
(one notice per event x recipient)."""

from __future__ import annotations

import datetime as dt
import json

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.gateway.v1 import grant_pb2
from tncam_mesh.db import unit_of_work
from tncam_registry.db import notices as db
from tncam_registry.domain import notify as nt
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.notify import tell

#: The audit service's action when a breach is recorded in its register.
BREACH_RECORDED = "breach.register.recorded"


def _at(ts: object) -> dt.datetime:
    return ts.ToDatetime(dt.UTC)  # type: ignore[attr-defined,no-any-return]


async def grant_issued(ctx: RegistryContext, msg: grant_pb2.GrantIssued) -> int:
    """Tell the unit that a grant covers its footage; returns how many notices were new."""
    grantee = msg.grantee_name or msg.grantee_id
    message = nt.grant_message(
        grant_id=msg.grant_id,
        unit_id=msg.unit_id,
        grantee=grantee,
        basis=apb.LegalBasis.Name(msg.legal_basis),
        reason=msg.reason,
        camera_ids=list(msg.camera_ids),
        footage_from=_at(msg.footage_from),
        footage_to=_at(msg.footage_to),
        expires_at=_at(msg.expires_at),
        scopes=list(msg.scopes),
    )
    async with unit_of_work(ctx.sessions) as s:
        return await tell(s, message, ctx.clock())


async def audit_recorded(ctx: RegistryContext, event: apb.AuditEvent) -> int:
    """A breach recorded by the audit service: tell every unit it names or whose cameras it
    names. Other audit events are not notices."""
    if event.action != BREACH_RECORDED:
        return 0
    after = json.loads(event.after_json or "{}")
    breach_id = str(after.get("breach_id") or event.target.other.id)
    cameras = list(event.target.cameras.camera_ids)
    new = 0
    async with unit_of_work(ctx.sessions) as s:
        owners = await db.camera_owners(s, cameras)
        units = dict.fromkeys([*event.target_unit_ids, *(o[0] for o in owners.values())])
        for unit_id in units:
            mine = [c for c in cameras if owners.get(c, ("",))[0] == unit_id]
            message = nt.breach_message(
                breach_id=breach_id,
                unit_id=unit_id,
                title=str(after.get("title", "")),
                scope=str(after.get("scope", "")),
                camera_ids=mine,
            )
            new += await tell(s, message, ctx.clock())
    return new
