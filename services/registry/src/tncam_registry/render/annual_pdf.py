"""The annual report as a PDF (fpdf2, DejaVu Sans embedded so that Vietnamese prints right).

A4 landscape: the title, the period and generation time (Asia/Ho_Chi_Minh), the table of units
with its heading repeated on every page (drawn cell by cell: fpdf2's table lays every cell out
twice, three times slower for a hundred rows), then a page with the score rules; "Trang n/N" at the
foot of every page. Pure CPU work: callers run it off the event loop.
"""

from __future__ import annotations

from typing import Any

from tncam_registry.domain.annual import SCORE_RULES
from tncam_registry.domain.annual_report import (
    HEADERS,
    OUTSIDE_MISSING,
    RULES_TITLE,
    SUBTITLE,
    AnnualReport,
    stamp,
    table,
    title,
)
from tncam_registry.render.fonts import font_files

FAMILY = "DejaVu"
COL_WIDTHS = (8, 42, 13, 13, 13, 15, 14, 17, 15, 16, 22, 13, 13, 14, 20, 11, 18)


ROW_H = 4.0
LINE_H = 3.0
BODY_PT = 6.5


def _headings(pdf: Any) -> None:
    """The table's heading row (wrapped in its cells), at the current position."""
    pdf.set_font(FAMILY, "B", BODY_PT)
    lines = [
        pdf.multi_cell(w, LINE_H, h, dry_run=True, output="LINES")
        for w, h in zip(COL_WIDTHS, HEADERS, strict=True)
    ]
    height = max(len(ls) for ls in lines) * LINE_H + 1
    x, y = pdf.l_margin, pdf.get_y()
    for w, ls in zip(COL_WIDTHS, lines, strict=True):
        pdf.rect(x, y, w, height)
        pdf.set_xy(x, y + (height - len(ls) * LINE_H) / 2)
        pdf.multi_cell(w, LINE_H, "\n".join(ls), align="C")
        x += w
    pdf.set_xy(pdf.l_margin, y + height)
    pdf.set_font(FAMILY, "", BODY_PT)


def _row(pdf: Any, values: list[str | int | float]) -> None:
    """One unit: single-line cells (a long unit name is set smaller to fit)."""
    for i, (w, v) in enumerate(zip(COL_WIDTHS, values, strict=True)):
        text = str(v)
        if i == 1:
            size = BODY_PT
            while pdf.get_string_width(text) > w - 2 and size > 4.5:
                size -= 0.5
                pdf.set_font_size(size)
            pdf.cell(w, ROW_H, text, border=1, align="L")
            pdf.set_font_size(BODY_PT)
        else:
            pdf.cell(w, ROW_H, text, border=1, align="C")
    pdf.ln(ROW_H)


def render_pdf(report: AnnualReport) -> bytes:
    """The report as PDF bytes."""
    from fpdf import FPDF

    class _Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font(FAMILY, size=8)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = _Doc(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=False)
    regular, bold = font_files()  # the connection report's font, found the same way
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold))
    pdf.set_title(title(report))
    pdf.set_creator("tncam registry")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 6, title(report), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(0, 5, SUBTITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(0, 5, stamp(report), align="C", new_x="LMARGIN", new_y="NEXT")
    if not report.outside_included:
        pdf.multi_cell(0, 5, OUTSIDE_MISSING, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _headings(pdf)
    bottom = pdf.h - 14
    for values in table(report):
        if pdf.get_y() + ROW_H > bottom:  # a new page repeats the headings
            pdf.add_page()
            _headings(pdf)
        _row(pdf, values)
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 8, RULES_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    for n, rule in enumerate(SCORE_RULES, start=1):
        pdf.multi_cell(0, 5.5, f"{n}. {rule}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
