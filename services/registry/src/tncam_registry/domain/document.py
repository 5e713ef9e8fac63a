"""A printable official document as plain values: heading lines, tables and paragraphs.

Reports (the connection report, later the annual report) describe themselves as a
:class:`Document`; ``tncam_registry.render.pdf`` typesets one as a PDF. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """A titled table: headers, relative column widths and rows of text."""

    title: str
    headers: tuple[str, ...]
    widths: tuple[float, ...]
    rows: list[tuple[str, ...]]
    #: Columns centred (numbers, short states); the others are left-aligned.
    centered: frozenset[int] = frozenset()
    #: Columns holding whole numbers (written as numbers where the format has them).
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Document:
    """Heading lines (the first bold), a stamp line, tables, then closing paragraphs."""

    headings: tuple[str, ...]
    stamp: str
    tables: list[Table]
    paragraphs: list[str] = field(default_factory=list)
    #: Shown in the footer of every page beside the page number.
    generated_at: dt.datetime | None = None
    landscape: bool = True
    #: The PDF's metadata title.
    title: str = ""
