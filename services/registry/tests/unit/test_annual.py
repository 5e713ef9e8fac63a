"""The annual report's rules: faults fixed within 3 working days, maintenance every 6 months,
next year's needs, the score; and its composition and documents from hand-built rows."""

from __future__ import annotations

import datetime as dt
import io
import json
from types import SimpleNamespace as Row

from openpyxl import load_workbook

from tncam_registry.domain import annual as an
from tncam_registry.domain.annual_compose import Outside, Period, UnitInfo, YearRows, compose
from tncam_registry.domain.annual_report import HEADERS, render_json, render_xlsx
from tncam_registry.domain.calendar import VN_TZ, WorkingCalendar
from tncam_registry.render.annual_pdf import render_pdf

D = dt.date
CAL = WorkingCalendar()


def vn(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=VN_TZ)


def test_a_fault_fixed_by_the_third_working_day_counts_and_not_after() -> None:
    # Detected Friday 13 Feb 2026, just before Tết (16-20 Feb): the 3rd working day is 25 Feb.
    detected = vn(2026, 2, 13, 16)
    assert an.fixed_in_time(detected, vn(2026, 2, 25, 17), "reconnected", CAL)
    assert not an.fixed_in_time(detected, vn(2026, 2, 26, 8), "reconnected", CAL)
    # Detected Wednesday 18 Mar: due Monday 23 Mar (the weekend does not count).
    assert an.fixed_in_time(vn(2026, 3, 18), vn(2026, 3, 23, 23), "reconnected", CAL)
    assert not an.fixed_in_time(vn(2026, 3, 18), vn(2026, 3, 24, 0), "reconnected", CAL)
    # Still open, or closed by a deactivation: not fixed.
    assert not an.fixed_in_time(vn(2026, 3, 18), None, "", CAL)
    assert not an.fixed_in_time(vn(2026, 3, 18), vn(2026, 3, 18, 13), "deactivated", CAL)
    # The day is Vietnam's: 23:30 UTC on 22 Mar is 06:30 on 23 Mar in Hà Nội (still in time).
    closed_utc = dt.datetime(2026, 3, 22, 23, 30, tzinfo=dt.UTC)
    assert an.fixed_in_time(vn(2026, 3, 18), closed_utc, "reconnected", CAL)


def test_maintenance_every_six_months_through_the_year() -> None:
    y0, y1 = D(2026, 1, 1), D(2026, 12, 31)
    assert an.maintained_through([D(2026, 3, 1), D(2026, 8, 30)], D(2025, 10, 1), y0, y1)
    # The baseline (installation) more than 6 months before the first visit of the year.
    assert not an.maintained_through([D(2026, 5, 2)], D(2025, 11, 1), y0, y1)
    # No visit after June: the second half-year runs out before 31 December.
    assert not an.maintained_through([D(2026, 3, 1)], D(2025, 10, 1), y0, y1)
    # Up to today for the current year: a visit in March covers until September.
    assert an.maintained_through([D(2026, 3, 1)], D(2025, 10, 1), y0, D(2026, 7, 1))
    # Visits after the period are ignored.
    assert not an.maintained_through([D(2027, 1, 2)], D(2026, 1, 10), y0, y1)


def test_needs_are_due_on_15_december() -> None:
    assert an.needs_status(None, 2026) is an.Needs.MISSING
    assert an.needs_status(vn(2026, 12, 15, 23), 2026) is an.Needs.ON_TIME
    assert an.needs_status(vn(2026, 12, 16, 0), 2026) is an.Needs.LATE


def test_score_rules() -> None:
    perfect = an.UnitFacts(
        "commune-01",
        "UBND xã A",
        "commune",
        "01",
        cameras=4,
        connected=4,
        observed_s=100,
        up_s=100,
        maintained=4,
        needs=an.Needs.ON_TIME,
    )
    s = an.score(perfect)
    assert (s.total, s.grade) == (100.0, "Tốt")
    assert sum(m for _, _, m in s.parts) == 100
    # Half connected (15), 80 % uptime (16), 1 of 2 faults in time (7.5), 1 of 4 maintained
    # (2.5), 1 of 2 updates in time (5), needs late (5), no breach (5): 56.
    mixed = an.UnitFacts(
        "commune-02",
        "UBND xã B",
        "commune",
        "02",
        cameras=4,
        connected=2,
        observed_s=100,
        up_s=80,
        incidents=2,
        fixed_in_time=1,
        maintained=1,
        registry_updates=2,
        registry_updates_in_time=1,
        needs=an.Needs.LATE,
    )
    s = an.score(mixed)
    assert s.total == 56.0
    assert s.grade == "Trung bình"
    assert dict((c, p) for c, p, _ in s.parts) == {
        "connected": 15.0,
        "uptime": 16.0,
        "faults_fixed": 7.5,
        "maintenance": 2.5,
        "registry_updates": 5.0,
        "needs": 5.0,
        "breaches": 5.0,
    }
    # No camera at all: nothing integrated; a breach notified late costs its 5 points.
    empty = an.UnitFacts("commune-03", "UBND xã C", "commune", "03", breaches=1)
    s = an.score(empty)
    assert s.total == 25.0  # faults 15 + updates 10 (nothing to fix or update)
    assert s.grade == "Yếu"
    assert any("72 giờ" in rule for rule in an.SCORE_RULES)


