"""Deadlines of the regulation (R15) on Vietnamese working days, and device compliance (R16).

* connection: within 15 working days of installation (Art. 7.4);
* registry update: within 15 working days of a change in the field (Art. 7.1) — the registry
  notices a change itself when the stream ingest measures differs from the declared device;
* maintenance: every 6 months (Art. 14);
* fault fix: within 3 working days of detection (a ticket opened when a camera is lost longer
  than a threshold, closed when it reconnects);
* annual registration of next year's connection needs: by 15 December (Art. 22).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tncam_registry.domain.calendar import WorkingCalendar

CONNECTION_WORKING_DAYS = 15
REGISTRY_UPDATE_WORKING_DAYS = 15
FAULT_FIX_WORKING_DAYS = 3
MAINTENANCE_MONTHS = 6
KINDS = ("connection", "registry_update", "maintenance", "fault_fix", "annual_needs")


@dataclass(frozen=True)
class DueItem:
    """One deadline past due."""

    kind: str
    due_on: dt.date
    days_overdue: int
    camera_id: str = ""
    owner_unit_id: str = ""
    commune_code: str = ""
    ticket_id: str = ""
    detail: str = ""
    upcoming: bool = False  # not yet due on the day asked about


@dataclass(frozen=True)
class CameraFacts:
    """What the deadlines of one camera depend on."""

    id: str
    owner_unit_id: str
    commune_code: str
    installed_on: dt.date | None
    ever_connected: bool
    last_maintained_on: dt.date | None
    mismatch_since: dt.date | None = None
    mismatch_detail: str = ""


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def connection_due(installed_on: dt.date, cal: WorkingCalendar) -> dt.date:
    return cal.add_working_days(installed_on, CONNECTION_WORKING_DAYS)


def registry_update_due(changed_on: dt.date, cal: WorkingCalendar) -> dt.date:
    return cal.add_working_days(changed_on, REGISTRY_UPDATE_WORKING_DAYS)


def fault_fix_due(detected_on: dt.date, cal: WorkingCalendar) -> dt.date:
    return cal.add_working_days(detected_on, FAULT_FIX_WORKING_DAYS)


def maintenance_due(last: dt.date) -> dt.date:
    return add_months(last, MAINTENANCE_MONTHS)


def needs_due(year: int) -> dt.date:
    """Registration of the connection needs of ``year`` is due on 15 December of the year before."""
    return dt.date(year - 1, 12, 15)


def camera_overdue(cam: CameraFacts, as_of: dt.date, cal: WorkingCalendar) -> list[DueItem]:
    """The camera's deadlines that are past due on ``as_of``."""
    items: list[DueItem] = []
    common: dict[str, Any] = {
        "camera_id": cam.id,
        "owner_unit_id": cam.owner_unit_id,
        "commune_code": cam.commune_code,
    }
    if cam.installed_on is not None and not cam.ever_connected:
        due = connection_due(cam.installed_on, cal)
        if as_of > due:
            items.append(
                DueItem(
                    "connection",
                    due,
                    cal.working_days_between(due, as_of),
                    detail=f"lắp đặt ngày {cam.installed_on:%d/%m/%Y}, chưa kết nối",
                    **common,
                )
            )
    if cam.mismatch_since is not None:
        due = registry_update_due(cam.mismatch_since, cal)
        if as_of > due:
            items.append(
                DueItem(
                    "registry_update",
                    due,
                    cal.working_days_between(due, as_of),
                    detail=cam.mismatch_detail,
                    **common,
                )
            )
    last = cam.last_maintained_on or cam.installed_on
    if last is not None:
        due = maintenance_due(last)
        if as_of > due:
            items.append(
                DueItem(
                    "maintenance",
                    due,
                    (as_of - due).days,
                    detail=f"bảo trì gần nhất {last:%d/%m/%Y}",
                    **common,
                )
            )
    return items


def ticket_overdue(
    ticket_id: str, cam: CameraFacts, due_on: dt.date, as_of: dt.date, cal: WorkingCalendar
) -> DueItem | None:
    """An open fault ticket past its fix deadline."""
    if as_of <= due_on:
        return None
    return DueItem(
        "fault_fix",
        due_on,
        cal.working_days_between(due_on, as_of),
        camera_id=cam.id,
        owner_unit_id=cam.owner_unit_id,
        commune_code=cam.commune_code,
        ticket_id=ticket_id,
        detail="sự cố mất kết nối chưa được khắc phục",
    )


def needs_overdue(
    unit_id: str, commune_code: str, registered: bool, as_of: dt.date
) -> DueItem | None:
    """A unit that has not registered next year's needs after 15 December."""
    due = needs_due(as_of.year + 1)
    if registered or as_of <= due:
        return None
    return DueItem(
        "annual_needs",
        due,
        (as_of - due).days,
        owner_unit_id=unit_id,
        commune_code=commune_code,
        detail=f"chưa đăng ký nhu cầu kết nối năm {as_of.year + 1}",
    )


def compliance_issues(
    *,
    codec: str,
    qcvn135_cert: str,
    qcvn135_valid_until: dt.date | None,
    onvif_version: str,
    today: dt.date,
) -> list[str]:
    """Device requirement findings (R16): H.265, QCVN 135:2024 certificate, ONVIF >= 2.0."""
    issues = []
    if codec != "hevc":
        issues.append("codec_not_h265")
    if not qcvn135_cert:
        issues.append("no_qcvn135_cert")
    elif qcvn135_valid_until is not None and qcvn135_valid_until < today:
        issues.append("qcvn135_cert_expired")
    if onvif_version:
        try:
            major = int(onvif_version.split(".")[0])
        except ValueError:
            major = 0
        if major < 2:
            issues.append("onvif_below_2_0")
    return issues


def mismatch_detail(
    *, declared_codec: str, resolution: str, measured_codec: str, width: int, height: int
) -> str:
    """What was declared and what was measured, for a registry update deadline."""
    return (
        f"khai báo {declared_codec} {resolution}".strip()
        + f", đo được {measured_codec} {width}x{height}"
    )


@dataclass(frozen=True)
class OpenTicket:
    """An open fault ticket as the deadlines see it."""

    id: str
    camera_id: str
    due_on: dt.date


@dataclass(frozen=True)
class NeedsUnit:
    """A unit that registers connection needs every year (communes, service centers)."""

    id: str
    commune_code: str
    registered: bool


def overdue_items(
    cameras: Sequence[CameraFacts],
    tickets: Sequence[OpenTicket],
    units: Sequence[NeedsUnit],
    as_of: dt.date,
    cal: WorkingCalendar,
    kinds: Sequence[str] = (),
) -> list[DueItem]:
    """Every deadline past due on ``as_of`` (only ``kinds`` if given): cameras, tickets, units."""
    facts = {f.id: f for f in cameras}
    items: list[DueItem] = []
    for f in cameras:
        items += camera_overdue(f, as_of, cal)
    for t in tickets:
        cam = facts.get(t.camera_id)
        if cam is not None:
            item = ticket_overdue(t.id, cam, t.due_on, as_of, cal)
            if item is not None:
                items.append(item)
    for u in units:
        item = needs_overdue(u.id, u.commune_code, u.registered, as_of)
        if item is not None:
            items.append(item)
    if kinds:
        items = [i for i in items if i.kind in kinds]
    return items
