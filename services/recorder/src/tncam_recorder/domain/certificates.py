"""The deletion certificate (biên bản xác nhận xoá): what it states, as canonical JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tncam_recorder.domain.keys import iso

CERTIFICATE_FORMAT = "tncam-deletion-certificate/1"
CERTIFICATE_TITLE = "Biên bản xác nhận xoá dữ liệu hình ảnh (Deletion certificate)"


@dataclass(frozen=True)
class Deletion:
    """What a decommissioning deleted, and how it was checked."""

    segments: int
    first_start: dt.datetime | None
    last_end: dt.datetime | None
    versions: Sequence[str]  # "<key>\t<version id>" of every deleted version, sorted
    bytes: int
    remaining_index_rows: int


def certificate_body(
    *,
    certificate_id: str,
    scope: str,
    camera_id: str,
    bucket: str,
    reason: str,
    document_reference: str,
    requested_by: dict[str, Any],
    started: dt.datetime,
    completed: dt.datetime,
    deletion: Deletion,
    signer: str,
) -> dict[str, Any]:
    """The certificate's content (signed as canonical JSON by the caller)."""
    return {
        "format": CERTIFICATE_FORMAT,
        "certificate_id": certificate_id,
        "title": CERTIFICATE_TITLE,
        "scope": scope,
        "camera_id": camera_id,
        "bucket": bucket,
        "reason": reason,
        "document_reference": document_reference,
        "requested_by": requested_by,
        "started_at": iso(started),
        "completed_at": iso(completed),
        "segments_deleted": deletion.segments,
        "objects_deleted": len(deletion.versions),
        "bytes_deleted": deletion.bytes,
        "first_segment_start": iso(deletion.first_start),
        "last_segment_end": iso(deletion.last_end),
        "deleted_versions_sha256": hashlib.sha256(
            "\n".join(deletion.versions).encode()
        ).hexdigest(),
        "verification": {
            "method": "list every object version and delete marker after deletion",
            "remaining_versions": 0,
            "remaining_index_rows": deletion.remaining_index_rows,
        },
        "signer": signer,
    }
