"""Reading a camera import file (CSV / XLSX) into rows of text, within limits an outsider
cannot stretch.

The file comes from a user: every limit is checked before, or while, the expensive work is
done, never after it. An XLSX is a ZIP, so its central directory (the sizes it declares) is
checked before openpyxl reads any XML; ``zipfile`` never inflates a member past its declared
size (a member that lies fails its CRC check), so the declared sizes bound the work. Reading
stops at the first data row past ``MAX_ROWS``. Cell lengths are checked by
:func:`tncam_registry.domain.importing.validate`, which knows the column names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

MIB = 1024 * 1024
#: Camera rows per file (the header not counted).
MAX_ROWS = 20_000
#: Columns a row may use (the import knows 24; a few unknown ones are reported, not read).
MAX_COLUMNS = 64
#: The longest cell: the longest legitimate value is an RTSP URL or a note.
MAX_CELL_CHARS = 1_000
#: The file as received (the gateway's upload limit is 10 MiB by default).
MAX_FILE_BYTES = 16 * MIB
#: What an XLSX's parts may hold once inflated: all of them, and any one. 20,000 rows of all
#: 24 columns written by openpyxl (inline strings, the largest layout) are ~30 MiB.
MAX_XLSX_BYTES = 64 * MIB
MAX_XLSX_PART_BYTES = 48 * MIB
#: Spreadsheet XML inflates 5-20 times; a part that claims more than this (above 1 MiB) is
#: a decompression bomb, e.g. a 99 KB file holding a 100 MB shared string.
MAX_XLSX_RATIO = 100
MAX_XLSX_PARTS = 1_000
_RATIO_FROM_BYTES = 1 * MIB


class ImportFileError(Exception):
    """The file as a whole cannot be read (or may not be); ``code`` is stable."""

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def too_many_rows_message() -> str:
    """The one wording of the row limit."""
    return f"tối đa {MAX_ROWS} dòng mỗi lần nhập (at most {MAX_ROWS} rows per import)"


def read_table(content: bytes, fmt: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) for every non-empty line, the header first; ``fmt`` csv or xlsx.

    ImportFileError when the file is too large, has more than ``MAX_ROWS`` rows after the
    header (reading stops there), or cannot be read."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"tệp lớn hơn {MAX_FILE_BYTES // MIB} MiB "
            f"(the file is larger than {MAX_FILE_BYTES // MIB} MiB)",
            "file_too_large",
        )
    if fmt == "xlsx":
        return _read_xlsx(content)
    return _read_csv(content)


class _Rows:
    """Collects non-empty rows; refuses the one past ``MAX_ROWS`` or ``MAX_COLUMNS``."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[str]]] = []

    def add(self, number: int, cells: list[str]) -> None:
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            return
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(
                f"dòng {number} có dữ liệu ở cột thứ {len(cells)}, tối đa {MAX_COLUMNS} cột "
                f"(row {number} has data in column {len(cells)}; at most {MAX_COLUMNS})",
                "too_many_columns",
            )
        if len(self.rows) > MAX_ROWS:  # the header and MAX_ROWS rows are already here
            raise ImportFileError(too_many_rows_message(), "too_many_rows")
        self.rows.append((number, cells))


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFileError(
            f"tệp CSV phải được mã hóa UTF-8 (lỗi ở byte {e.start}); hãy lưu lại bằng 'CSV UTF-8'"
        ) from e
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = _Rows()
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            rows.add(number, [c.strip() for c in cells])
    except csv.Error as e:  # a field over csv's own limit (128 KiB), a stray quote at the end
        raise ImportFileError(
            f"không đọc được tệp CSV ở dòng {reader.line_num} (unreadable CSV at line "
            f"{reader.line_num}; a cell may be far longer than {MAX_CELL_CHARS} characters)"
        ) from e
    return rows.rows


def _check_zip(content: bytes) -> None:
    """Refuse an XLSX whose parts would inflate past the limits (from the sizes its central
    directory declares: no part is inflated here)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ImportFileError("không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel)") from e
    if len(parts) > MAX_XLSX_PARTS:
        raise ImportFileError(
            f"tệp XLSX có {len(parts)} thành phần, tối đa {MAX_XLSX_PARTS} "
            f"(the XLSX has {len(parts)} parts; at most {MAX_XLSX_PARTS})",
            "xlsx_too_many_parts",
        )
    total = sum(p.file_size for p in parts)
    largest = max((p.file_size for p in parts), default=0)
    if total > MAX_XLSX_BYTES or largest > MAX_XLSX_PART_BYTES:
        raise ImportFileError(
            f"tệp XLSX khi giải nén lớn hơn mức cho phép ({total // MIB} MiB; tối đa "
            f"{MAX_XLSX_BYTES // MIB} MiB, mỗi thành phần {MAX_XLSX_PART_BYTES // MIB} MiB) "
            f"(the XLSX inflates to {total // MIB} MiB; at most {MAX_XLSX_BYTES // MIB} MiB, "
            f"{MAX_XLSX_PART_BYTES // MIB} MiB per part)",
            "xlsx_too_large",
        )
    for p in parts:
        if p.file_size > _RATIO_FROM_BYTES and p.file_size > MAX_XLSX_RATIO * p.compress_size:
            raise ImportFileError(
                f"tệp XLSX bị nén bất thường (một thành phần nén hơn {MAX_XLSX_RATIO} lần), "
                f"có thể là tệp độc hại (a part is compressed more than {MAX_XLSX_RATIO} "
                "times: refused as a possible decompression bomb)",
                "xlsx_compression_ratio",
            )


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


def _first_sheet(content: bytes) -> Any:
    """The workbook's first worksheet, read-only, as ``load_workbook`` would open it except
    that the <dimension> the file claims is ignored.

    That claim is not a fact: trusted, openpyxl pads every row to its width and adds empty
    rows up to its height (A1:XFD1048576 in a 5 KB file); and when it is missing (openpyxl's
    own write-only files), opening the sheet scans all of it looking for one, a full read
    before the first row. ``load_workbook`` opens every sheet that way, so its steps are
    taken here, minus that one."""
    from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped]
    from openpyxl.styles.stylesheet import apply_stylesheet  # type: ignore[import-untyped]
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # type: ignore[import-untyped]

    class Sheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """No size: rows are read as they are in the file."""

    reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)  # number formats tell dates from numbers
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return Sheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
    raise ImportFileError("tệp XLSX không có trang tính nào (the XLSX has no worksheet)")


def _read_xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    _check_zip(content)
    try:
        ws = _first_sheet(content)
    except ImportFileError:
        raise
    except Exception as e:  # openpyxl raises zipfile/KeyError/ValueError variants
        raise ImportFileError("không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel)") from e
    try:
        rows = _Rows()
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if values.count(None) == len(values):  # a gap between rows: skip it cheaply
                continue
            if len(values) > MAX_COLUMNS and values.count(None) >= len(values) - MAX_COLUMNS:
                # Widened by an empty styled cell far to the right: cut before converting.
                tail = values[MAX_COLUMNS:]
                values = values[:MAX_COLUMNS] if tail.count(None) == len(tail) else values
            rows.add(number, [_text(v) for v in values])
        return rows.rows
    except ImportFileError:
        raise
    except Exception as e:  # a part that fails its CRC check, malformed XML
        raise ImportFileError("không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel)") from e
    finally:
        ws.parent.close()
