"""The breach register's rules (R14, Art. 10.4): 72 hours to notify police and DOST in writing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

NOTICE_PERIOD = dt.timedelta(hours=72)


class Recipient(StrEnum):
    """Who must receive a written notice."""

    PROVINCIAL_POLICE = "provincial_police"
    DOST = "dost"


REQUIRED_RECIPIENTS = frozenset(Recipient)


class Status(StrEnum):
    """Where a breach stands."""

    OPEN = "open"
    OVERDUE = "overdue"
    NOTIFIED = "notified"


def notice_deadline(detected_at: dt.datetime) -> dt.datetime:
    """72 hours after detection (calendar hours, not working days: the law says 72 hours)."""
    if detected_at.tzinfo is None:
        raise ValueError("detected_at must be timezone-aware")
    return detected_at + NOTICE_PERIOD


def status(detected_at: dt.datetime, notified: Iterable[Recipient], now: dt.datetime) -> Status:
    """NOTIFIED once both recipients have a notice, else OVERDUE after the deadline, else OPEN."""
    if set(notified) >= REQUIRED_RECIPIENTS:
        return Status.NOTIFIED
    return Status.OVERDUE if now > notice_deadline(detected_at) else Status.OPEN


#: Clock skew allowed between the caller's "now" and the register's.
FUTURE_SKEW = dt.timedelta(minutes=5)


def notice_time_problem(sent_at: dt.datetime, detected_at: dt.datetime, now: dt.datetime) -> str:
    """Why a notice's date cannot be right ("" when it can): a written notice is sent after the
    breach was detected, and not in the future."""
    if sent_at < detected_at:
        return "notice_before_breach"
    if sent_at > now + FUTURE_SKEW:
        return "notice_in_future"
    return ""
