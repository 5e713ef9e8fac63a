"""The annual report as a PDF (fpdf2, DejaVu Sans embedded so that Vietnamese prints right).

A4 landscape: the title, the period and generation time (Asia/Ho_Chi_Minh), the table of units
with its heading repeated on every page, then a page with the score rules; "Trang n/N" at the
foot of every page. Pure CPU work: callers run it off the event loop.
"""

from __future__ import annotations

import os
from pathlib import Path

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

#: Debian's fonts-dejavu-core; ``TNCAM_PDF_FONT_DIR`` points elsewhere (e.g. another distro).
FONT_DIR = Path(os.environ.get("TNCAM_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FAMILY = "DejaVu"
COL_WIDTHS = (8, 42, 13, 13, 13, 15, 14, 17, 15, 16, 22, 13, 13, 14, 20, 11, 18)


def render_pdf(report: AnnualReport) -> bytes:
    """The report as PDF bytes."""
    from fpdf import FPDF, FontFace

    class _Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font(FAMILY, size=8)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = _Doc(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
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
    pdf.set_font(FAMILY, "", 6.5)
    with pdf.table(
        col_widths=COL_WIDTHS,
        line_height=3.2,
        text_align="CENTER",
        headings_style=FontFace(emphasis="BOLD"),
        repeat_headings=1,
    ) as t:
        heading = t.row()
        for h in HEADERS:
            heading.cell(h)
        for values in table(report):
            row = t.row()
            for i, v in enumerate(values):
                row.cell(str(v), align="LEFT" if i == 1 else "CENTER")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 8, RULES_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    for n, rule in enumerate(SCORE_RULES, start=1):
        pdf.multi_cell(0, 5.5, f"{n}. {rule}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
