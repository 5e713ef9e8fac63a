"""Notifications of the owning units (docs/adr/0025): who may be told, what they are told (in
Vietnamese), how a webhook is signed and how long a failed notice waits. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tncam_registry.domain.calendar import VN_TZ, local_date

#: The central operator's targets (the daily digest) are kept under this pseudo unit id.
PROVINCE = "province"
EMAIL, WEBHOOK = "email", "webhook"
PENDING, RETRYING, SENT, DEAD = "pending", "retrying", "sent", "dead"
STATUSES = (PENDING, RETRYING, SENT, DEAD)
MAX_EMAILS, MAX_WEBHOOKS = 20, 5
MAX_SECRET_BYTES = 256
MIN_SECRET_BYTES = 16

#: Webhook headers: the signature is HMAC-SHA256 over ``<timestamp>.<body>`` (hex).
HEADER_TIMESTAMP = "Tncam-Timestamp"
HEADER_SIGNATURE = "Tncam-Signature"
HEADER_NOTICE_ID = "Tncam-Notice-Id"

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class TargetError(ValueError):
    """A notification target that cannot be accepted; ``detail`` is the stable code's tail."""

    def __init__(self, detail: str, message: str) -> None:
        super().__init__(message)
        self.detail = detail


def check_email(address: str) -> str:
    """The address, trimmed, if it looks like one mailbox; TargetError otherwise."""
    a = address.strip()
    if len(a) > 254 or not _EMAIL.match(a) or ".." in a:
        raise TargetError("invalid_email", f"địa chỉ thư không hợp lệ: {a[:80]!r}")
    return a


def check_webhook_url(url: str) -> str:
    """An http(s) URL with a host and no credentials in it; TargetError otherwise."""
    u = url.strip()
    try:
        parts = urlsplit(u)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError as e:
        raise TargetError("invalid_webhook_url", f"URL webhook không hợp lệ: {u[:80]!r}") from e
    if parts.scheme not in ("https", "http") or not parts.hostname or len(u) > 1024:
        raise TargetError("invalid_webhook_url", f"URL webhook không hợp lệ: {u[:80]!r}")
    if parts.username or parts.password:
        raise TargetError("invalid_webhook_url", "URL webhook không được chứa thông tin đăng nhập")
    return u


def check_secret(secret: str) -> str:
    """A webhook secret of a sensible length."""
    n = len(secret.encode())
    if not MIN_SECRET_BYTES <= n <= MAX_SECRET_BYTES:
        raise TargetError(
            "invalid_webhook_secret",
            f"khóa bí mật webhook phải dài {MIN_SECRET_BYTES}-{MAX_SECRET_BYTES} byte",
        )
    return secret


def check_targets(emails: Sequence[str], urls: Sequence[str]) -> tuple[list[str], list[str]]:
    """Validated, de-duplicated e-mail addresses and webhook URLs (order kept)."""
    if len(emails) > MAX_EMAILS or len(urls) > MAX_WEBHOOKS:
        raise TargetError(
            "too_many", f"tối đa {MAX_EMAILS} địa chỉ thư và {MAX_WEBHOOKS} webhook mỗi đơn vị"
        )
    return (
        list(dict.fromkeys(check_email(e) for e in emails)),
        list(dict.fromkeys(check_webhook_url(u) for u in urls)),
    )


def secret_owner(unit_id: str, url: str) -> str:
    """The associated data a webhook secret is sealed to (one unit's one URL)."""
    return f"webhook:{unit_id}|{url}"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``Tncam-Signature`` value of a webhook body sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: bytes, timestamp: int, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is the signature of ``body`` at ``timestamp`` with ``secret``."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff_s(attempts: int, *, base_s: float, max_s: float) -> float:
    """How long to wait after the ``attempts``-th failed try: doubling from ``base_s``."""
    return float(min(max_s, base_s * (2 ** max(0, attempts - 1))))


