"""Picture quality in the registry: verdicts, poor runs, wording, measured compliance, the
report's quality list in every format (issue 14 item 3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from types import SimpleNamespace

from openpyxl import Workbook, load_workbook

from tncam_registry.domain import quality as qd
from tncam_registry.domain import report_quality as rq
from tncam_registry.domain.model import CameraState
from tncam_registry.domain.quality_views import compliance
from tncam_registry.domain.report import CommuneRef

T0 = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


def test_verdict_needs_a_result_and_a_connection() -> None:
    assert qd.verdict(CameraState.CONNECTED, ("black",)) == qd.POOR
    assert qd.verdict(CameraState.UNSTABLE, ()) == qd.GOOD
    assert qd.verdict(CameraState.CONNECTED, None) == qd.UNKNOWN
    # A lost camera's last picture says nothing about now.
    assert qd.verdict(CameraState.LOST, ("black",)) == qd.UNKNOWN
    assert qd.verdict(CameraState.NEVER, None) == qd.UNKNOWN


def test_wording_follows_the_appendix() -> None:
    assert (
        qd.summary(CameraState.CONNECTED, ("frozen", "low_fps"))
        == "Có kết nối — hình ảnh kém (hình đứng (không thay đổi), tốc độ khung hình thấp)"
    )
    assert qd.summary(CameraState.CONNECTED, ()) == "Có kết nối — hình ảnh tốt"
    assert qd.summary(CameraState.LOST, ("black",)) == "Mất kết nối"
    assert qd.summary(CameraState.NEVER, None) == "Chưa kết nối"
    assert qd.known_flags(["low_fps", "nonsense", "black"]) == ("black", "low_fps")


def test_a_poor_run_starts_at_its_first_poor_result_and_a_good_one_ends_it() -> None:
    t1, t2 = T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=2)
    assert qd.poor_since(("black",), T0, None) == T0
    ongoing = qd.Stored(("black",), T0, T0)
    assert qd.poor_since(("frozen",), t1, ongoing) == T0  # another flag, same run
    assert qd.poor_since((), t1, ongoing) is None
    good = qd.Stored((), t1, None)
    assert qd.poor_since(("black",), t2, good) == t2


def _row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "declared_codec": "hevc",
        "resolution": "1920x1080",
        "measured_codec": "",
        "measured_width": 0,
        "measured_height": 0,
    }
    row.update(kw)
    return row


def test_compliance_uses_the_measured_codec_and_resolution_when_known() -> None:
    # Nothing measured: the declaration decides.
    assert compliance(["codec_not_h265"], _row(declared_codec="h264")) == ["codec_not_h265"]
    assert compliance([], _row()) == []
    # Declared H.265, measured H.264 at another size.
    measured = _row(measured_codec="h264", measured_width=1280, measured_height=720)
    assert compliance(["no_qcvn135_cert"], measured) == [
        "codec_not_h265",
        "no_qcvn135_cert",
        "measured_codec_not_h265",
        "codec_not_as_declared",
        "resolution_not_as_declared",
    ]
    # Declared H.264 but the camera really sends H.265: compliant codec, not as declared.
    fixed = _row(declared_codec="h264", measured_codec="hevc", measured_width=1920)
    fixed["measured_height"] = 1080
    assert compliance(["codec_not_h265"], fixed) == ["codec_not_as_declared"]


def _entries() -> list[rq.QualityEntry]:
    communes = [CommuneRef("01", "Phường Phan Đình Phùng"), CommuneRef("02", "Xã Tân Cương")]
    cams = [
        SimpleNamespace(
            id="c2", name="Cổng", commune_code="02", kind="square", flags=["black"], poor_since=T0
        ),
        SimpleNamespace(
            id="c1",
            name="Sảnh",
            commune_code="01",
            kind="service_center",
            flags=["frozen", "low_fps"],
            poor_since=T0,
        ),
        SimpleNamespace(
            id="cx", name="?", commune_code="99", kind="square", flags=["black"], poor_since=None
        ),
    ]
    return rq.build_entries(communes, cams)


def test_quality_list_in_commune_order_in_every_format() -> None:
    entries = _entries()
    assert [(e.commune.code, e.camera_id) for e in entries] == [("01", "c1"), ("02", "c2")]
    assert entries[0].since_local() == "09:00 07/12/2026"
    pb = rq.to_pb(entries)
    assert pb[0].text == "hình đứng (không thay đổi), tốc độ khung hình thấp"
    assert pb[1].poor_since.ToDatetime(dt.UTC) == T0

    doc = json.loads(rq.add_to_document(b'{"rows": []}', "json", entries))
    assert doc["rows"] == []
    assert [q["camera_id"] for q in doc["quality"]] == ["c1", "c2"]
    assert doc["quality"][1]["flags"] == ["black"]

    text = rq.add_to_document(b"\xef\xbb\xbfSTT\r\n", "csv", entries).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2] == [f"{rq.TITLE} (2)"]
    assert rows[4][2] == "c1"
    assert rows[5][5] == "Có kết nối — hình ảnh kém: hình đen"

    page = rq.add_to_document(b"<html><body><p>x</p></body></html>", "html", entries).decode()
    assert page.index("Danh sách camera có kết nối — hình ảnh kém (2)") < page.index("</body>")

    wb = Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    sheet = load_workbook(io.BytesIO(rq.add_to_document(buf.getvalue(), "xlsx", entries)))[
        "Hình ảnh kém"
    ]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Danh sách camera có kết nối — hình ảnh kém (2)"
    assert values[2][1:5] == (
        "Phường Phan Đình Phùng",
        "c1",
        "Sảnh",
        "Trung tâm Phục vụ hành chính công",
    )
    assert rq.add_to_document(b"%PDF", "pdf", entries) == b"%PDF"
