"""The connection report as JSON, CSV, XLSX, HTML and as a printable :class:`Document` (the
PDF is typeset from it by ``tncam_registry.render.pdf``). Pure: values in, bytes out."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from typing import Any

from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.document import Document, Table
from tncam_registry.domain.model import SiteKind
from tncam_registry.domain.report import (
    COLUMNS,
    HEADERS,
    LIST_TITLES,
    SECTION_TITLES,
    TITLE,
    UNIT_HEADERS,
    Cell,
    Counts,
    Report,
    UnitRow,
)

#: Short names of the site kinds in a cell's split ("quảng trường 1/1, KV công cộng 0/1").
_PART_NAMES = {SiteKind.SQUARE: "quảng trường", SiteKind.PUBLIC_PLACE: "KV công cộng"}
APPENDIX = "PHỤ LỤC"
SUBTITLE = "(Kèm theo Văn bản số      /UBND-KGVX của UBND tỉnh Thái Nguyên)"


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _counts(c: Counts) -> dict[str, Any]:
    return {
        "cameras": c.cameras,
        "connected": c.connected,
        "lost": c.lost,
        "never": c.never,
        "unstable": c.unstable,
    }


def _cell_dict(cell: Cell) -> dict[str, Any]:
    return {
        "text": cell.text,
        **_counts(cell),
        "parts": [
            {"site_kind": kind.value, "text": part.text, **_counts(part)}
            for kind, part in sorted(cell.parts.items())
        ],
    }


def _unit_dict(u: UnitRow) -> dict[str, Any]:
    return {
        "number": u.number,
        "unit_id": u.unit.id,
        "unit_name": u.unit.name,
        "unit_kind": u.unit.kind,
        "cameras": _cell_dict(u.cell),
        "note": u.note,
    }


def to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (keys in English, texts in Vietnamese)."""
    return {
        "generated_at": _iso(report.generated_at),
        "as_of": _iso(report.as_of),
        "scope": report.scope,
        "rows": [
            {
                "number": r.number,
                "commune_code": r.commune.code,
                "commune_name": r.commune.name,
                **{c.key: _cell_dict(r.cells[c.key]) for c in COLUMNS},
                "note": r.note,
                "generated_note": r.generated_note,
                "note_by": r.written.by if r.written else "",
                "note_at": _iso(r.written.at if r.written else None),
            }
            for r in report.rows
        ],
        "service_centers": [_unit_dict(u) for u in report.service_centers],
        "departments": [_unit_dict(u) for u in report.departments],
        "totals": report.totals,
        "completed": report.completed,
        "not_completed": report.not_completed,
        "unstable": report.unstable,
    }


def render_json(report: Report) -> bytes:
    """Machine-readable JSON (UTF-8)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=1).encode()


def cell_text(cell: Cell) -> str:
    """A cell as the printed table shows it: the appendix's word, then the split of a column
    that counts several site kinds (connected / cameras of each)."""
    shown = [k for k in (SiteKind.SQUARE, SiteKind.PUBLIC_PLACE) if k in cell.parts]
    if not shown or shown == [SiteKind.SQUARE]:
        return cell.text
    split = ", ".join(
        f"{_PART_NAMES[k]} {cell.parts[k].connected + cell.parts[k].unstable}"
        f"/{cell.parts[k].cameras}"
        for k in shown
    )
    return f"{cell.text}\n({split})"


def commune_table(report: Report) -> list[tuple[str, ...]]:
    """Section I's rows as printed."""
    return [
        (
            str(r.number),
            r.commune.code,
            r.commune.name,
            *(cell_text(r.cells[c.key]) for c in COLUMNS),
            r.note,
        )
        for r in report.rows
    ]


def unit_table(rows: list[UnitRow]) -> list[tuple[str, ...]]:
    """Section II or III's rows as printed."""
    return [
        (
            str(u.number),
            u.unit.name,
            str(u.cell.cameras),
            str(u.cell.connected + u.cell.unstable),
            str(u.cell.lost),
            str(u.cell.never),
            str(u.cell.unstable),
            u.cell.text,
            u.note,
        )
        for u in rows
    ]


def summary(report: Report) -> list[str]:
    """The totals and the three lists of units."""
    lines = list(report.totals)
    for title, names in zip(
        LIST_TITLES, (report.completed, report.not_completed, report.unstable), strict=True
    ):
        lines.append(f"{title} ({len(names)}): {', '.join(names)}")
    return lines


