"""The annual report per unit and its score (issue 14 item 4; Art. 22.3 and Art. 17.5).

Pure rules: what counts as a fault fixed in time, a camera maintained every 6 months through
the year, the connection needs registered on time; and the score, whose rules the report
itself prints (``SCORE_RULES``), so that a unit can check its own figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tncam_registry.domain import deadlines as dl
from tncam_registry.domain.calendar import WorkingCalendar, local_date


class Needs(StrEnum):
    """Next year's connection needs, as registered by 15 December."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


NEEDS_TEXT = {
    Needs.ON_TIME: "Đã đăng ký đúng hạn",
    Needs.LATE: "Đăng ký muộn",
    Needs.MISSING: "Chưa đăng ký",
}


def fixed_in_time(
    detected_at: dt.datetime,
    closed_at: dt.datetime | None,
    close_reason: str,
    cal: WorkingCalendar,
) -> bool:
    """A lost-connection incident fixed within 3 working days: its ticket was closed because
    the camera reconnected (not because it was deactivated), on or before the third working
    day after the day it was detected (Vietnamese days)."""
    if closed_at is None or close_reason == "deactivated":
        return False
    return local_date(closed_at) <= dl.fault_fix_due(local_date(detected_at), cal)


def maintained_through(
    visits: Sequence[dt.date], baseline: dt.date, period_from: dt.date, period_to: dt.date
) -> bool:
    """Whether a camera was maintained every 6 months over ``[period_from, period_to]``: no
    day of the period is past 6 months after the previous visit (or, before the first visit,
    after ``baseline``: installation or registration)."""
    last = baseline
    for visit in sorted(v for v in visits if v <= period_to):
        if visit >= period_from and visit > dl.maintenance_due(last):
            return False
        last = max(last, visit)
    return dl.maintenance_due(last) >= period_to


def needs_status(recorded_at: dt.datetime | None, year: int) -> Needs:
    """The registration of the needs for ``year + 1``: due on 15 December of ``year``."""
    if recorded_at is None:
        return Needs.MISSING
    return Needs.ON_TIME if local_date(recorded_at) <= dl.needs_due(year + 1) else Needs.LATE


@dataclass
class UnitFacts:
    """One unit's figures for the year."""

    unit_id: str
    unit_name: str
    unit_kind: str
    commune_code: str = ""
    cameras: int = 0
    connected: int = 0
    observed_s: float = 0.0
    up_s: float = 0.0
    incidents: int = 0
    fixed_in_time: int = 0
    maintained: int = 0
    registry_updates: int = 0
    registry_updates_in_time: int = 0
    needs: Needs = Needs.MISSING
    extractions: int = 0
    quick_extractions: int = 0
    break_glass_uses: int = 0
    breaches: int = 0
    breaches_notified_in_time: int = 0

    @property
    def never(self) -> int:
        return self.cameras - self.connected

    @property
    def uptime(self) -> float:
        """Connected share of the observed time (0 when nothing was observed)."""
        return self.up_s / self.observed_s if self.observed_s > 0 else 0.0


@dataclass(frozen=True)
class Criterion:
    code: str
    max_points: float
    label: str
    rule: str


CRITERIA = (
    Criterion(
        "connected",
        30,
        "Camera đã kết nối",
        "30 × (số camera đã kết nối ÷ số camera đăng ký); đơn vị chưa có camera: 0 điểm",
    ),
    Criterion(
        "uptime",
        20,
        "Thời gian hoạt động",
        "20 × tỷ lệ thời gian có kết nối trong năm (tính từ lần kết nối đầu tiên)",
    ),
    Criterion(
        "faults_fixed",
        15,
        "Khắc phục sự cố trong 3 ngày làm việc",
        "15 × (số sự cố mất kết nối khắc phục trong 3 ngày làm việc ÷ số sự cố); "
        "không có sự cố: 15 điểm",
    ),
    Criterion(
        "maintenance",
        10,
        "Bảo trì định kỳ 6 tháng",
        "10 × (số camera được bảo trì đủ 6 tháng/lần ÷ số camera đăng ký); "
        "đơn vị chưa có camera: 0 điểm",
    ),
    Criterion(
        "registry_updates",
        10,
        "Cập nhật thông tin trong 15 ngày làm việc",
        "10 × (số lần cập nhật trong 15 ngày làm việc ÷ số lần cập nhật); "
        "không có thay đổi: 10 điểm",
    ),
    Criterion(
        "needs",
        10,
        "Đăng ký nhu cầu năm sau (trước 15/12)",
        "10 điểm nếu đăng ký đúng hạn, 5 điểm nếu đăng ký muộn, 0 điểm nếu chưa đăng ký",
    ),
    Criterion(
        "breaches",
        5,
        "Thông báo sự cố lộ lọt dữ liệu trong 72 giờ",
        "5 × (số sự cố được thông báo đủ trong 72 giờ ÷ số sự cố); không có sự cố: 5 điểm",
    ),
)
GRADES = ((90.0, "Tốt"), (70.0, "Khá"), (50.0, "Trung bình"), (0.0, "Yếu"))
SCORE_RULES = (
    *(f"{c.label} (tối đa {c.max_points:g} điểm): {c.rule}." for c in CRITERIA),
    "Điểm tổng 0-100, làm tròn 1 chữ số thập phân; xếp loại: Tốt từ 90, Khá từ 70, "
    "Trung bình từ 50, Yếu dưới 50.",
    "Số lần trích xuất, trích xuất nhanh và truy cập khẩn cấp (break-glass) được báo cáo để "
    "theo dõi, không tính điểm.",
)


def _share(done: int, total: int, *, empty: float) -> float:
    return done / total if total else empty


@dataclass(frozen=True)
class Score:
    total: float
    grade: str
    parts: tuple[tuple[str, float, float], ...] = field(default=())


def score(f: UnitFacts) -> Score:
    """The unit's score by the rules in ``CRITERIA`` (each share × its points)."""
    needs = {Needs.ON_TIME: 1.0, Needs.LATE: 0.5, Needs.MISSING: 0.0}[f.needs]
    shares = {
        "connected": _share(f.connected, f.cameras, empty=0.0),
        "uptime": f.uptime,
        "faults_fixed": _share(f.fixed_in_time, f.incidents, empty=1.0),
        "maintenance": _share(f.maintained, f.cameras, empty=0.0),
        "registry_updates": _share(f.registry_updates_in_time, f.registry_updates, empty=1.0),
        "needs": needs,
        "breaches": _share(f.breaches_notified_in_time, f.breaches, empty=1.0),
    }
    parts = tuple((c.code, round(c.max_points * shares[c.code], 1), c.max_points) for c in CRITERIA)
    total = round(sum(c.max_points * shares[c.code] for c in CRITERIA), 1)
    grade = next(name for floor, name in GRADES if total >= floor)
    return Score(total, grade, parts)


def period(year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """1 January to 31 December, or to today for the current year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return start, min(end, today)
