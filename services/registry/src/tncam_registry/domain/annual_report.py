"""The annual report document: rows per unit, JSON and XLSX (the PDF: ``render.annual_pdf``).

Two parts, as the officials read it: the table of units (figures, score, grade) and the score
rules (a second sheet / page), so that every figure can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tncam_registry.domain.annual import NEEDS_TEXT, SCORE_RULES, Score, UnitFacts
from tncam_registry.domain.calendar import VN_TZ

TITLE = "BÁO CÁO NĂM {year} VỀ KẾT NỐI, CẬP NHẬT VÀ KHAI THÁC CAMERA GIÁM SÁT"
SUBTITLE = "Đánh giá mức độ tích hợp và cập nhật dữ liệu của từng đơn vị"
RULES_TITLE = "CÁCH TÍNH ĐIỂM"
HEADERS = (
    "STT",
    "Đơn vị",
    "Camera đăng ký",
    "Đã kết nối",
    "Chưa kết nối",
    "Thời gian hoạt động (%)",
    "Sự cố mất kết nối",
    "Khắc phục trong 3 ngày làm việc",
    "Bảo trì 6 tháng/lần (camera)",
    "Cập nhật đúng hạn / số lần cập nhật",
    "Đăng ký nhu cầu năm sau",
    "Trích xuất",
    "Trích xuất nhanh",
    "Truy cập khẩn cấp",
    "Lộ lọt dữ liệu: thông báo trong 72 giờ / số sự cố",
    "Điểm",
    "Xếp loại",
)
OUTSIDE_MISSING = (
    "Chưa có số liệu trích xuất, truy cập khẩn cấp và sự cố lộ lọt (không lấy được từ cổng "
    "API / nhật ký kiểm toán)."
)


@dataclass(frozen=True)
class AnnualRow:
    number: int
    facts: UnitFacts
    score: Score


@dataclass(frozen=True)
class AnnualReport:
    year: int
    generated_at: dt.datetime
    period_from: dt.date
    period_to: dt.date
    rows: Sequence[AnnualRow]
    outside_included: bool


def title(report: AnnualReport) -> str:
    return TITLE.format(year=report.year)


def stamp(report: AnnualReport) -> str:
    """The period and the generation time in Vietnam."""
    local = report.generated_at.astimezone(VN_TZ)
    return (
        f"Kỳ báo cáo: {report.period_from:%d/%m/%Y} - {report.period_to:%d/%m/%Y}. "
        f"Lập lúc {local:%H:%M} ngày {local:%d/%m/%Y}"
    )


def table(report: AnnualReport) -> list[list[str | int | float]]:
    """The table's cells, as both documents print them."""
    out: list[list[str | int | float]] = []
    for r in report.rows:
        f = r.facts
        out.append(
            [
                r.number,
                f.unit_name,
                f.cameras,
                f.connected,
                f.never,
                round(f.uptime * 100, 1),
                f.incidents,
                f.fixed_in_time,
                f.maintained,
                f"{f.registry_updates_in_time}/{f.registry_updates}",
                NEEDS_TEXT[f.needs],
                f.extractions,
                f.quick_extractions,
                f.break_glass_uses,
                f"{f.breaches_notified_in_time}/{f.breaches}",
                r.score.total,
                r.score.grade,
            ]
        )
    return out


def row_dict(r: AnnualRow) -> dict[str, Any]:
    f = r.facts
    return {
        "number": r.number,
        "unit_id": f.unit_id,
        "unit_name": f.unit_name,
        "unit_kind": f.unit_kind,
        "commune_code": f.commune_code,
        "cameras": f.cameras,
        "connected": f.connected,
        "never": f.never,
        "uptime": round(f.uptime, 4),
        "incidents": f.incidents,
        "fixed_in_time": f.fixed_in_time,
        "maintained": f.maintained,
        "registry_updates": f.registry_updates,
        "registry_updates_in_time": f.registry_updates_in_time,
        "needs": f.needs.value,
        "extractions": f.extractions,
        "quick_extractions": f.quick_extractions,
        "break_glass_uses": f.break_glass_uses,
        "breaches": f.breaches,
        "breaches_notified_in_time": f.breaches_notified_in_time,
        "score": r.score.total,
        "grade": r.score.grade,
        "parts": [{"code": c, "points": p, "max_points": m} for c, p, m in r.score.parts],
    }


def to_dict(report: AnnualReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "generated_at": report.generated_at.isoformat().replace("+00:00", "Z"),
        "period_from": report.period_from.isoformat(),
        "period_to": report.period_to.isoformat(),
        "outside_included": report.outside_included,
        "rows": [row_dict(r) for r in report.rows],
        "score_rules": list(SCORE_RULES),
    }


def render_json(report: AnnualReport) -> bytes:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=1).encode()


def render_xlsx(report: AnnualReport) -> bytes:  # long: one sheet of figures, one of rules
    """The report as an Excel workbook: sheet "Báo cáo năm" and sheet "Cách tính điểm"."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Border, Font, Side  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Báo cáo năm"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ncols = len(HEADERS)
    lines = [title(report), SUBTITLE, stamp(report)]
    if not report.outside_included:
        lines.append(OUTSIDE_MISSING)
    for i, text in enumerate(lines, start=1):
        ws.append([text])
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=ncols)
        ws.cell(i, 1).alignment = Alignment(horizontal="center")
        ws.cell(i, 1).font = Font(bold=i == 1, italic=i > 2)
    ws.append([])
    ws.append(list(HEADERS))
    header_row = ws.max_row
    for col in range(1, ncols + 1):
        c = ws.cell(header_row, col)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
    for values in table(report):
        ws.append(values)
        for col in range(1, ncols + 1):
            ws.cell(ws.max_row, col).border = border
    widths = (5, 30, 9, 9, 9, 10, 9, 11, 10, 11, 16, 9, 9, 9, 12, 7, 11)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    rules = wb.create_sheet("Cách tính điểm")
    rules.append([RULES_TITLE])
    rules.cell(1, 1).font = Font(bold=True)
    for n, rule in enumerate(SCORE_RULES, start=1):
        rules.append([f"{n}. {rule}"])
    rules.column_dimensions["A"].width = 140
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filename(report: AnnualReport, ext: str) -> str:
    return f"bao-cao-nam-{report.year}.{ext}"