def _report() -> tuple[YearRows, list[UnitInfo], Period]:
    p = Period(2026, D(2026, 1, 1), D(2026, 12, 31), vn(2026, 1, 1, 0), vn(2027, 1, 1, 0))
    cams = [
        Row(
            id="a1",
            owner_unit_id="commune-01",
            created_at=vn(2025, 11, 1),
            installed_on=D(2025, 11, 1),
            last_maintained_on=D(2026, 9, 1),
        ),
        Row(
            id="a2",
            owner_unit_id="commune-01",
            created_at=vn(2026, 6, 1),
            installed_on=None,
            last_maintained_on=None,
        ),
        # Its only visit known as the camera's last one (recorded before visits were kept).
        Row(
            id="b1",
            owner_unit_id="skhcn",
            created_at=vn(2026, 1, 5),
            installed_on=None,
            last_maintained_on=D(2026, 7, 2),
        ),
    ]
    edges = [
        # a1 up since last year, down for the last quarter of the year.
        Row(camera_id="a1", at=vn(2026, 10, 2, 0), up=False),
        # b1 up from 1 July.
        Row(camera_id="b1", at=vn(2026, 7, 2, 0), up=True),
    ]
    rows = YearRows(
        cameras=cams,
        edges=edges,
        before={"a1": True},
        tickets=[
            Row(camera_id="a1", detected_at=vn(2026, 10, 2, 0), closed_at=None, close_reason=""),
            Row(
                camera_id="b1",
                detected_at=vn(2026, 3, 18),
                closed_at=vn(2026, 3, 19),
                close_reason="reconnected",
            ),
        ],
        visits=[
            Row(camera_id="a1", done_on=D(2026, 4, 1)),
            Row(camera_id="a1", done_on=D(2026, 9, 1)),
        ],
        updates=[Row(camera_id="a2", due_on=D(2026, 7, 1), recorded_at=vn(2026, 7, 2))],
        needs={"commune-01": vn(2026, 12, 1)},
    )
    units = [
        UnitInfo("commune-01", "UBND xã Một", "commune", "01"),
        UnitInfo("skhcn", "Sở Khoa học và Công nghệ", "department"),
    ]
    return rows, units, p


def test_composition_from_hand_built_rows() -> None:
    rows, units, p = _report()
    outside = {"commune-01": Outside(extractions=3, quick_extractions=1, break_glass_uses=2)}
    report = compose(
        rows, units, outside, p, CAL, generated_at=vn(2027, 1, 2), outside_included=True
    )
    a, b = (r.facts for r in report.rows)
    assert (a.cameras, a.connected, a.never) == (2, 1, 1)
    assert round(a.uptime, 3) == round(274 / 365, 3)  # up until 2 October
    assert (a.incidents, a.fixed_in_time, a.maintained) == (1, 0, 1)
    assert (a.registry_updates, a.registry_updates_in_time) == (1, 0)
    assert a.needs is an.Needs.ON_TIME
    assert (a.extractions, a.quick_extractions, a.break_glass_uses) == (3, 1, 2)
    assert (b.cameras, b.connected, b.incidents, b.fixed_in_time, b.maintained) == (1, 1, 1, 1, 1)
    assert b.uptime == 1.0  # observed from its first connection
    assert b.needs is an.Needs.MISSING
    assert [r.number for r in report.rows] == [1, 2]


def test_documents_hold_the_same_numbers_and_the_rules() -> None:
    rows, units, p = _report()
    report = compose(rows, units, {}, p, CAL, generated_at=vn(2027, 1, 2), outside_included=False)
    data = json.loads(render_json(report))
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames == ["Báo cáo năm", "Cách tính điểm"]
    ws = wb["Báo cáo năm"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "STT")
    assert header == HEADERS
    body = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [(r[1], r[2], r[3], r[15]) for r in body] == [
        (d["unit_name"], d["cameras"], d["connected"], d["score"]) for d in data["rows"]
    ]
    rules = [r[0] for r in wb["Cách tính điểm"].iter_rows(values_only=True)]
    assert len(rules) == len(an.SCORE_RULES) + 1
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF-")
    assert b"DejaVu" in pdf  # the embedded font
