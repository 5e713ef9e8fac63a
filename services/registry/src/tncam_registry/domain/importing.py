"""Camera import files (CSV / XLSX): reading and whole-file validation, all or nothing.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first camera row 2.
Messages are in Vietnamese for the operators who fix the file. The rules of one row are in
:mod:`tncam_registry.domain.import_rows`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tncam_registry.domain.import_rows import (
    COLUMNS,
    REQUIRED,
    CameraRow,
    Reference,
    RowError,
    normalise_header,
    validate_row,
)

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "REQUIRED",
    "CameraRow",
    "ImportFileError",
    "Reference",
    "RowError",
    "Validated",
    "format_errors",
    "guess_format",
    "read_table",
    "validate",
]

MAX_ROWS = 20_000


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class Validated:
    """The outcome of validating a file."""

    rows: list[CameraRow]
    errors: list[RowError]
    total_rows: int


# ---------------------------------------------------------------------------------- reading


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(content: bytes, fmt: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) for every non-empty line, the header first; ``fmt`` csv or xlsx."""
    if fmt == "xlsx":
        return _read_xlsx(content)
    return _read_csv(content)


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFileError(
            f"tệp CSV phải được mã hóa UTF-8 (lỗi ở byte {e.start}); hãy lưu lại bằng 'CSV UTF-8'"
        ) from e
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        values = [c.strip() for c in cells]
        if any(values):
            rows.append((number, values))
    return rows


def _read_xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile/KeyError/ValueError variants
        raise ImportFileError("không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel)") from e
    try:
        ws = wb.worksheets[0]
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
        return rows
    finally:
        wb.close()


def guess_format(filename: str, content: bytes) -> str:
    """``xlsx`` for a ZIP (Office Open XML) file or an .xlsx name, else ``csv``."""
    if filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return "xlsx"
    return "csv"


def validate(table: Sequence[tuple[int, Sequence[str]]], ref: Reference) -> Validated:
    """Check a whole file; rows are returned only if there is no error at all."""
    errors: list[RowError] = []
    if not table:
        return Validated([], [RowError(0, "", "empty", "tệp không có dữ liệu")], 0)
    header_row, header = table[0]
    names = [normalise_header(h) for h in header]
    for i, name in enumerate(names):
        if name and name not in COLUMNS:
            errors.append(
                RowError(
                    header_row,
                    name,
                    "unknown_column",
                    f"cột '{header[i]}' không được hỗ trợ; các cột hợp lệ: {', '.join(COLUMNS)}",
                )
            )
        elif name and names.index(name) != i:
            errors.append(RowError(header_row, name, "duplicate_column", f"cột '{name}' bị lặp"))
    for name in REQUIRED:
        if name not in names:
            errors.append(
                RowError(header_row, name, "missing_column", f"thiếu cột bắt buộc '{name}'")
            )
    body = table[1:]
    if len(body) > MAX_ROWS:
        errors.append(RowError(0, "", "too_many_rows", f"tối đa {MAX_ROWS} dòng mỗi lần nhập"))
    if errors:
        return Validated([], errors, len(body))
    if not body:
        return Validated([], [RowError(0, "", "empty", "tệp không có dòng camera nào")], 0)
    rows: list[CameraRow] = []
    seen: dict[str, int] = {}
    for number, cells in body:
        record = {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names) if n}
        row, row_errors = validate_row(number, record, ref)
        errors += row_errors
        if row is not None:
            first = seen.setdefault(row.code.lower(), number)
            if first != number:
                errors.append(
                    RowError(
                        number,
                        "code",
                        "duplicate_code",
                        f"mã camera '{row.code}' trùng với dòng {first}",
                    )
                )
            else:
                rows.append(row)
    return Validated([] if errors else rows, errors, len(body))


def format_errors(errors: Iterable[RowError]) -> list[str]:
    """One line per error, as the CLI prints them."""
    lines = []
    for e in errors:
        where = f"dòng {e.row}" if e.row else "tệp"
        column = f", cột {e.column}" if e.column else ""
        lines.append(f"{where}{column}: {e.message} [{e.code}]")
    return lines