@dataclass(frozen=True)
class Message:
    """What one event tells a unit: its kind, a key unique to the event, the texts."""

    kind: str
    event_key: str
    unit_id: str
    subject: str
    body: str
    camera_id: str = ""
    ticket_id: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The JSON facts a webhook receives besides the texts."""
        return {"kind": self.kind, "event": self.event_key, "unit_id": self.unit_id, **self.facts}


def _when(at: dt.datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y")


def _day(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


FOOTER = (
    "\n\n—\nThông báo tự động của Hệ thống camera giám sát tập trung tỉnh Thái Nguyên. "
    "Vui lòng không trả lời thư này."
)


def fault_ticket_message(
    *,
    ticket_id: str,
    unit_id: str,
    camera_id: str,
    camera_name: str,
    lost_since: dt.datetime,
    due_on: dt.date,
) -> Message:
    """A camera of the unit is lost long enough for a fault ticket (Art. 14.1)."""
    return Message(
        kind="fault_ticket",
        event_key=f"fault_ticket:{ticket_id}",
        unit_id=unit_id,
        camera_id=camera_id,
        ticket_id=ticket_id,
        subject=f"[tncam] Camera {camera_id} mất kết nối — yêu cầu khắc phục sự cố",
        body=(
            f"Camera {camera_id} ({camera_name}) của đơn vị đã mất kết nối từ "
            f"{_when(lost_since)}.\n"
            f"Phiếu sự cố {ticket_id} đã được mở. Theo Điều 14.1, đơn vị cần khắc phục trong "
            f"vòng 3 ngày làm việc kể từ khi nhận thông báo này (hạn dự kiến: {_day(due_on)})."
            + FOOTER
        ),
        facts={
            "ticket_id": ticket_id,
            "camera_id": camera_id,
            "lost_since": lost_since.isoformat(),
            "due_on": due_on.isoformat(),
        },
    )


BASIS_TEXT = {
    "LEGAL_BASIS_EMERGENCY_COMMAND": "lệnh khẩn cấp",
    "LEGAL_BASIS_INCIDENT_FIX": "khắc phục sự cố",
    "LEGAL_BASIS_WRITTEN_REQUEST": "văn bản đề nghị",
    "LEGAL_BASIS_COMMITTEE_APPROVAL": "phê duyệt của UBND tỉnh",
}


def grant_message(
    *,
    grant_id: str,
    unit_id: str,
    grantee: str,
    basis: str,
    reason: str,
    camera_ids: Sequence[str],
    footage_from: dt.datetime,
    footage_to: dt.datetime,
    expires_at: dt.datetime,
    scopes: Sequence[str],
) -> Message:
    """A break-glass grant (or a committee approval) covers the unit's footage (Art. 6.2)."""
    scope_text = " và ".join({"view": "xem", "export": "trích xuất"}.get(s, s) for s in scopes)
    return Message(
        kind="grant",
        event_key=f"grant:{grant_id}:{unit_id}",
        unit_id=unit_id,
        camera_id=camera_ids[0] if len(camera_ids) == 1 else "",
        subject="[tncam] Cấp quyền truy cập hình ảnh camera của đơn vị",
        body=(
            f"{grantee} được cấp quyền {scope_text} hình ảnh của camera "
            f"{', '.join(camera_ids)} thuộc đơn vị.\n"
            f"Căn cứ: {BASIS_TEXT.get(basis, basis)}. Lý do: {reason}\n"
            f"Khoảng hình ảnh: {_when(footage_from)} đến {_when(footage_to)}; "
            f"quyền hết hạn lúc {_when(expires_at)}.\nMã quyền: {grant_id}." + FOOTER
        ),
        facts={
            "grant_id": grant_id,
            "grantee": grantee,
            "legal_basis": basis,
            "camera_ids": list(camera_ids),
            "footage_from": footage_from.isoformat(),
            "footage_to": footage_to.isoformat(),
            "expires_at": expires_at.isoformat(),
            "scopes": list(scopes),
        },
    )


