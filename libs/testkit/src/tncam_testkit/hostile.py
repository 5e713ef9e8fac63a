"""Files shaped to exhaust a parser, written by hand (a spreadsheet library would not write
them): for the tests that prove the services refuse them cheaply."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8"?>'


def _override(part: str, kind: str) -> str:
    return f'<Override PartName="{part}" ContentType="{_CT}.{kind}+xml"/>'


def _rel(rid: str, kind: str, target: str, base: str = _DOC) -> str:
    return f'<Relationship Id="{rid}" Type="{base}/{kind}" Target="{target}"/>'


_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", "sheet.main")
    + _override("/xl/worksheets/sheet1.xml", "worksheet")
    + _override("/xl/sharedStrings.xml", "sharedStrings")
    + "</Types>"
)
_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    + _rel("rId1", "officeDocument", "xl/workbook.xml")
    + "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}">'
    '<sheets><sheet name="cameras" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    + _rel("rId1", "worksheet", "worksheets/sheet1.xml")
    + _rel("rId2", "sharedStrings", "sharedStrings.xml")
    + "</Relationships>"
)


def _column(index: int) -> str:
    return chr(ord("A") + index)  # the header is short: A..Z is enough


def xlsx_shared_string_bomb(header: Sequence[str], length: int) -> bytes:
    """An XLSX whose header row is ``header`` (as shared strings) and whose one data row has,
    in column B, a shared string of ``length`` times the letter A: deflate shrinks it about
    1,000 times (100 MB in ~100 KB). The string is streamed into the ZIP, never held whole."""
    n = len(header)
    cells = "".join(f'<c r="{_column(i)}1" t="s"><v>{i}</v></c>' for i in range(n))
    sheet = (
        f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData><row r="1">{cells}</row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>CAM-1</t></is></c>'
        f'<c r="B2" t="s"><v>{n}</v></c></row></sheetData></worksheet>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        with z.open("xl/sharedStrings.xml", "w") as part:
            part.write(
                f'{_XML}<sst xmlns="{_MAIN}">'.encode()
                + "".join(f"<si><t>{h}</t></si>" for h in header).encode()
                + b"<si><t>"
            )
            chunk = b"A" * (1024 * 1024)
            for _ in range(length // len(chunk)):
                part.write(chunk)
            part.write(b"A" * (length % len(chunk)) + b"</t></si></sst>")
    return buf.getvalue()


def xlsx_many_rows(header: Sequence[str], rows: int) -> bytes:
    """An XLSX whose header row is ``header`` (as shared strings) followed by ``rows`` one-cell
    rows holding 0, 1, 2 ...: the adversarial probe's long sheet (300,000 rows in ~2.3 MB, its
    rows as openpyxl's write-only mode writes them), streamed into the ZIP in a fraction of
    openpyxl's time."""
    n = len(header)
    cells = "".join(f'<c r="{_column(i)}1" t="s"><v>{i}</v></c>' for i in range(n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr(
            "xl/sharedStrings.xml",
            f'{_XML}<sst xmlns="{_MAIN}">'
            + "".join(f"<si><t>{h}</t></si>" for h in header)
            + "</sst>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(
                f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData><row r="1">{cells}</row>'.encode()
            )
            chunk = 10_000
            for start in range(0, rows, chunk):
                part.write(
                    "".join(
                        f'<row r="{i + 2}"><c r="A{i + 2}" t="n"><v>{i}</v></c></row>'
                        for i in range(start, min(start + chunk, rows))
                    ).encode()
                )
            part.write(b"</sheetData></worksheet>")
    return buf.getvalue()
