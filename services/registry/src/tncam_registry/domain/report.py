"""The official connection report (status appendix of the March 2026 directive).

One row per commune/ward in the order of communes.csv; one cell per site kind (service
center, committee HQ, square): ``Có`` when every camera of that kind in the commune is
connected, ``Chưa kết nối`` when none ever connected, ``Mất kết nối`` otherwise, blank when
the commune has no camera of that kind. "Unstable" cameras are connected (they deliver a
stream): they make the cell ``Có`` but put the commune on the "unstable" list. Totals count
cameras, worded as in the appendix: "Tổng số Camera TTPVHCC Mất kết nối lên C_Thai Nguyen: 13".
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.model import CameraState, SiteKind

CONNECTED = "Có"
LOST = "Mất kết nối"
NEVER = "Chưa kết nối"
UNSTABLE = "Kết nối không ổn định"
APP = "C_Thai Nguyen"

#: The report's columns, in order, with the appendix's short names used in the totals.
REPORT_KINDS: tuple[tuple[SiteKind, str, str], ...] = (
    (SiteKind.SERVICE_CENTER, "TTPVHCC", "Camera TTPVHCC"),
    (SiteKind.COMMITTEE_HQ, "Trụ sở UBND", "Camera trụ sở UBND"),
    (SiteKind.SQUARE, "Quảng trường", "Camera quảng trường"),
)
HEADERS = ("STT", "Mã xã", "Xã, phường", *(h for _, _, h in REPORT_KINDS), "Ghi chú")
TITLE = "TÌNH TRẠNG KẾT NỐI CAMERA GIÁM SÁT LÊN ỨNG DỤNG C-THÁI NGUYÊN"
LIST_TITLES = (
    "Danh sách đơn vị đã hoàn thành kết nối",
    "Danh sách đơn vị chưa hoàn thành kết nối",
    "Danh sách đơn vị kết nối không ổn định",
)


@dataclass(frozen=True)
class CommuneRef:
    """A commune/ward as the report lists it."""

    code: str
    name: str


@dataclass(frozen=True)
class ReportCamera:
    """One active camera as the report counts it."""

    id: str
    commune_code: str
    site_kind: SiteKind
    state: CameraState


@dataclass
class Cell:
    """The state of one site kind in one commune."""

    cameras: int = 0
    connected: int = 0
    lost: int = 0
    never: int = 0
    unstable: int = 0

    def add(self, state: CameraState) -> None:
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


@dataclass
class Row:
    """One commune's line."""

    number: int
    commune: CommuneRef
    cells: dict[SiteKind, Cell]
    note: str = ""

    @property
    def cameras(self) -> int:
        return sum(c.cameras for c in self.cells.values())

    @property
    def outcome(self) -> str:
        """``completed``, ``not_completed`` or ``unstable`` (mutually exclusive)."""
        cells = self.cells.values()
        if self.cameras == 0 or any(c.lost or c.never for c in cells):
            return "not_completed"
        if any(c.unstable for c in cells):
            return "unstable"
        return "completed"


@dataclass
class Report:
    """The whole report."""

    generated_at: dt.datetime
    rows: list[Row]
    totals: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    not_completed: list[str] = field(default_factory=list)
    unstable: list[str] = field(default_factory=list)


def total_lines(rows: Sequence[Row]) -> list[str]:
    """The appendix's total lines: per site kind, cameras connected / lost / never / unstable."""
    lines: list[str] = []
    for kind, short, _ in REPORT_KINDS:
        cells = [r.cells[kind] for r in rows]
        connected = sum(c.connected + c.unstable for c in cells)
        lost = sum(c.lost for c in cells)
        never = sum(c.never for c in cells)
        unstable = sum(c.unstable for c in cells)
        lines += [
            f"Tổng số Camera {short} Có kết nối lên {APP}: {connected}",
            f"Tổng số Camera {short} {LOST} lên {APP}: {lost}",
            f"Tổng số Camera {short} {NEVER} lên {APP}: {never}",
            f"Tổng số Camera {short} {UNSTABLE} lên {APP}: {unstable}",
        ]
    return lines


def _note(cameras: list[ReportCamera], has_any: bool) -> str:
    if not has_any:
        return "Chưa có camera"
    parts = []
    for state, label in (
        (CameraState.LOST, LOST),
        (CameraState.NEVER, NEVER),
        (CameraState.UNSTABLE, UNSTABLE),
    ):
        ids = sorted(c.id for c in cameras if c.state == state)
        if ids:
            shown = ", ".join(ids[:10]) + (
                f" và {len(ids) - 10} camera khác" if len(ids) > 10 else ""
            )
            parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def build_report(
    communes: Sequence[CommuneRef],
    cameras: Iterable[ReportCamera],
    generated_at: dt.datetime,
) -> Report:
    """The report for ``communes`` (in order) from the active cameras and their states."""
    kinds = {k for k, _, _ in REPORT_KINDS}
    by_commune: dict[str, list[ReportCamera]] = {c.code: [] for c in communes}
    for cam in cameras:
        if cam.site_kind in kinds and cam.commune_code in by_commune:
            by_commune[cam.commune_code].append(cam)
    rows: list[Row] = []
    for number, commune in enumerate(communes, start=1):
        cells = {k: Cell() for k, _, _ in REPORT_KINDS}
        cams = by_commune[commune.code]
        for cam in cams:
            cells[cam.site_kind].add(cam.state)
        rows.append(Row(number, commune, cells, _note(cams, bool(cams))))
    report = Report(generated_at, rows, total_lines(rows))
    for row in rows:
        getattr(report, row.outcome).append(row.commune.name)
    return report


