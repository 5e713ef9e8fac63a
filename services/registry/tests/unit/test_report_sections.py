"""The report's third column (squares and public places), the provincial service center's and
the departments' sections, written notes, and the printable document."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from tncam_registry.domain import report as rep
from tncam_registry.domain import report_formats as fmt
from tncam_registry.domain.model import CameraState as S
from tncam_registry.domain.model import SiteKind as K
from tncam_registry.render.pdf import render_pdf

NOW = dt.datetime(2026, 3, 20, 1, 30, tzinfo=dt.UTC)  # 08:30 in Vietnam
COMMUNES = [rep.CommuneRef("01", "Phường A"), rep.CommuneRef("02", "Xã B")]
CENTER = rep.UnitRef("ttpvhcc-tinh", "Trung tâm Phục vụ hành chính công tỉnh", "service_center")
HEALTH = rep.UnitRef("ttdh-y-te", "Trung tâm điều hành y tế", "sector_center")
DEPT = rep.UnitRef("skhcn", "Sở Khoa học và Công nghệ", "department")
UNITS = [CENTER, HEALTH, DEPT]


def cam(cid: str, commune: str, kind: K, state: S, owner: str = "") -> rep.ReportCamera:
    return rep.ReportCamera(cid, commune, kind, state, owner or f"commune-{commune}")


def test_a_lost_public_place_camera_leaves_its_commune_not_completed() -> None:
    cameras = [
        cam("a-sc", "01", K.SERVICE_CENTER, S.CONNECTED),
        cam("a-sq", "01", K.SQUARE, S.CONNECTED),
        cam("a-pp", "01", K.PUBLIC_PLACE, S.LOST),
        cam("b-sq", "02", K.SQUARE, S.CONNECTED),
    ]
    report = rep.build_report(COMMUNES, cameras, NOW)
    a, b = report.rows
    third = a.cells["square"]
    assert (third.text, third.cameras, third.connected, third.lost) == ("Mất kết nối", 2, 1, 1)
    assert third.parts[K.SQUARE].text == "Có"
    assert third.parts[K.PUBLIC_PLACE].text == "Mất kết nối"
    assert a.outcome == "not_completed"
    assert report.not_completed == ["Phường A"]
    assert report.completed == ["Xã B"]
    assert a.note == "Mất kết nối: a-pp (khu vực công cộng)"
    # The printed cell keeps the split visible; a squares-only cell stays one word.
    assert fmt.cell_text(third) == "Mất kết nối\n(quảng trường 1/1, KV công cộng 0/1)"
    assert fmt.cell_text(b.cells["square"]) == "Có"
    lines = report.totals
    assert (
        "Tổng số Camera Quảng trường, khu vực công cộng Mất kết nối lên C_Thai Nguyen: 1" in lines
    )
    assert "Tổng số Camera Quảng trường, khu vực công cộng Có kết nối lên C_Thai Nguyen: 2" in lines
    parts = fmt.to_dict(report)["rows"][0]["square"]["parts"]
    assert [(p["site_kind"], p["lost"]) for p in parts] == [("public_place", 1), ("square", 0)]


def test_only_public_places_make_a_cell_too() -> None:
    report = rep.build_report(COMMUNES, [cam("b-pp", "02", K.PUBLIC_PLACE, S.NEVER)], NOW)
    cell = report.rows[1].cells["square"]
    assert cell.text == "Chưa kết nối"
    assert report.not_completed == ["Phường A", "Xã B"]


def test_service_center_and_department_sections() -> None:
    cameras = [
        cam("a-sc", "01", K.SERVICE_CENTER, S.CONNECTED),
        # The provincial center's camera at a site in commune 01 is its own, not the ward's.
        cam("t-1", "01", K.SERVICE_CENTER, S.LOST, owner=CENTER.id),
        cam("t-2", "02", K.SERVICE_CENTER, S.CONNECTED, owner=CENTER.id),
        cam("y-1", "02", K.SECTOR_SITE, S.UNSTABLE, owner=HEALTH.id),
        cam("y-2", "01", K.PUBLIC_PLACE, S.CONNECTED, owner=HEALTH.id),
    ]
    report = rep.build_report(COMMUNES, cameras, NOW, units=UNITS)
    assert report.rows[0].cells["service_center"].cameras == 1
    assert report.rows[0].outcome == "completed"
    [center] = report.service_centers
    assert (center.unit.id, center.cell.cameras, center.cell.lost) == (CENTER.id, 2, 1)
    assert center.cell.text == "Mất kết nối"
    assert center.note == "Mất kết nối: t-1"
    # Departments only with cameras: the health center, not the department without any.
    [health] = report.departments
    assert (health.unit.id, health.cell.cameras, health.cell.unstable) == (HEALTH.id, 2, 1)
    assert report.not_completed == ["Xã B", CENTER.name]
    assert report.completed == ["Phường A"]
    assert report.unstable == [HEALTH.name]
    assert "Tổng số Camera TTPVHCC tỉnh Mất kết nối lên C_Thai Nguyen: 1" in report.totals
    assert "Tổng số Camera sở, ngành Kết nối không ổn định lên C_Thai Nguyen: 1" in report.totals
    data = fmt.to_dict(report)
    assert data["service_centers"][0]["cameras"]["lost"] == 1
    assert data["departments"][0]["unit_kind"] == "sector_center"


def test_the_provincial_center_has_its_row_without_cameras() -> None:
    report = rep.build_report(COMMUNES, [], NOW, units=UNITS)
    assert [u.unit.id for u in report.service_centers] == [CENTER.id]
    assert report.service_centers[0].note == rep.NO_CAMERA
    assert report.departments == []


def test_a_written_note_replaces_the_generated_one() -> None:
    note = rep.Note("Đã báo nhà mạng, chờ kéo lại cáp", "admin-1", NOW)
    report = rep.build_report(
        COMMUNES, [cam("b-sq", "02", K.SQUARE, S.LOST)], NOW, notes={"02": note}
    )
    b = report.rows[1]
    assert b.note == "Đã báo nhà mạng, chờ kéo lại cáp"
    assert b.generated_note == "Mất kết nối: b-sq"
    row = fmt.to_dict(report)["rows"][1]
    assert (row["note"], row["note_by"]) == (note.text, "admin-1")
    assert row["generated_note"] == "Mất kết nối: b-sq"


def test_document_xlsx_and_pdf_hold_the_sections() -> None:
    cameras = [
        cam("a-pp", "01", K.PUBLIC_PLACE, S.LOST),
        cam("t-1", "01", K.SERVICE_CENTER, S.CONNECTED, owner=CENTER.id),
        cam("y-1", "02", K.SECTOR_SITE, S.CONNECTED, owner=HEALTH.id),
    ]
    report = rep.build_report(COMMUNES, cameras, NOW, units=UNITS, as_of=NOW)
    doc = fmt.to_document(report)
    assert [t.title for t in doc.tables] == list(rep.SECTION_TITLES)
    assert doc.stamp.startswith("Số liệu đến 08:30 ngày 20/03/2026 (tính lại")
    wb = load_workbook(io.BytesIO(fmt.render_xlsx(report)))
    ws = wb.active
    assert ws is not None
    flat = [v for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    assert CENTER.name in flat
    assert HEALTH.name in flat
    assert "Mất kết nối\n(KV công cộng 0/1)" in flat
    pdf = render_pdf(doc)
    assert pdf.startswith(b"%PDF-")
    assert b"DejaVuSans" in pdf  # the Unicode font is embedded
