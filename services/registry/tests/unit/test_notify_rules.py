"""The notification rules without I/O: targets checked, Vietnamese texts, keys that make a
notice once per event, the webhook signature, the backoff, the digest hour."""

from __future__ import annotations

import datetime as dt

import pytest

from tncam_registry.domain import notify as nt

NOW = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 09:30 in Thái Nguyên


@pytest.mark.parametrize("address", ["it.xa01@thainguyen.gov.vn", " can-bo+tncam@ubnd.example.vn "])
def test_good_addresses_are_kept_trimmed(address: str) -> None:
    assert nt.check_email(address) == address.strip()


@pytest.mark.parametrize(
    "address", ["khong-phai-email", "a@b", "a@@b.vn", "a..b@x.vn", "a b@x.vn", "x" * 65 + "@a.vn"]
)
def test_bad_addresses_are_refused(address: str) -> None:
    with pytest.raises(nt.TargetError) as e:
        nt.check_email(address)
    assert e.value.detail == "invalid_email"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.vn/h",
        "https://user:pw@x.vn/h",
        "https:///nohost",
        "javascript:alert(1)",
        "http://[::1",
        "https://x.vn:99999/h",
    ],
)
def test_bad_webhook_urls_are_refused(url: str) -> None:
    with pytest.raises(nt.TargetError) as e:
        nt.check_webhook_url(url)
    assert e.value.detail == "invalid_webhook_url"


def test_targets_are_deduplicated_and_bounded() -> None:
    emails, urls = nt.check_targets(["a@x.vn", "a@x.vn"], ["https://x.vn/h", "https://x.vn/h"])
    assert (emails, urls) == (["a@x.vn"], ["https://x.vn/h"])
    with pytest.raises(nt.TargetError):
        nt.check_targets([f"a{i}@x.vn" for i in range(nt.MAX_EMAILS + 1)], [])
    with pytest.raises(nt.TargetError):
        nt.check_secret("ngắn")


def test_signature_binds_secret_timestamp_and_body() -> None:
    sig = nt.sign(b"s" * 20, 1_700_000_000, b'{"a":1}')
    assert sig.startswith("sha256=")
    assert nt.verify(b"s" * 20, 1_700_000_000, b'{"a":1}', sig)
    assert not nt.verify(b"t" * 20, 1_700_000_000, b'{"a":1}', sig)
    assert not nt.verify(b"s" * 20, 1_700_000_001, b'{"a":1}', sig)
    assert not nt.verify(b"s" * 20, 1_700_000_000, b'{"a":2}', sig)


def test_backoff_doubles_up_to_its_cap_and_covers_a_ten_minute_outage() -> None:
    waits = [nt.backoff_s(n, base_s=5, max_s=300) for n in range(1, 13)]
    assert waits[:4] == [5, 10, 20, 40]
    assert max(waits) == 300
    assert sum(waits[:11]) > 600  # 12 tries (the default) outlast 10 minutes down


def test_fault_ticket_text_is_vietnamese_with_local_time_and_a_stable_key() -> None:
    m = nt.fault_ticket_message(
        ticket_id="t-1",
        unit_id="commune-01",
        camera_id="CAM-1",
        camera_name="Cổng UBND",
        lost_since=NOW,
        due_on=dt.date(2026, 12, 10),
    )
    assert m.event_key == "fault_ticket:t-1"
    assert "mất kết nối" in m.subject
    assert "09:30 ngày 07/12/2026" in m.body
    assert "3 ngày làm việc" in m.body
    assert "10/12/2026" in m.body
    assert m.payload()["ticket_id"] == "t-1"


def test_deadline_keys_differ_by_kind_state_and_due_date() -> None:
    def key(kind: str, due: dt.date, overdue: bool) -> str:
        return nt.deadline_message(
            kind=kind, unit_id="u", due_on=due, camera_id="C", ticket_id="", overdue=overdue
        ).event_key

    d = dt.date(2026, 12, 10)
    keys = {
        key("maintenance", d, False),
        key("maintenance", d, True),
        key("connection", d, True),
        key("maintenance", d + dt.timedelta(days=1), True),
    }
    assert len(keys) == 4
    text = nt.deadline_message(
        kind="annual_needs", unit_id="u", due_on=d, camera_id="", ticket_id="", overdue=True
    )
    assert "đăng ký nhu cầu kết nối" in text.subject
    assert "đã quá hạn" in text.body


def test_grant_and_breach_texts() -> None:
    g = nt.grant_message(
        grant_id="g-1",
        unit_id="commune-01",
        grantee="Nguyễn Văn A",
        basis="LEGAL_BASIS_EMERGENCY_COMMAND",
        reason="Chỉ đạo khẩn cấp",
        camera_ids=["CAM-1"],
        footage_from=NOW,
        footage_to=NOW,
        expires_at=NOW,
        scopes=["view", "export"],
    )
    assert g.event_key == "grant:g-1:commune-01"
    assert "xem và trích xuất" in g.body
    assert "lệnh khẩn cấp" in g.body
    b = nt.breach_message(
        breach_id="b-1", unit_id="u", title="Lộ ảnh", scope="1 camera", camera_ids=[]
    )
    assert b.event_key == "breach:b-1:u"
    assert "72 giờ" in b.body


def test_digest_is_due_from_its_local_hour() -> None:
    assert nt.digest_due(NOW, 7) == dt.date(2026, 12, 7)
    assert nt.digest_due(NOW, 10) is None
    late_utc = dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.UTC)  # 01:00 on the 8th locally
    assert nt.digest_due(late_utc, 0) == dt.date(2026, 12, 8)
    m = nt.digest_message(
        nt.DigestFacts(
            day=dt.date(2026, 12, 7),
            cameras_by_state={"lost": 2, "connected": 10},
            open_tickets=2,
            overdue_by_kind={"fault_fix": 1},
            notices_dead=0,
        )
    )
    assert m.unit_id == nt.PROVINCE
    assert "Mất kết nối: 2" in m.body
