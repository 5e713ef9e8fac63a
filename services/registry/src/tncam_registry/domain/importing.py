"""Camera import files (CSV / XLSX): whole-file validation, all or nothing.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first camera row 2.
Messages are in Vietnamese for the operators who fix the file. Reading (and its limits) is in
:mod:`tncam_registry.domain.import_files`, the rules of one row in
:mod:`tncam_registry.domain.import_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tncam_registry.domain.import_files import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    ImportFileError,
    read_table,
    too_many_rows_message,
)
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
    "MAX_CELL_CHARS",
    "MAX_ROWS",
    "REQUIRED",
    "CameraRow",
    "ImportFileError",
    "Reference",
    "RowError",
    "Validated",
    "check_file",
    "format_errors",
    "guess_format",
    "parse_timeout",
    "read_table",
    "validate",
]


@dataclass
class Validated:
    """The outcome of validating a file."""

    rows: list[CameraRow]
    errors: list[RowError]
    total_rows: int


def check_file(content: bytes, fmt: str, ref: Reference) -> Validated:
    """Read and validate a file; a file refused as a whole has that one error (row 0).

    Pure and picklable both ways: the registry runs it in its parse worker process."""
    try:
        table = read_table(content, fmt)
    except ImportFileError as e:
        return Validated([], [RowError(0, "", e.code, e.message)], 0)
    return validate(table, ref)


def parse_timeout(seconds: float) -> RowError:
    """The file took longer than the time limit to read and check (its worker was stopped)."""
    return RowError(
        0,
        "",
        "parse_timeout",
        f"không đọc xong tệp trong {seconds:g} giây; hãy chia thành các tệp nhỏ hơn "
        f"(the file could not be read within {seconds:g} s; split it into smaller files)",
    )


def guess_format(filename: str, content: bytes) -> str:
    """``xlsx`` for a ZIP (Office Open XML) file or an .xlsx name, else ``csv``."""
    if filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return "xlsx"
    return "csv"


def _column_letter(index: int) -> str:
    """The spreadsheet's name of the 0-based column ``index`` (A, ..., Z, AA, ...)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _overlong(number: int, cells: Sequence[str], names: Sequence[str]) -> list[RowError]:
    """Cells longer than ``MAX_CELL_CHARS`` (never quoted: they can be megabytes)."""
    return [
        RowError(
            number,
            (names[i] if i < len(names) and names[i] else "") or _column_letter(i),
            "cell_too_long",
            f"ô dài {len(cell)} ký tự, tối đa {MAX_CELL_CHARS} "
            f"(the cell holds {len(cell)} characters; at most {MAX_CELL_CHARS})",
        )
        for i, cell in enumerate(cells)
        if len(cell) > MAX_CELL_CHARS
    ]


def validate(table: Sequence[tuple[int, Sequence[str]]], ref: Reference) -> Validated:
    """Check a whole file; rows are returned only if there is no error at all."""
    if not table:
        return Validated([], [RowError(0, "", "empty", "tệp không có dữ liệu")], 0)
    header_row, header = table[0]
    errors = _overlong(header_row, header, ())
    if errors:
        return Validated([], errors, len(table) - 1)
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
        errors.append(RowError(0, "", "too_many_rows", too_many_rows_message()))
    if errors:
        return Validated([], errors, len(body))
    if not body:
        return Validated([], [RowError(0, "", "empty", "tệp không có dòng camera nào")], 0)
    rows: list[CameraRow] = []
    seen: dict[str, int] = {}
    for number, cells in body:
        overlong = _overlong(number, cells, names)
        if overlong:  # its other checks would quote the long values
            errors += overlong
            continue
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
