"""The official connection report (status appendix of the March 2026 directive).

Section I: one row per commune/ward in the order of communes.csv, over the cameras its own
People's Committee owns; one cell per column: service center (TTPVHCC), committee HQ, and
squares **and** public places together ("quảng trường / khu vực công cộng", the directive's
"các khu vực công cộng"), the split kept in the cell's parts. A cell is ``Có`` when every
camera in it is connected, ``Chưa kết nối`` when none ever connected, ``Mất kết nối``
otherwise, blank when the commune has no camera of that kind. "Unstable" cameras are connected
(they deliver a stream): they make the cell ``Có`` but put the unit on the "unstable" list.

Section II: the provincial public-administration service center (a unit that is not a
commune); section III: each department / sector operation center that owns cameras. Their
rows count every active camera the unit owns, whatever the site kind.

Totals count cameras, worded as in the appendix: "Tổng số Camera TTPVHCC Mất kết nối lên
C_Thai Nguyen: 13". A note written by a person (who, when) replaces the generated note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.model import CameraState, SiteKind, UnitKind

CONNECTED = "Có"
LOST = "Mất kết nối"
NEVER = "Chưa kết nối"
UNSTABLE = "Kết nối không ổn định"
APP = "C_Thai Nguyen"
NO_CAMERA = "Chưa có camera"
TITLE = "TÌNH TRẠNG KẾT NỐI CAMERA GIÁM SÁT LÊN ỨNG DỤNG C-THÁI NGUYÊN"
LIST_TITLES = (
    "Danh sách đơn vị đã hoàn thành kết nối",
    "Danh sách đơn vị chưa hoàn thành kết nối",
    "Danh sách đơn vị kết nối không ổn định",
)
SECTION_TITLES = (
    "I. UBND CÁC XÃ, PHƯỜNG",
    "II. TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH",
    "III. CÁC SỞ, BAN, NGÀNH VÀ TRUNG TÂM ĐIỀU HÀNH CHUYÊN NGÀNH",
)
#: Units reported in their own sections rather than as a commune's row.
SECTION_UNIT_KINDS = {
    UnitKind.SERVICE_CENTER.value: 1,
    UnitKind.DEPARTMENT.value: 2,
    UnitKind.SECTOR_CENTER.value: 2,
}


@dataclass(frozen=True)
class Column:
    """One column of section I: its key (JSON / protobuf), the site kinds it counts, the
    short name of the totals and the header."""

    key: str
    kinds: tuple[SiteKind, ...]
    short: str
    header: str


COLUMNS: tuple[Column, ...] = (
    Column("service_center", (SiteKind.SERVICE_CENTER,), "TTPVHCC", "Camera TTPVHCC"),
    Column("committee_hq", (SiteKind.COMMITTEE_HQ,), "Trụ sở UBND", "Camera trụ sở UBND"),
    Column(
        "square",
        (SiteKind.SQUARE, SiteKind.PUBLIC_PLACE),
        "Quảng trường, khu vực công cộng",
        "Camera quảng trường / khu vực công cộng",
    ),
)
#: Site kinds counted in section I.
COMMUNE_SITE_KINDS = frozenset(k for c in COLUMNS for k in c.kinds)
_COLUMN_OF = {k: c.key for c in COLUMNS for k in c.kinds}
HEADERS = ("STT", "Mã xã", "Xã, phường", *(c.header for c in COLUMNS), "Ghi chú")
UNIT_HEADERS = (
    "STT",
    "Đơn vị",
    "Số camera",
    "Có kết nối",
    "Mất kết nối",
    "Chưa kết nối",
    "Không ổn định",
    "Tình trạng",
    "Ghi chú",
)


@dataclass(frozen=True)
class CommuneRef:
    """A commune/ward as the report lists it."""

    code: str
    name: str


@dataclass(frozen=True)
class UnitRef:
    """An owning unit reported in section II or III."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class ReportCamera:
    """One active camera as the report counts it."""

    id: str
    commune_code: str
    site_kind: SiteKind
    state: CameraState
    owner_unit_id: str = ""


@dataclass(frozen=True)
class Note:
    """A note written by a person over a commune's generated note."""

    text: str
    by: str
    at: dt.datetime


@dataclass
class Counts:
    """Cameras by connection state."""

    cameras: int = 0
    connected: int = 0
    lost: int = 0
    never: int = 0
    unstable: int = 0

    def count(self, state: CameraState) -> None:
        self.cameras += 1
        if state == CameraState.CONNECTED:
            self.connected += 1
        elif state == CameraState.UNSTABLE:
            self.unstable += 1
        elif state == CameraState.LOST:
            self.lost += 1
        else:
            self.never += 1

    @property
    def text(self) -> str:
        """``Có``, ``Chưa kết nối``, ``Mất kết nối`` or blank."""
        if self.cameras == 0:
            return ""
        if self.connected + self.unstable == self.cameras:
            return CONNECTED
        if self.never == self.cameras:
            return NEVER
        return LOST

    @property
    def outcome(self) -> str:
        """``completed``, ``not_completed`` or ``unstable`` (mutually exclusive)."""
        if self.cameras == 0 or self.lost or self.never:
            return "not_completed"
        return "unstable" if self.unstable else "completed"


@dataclass
class Cell(Counts):
    """The state of one column in one commune, with its counts per site kind."""

    parts: dict[SiteKind, Counts] = field(default_factory=dict)

    def add(self, state: CameraState, kind: SiteKind | None = None) -> None:
        self.count(state)
        if kind is not None:
            self.parts.setdefault(kind, Counts()).count(state)


