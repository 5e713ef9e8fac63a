"""Fault tickets, maintenance records and annual needs as the registry's messages (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tncam.registry.v1 import service_pb2 as rpb
from tncam_registry.domain.views import iso, ts

#: How a ticket closed by hand says so in ``close_reason`` (the sweep writes "reconnected"...).
CLOSED_BY_OPERATOR = "closed_by_operator"
MAX_NOTE = 2000


def ticket_to_pb(row: Any, notes: Sequence[Any] = ()) -> rpb.FaultTicket:
    """One ticket (a row of ``db.tickets.ticket``) with its notes."""
    t = rpb.FaultTicket(
        id=str(row["id"]),
        camera_id=row["camera_id"],
        due_on=iso(row["due_on"]),
        close_reason=row["close_reason"],
        acknowledged_by=row["acknowledged_by"],
        cause=row["cause"],
        closed_by=row["closed_by"],
        owner_unit_id=row["owner_unit_id"],
        commune_code=row["commune_code"],
    )
    for name in ("detected_at", "opened_at", "closed_at", "acknowledged_at"):
        value = ts(row[name])
        if value is not None:
            getattr(t, name).CopyFrom(value)
    for n in notes:
        note = t.notes.add(author=n["author"], text=n["text"])
        note.at.FromDatetime(n["at"])
    return t


def maintenance_to_pb(row: Any) -> rpb.MaintenanceRecord:
    """One maintenance visit."""
    m = rpb.MaintenanceRecord(
        id=str(row["id"]),
        camera_id=row["camera_id"],
        owner_unit_id=row["owner_unit_id"],
        done_on=iso(row["done_on"]),
        note=row["note"],
        recorded_by=row["recorded_by"],
    )
    m.recorded_at.FromDatetime(row["recorded_at"])
    return m


def needs_structured(req: rpb.RecordConnectionNeedsRequest) -> dict[str, Any]:
    """The structured needs as stored (JSON)."""
    return {
        "cameras": [
            {
                "commune_code": c.commune_code,
                "site_kind": c.site_kind,
                "site_id": c.site_id,
                "count": c.count,
                "note": c.note,
            }
            for c in req.cameras
        ],
        "sites": [
            {
                "name": s.name,
                "commune_code": s.commune_code,
                "site_kind": s.site_kind,
                "address": s.address,
            }
            for s in req.sites
        ],
        "budget_note": req.budget_note,
    }


def needs_to_pb(row: Any, unit_name: str, on_time: bool) -> rpb.ConnectionNeedsRecord:
    """One unit's registration."""
    st: Mapping[str, Any] = row["structured"] or {}
    rec = rpb.ConnectionNeedsRecord(
        unit_id=row["unit_id"],
        unit_name=unit_name,
        year=row["year"],
        cameras=[rpb.NeededCamera(**c) for c in st.get("cameras", [])],
        sites=[rpb.NeededSite(**s) for s in st.get("sites", [])],
        budget_note=st.get("budget_note", ""),
        needs=row["needs"],
        recorded_by=row["recorded_by"],
        on_time=on_time,
    )
    rec.recorded_at.FromDatetime(row["recorded_at"])
    return rec
