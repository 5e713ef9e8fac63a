"""The API's shapes of the operator duties (units, sites, history, tickets, maintenance,
deadlines, needs) and their conversions from the registry's messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field

from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.api.cameras import STATE_NAMES
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.domain.vocabulary import CameraState, SiteKind

SHORT = 256
UnitKind = Literal["commune", "department", "service_center", "sector_center"]
AddableUnitKind = Literal["department", "service_center", "sector_center"]
DeadlineKind = Literal["connection", "registry_update", "maintenance", "fault_fix", "annual_needs"]


def _at(t: Timestamp, present: bool) -> datetime | None:
    return t.ToDatetime(UTC) if present else None


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


class Contact(BaseModel):
    """A contact person of a unit (leader, IT focal point): name, position, phone, e-mail."""

    name: str = Field(default="", max_length=SHORT, examples=["Nguyễn Văn An"])
    position: str = Field(default="", max_length=SHORT, examples=["Chủ tịch UBND"])
    phone: str = Field(default="", max_length=20, examples=["0912345678"])
    email: str = Field(default="", max_length=254, examples=["an.nv@thainguyen.gov.vn"])

    def pb(self) -> rpb.UnitContact:
        return rpb.UnitContact(
            name=self.name, position=self.position, phone=self.phone, email=self.email
        )


class UnitOut(BaseModel):
    """An owning unit; its contacts only for province_admin, the auditor and its own people."""

    id: str = Field(examples=["commune-01"])
    name: str
    kind: UnitKind
    commune_code: str = ""
    sector_code: str = ""
    active: bool
    revision: int
    leader: Contact | None = None
    it_focal: Contact | None = None


def unit_out(u: rpb.Unit) -> UnitOut:
    def contact(c: rpb.UnitContact, present: bool) -> Contact | None:
        if not present:
            return None
        return Contact(name=c.name, position=c.position, phone=c.phone, email=c.email)

    return UnitOut(
        id=u.id,
        name=u.name,
        kind=u.kind,
        commune_code=u.commune_code,
        sector_code=u.sector_code,
        active=u.active,
        revision=u.revision,
        leader=contact(u.leader, u.HasField("leader")),
        it_focal=contact(u.it_focal, u.HasField("it_focal")),
    )


class UnitPage(BaseModel):
    items: list[UnitOut]
    next_page_token: str
    total: int


class UnitCreate(BaseModel):
    """A department, service center or sector operation center (communes/wards are seeded)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", examples=["so-gtvt"])
    name: str = Field(min_length=1, max_length=SHORT, examples=["Sở Giao thông vận tải"])
    kind: AddableUnitKind
    sector_code: str = Field(default="", max_length=64, examples=["traffic"])
    leader: Contact = Field(default_factory=Contact)
    it_focal: Contact = Field(default_factory=Contact)


class UnitUpdate(BaseModel):
    """Only the fields given change; a unit's own operators change only its contacts."""

    name: str | None = Field(default=None, min_length=1, max_length=SHORT)
    sector_code: str | None = Field(default=None, max_length=64)
    active: bool | None = None
    leader: Contact | None = None
    it_focal: Contact | None = None
    expected_revision: int | None = Field(default=None, ge=0)


class SiteOut(BaseModel):
    """A site and its notice sign (R17)."""

    id: str
    name: str
    kind: SiteKind
    commune_code: str
    commune_name: str
    unit_id: str = Field(description="Empty: the commune's People's Committee answers for it")
    address: str
    notice_required: bool = Field(description="A sign is required at public places")
    notice_present: bool
    notice_checked_on: date | None
    cameras: int


def site_out(s: rpb.Site) -> SiteOut:
    return SiteOut(
        id=s.id,
        name=s.name,
        kind=SiteKind(s.kind),
        commune_code=s.commune_code,
        commune_name=s.commune_name,
        unit_id=s.unit_id,
        address=s.address,
        notice_required=s.notice_required,
        notice_present=s.notice_present,
        notice_checked_on=_day(s.notice_checked_on),
        cameras=s.cameras,
    )


class SitePage(BaseModel):
    items: list[SiteOut]
    next_page_token: str
    total: int


