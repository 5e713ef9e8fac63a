"""Import files an outsider shapes to exhaust the registry are refused with a stable code, and
the refusal comes well before the work a full parse would do (measured on the same file).

The hostile files are those of the adversarial probe (issue 21, item 4): a 2.3 MB XLSX of
300,000 rows, a ~100 KB XLSX holding a 100 MB shared string, and their relatives.
"""

from __future__ import annotations

import csv
import io
import struct
import time
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook, load_workbook

from tncam_registry.domain import import_files as files
from tncam_registry.domain import importing as imp
from tncam_testkit.hostile import xlsx_many_rows, xlsx_shared_string_bomb

REF = imp.Reference(
    communes=frozenset({"01"}), units=frozenset({"commune-01"}), sectors=frozenset()
)
HEADER = ["code", "name", "commune_code", "site_kind", "rtsp_url"]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def full_xlsx_parse(content: bytes, max_row: int | None = None) -> None:
    """What the registry did before the limits: every row of the first sheet (up to
    ``max_row``), as openpyxl reads it."""
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for _ in wb.worksheets[0].iter_rows(max_row=max_row, values_only=True):
            pass
    finally:
        wb.close()


def refusal(content: bytes, fmt: str) -> imp.RowError:
    result = imp.check_file(content, fmt, REF)
    assert result.rows == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


@pytest.fixture(scope="module")
def xlsx_300k_rows() -> bytes:
    """The probe's file: 300,000 one-cell rows, ~2.3 MB."""
    return xlsx_many_rows(HEADER, 300_000)


def shared_string_xlsx(length: int) -> bytes:
    return xlsx_shared_string_bomb(HEADER, length)


@pytest.fixture(scope="module")
def xlsx_100mb_shared_string() -> bytes:
    return shared_string_xlsx(100 * 1024 * 1024)


def test_the_300k_row_xlsx_is_refused_at_the_row_limit_long_before_a_full_parse(
    xlsx_300k_rows: bytes,
) -> None:
    assert len(xlsx_300k_rows) < 3 * files.MIB  # the probe's 2.3 MB: small on the wire
    started = time.perf_counter()
    error = refusal(xlsx_300k_rows, "xlsx")
    refused_after = time.perf_counter() - started
    assert (error.row, error.code) == (0, "too_many_rows")
    assert "20000" in error.message
    # Reading only the first third of the file the former way already takes more than twice
    # as long as the refusal (a full parse takes longer still: no need to wait for it).
    third = timed(lambda: full_xlsx_parse(xlsx_300k_rows, max_row=100_000))
    assert refused_after < third / 2, (refused_after, third)


def test_the_shared_string_bomb_is_refused_before_openpyxl_reads_it(
    xlsx_100mb_shared_string: bytes,
) -> None:
    assert len(xlsx_100mb_shared_string) < 200_000  # ~100 KB carrying 100 MB
    started = time.perf_counter()
    error = refusal(xlsx_100mb_shared_string, "xlsx")
    refused_after = time.perf_counter() - started
    assert (error.row, error.code) == (0, "xlsx_too_large")
    assert "MiB" in error.message
    full = timed(lambda: full_xlsx_parse(xlsx_100mb_shared_string))
    assert refused_after < full / 10, (refused_after, full)
    assert refused_after < 0.5


def test_a_part_under_the_size_limits_but_compressed_like_a_bomb_is_refused() -> None:
    content = shared_string_xlsx(20 * 1024 * 1024)  # 20 MiB in ~20 KB: ratio ~1,000
    started = time.perf_counter()
    error = refusal(content, "xlsx")
    assert time.perf_counter() - started < 0.5
    assert (error.row, error.code) == (0, "xlsx_compression_ratio")


