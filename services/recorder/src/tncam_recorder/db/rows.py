"""Rows of the recorder schema as the queries return them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One row of the segment index."""

    segment_id: uuid.UUID
    idempotency_key: str
    camera_id: str
    start_at: dt.datetime
    end_at: dt.datetime
    duration_ms: int
    bytes: int
    sha256: str
    bucket: str
    object_key: str
    version_id: str
    init_sha256: str
    retention_class: str
    commune_code: str
    held: bool
    session_id: str
    sequence: int
    live_seq: int
    codec_string: str
    width: int
    height: int
    stored_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> SegmentRow:
        return cls(**{name: getattr(row, name) for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class InitRow:
    """One init segment of a camera."""

    camera_id: str
    sha256: str
    bucket: str
    object_key: str
    version_id: str
    bytes: int


@dataclass(frozen=True, slots=True)
class HoldRow:
    """One legal hold."""

    hold_id: uuid.UUID
    case_reference: str
    authority: str
    reason: str
    camera_ids: list[str]
    start_at: dt.datetime
    end_at: dt.datetime
    placed_by: dict[str, Any]
    placed_at: dt.datetime
    released_at: dt.datetime | None
    released_by: dict[str, Any] | None
    release_reason: str
    document_number: str

    @classmethod
    def of(cls, row: Any) -> HoldRow:
        return cls(**{name: getattr(row, name) for name in cls.__slots__})