class SiteCreate(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$", examples=["01-cho-trung-tam"])
    name: str = Field(min_length=1, max_length=SHORT, examples=["Chợ trung tâm"])
    kind: SiteKind
    commune_code: str = Field(max_length=16, examples=["01"])
    unit_id: str = Field(default="", max_length=128)
    address: str = Field(default="", max_length=1024)
    notice_present: bool = False
    notice_checked_on: date | None = None


class SiteUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=SHORT)
    address: str | None = Field(default=None, max_length=1024)
    unit_id: str | None = Field(default=None, max_length=128)
    notice_present: bool | None = None
    notice_checked_on: date | None = None


class TransitionOut(BaseModel):
    at: UtcDatetime
    previous_state: CameraState
    state: CameraState
    reason: str
    detail: str


class UptimeOut(BaseModel):
    day: date
    uptime: float = Field(description="Connected share of the observed part of the day, 0-1")
    observed_s: float
    disconnects: int


class NoteOut(BaseModel):
    at: UtcDatetime
    author: str
    text: str


class TicketOut(BaseModel):
    """A fault ticket: opened when a camera stays lost (3 working days to fix)."""

    id: str
    camera_id: str
    owner_unit_id: str
    commune_code: str
    detected_at: UtcDatetime | None
    opened_at: UtcDatetime | None
    due_on: date | None
    acknowledged_at: UtcDatetime | None
    acknowledged_by: str
    closed_at: UtcDatetime | None
    close_reason: str
    cause: str
    closed_by: str
    notes: list[NoteOut]


def ticket_out(t: rpb.FaultTicket) -> TicketOut:
    return TicketOut(
        id=t.id,
        camera_id=t.camera_id,
        owner_unit_id=t.owner_unit_id,
        commune_code=t.commune_code,
        detected_at=_at(t.detected_at, t.HasField("detected_at")),
        opened_at=_at(t.opened_at, t.HasField("opened_at")),
        due_on=_day(t.due_on),
        acknowledged_at=_at(t.acknowledged_at, t.HasField("acknowledged_at")),
        acknowledged_by=t.acknowledged_by,
        closed_at=_at(t.closed_at, t.HasField("closed_at")),
        close_reason=t.close_reason,
        cause=t.cause,
        closed_by=t.closed_by,
        notes=[NoteOut(at=_at(n.at, True), author=n.author, text=n.text) for n in t.notes],
    )


class HistoryOut(BaseModel):
    """A camera's state transitions, daily uptime (Vietnam days) and fault tickets."""

    camera_id: str
    transitions: list[TransitionOut]
    uptime: list[UptimeOut]
    tickets: list[TicketOut]


def history_out(camera_id: str, h: rpb.GetCameraHistoryReply) -> HistoryOut:
    return HistoryOut(
        camera_id=camera_id,
        transitions=[
            TransitionOut(
                at=_at(t.at, True),
                previous_state=STATE_NAMES.get(t.previous_state, CameraState.UNKNOWN),
                state=STATE_NAMES.get(t.state, CameraState.UNKNOWN),
                reason=t.reason,
                detail=t.detail,
            )
            for t in h.transitions
        ],
        uptime=[
            UptimeOut(
                day=date.fromisoformat(u.day),
                uptime=u.uptime,
                observed_s=u.observed_s,
                disconnects=u.disconnects,
            )
            for u in h.uptime
        ],
        tickets=[ticket_out(t) for t in h.tickets],
    )


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_page_token: str
    total: int


class TicketNote(BaseModel):
    note: str = Field(min_length=1, max_length=2000, examples=["Đã cử kỹ thuật viên kiểm tra"])


class TicketAck(BaseModel):
    note: str = Field(default="", max_length=2000)


class TicketClose(BaseModel):
    cause: str = Field(min_length=1, max_length=2000, examples=["Mất điện khu vực"])
    note: str = Field(default="", max_length=2000)


class MaintenanceIn(BaseModel):
    done_on: date | None = Field(default=None, description="Default: today (Vietnam)")
    note: str = Field(default="", max_length=2000, examples=["Vệ sinh ống kính, kiểm tra nguồn"])


