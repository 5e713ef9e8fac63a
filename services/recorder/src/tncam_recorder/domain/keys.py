"""Names of things: segment ids, object keys, retention classes (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Mapping

from tncam_contracts.catalog import check_token

SEGMENT_CONTENT_TYPE = "video/iso.segment"
INIT_CONTENT_TYPE = "video/mp4"
EXPORT_CONTENT_TYPE = "application/zip"

TAG_RETENTION = "tncam-retention"
TAG_COMMUNE = "tncam-commune"
TAG_KIND = "tncam-kind"


def segment_id(idempotency_key: str, secret: bytes) -> uuid.UUID:
    """The id of the segment handed over under ``idempotency_key``: HMAC-SHA256 with the
    deployment's secret, so a retry (any replica) gets the same id but nobody can compute one
    from the camera and the time. (Rows indexed before this rule keep their uuid5 ids.)"""
    if len(secret) < 32:
        raise ValueError("the segment id key must be at least 32 bytes")
    digest = hmac.new(secret, idempotency_key.encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def utc(t: dt.datetime) -> dt.datetime:
    """``t`` in UTC; naive datetimes are refused."""
    if t.tzinfo is None:
        raise ValueError("timezone-aware datetime required")
    return t.astimezone(dt.UTC)


def stamp(t: dt.datetime) -> str:
    """Compact RFC 3339 basic form with milliseconds, e.g. ``20261122T080000.000Z``."""
    t = utc(t)
    return f"{t:%Y%m%dT%H%M%S}.{t.microsecond // 1000:03d}Z"


def segment_key(camera_id: str, start: dt.datetime) -> str:
    """``cameras/<camera_id>/<yyyy>/<mm>/<dd>/<hh>/<start>.m4s`` (UTC)."""
    check_token(camera_id, "camera_id")
    t = utc(start)
    return f"cameras/{camera_id}/{t:%Y/%m/%d/%H}/{stamp(t)}.m4s"


def init_key(camera_id: str, sha256: str) -> str:
    """``cameras/<camera_id>/init/<sha256>.mp4``: init segments are named by content."""
    check_token(camera_id, "camera_id")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("init sha256 must be 64 lower-case hex characters")
    return f"cameras/{camera_id}/init/{sha256}.mp4"


def camera_prefix(camera_id: str) -> str:
    """Prefix of every object of a camera."""
    check_token(camera_id, "camera_id")
    return f"cameras/{camera_id}/"


def export_key(export_id: uuid.UUID, created: dt.datetime) -> str:
    """``exports/<yyyy>/<mm>/<export_id>.zip``."""
    t = utc(created)
    return f"exports/{t:%Y/%m}/{export_id}.zip"


def retention_class_for(retention_days: int, classes: Mapping[str, int], default: str) -> str:
    """The smallest class keeping footage at least ``retention_days`` (0: the default class).

    A camera asking for more than every class offers gets the longest class.
    """
    if retention_days <= 0:
        return default
    fitting = sorted((days, name) for name, days in classes.items() if days >= retention_days)
    if fitting:
        return fitting[0][1]
    return max(classes.items(), key=lambda item: item[1])[0]


def iso(t: dt.datetime | None) -> str:
    """RFC 3339 UTC with milliseconds ('' for None)."""
    if t is None:
        return ""
    t = t.astimezone(dt.UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"
