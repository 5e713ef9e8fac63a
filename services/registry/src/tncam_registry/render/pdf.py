"""A :class:`~tncam_registry.domain.document.Document` typeset as a PDF with fpdf2.

DejaVu Sans (Debian's ``fonts-dejavu-core``) is embedded, subset, so every Vietnamese letter
with its stacked diacritics prints on any reader; A4, tables whose headers repeat on every
page, "Trang i/n" and the generation time (Asia/Ho_Chi_Minh) in every footer. CPU-bound:
callers run it in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fpdf import FPDF
from fpdf.fonts import TTFFont

from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.document import Document, Table
from tncam_registry.render.fonts import FONT, font_files


class _Pdf(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="L" if doc.landscape else "P", unit="mm", format="A4")
        self.doc = doc
        regular, bold = font_files()
        self.add_font(FONT, "", str(regular))
        self.add_font(FONT, "B", str(bold))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=14)
        self.set_title(doc.title or doc.headings[0])
        self.set_creator("tncam")
        self.alias_nb_pages()
        #: Repeats the open table's headings at the top of a new page.
        self.draw_headings: Callable[[], None] = _no_headings
        self.widths: dict[tuple[tuple[str, float], str], float] = {}

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 8)
        made = ""
        if self.doc.generated_at is not None:
            local = self.doc.generated_at.astimezone(VN_TZ)
            made = f"Lập lúc {local:%H:%M:%S} ngày {local:%d/%m/%Y} (giờ Việt Nam)"
        self.cell(0, 5, made, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="R")


LINE_H = 4.0
PAD = 1.0


def _wrap(pdf: _Pdf, text: str, width: float) -> list[str]:
    """``text`` broken into lines that fit ``width`` (mm) at the current font, by words.

    fpdf2's own cell wrapping re-measures the line at every character (quadratic in the
    length of a note): measuring each word once keeps a 10,000-camera report under 2 s."""
    lines: list[str] = []
    font = pdf.current_font
    assert isinstance(font, TTFFont)  # DejaVu Sans is always the font
    cw: Any = font.cw  # code point -> width in 1/1000 em
    scale, cache = pdf.font_size_pt * 0.001 / pdf.k, pdf.widths
    key = (pdf.font_style, pdf.font_size_pt)

    def width_of(word: str) -> float:
        w = cache.get((key, word))
        if w is None:
            w = cache[(key, word)] = float(sum(cw[ord(c)] for c in word)) * scale
        return w

    space = width_of(" ")
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            w = width_of(word)
            if line and used + space + w > width:
                lines.append(line)
                line, used = "", 0.0
            while w > width and len(word) > 1:  # a word wider than the column: cut it
                cut = max(1, int(len(word) * width / w))
                lines.append(word[:cut])
                word = word[cut:]
                w = width_of(word)
            line, used = (f"{line} {word}", used + space + w) if line else (word, w)
        lines.append(line)
    return lines


def _row(pdf: _Pdf, cells: list[list[str]], widths: list[float], align: list[str]) -> None:
    height = max(len(c) for c in cells) * LINE_H + 2 * PAD
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
        pdf.draw_headings()
    x0, y0 = pdf.l_margin, pdf.get_y()
    x = x0
    for lines, w, a in zip(cells, widths, align, strict=True):
        pdf.rect(x, y0, w, height)
        for i, line in enumerate(lines):
            pdf.set_xy(x + PAD, y0 + PAD + i * LINE_H)
            pdf.cell(w - 2 * PAD, LINE_H, line, align=a)
        x += w
    pdf.set_xy(x0, y0 + height)


def _table(pdf: _Pdf, table: Table) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.ln(3)
    pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
    scale = pdf.epw / sum(table.widths)
    widths = [w * scale for w in table.widths]
    align = ["C" if i in table.centered else "L" for i in range(len(table.headers))]

    def headings() -> None:
        pdf.set_font(FONT, "B", 8)
        pdf.set_fill_color(230, 230, 230)
        y, height = pdf.get_y(), 0.0
        wrapped = [_wrap(pdf, h, w - 2 * PAD) for h, w in zip(table.headers, widths, strict=True)]
        height = max(len(c) for c in wrapped) * LINE_H + 2 * PAD
        x = pdf.l_margin
        for lines, w in zip(wrapped, widths, strict=True):
            pdf.rect(x, y, w, height, style="DF")
            for i, line in enumerate(lines):
                pdf.set_xy(x + PAD, y + PAD + i * LINE_H)
                pdf.cell(w - 2 * PAD, LINE_H, line, align="C")
            x += w
        pdf.set_xy(pdf.l_margin, y + height)
        pdf.set_font(FONT, "", 8)

    pdf.draw_headings = headings
    if pdf.get_y() + 4 * LINE_H > pdf.page_break_trigger:
        pdf.add_page()
    headings()
    for values in table.rows:
        cells = [_wrap(pdf, v, w - 2 * PAD) for v, w in zip(values, widths, strict=True)]
        _row(pdf, cells, widths, align)
    pdf.draw_headings = _no_headings


def _no_headings() -> None:
    """No table is open: nothing to repeat on a new page."""


def render_pdf(doc: Document) -> bytes:
    """The document as PDF bytes."""
    pdf = _Pdf(doc)
    pdf.add_page()
    for i, line in enumerate(doc.headings):
        pdf.set_font(FONT, "B" if i < 2 else "", 13 if i < 2 else 10)
        pdf.multi_cell(0, 7 if i < 2 else 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 6, doc.stamp, align="C", new_x="LMARGIN", new_y="NEXT")
    for table in doc.tables:
        _table(pdf, table)
    pdf.ln(3)
    pdf.set_font(FONT, "", 9)
    for paragraph in doc.paragraphs:
        for line in _wrap(pdf, paragraph, pdf.epw):
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