class MaintenanceOut(BaseModel):
    id: str
    camera_id: str
    owner_unit_id: str
    done_on: date
    note: str
    recorded_at: UtcDatetime
    recorded_by: str


def maintenance_out(m: rpb.MaintenanceRecord) -> MaintenanceOut:
    return MaintenanceOut(
        id=m.id,
        camera_id=m.camera_id,
        owner_unit_id=m.owner_unit_id,
        done_on=date.fromisoformat(m.done_on),
        note=m.note,
        recorded_at=_at(m.recorded_at, True),
        recorded_by=m.recorded_by,
    )


class MaintenancePage(BaseModel):
    items: list[MaintenanceOut]
    next_page_token: str
    total: int


class DeadlineOut(BaseModel):
    """A legal deadline, overdue or (``upcoming``) falling due soon."""

    kind: DeadlineKind
    camera_id: str
    owner_unit_id: str
    commune_code: str
    due_on: date
    upcoming: bool
    days_until: int = Field(description="Calendar days to the due date, negative once overdue")
    days_overdue: int = Field(description="Working days (calendar for maintenance, needs)")
    ticket_id: str
    detail: str


def deadline_out(d: rpb.Deadline) -> DeadlineOut:
    return DeadlineOut(
        kind=d.kind,
        camera_id=d.camera_id,
        owner_unit_id=d.owner_unit_id,
        commune_code=d.commune_code,
        due_on=date.fromisoformat(d.due_on),
        upcoming=d.upcoming,
        days_until=d.days_until,
        days_overdue=d.days_overdue,
        ticket_id=d.ticket_id,
        detail=d.detail,
    )


class DeadlinePage(BaseModel):
    items: list[DeadlineOut]
    next_page_token: str
    total: int


class NeededCameras(BaseModel):
    commune_code: str = Field(max_length=16, examples=["01"])
    site_kind: SiteKind
    site_id: str = Field(default="", max_length=64)
    count: int = Field(ge=1, le=10_000)
    note: str = Field(default="", max_length=2000)


class NeededSite(BaseModel):
    name: str = Field(min_length=1, max_length=SHORT, examples=["Quảng trường mới"])
    commune_code: str = Field(max_length=16)
    site_kind: SiteKind
    address: str = Field(default="", max_length=1024)


class NeedsIn(BaseModel):
    """Next year's connection needs (Art. 22: registered before 15 December)."""

    cameras: list[NeededCameras] = Field(default_factory=list, max_length=500)
    sites: list[NeededSite] = Field(default_factory=list, max_length=500)
    budget_note: str = Field(default="", max_length=2000, examples=["Ngân sách xã 2027"])


class NeedsOut(BaseModel):
    unit_id: str
    unit_name: str
    year: int
    cameras: list[NeededCameras]
    sites: list[NeededSite]
    budget_note: str
    recorded_at: UtcDatetime
    recorded_by: str
    on_time: bool = Field(description="Recorded on or before 15 December of the year before")


def needs_out(n: rpb.ConnectionNeedsRecord) -> NeedsOut:
    return NeedsOut(
        unit_id=n.unit_id,
        unit_name=n.unit_name,
        year=n.year,
        cameras=[
            NeededCameras(
                commune_code=c.commune_code,
                site_kind=SiteKind(c.site_kind),
                site_id=c.site_id,
                count=c.count,
                note=c.note,
            )
            for c in n.cameras
        ],
        sites=[
            NeededSite(
                name=s.name,
                commune_code=s.commune_code,
                site_kind=SiteKind(s.site_kind),
                address=s.address,
            )
            for s in n.sites
        ],
        budget_note=n.budget_note,
        recorded_at=_at(n.recorded_at, True),
        recorded_by=n.recorded_by,
        on_time=n.on_time,
    )


class NeedsPage(BaseModel):
    items: list[NeedsOut]
    next_page_token: str
    total: int
    missing_unit_ids: list[str] = Field(description="Units that must register and have not")


class NeedsRecorded(BaseModel):
    unit_id: str
    year: int
    recorded_at: UtcDatetime
    on_time: bool