# ------------------------------------------------------------------------------- formats


def _cell_dict(cell: Cell) -> dict[str, Any]:
    return {
        "text": cell.text,
        "cameras": cell.cameras,
        "connected": cell.connected,
        "lost": cell.lost,
        "never": cell.never,
        "unstable": cell.unstable,
    }


def to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (keys in English, texts in Vietnamese)."""
    return {
        "generated_at": report.generated_at.astimezone(dt.UTC).isoformat(),
        "rows": [
            {
                "number": r.number,
                "commune_code": r.commune.code,
                "commune_name": r.commune.name,
                **{k.value: _cell_dict(r.cells[k]) for k, _, _ in REPORT_KINDS},
                "note": r.note,
            }
            for r in report.rows
        ],
        "totals": report.totals,
        "completed": report.completed,
        "not_completed": report.not_completed,
        "unstable": report.unstable,
    }


def render_json(report: Report) -> bytes:
    """Machine-readable JSON (UTF-8)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=1).encode()


def _table(report: Report) -> list[list[str | int]]:
    return [
        [
            r.number,
            r.commune.code,
            r.commune.name,
            *(r.cells[k].text for k, _, _ in REPORT_KINDS),
            r.note,
        ]
        for r in report.rows
    ]


def _summary(report: Report) -> list[list[str]]:
    lines: list[list[str]] = [[line] for line in report.totals]
    for title, names in zip(
        LIST_TITLES, (report.completed, report.not_completed, report.unstable), strict=True
    ):
        lines.append([f"{title} ({len(names)}): {', '.join(names)}"])
    return lines


def _stamp(report: Report) -> str:
    local = report.generated_at.astimezone(VN_TZ)
    return f"Số liệu đến {local:%H:%M} ngày {local:%d/%m/%Y}"


def render_csv(report: Report) -> bytes:
    """CSV with Vietnamese headers (UTF-8 with BOM so that Excel shows the diacritics)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(_table(report))
    writer.writerow([])
    writer.writerows(_summary(report))
    return ("\ufeff" + buf.getvalue()).encode()


def render_xlsx(report: Report) -> bytes:
    """The appendix as an Excel workbook (openpyxl), ready to print on A4 landscape."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import (  # type: ignore[import-untyped]
        Alignment,
        Border,
        Font,
        Side,
    )
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phụ lục"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ncols = len(HEADERS)
    ws.append(["PHỤ LỤC"])
    ws.append([TITLE])
    ws.append([_stamp(report)])
    for r in (1, 2, 3):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        ws.cell(r, 1).font = Font(bold=r < 3, italic=r == 3)
    ws.append([])
    ws.append(list(HEADERS))
    header_row = ws.max_row
    for col in range(1, ncols + 1):
        c = ws.cell(header_row, col)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
    for values in _table(report):
        ws.append(values)
        for col in range(1, ncols + 1):
            ws.cell(ws.max_row, col).border = border
            ws.cell(ws.max_row, col).alignment = Alignment(vertical="top", wrap_text=True)
    ws.append([])
    for line in _summary(report):
        ws.append(line)
    for col, width in enumerate((6, 8, 28, 16, 16, 16, 50), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_html(report: Report) -> bytes:
    """A printable HTML page (A4 landscape) of the appendix."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in HEADERS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in _table(report)
    )
    summary = "\n".join(f"<p>{e(line[0])}</p>" for line in _summary(report))
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{e(TITLE)}</title>
<style>
@page {{ size: A4 landscape; margin: 15mm; }}
body {{ font-family: "Times New Roman", serif; font-size: 12pt; }}
h1, h2, .stamp {{ text-align: center; margin: 0.2em; }}
h1 {{ font-size: 14pt; }} h2 {{ font-size: 13pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #000; padding: 2px 4px; vertical-align: top; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
</style></head><body>
<h1>PHỤ LỤC</h1><h2>{e(TITLE)}</h2><p class="stamp"><i>{e(_stamp(report))}</i></p>
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table>
{summary}
</body></html>
"""
    return page.encode()


def report_filename(report: Report, ext: str) -> str:
    """The download name of the report document, dated in Vietnam time."""
    return f"bao-cao-ket-noi-camera-{report.generated_at.astimezone(VN_TZ):%Y-%m-%d}.{ext}"
