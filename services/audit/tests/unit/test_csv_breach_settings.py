"""CSV export for officials, breach deadlines, and settings that refuse unsafe configuration."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import log_entry_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.domain.breach import Recipient, Status, notice_deadline, status
from tncam_audit.domain.csv_export import HEADERS, to_csv
from tncam_audit.domain.note import Signer
from tncam_audit.settings import AuditSettings
from tncam_mesh.errors import ConfigurationError
from tncam_mesh.settings import load_settings

T0 = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)


def entry() -> log_entry_pb2.LogEntry:
    e = pb.AuditEvent(
        event_id="e1",
        actor=actor_pb2.Actor(
            id="u1", display_name="Nguyễn Thị Hoa", unit_id="xa-tan-cuong", role=2
        ),
        action="footage.export.created",
        purpose_code=pb.PURPOSE_CODE_CASE_INVESTIGATION,
        purpose_text="=HYPERLINK(vụ việc 12/2026)",
        data_categories=[pb.DATA_CATEGORY_IMAGE, pb.DATA_CATEGORY_PLATE],
        legal_basis=pb.LEGAL_BASIS_WRITTEN_REQUEST,
        grant_id="g-7",
        document_number="123/CV-CA",
        outcome=pb.OUTCOME_SUCCESS,
        source_service="gateway",
        target_unit_ids=["xa-tan-cuong"],
    )
    e.target.segments.camera_id = "CAM-01"
    e.target.segments.start.FromDatetime(T0)
    e.target.segments.end.FromDatetime(T0 + dt.timedelta(minutes=5))
    e.occurred_at.FromDatetime(T0)
    entry = log_entry_pb2.LogEntry(sequence=42, event=e)
    entry.appended_at.FromDatetime(T0 + dt.timedelta(seconds=1))
    return entry


def test_csv_has_vietnamese_headers_local_time_and_no_formula_injection() -> None:
    data, rows = to_csv([entry()])
    assert rows == 1
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == list(HEADERS)
    assert "Mục đích" in table[0]
    row = dict(zip(table[0], table[1], strict=True))
    assert row["Số thứ tự"] == "42"
    assert row["Thời điểm (giờ Việt Nam)"] == "22/11/2026 08:00:00"  # UTC+7
    assert row["Người thực hiện"] == "Nguyễn Thị Hoa"
    assert row["Camera"] == "CAM-01"
    assert row["Dữ liệu đến"] == "22/11/2026 08:05:00"
    assert row["Mục đích"] == "Điều tra, xử lý vụ việc"
    assert row["Loại dữ liệu"] == "Hình ảnh, Biển số xe"
    assert row["Kết quả"] == "Thành công"
    assert row["Diễn giải mục đích"].startswith("'=")  # neutralised for spreadsheets


def test_breach_deadline_is_72_hours_and_status_follows_notices() -> None:
    assert notice_deadline(T0) == T0 + dt.timedelta(hours=72)
    just_before = T0 + dt.timedelta(hours=71, minutes=59)
    after = T0 + dt.timedelta(hours=72, seconds=1)
    assert status(T0, [], just_before) == Status.OPEN
    assert status(T0, [Recipient.DOST], after) == Status.OVERDUE
    both = [Recipient.DOST, Recipient.PROVINCIAL_POLICE]
    assert status(T0, both, after) == Status.NOTIFIED
    with pytest.raises(ValueError, match="timezone"):
        notice_deadline(dt.datetime(2026, 1, 1))


def test_signing_key_has_no_default_in_any_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("TNCAM_AUDIT_SIGNING_KEY", "TNCAM_ENVIRONMENT", "TNCAM_AUDIT_S3_ENDPOINT"):
        monkeypatch.delenv(k, raising=False)
    for environment in ("dev", "test"):
        with pytest.raises(ConfigurationError, match="TNCAM_AUDIT_SIGNING_KEY"):
            load_settings(AuditSettings, environment=environment, db_password="x")
        with pytest.raises(ConfigurationError, match="TNCAM_AUDIT_SIGNING_KEY"):
            load_settings(
                AuditSettings,
                environment=environment,
                db_password="x",
                signing_key="insecure-dev-only",
            )


def test_a_real_key_is_accepted_and_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer.generate("tncam.thainguyen.gov.vn/audit")
    s = AuditSettings(environment="test", db_password="x", signing_key=signer.encode())
    assert s.signer().verifier == signer.verifier
    wrong = Signer.generate("other.origin")
    with pytest.raises(ConfigurationError) as err:
        load_settings(
            AuditSettings, environment="test", db_password="x", signing_key=wrong.encode()
        )
    assert "TNCAM_AUDIT_SIGNING_KEY" in err.value.message
    assert wrong.encode() not in err.value.message
    garbage = "PRIVATE+KEY+tncam.thainguyen.gov.vn/audit+00+c2VjcmV0"
    with pytest.raises(ConfigurationError) as err:
        load_settings(AuditSettings, environment="test", db_password="x", signing_key=garbage)
    assert "c2VjcmV0" not in err.value.message


def test_prod_requires_an_object_store() -> None:
    signer = Signer.generate("tncam.thainguyen.gov.vn/audit")
    with pytest.raises(ConfigurationError, match="S3_ENDPOINT"):
        load_settings(
            AuditSettings, environment="prod", db_password="x", signing_key=signer.encode()
        )
    with pytest.raises(ConfigurationError, match="ACCESS_KEY"):
        load_settings(
            AuditSettings,
            environment="prod",
            db_password="x",
            signing_key=signer.encode(),
            s3_endpoint="http://127.0.0.1:9000",
        )
    ok = load_settings(
        AuditSettings,
        environment="prod",
        db_password="x",
        signing_key=signer.encode(),
        s3_endpoint="https://s3.tncam.local:9000",
        s3_access_key="a",
        s3_secret_key="b",
    )
    assert (ok.s3_host, ok.s3_secure) == ("s3.tncam.local:9000", True)
