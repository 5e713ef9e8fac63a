"""The connection report's cell, totals and list rules."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from tncam_registry.domain import report as rep
from tncam_registry.domain import report_formats as fmt
from tncam_registry.domain.model import CameraState as S
from tncam_registry.domain.model import SiteKind as K

NOW = dt.datetime(2026, 3, 20, 8, 30, tzinfo=dt.UTC)
KEYS = [c.key for c in rep.COLUMNS]
COMMUNES = [
    rep.CommuneRef("01", "Phường A"),
    rep.CommuneRef("02", "Xã B"),
    rep.CommuneRef("03", "Xã C"),
]


def cams(commune: str, kind: K, *states: S) -> list[rep.ReportCamera]:
    return [
        rep.ReportCamera(f"{commune}-{kind.value}-{i}", commune, kind, s)
        for i, s in enumerate(states)
    ]


@pytest.mark.parametrize(
    ("states", "text"),
    [
        ((), ""),
        ((S.CONNECTED,), "Có"),
        ((S.CONNECTED, S.UNSTABLE), "Có"),
        ((S.NEVER, S.NEVER), "Chưa kết nối"),
        ((S.LOST,), "Mất kết nối"),
        ((S.CONNECTED, S.LOST), "Mất kết nối"),
        ((S.CONNECTED, S.NEVER), "Mất kết nối"),
        ((S.LOST, S.NEVER), "Mất kết nối"),
    ],
)
def test_cell_rule(states: tuple[S, ...], text: str) -> None:
    cell = rep.Cell()
    for s in states:
        cell.add(s)
    assert cell.text == text


def test_rows_follow_commune_order_and_totals_count_cameras() -> None:
    cameras = (
        cams("02", K.SERVICE_CENTER, S.LOST, S.LOST, S.CONNECTED)
        + cams("02", K.COMMITTEE_HQ, S.NEVER)
        + cams("01", K.SERVICE_CENTER, S.CONNECTED)
        + cams("01", K.SQUARE, S.UNSTABLE)
        + cams("01", K.SECTOR_SITE, S.LOST)  # not a column of section I
        + cams("99", K.SQUARE, S.LOST)  # unknown commune: ignored
    )
    report = rep.build_report(COMMUNES, cameras, NOW)
    assert [r.commune.code for r in report.rows] == ["01", "02", "03"]
    a, b, c = report.rows
    assert [a.cells[k].text for k in KEYS] == ["Có", "", "Có"]
    assert [b.cells[k].text for k in KEYS] == ["Mất kết nối", "Chưa kết nối", ""]
    assert [c.cells[k].text for k in KEYS] == ["", "", ""]
    assert "Tổng số Camera TTPVHCC Mất kết nối lên C_Thai Nguyen: 2" in report.totals
    assert "Tổng số Camera TTPVHCC Có kết nối lên C_Thai Nguyen: 2" in report.totals
    assert "Tổng số Camera Trụ sở UBND Chưa kết nối lên C_Thai Nguyen: 1" in report.totals
    assert (
        "Tổng số Camera Quảng trường, khu vực công cộng Kết nối không ổn định lên C_Thai Nguyen: 1"
    ) in report.totals
    assert (
        "Tổng số Camera Quảng trường, khu vực công cộng Mất kết nối lên C_Thai Nguyen: 0"
    ) in report.totals
    assert report.completed == []
    assert report.unstable == ["Phường A"]
    assert report.not_completed == ["Xã B", "Xã C"]
    assert "Mất kết nối: 02-service_center-0, 02-service_center-1" in b.note
    assert c.note == "Chưa có camera"


def test_formats_carry_the_same_cells_and_totals() -> None:
    cameras = cams("01", K.SERVICE_CENTER, S.CONNECTED) + cams("02", K.COMMITTEE_HQ, S.LOST)
    report = rep.build_report(COMMUNES, cameras, NOW)
    data = json.loads(fmt.render_json(report))
    assert data["rows"][0]["service_center"]["text"] == "Có"
    assert data["rows"][1]["committee_hq"]["text"] == "Mất kết nối"
    assert data["totals"] == report.totals

    text = fmt.render_csv(report).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert tuple(lines[0]) == rep.HEADERS
    assert lines[1][:6] == ["1", "01", "Phường A", "Có", "", ""]
    assert "Tổng số Camera Trụ sở UBND Mất kết nối lên C_Thai Nguyen: 1" in text

    wb = load_workbook(io.BytesIO(fmt.render_xlsx(report)))
    ws = wb.active
    assert ws is not None
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header_index = next(i for i, r in enumerate(values) if r[0] == "STT")
    assert tuple(values[header_index][: len(rep.HEADERS)]) == rep.HEADERS
    assert values[header_index + 2][4] == "Mất kết nối"
    flat = [v for r in values for v in r if isinstance(v, str)]
    assert "Tổng số Camera Trụ sở UBND Mất kết nối lên C_Thai Nguyen: 1" in flat

    page = fmt.render_html(report).decode()
    assert "<th>Camera TTPVHCC</th>" in page
    assert "size: A4 landscape" in page
