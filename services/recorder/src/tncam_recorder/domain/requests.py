"""Validation of request fields shared by the operations: camera ids, texts, time ranges."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from tncam_contracts.catalog import check_token
from tncam_mesh.errors import InvalidInputError


def require_text(value: str, name: str, op: str) -> str:
    """``value`` stripped; refused when empty."""
    value = value.strip()
    if not value:
        raise InvalidInputError(f"recording.{op}.missing_{name}", f"{name} is required")
    return value


def camera(camera_id: str, op: str) -> str:
    """A valid camera id, or ``recording.<op>.bad_camera``."""
    try:
        return check_token(camera_id, "camera_id")
    except ValueError as e:
        raise InvalidInputError(f"recording.{op}.bad_camera", str(e)) from e


def time_range(
    start: Timestamp, end: Timestamp, op: str, *, has_start: bool, has_end: bool
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC; both required, end after start."""
    if not (has_start and has_end):
        raise InvalidInputError(f"recording.{op}.no_range", "start and end are required")
    s, e = start.ToDatetime(dt.UTC), end.ToDatetime(dt.UTC)
    if e <= s:
        raise InvalidInputError(f"recording.{op}.bad_range", "end must be after start")
    return s, e
