"""The province's clock: officials date their documents in Vietnam's time (UTC+7), not UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def local_date(now: datetime) -> date:
    """The date in Thái Nguyên at ``now`` (from 17:00 UTC it is already the next day)."""
    return now.astimezone(VN_TZ).date()