def test_a_part_that_lies_about_its_size_is_never_inflated_past_the_lie() -> None:
    """The limits use the sizes the central directory declares; zipfile stops inflating a
    part at its declared size, so a part declaring 1 KB that holds 100 MB fails its CRC."""
    content = bytearray(shared_string_xlsx(100 * 1024 * 1024))
    end_record = content.rindex(b"PK\x05\x06")
    (central,) = struct.unpack_from("<I", content, end_record + 16)
    while content[central : central + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", content, central + 28)
        if content[central + 46 : central + 46 + name_len] == b"xl/sharedStrings.xml":
            struct.pack_into("<I", content, central + 24, 1024)  # uncompressed size
        central += 46 + name_len + extra_len + comment_len
    declared = {i.filename: i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist()}
    assert declared["xl/sharedStrings.xml"] == 1024
    started = time.perf_counter()
    error = refusal(bytes(content), "xlsx")
    assert time.perf_counter() - started < 1.0
    assert (error.row, error.code) == (0, "unreadable")


def test_an_overlong_cell_is_a_row_error_naming_its_column_and_never_quoted() -> None:
    long_url = "rtsp://10.0.0.1/" + "x" * 2_000
    text = "\n".join(
        [
            ",".join(HEADER),
            f"cam-1,Cổng,01,square,{long_url}",
            "cam-2,Sân,01,square,rtsp://10.0.0.2/1," + "y" * 1_001,
            "cam-3,Ổn," + "0" * 1_000 + ",square,rtsp://10.0.0.3/1",
        ]
    )
    result = imp.check_file(text.encode(), "csv", REF)
    assert result.rows == []
    got = {(e.row, e.column, e.code) for e in result.errors}
    assert (2, "rtsp_url", "cell_too_long") in got
    assert (3, "F", "cell_too_long") in got  # past the header: the spreadsheet's letter
    assert (4, "commune_code", "unknown_commune") in got  # 1,000 characters: checked as usual
    assert all("x" * 100 not in e.message and "y" * 100 not in e.message for e in result.errors)
    assert "2016" in next(e.message for e in result.errors if e.row == 2)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append(["cam-1", "N" * 5_000, "01", "square", "rtsp://10.0.0.1/1"])
    buf = io.BytesIO()
    wb.save(buf)
    errors = imp.check_file(buf.getvalue(), "xlsx", REF).errors
    assert [(e.row, e.column, e.code) for e in errors] == [(2, "name", "cell_too_long")]


def test_an_overlong_header_cell_is_refused_without_quoting_it() -> None:
    result = imp.check_file(("code," + "h" * 50_000 + "\nx,y\n").encode(), "csv", REF)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(1, "B", "cell_too_long")]
    assert len(result.errors[0].message) < 200


def test_a_csv_field_beyond_csvs_own_limit_is_unreadable_not_a_crash() -> None:
    text = ",".join(HEADER) + '\ncam-1,"' + "z" * 200_000 + '",01,square,rtsp://h/1\n'
    error = refusal(text.encode(), "csv")
    assert (error.row, error.code) == (0, "unreadable")
    assert "2" in error.message


def test_a_csv_over_max_rows_is_refused_at_the_first_extra_row() -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows([f"cam-{i}", "N", "01", "square", f"rtsp://h/{i}"] for i in range(300_000))
    content = out.getvalue().encode()
    error = refusal(content, "csv")
    assert (error.row, error.code) == (0, "too_many_rows")
    # The better of two runs each: one run of either, on a loaded machine, can take a pause.
    refused_after = min(timed(lambda: refusal(content, "csv")) for _ in range(2))
    full = min(timed(lambda: list(csv.reader(io.StringIO(content.decode())))) for _ in range(2))
    assert refused_after < full / 2, (refused_after, full)

    exactly = "\n".join(
        [",".join(HEADER), *(f"cam-{i},N,01,square,rtsp://h/{i}" for i in range(imp.MAX_ROWS))]
    )
    result = imp.check_file(exactly.encode(), "csv", REF)
    assert result.errors == []
    assert result.total_rows == imp.MAX_ROWS


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    content = b"code,name\n" + b"x" * files.MAX_FILE_BYTES
    started = time.perf_counter()
    error = refusal(content, "csv")
    assert time.perf_counter() - started < 0.1
    assert (error.row, error.code) == (0, "file_too_large")


def test_a_claimed_dimension_of_a_whole_sheet_costs_nothing() -> None:
    """openpyxl pads every row to the <dimension> a file claims and adds empty rows up to it;
    the claim is ignored, and gaps between rows are skipped."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append(["cam-1", "Cổng", "01", "square", "rtsp://10.0.0.1/1"])
    ws.cell(row=400_000, column=1, value="cam-2")  # a gap of ~400,000 rows
    ws.cell(row=1, column=16_384).style = "Note"  # an empty styled cell in the last column
    buf = io.BytesIO()
    wb.save(buf)
    started = time.perf_counter()
    table = files.read_table(buf.getvalue(), "xlsx")
    assert time.perf_counter() - started < 3
    assert [n for n, _ in table] == [1, 2, 400_000]
    assert table[2][1] == ["cam-2"]


def test_data_past_the_column_limit_is_refused() -> None:
    wide = ",".join(HEADER) + "\n" + ",".join(["v"] * (files.MAX_COLUMNS + 1)) + "\n"
    error = refusal(wide.encode(), "csv")
    assert (error.row, error.code) == (0, "too_many_columns")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.cell(row=2, column=16_384, value="far away")
    buf = io.BytesIO()
    wb.save(buf)
    assert refusal(buf.getvalue(), "xlsx").code == "too_many_columns"