@dataclass
class Row:
    """One commune's line."""

    number: int
    commune: CommuneRef
    cells: dict[str, Cell]
    generated_note: str = ""
    written: Note | None = None

    @property
    def note(self) -> str:
        """The note a person wrote, else the generated one."""
        return self.written.text if self.written else self.generated_note

    @property
    def cameras(self) -> int:
        return sum(c.cameras for c in self.cells.values())

    @property
    def outcome(self) -> str:
        """``completed``, ``not_completed`` or ``unstable`` (mutually exclusive)."""
        total = Counts()
        for c in self.cells.values():
            total.cameras += c.cameras
            total.lost += c.lost
            total.never += c.never
            total.unstable += c.unstable
        return total.outcome


@dataclass
class UnitRow:
    """One unit of section II or III: every active camera it owns."""

    number: int
    unit: UnitRef
    cell: Cell
    note: str = ""


@dataclass
class Report:
    """The whole report (``as_of`` set when recomputed for a past instant)."""

    generated_at: dt.datetime
    rows: list[Row]
    service_centers: list[UnitRow] = field(default_factory=list)
    departments: list[UnitRow] = field(default_factory=list)
    as_of: dt.datetime | None = None
    scope: str = ""
    totals: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    not_completed: list[str] = field(default_factory=list)
    unstable: list[str] = field(default_factory=list)

    @property
    def at(self) -> dt.datetime:
        """The instant the figures describe."""
        return self.as_of or self.generated_at


def _total_lines(short: str, cells: Iterable[Counts]) -> list[str]:
    cells = list(cells)
    figures = (
        ("Có kết nối", sum(c.connected + c.unstable for c in cells)),
        (LOST, sum(c.lost for c in cells)),
        (NEVER, sum(c.never for c in cells)),
        (UNSTABLE, sum(c.unstable for c in cells)),
    )
    return [f"Tổng số Camera {short} {label} lên {APP}: {n}" for label, n in figures]


def total_lines(report: Report) -> list[str]:
    """The appendix's total lines: per column and section, cameras connected / lost / never /
    unstable (connected counts the unstable ones too: they deliver a stream)."""
    lines: list[str] = []
    for col in COLUMNS:
        lines += _total_lines(col.short, (r.cells[col.key] for r in report.rows))
    if report.service_centers:
        lines += _total_lines("TTPVHCC tỉnh", (u.cell for u in report.service_centers))
    if report.departments:
        lines += _total_lines("sở, ngành", (u.cell for u in report.departments))
    return lines


def _note(cameras: Sequence[ReportCamera]) -> str:
    if not cameras:
        return NO_CAMERA
    parts = []
    for state, label in (
        (CameraState.LOST, LOST),
        (CameraState.NEVER, NEVER),
        (CameraState.UNSTABLE, UNSTABLE),
    ):
        ids = sorted(
            f"{c.id} ({c.site_kind.label_vi.lower()})"
            if c.site_kind == SiteKind.PUBLIC_PLACE
            else c.id
            for c in cameras
            if c.state == state
        )
        if ids:
            shown = ", ".join(ids[:10]) + (
                f" và {len(ids) - 10} camera khác" if len(ids) > 10 else ""
            )
            parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def _unit_rows(
    units: Sequence[UnitRef], by_unit: Mapping[str, list[ReportCamera]], section: int
) -> list[UnitRow]:
    rows: list[UnitRow] = []
    for unit in units:
        if SECTION_UNIT_KINDS.get(unit.kind) != section:
            continue
        cams = by_unit.get(unit.id, [])
        # The provincial service center always has its row; departments only with cameras.
        if not cams and section != 1:
            continue
        cell = Cell()
        for cam in cams:
            cell.add(cam.state, cam.site_kind)
        rows.append(UnitRow(len(rows) + 1, unit, cell, _note(cams)))
    return rows


def build_report(
    communes: Sequence[CommuneRef],
    cameras: Iterable[ReportCamera],
    generated_at: dt.datetime,
    *,
    units: Sequence[UnitRef] = (),
    notes: Mapping[str, Note] | None = None,
    as_of: dt.datetime | None = None,
    scope: str = "",
) -> Report:
    """The report for ``communes`` (in order) and the section ``units`` from the active cameras
    and their states; a camera owned by one of ``units`` is counted in that unit's section."""
    section_units = {u.id for u in units if u.kind in SECTION_UNIT_KINDS}
    by_commune: dict[str, list[ReportCamera]] = {c.code: [] for c in communes}
    by_unit: dict[str, list[ReportCamera]] = {}
    for cam in cameras:
        if cam.owner_unit_id in section_units:
            by_unit.setdefault(cam.owner_unit_id, []).append(cam)
        elif cam.site_kind in COMMUNE_SITE_KINDS and cam.commune_code in by_commune:
            by_commune[cam.commune_code].append(cam)
    notes = notes or {}
    rows: list[Row] = []
    for number, commune in enumerate(communes, start=1):
        cells = {c.key: Cell() for c in COLUMNS}
        cams = by_commune[commune.code]
        for cam in cams:
            cells[_COLUMN_OF[cam.site_kind]].add(cam.state, cam.site_kind)
        rows.append(Row(number, commune, cells, _note(cams), notes.get(commune.code)))
    report = Report(
        generated_at,
        rows,
        _unit_rows(units, by_unit, 1),
        _unit_rows(units, by_unit, 2),
        as_of=as_of,
        scope=scope,
    )
    report.totals = total_lines(report)
    for row in rows:
        getattr(report, row.outcome).append(row.commune.name)
    for urow in report.service_centers + report.departments:
        getattr(report, urow.cell.outcome).append(urow.unit.name)
    return report


def report_filename(report: Report, ext: str) -> str:
    """The download name of the report document, dated in Vietnam time."""
    return f"bao-cao-ket-noi-camera-{report.at.astimezone(VN_TZ):%Y-%m-%d}.{ext}"