def breach_message(
    *, breach_id: str, unit_id: str, title: str, scope: str, camera_ids: Sequence[str]
) -> Message:
    """A personal-data breach involving the unit was recorded (R14)."""
    cams = f"\nCamera liên quan: {', '.join(camera_ids)}." if camera_ids else ""
    return Message(
        kind="breach",
        event_key=f"breach:{breach_id}:{unit_id}",
        unit_id=unit_id,
        subject="[tncam] Ghi nhận sự cố vi phạm dữ liệu cá nhân liên quan đến đơn vị",
        body=(
            f"Một sự cố vi phạm dữ liệu cá nhân liên quan đến đơn vị đã được ghi vào sổ: {title}."
            f"\nPhạm vi: {scope}.{cams}\nMã sự cố: {breach_id}. Việc thông báo bằng văn bản "
            "cho Công an tỉnh và Sở Khoa học và Công nghệ phải hoàn thành trong 72 giờ." + FOOTER
        ),
        facts={"breach_id": breach_id, "title": title, "camera_ids": list(camera_ids)},
    )


DEADLINE_TEXT = {
    "connection": "kết nối camera vào hệ thống (15 ngày làm việc kể từ khi lắp đặt)",
    "registry_update": "cập nhật thông tin camera (15 ngày làm việc kể từ khi thay đổi)",
    "maintenance": "bảo trì định kỳ 6 tháng",
    "fault_fix": "khắc phục sự cố (3 ngày làm việc)",
    "annual_needs": "đăng ký nhu cầu kết nối năm sau (trước ngày 15/12)",
}


def deadline_message(
    *, kind: str, unit_id: str, due_on: dt.date, camera_id: str, ticket_id: str, overdue: bool
) -> Message:
    """A deadline of the unit is due within 3 working days, or is past due."""
    what = DEADLINE_TEXT.get(kind, kind)
    subject_of = f"camera {camera_id}" if camera_id else "đơn vị"
    key = ":".join(("overdue" if overdue else "due", kind, camera_id or unit_id, str(due_on)))
    state = "đã quá hạn" if overdue else "sắp đến hạn"
    return Message(
        kind="deadline_overdue" if overdue else "deadline_due",
        event_key=f"deadline:{key}",
        unit_id=unit_id,
        camera_id=camera_id,
        subject=f"[tncam] Thời hạn {state}: {what.split(' (')[0]} — {subject_of}",
        body=(
            f"Thời hạn {what} của {subject_of} {state} (hạn: {_day(due_on)})."
            + (f"\nPhiếu sự cố: {ticket_id}." if ticket_id else "")
            + FOOTER
        ),
        facts={"deadline": kind, "due_on": due_on.isoformat(), "camera_id": camera_id},
    )


@dataclass(frozen=True)
class DigestFacts:
    """What the central operator's daily digest counts."""

    day: dt.date
    cameras_by_state: Mapping[str, int]
    open_tickets: int
    overdue_by_kind: Mapping[str, int]
    notices_dead: int


STATE_TEXT = {
    "connected": "Có kết nối",
    "lost": "Mất kết nối",
    "never": "Chưa kết nối",
    "unstable": "Kết nối không ổn định",
}


def digest_message(f: DigestFacts) -> Message:
    """The central operator's digest of one day."""
    states = "\n".join(
        f"  - {STATE_TEXT.get(k, k)}: {v}" for k, v in sorted(f.cameras_by_state.items())
    )
    overdue = "\n".join(
        f"  - {DEADLINE_TEXT.get(k, k)}: {v}" for k, v in sorted(f.overdue_by_kind.items())
    )
    return Message(
        kind="digest",
        event_key=f"digest:{f.day.isoformat()}",
        unit_id=PROVINCE,
        subject=f"[tncam] Tổng hợp ngày {_day(f.day)}",
        body=(
            f"Tình trạng kết nối camera ngày {_day(f.day)}:\n{states or '  (chưa có camera)'}\n"
            f"Phiếu sự cố đang mở: {f.open_tickets}\n"
            f"Thời hạn quá hạn:\n{overdue or '  (không có)'}\n"
            f"Thông báo không gửi được (đã dừng thử lại): {f.notices_dead}" + FOOTER
        ),
        facts={
            "day": f.day.isoformat(),
            "cameras_by_state": dict(f.cameras_by_state),
            "open_tickets": f.open_tickets,
            "overdue": dict(f.overdue_by_kind),
            "notices_dead": f.notices_dead,
        },
    )


def digest_due(now: dt.datetime, hour: int) -> dt.date | None:
    """The local day whose digest is due at ``now`` (from ``hour`` local time), else None."""
    return local_date(now) if now.astimezone(VN_TZ).hour >= hour else None