def stamp(report: Report) -> str:
    """ "Số liệu đến 08:30 ngày 20/03/2026" (the instant the figures describe, Vietnam time)."""
    local = report.at.astimezone(VN_TZ)
    text = f"Số liệu đến {local:%H:%M} ngày {local:%d/%m/%Y}"
    if report.as_of is not None:
        text += " (tính lại từ lịch sử trạng thái)"
    if report.scope:
        text += f" — phạm vi: {report.scope}"
    return text


def to_document(report: Report) -> Document:
    """The report as a printable document: the appendix's title, the three sections' tables,
    the totals and lists."""
    tables = [
        Table(
            SECTION_TITLES[0],
            HEADERS,
            (6, 9, 30, 24, 24, 30, 60),
            commune_table(report),
            centered=frozenset({0, 1, 3, 4, 5}),
            numeric=frozenset({0}),
        )
    ]
    widths = (6, 48, 11, 11, 11, 11, 11, 20, 55)
    for title, rows in (
        (SECTION_TITLES[1], report.service_centers),
        (SECTION_TITLES[2], report.departments),
    ):
        if rows:
            tables.append(
                Table(
                    title,
                    UNIT_HEADERS,
                    widths,
                    unit_table(rows),
                    centered=frozenset(range(8)) - {1},
                    numeric=frozenset({0, 2, 3, 4, 5, 6}),
                )
            )
    return Document(
        headings=(APPENDIX, TITLE, SUBTITLE),
        stamp=stamp(report),
        tables=tables,
        paragraphs=summary(report),
        generated_at=report.generated_at,
        title=TITLE,
    )


def render_csv(report: Report) -> bytes:
    """CSV with Vietnamese headers (UTF-8 with BOM so that Excel shows the diacritics)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(commune_table(report))
    for title, rows in (
        (SECTION_TITLES[1], report.service_centers),
        (SECTION_TITLES[2], report.departments),
    ):
        if rows:
            writer.writerows([[], [title], UNIT_HEADERS, *unit_table(rows)])
    writer.writerow([])
    writer.writerows([line] for line in summary(report))
    return ("\ufeff" + buf.getvalue()).encode()


def render_xlsx(report: Report) -> bytes:  # long: one sheet laid out top to bottom
    """The appendix as an Excel workbook (openpyxl), ready to print on A4 landscape."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Border, Font, Side  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    doc = to_document(report)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phụ lục"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ncols = max(len(t.headers) for t in doc.tables)
    for r, line in enumerate((*doc.headings, doc.stamp), start=1):
        ws.append([line])
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        ws.cell(r, 1).font = Font(bold=r <= 2, italic=r > 2)
    first_header = 0
    for table in doc.tables:
        ws.append([])
        ws.append([table.title])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(list(table.headers))
        header_row = ws.max_row
        first_header = first_header or header_row
        for col in range(1, len(table.headers) + 1):
            c = ws.cell(header_row, col)
            c.font = Font(bold=True)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            c.border = border
        for values in table.rows:
            ws.append([int(v) if i in table.numeric else v for i, v in enumerate(values)])
            for col in range(1, len(values) + 1):
                ws.cell(ws.max_row, col).border = border
                ws.cell(ws.max_row, col).alignment = Alignment(vertical="top", wrap_text=True)
    ws.append([])
    for line in doc.paragraphs:
        ws.append([line])
    for col, width in enumerate((6, 8, 28, 18, 18, 22, 50, 16, 50), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = f"{first_header}:{first_header}"
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
    doc = to_document(report)

    def table(t: Table) -> str:
        head = "".join(f"<th>{e(h)}</th>" for h in t.headers)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{e(v).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
            for row in t.rows
        )
        return (
            f"<h3>{e(t.title)}</h3>\n<table><thead><tr>{head}</tr></thead>"
            f"<tbody>\n{body}\n</tbody></table>"
        )

    tables = "\n".join(table(t) for t in doc.tables)
    summary_html = "\n".join(f"<p>{e(line)}</p>" for line in doc.paragraphs)
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{e(TITLE)}</title>
<style>
@page {{ size: A4 landscape; margin: 15mm; }}
body {{ font-family: "Times New Roman", serif; font-size: 12pt; }}
h1, h2, .sub, .stamp {{ text-align: center; margin: 0.2em; }}
h1 {{ font-size: 14pt; }} h2 {{ font-size: 13pt; }} h3 {{ font-size: 12pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #000; padding: 2px 4px; vertical-align: top; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
</style></head><body>
<h1>{e(doc.headings[0])}</h1><h2>{e(doc.headings[1])}</h2>
<p class="sub"><i>{e(doc.headings[2])}</i></p><p class="stamp"><i>{e(doc.stamp)}</i></p>
{tables}
{summary_html}
</body></html>
"""
    return page.encode()
