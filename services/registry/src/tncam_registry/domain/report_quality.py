"""The connection report's quality list: cameras connected but with a poor picture (issue 14).

Kept apart from the report's table (domain/report.py): the list is built from the cameras'
latest quality results and added to each rendered document as a section of its own
("Có kết nối — hình ảnh kém"), in the report's commune order.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tncam.registry.v1 import service_pb2
from tncam_registry.domain import quality as qd
from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.model import SiteKind
from tncam_registry.domain.report import CommuneRef

TITLE = f"Danh sách camera {qd.CONNECTED_POOR[0].lower()}{qd.CONNECTED_POOR[1:]}"
HEADERS = ("STT", "Xã, phường", "Mã camera", "Tên camera", "Vị trí", "Tình trạng hình ảnh", "Từ")


@dataclass(frozen=True, slots=True)
class QualityEntry:
    """One connected camera with a poor picture."""

    commune: CommuneRef
    camera_id: str
    camera_name: str
    site_kind: SiteKind
    flags: tuple[str, ...]
    poor_since: dt.datetime | None

    @property
    def text(self) -> str:
        return qd.flags_text(self.flags)

    def since_local(self) -> str:
        if self.poor_since is None:
            return ""
        return f"{self.poor_since.astimezone(VN_TZ):%H:%M %d/%m/%Y}"


def build_entries(communes: Sequence[CommuneRef], cameras: Iterable[Any]) -> list[QualityEntry]:
    """Entries of ``cameras`` (id, name, commune_code, kind, flags, poor_since) by commune order."""
    order = {c.code: (i, c) for i, c in enumerate(communes)}
    entries = [
        QualityEntry(
            commune=order[c.commune_code][1],
            camera_id=c.id,
            camera_name=c.name,
            site_kind=SiteKind(c.kind),
            flags=qd.known_flags(c.flags),
            poor_since=c.poor_since,
        )
        for c in cameras
        if c.commune_code in order
    ]
    entries.sort(key=lambda e: (order[e.commune.code][0], e.camera_id))
    return entries


def to_pb(entries: Sequence[QualityEntry]) -> list[service_pb2.ReportQualityEntry]:
    """The list as report messages."""
    out = []
    for e in entries:
        msg = service_pb2.ReportQualityEntry(
            commune_code=e.commune.code,
            commune_name=e.commune.name,
            camera_id=e.camera_id,
            camera_name=e.camera_name,
            site_kind=e.site_kind.value,
            flags=list(e.flags),
            text=e.text,
        )
        if e.poor_since is not None:
            msg.poor_since.FromDatetime(e.poor_since.astimezone(dt.UTC))
        out.append(msg)
    return out


def _dicts(entries: Sequence[QualityEntry]) -> list[dict[str, Any]]:
    return [
        {
            "commune_code": e.commune.code,
            "commune_name": e.commune.name,
            "camera_id": e.camera_id,
            "camera_name": e.camera_name,
            "site_kind": e.site_kind.value,
            "flags": list(e.flags),
            "text": e.text,
            "poor_since": e.poor_since.astimezone(dt.UTC).isoformat() if e.poor_since else None,
        }
        for e in entries
    ]


def _rows(entries: Sequence[QualityEntry]) -> list[list[str | int]]:
    return [
        [
            n,
            e.commune.name,
            e.camera_id,
            e.camera_name,
            e.site_kind.label_vi,
            f"{qd.CONNECTED_POOR}: {e.text}",
            e.since_local(),
        ]
        for n, e in enumerate(entries, start=1)
    ]


def add_to_json(document: bytes, entries: Sequence[QualityEntry]) -> bytes:
    """The JSON report with its ``quality`` list."""
    data = json.loads(document)
    data["quality"] = _dicts(entries)
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def add_to_csv(document: bytes, entries: Sequence[QualityEntry]) -> bytes:
    """The CSV report followed by the list (its own header row)."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([])
    writer.writerow([f"{TITLE} ({len(entries)})"])
    writer.writerow(HEADERS)
    writer.writerows(_rows(entries))
    return document + buf.getvalue().encode()


def add_to_html(document: bytes, entries: Sequence[QualityEntry]) -> bytes:
    """The HTML report with the list as a last table."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in HEADERS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in _rows(entries)
    )
    section = (
        f"<h2>{e(TITLE)} ({len(entries)})</h2>\n"
        f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>\n"
    )
    return document.replace(b"</body>", section.encode() + b"</body>", 1)


def add_to_xlsx(document: bytes, entries: Sequence[QualityEntry]) -> bytes:
    """The workbook with a sheet "Hình ảnh kém" holding the list."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = load_workbook(io.BytesIO(document))
    ws = wb.create_sheet("Hình ảnh kém")
    ws.append([f"{TITLE} ({len(entries)})"])
    ws.cell(1, 1).font = Font(bold=True)
    ws.append(list(HEADERS))
    for col in range(1, len(HEADERS) + 1):
        ws.cell(2, col).font = Font(bold=True)
    for row in _rows(entries):
        ws.append(row)
    for col, width in enumerate((6, 24, 16, 28, 22, 50, 18), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.page_setup.orientation = "landscape"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: File extension -> how the list is added to a document of that format.
ADDERS = {"json": add_to_json, "csv": add_to_csv, "html": add_to_html, "xlsx": add_to_xlsx}


def add_to_document(document: bytes, ext: str, entries: Sequence[QualityEntry]) -> bytes:
    """``document`` (format ``ext``) with the quality list; unchanged for other formats."""
    adder = ADDERS.get(ext)
    return adder(document, entries) if adder is not None else document
