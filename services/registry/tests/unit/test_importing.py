"""Import files: row-numbered errors, nothing accepted with an error, credentials taken out."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tncam_registry.domain import importing as imp
from tncam_registry.domain.model import SiteKind

REF = imp.Reference(
    communes=frozenset({"01", "02", "92"}),
    units=frozenset({"commune-01", "skhcn"}),
    sectors=frozenset({"traffic", "health"}),
)
HEADER = "code,name,commune_code,site_kind,rtsp_url,owner_unit,sector,codec,installed_on"


def run(text: str) -> imp.Validated:
    return imp.validate(imp.read_table(text.encode(), "csv"), REF)


def test_valid_file_with_credentials_in_the_url() -> None:
    result = run(
        HEADER + "\n"
        "cam-1,Cổng trụ sở,1,committee_hq,rtsp://admin:s%40cret@10.0.0.1:554/Streaming/101,,"
        "traffic;health,H.265,20/03/2026\n"
        "\n"
        "cam-2,TTPVHCC,92,service_center,rtsp://10.0.0.2/1,skhcn,,h264,2026-01-05\n"
    )
    assert result.errors == []
    a, b = result.rows
    assert a.commune_code == "01"
    assert a.site_kind == SiteKind.COMMITTEE_HQ
    assert a.rtsp_url == "rtsp://10.0.0.1:554/Streaming/101"
    assert (a.username, a.password) == ("admin", "s@cret")
    assert a.sectors == ("traffic", "health")
    assert a.codec == "hevc"
    assert a.installed_on is not None
    assert a.installed_on.isoformat() == "2026-03-20"
    assert b.codec == "h264"
    assert b.owner_unit == "skhcn"
    assert b.username is None
    assert "s@cret" not in repr(a)
    assert "s%40cret" not in repr(a)


def test_errors_carry_spreadsheet_row_numbers_and_reject_everything() -> None:
    result = run(
        HEADER + "\n"
        "cam-1,OK,01,square,rtsp://10.0.0.1/1,,,,\n"
        "cam 2,,99,garden,http://user:pw@10.0.0.2/1,nobody,sport,mjpeg,31/02/2026\n"
        "cam-1,Dup,02,square,rtsp://10.0.0.3/1,,,,\n"
    )
    assert result.rows == []
    got = {(e.row, e.column, e.code) for e in result.errors}
    assert {
        (3, "code", "invalid"),
        (3, "name", "required"),
        (3, "commune_code", "unknown_commune"),
        (3, "site_kind", "invalid"),
        (3, "rtsp_url", "invalid"),
        (3, "owner_unit", "unknown_unit"),
        (3, "sector", "unknown_sector"),
        (3, "codec", "invalid"),
        (3, "installed_on", "invalid"),
        (4, "code", "duplicate_code"),
    } <= got
    text = "\n".join(imp.format_errors(result.errors))
    assert "pw" not in text  # the URL is shown masked
    assert "dòng 3, cột commune_code: mã xã/phường '99' không có trong danh mục" in text
    assert "trùng với dòng 2" in text


def test_header_problems() -> None:
    result = run("code,name,commune,site_kind\nx,y,01,square\n")
    codes = {(e.row, e.column, e.code) for e in result.errors}
    assert (1, "commune", "unknown_column") in codes
    assert (1, "commune_code", "missing_column") in codes
    assert (1, "rtsp_url", "missing_column") in codes
    assert run("").errors[0].code == "empty"
    assert run(HEADER + "\n").errors[0].code == "empty"


def test_semicolon_csv_and_xlsx() -> None:
    result = run("code;name;commune_code;site_kind;rtsp_url\nc1;N;02;square;rtsp://h/1\n")
    assert result.errors == []
    assert result.rows[0].code == "c1"

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["code", "name", "commune_code", "site_kind", "rtsp_url", "installed_on"])
    ws.append(["x1", "Quảng trường", 1, "square", "rtsp://10.1.1.1/live", None])
    ws.append([None, None, None, None, None, None])
    ws.append(["x2", "Bad", 77, "square", "rtsp://10.1.1.2/live", "hôm qua"])
    buf = io.BytesIO()
    wb.save(buf)
    content = buf.getvalue()
    assert imp.guess_format("cams.bin", content) == "xlsx"
    result = imp.validate(imp.read_table(content, "xlsx"), REF)
    assert {(e.row, e.column) for e in result.errors} == {
        (4, "commune_code"),
        (4, "installed_on"),
    }
