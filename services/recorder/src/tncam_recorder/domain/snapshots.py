"""Which snapshot references the recorder serves (pure): ingest's newest JPEG of a camera, in
the snapshot bucket, under that camera's own prefix, within the size cap. The reference comes
from an event, so it is treated as untrusted input: everything else is refused as not found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tncam_contracts.catalog import check_token

SNAPSHOT_CONTENT_TYPE = "image/jpeg"
#: A JPEG starts with SOI followed by the next marker's 0xFF.
JPEG_START = b"\xff\xd8\xff"
#: One file name directly under ``cameras/<camera_id>/`` (ingest writes ``latest.jpg``).
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,123}\.jpg$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class SnapshotRef:
    """The parts of an ``ObjectRef`` that name and pin a snapshot."""

    bucket: str
    key: str
    version_id: str
    size_bytes: int
    sha256: str


def refusal(camera_id: str, ref: SnapshotRef, *, bucket: str, max_bytes: int) -> str | None:
    """Why ``ref`` may not be served as ``camera_id``'s snapshot, or None when it may."""
    try:
        check_token(camera_id, "camera_id")
    except ValueError:
        return "bad camera id"
    if ref.bucket != bucket:
        return "not the snapshot bucket"
    prefix = f"cameras/{camera_id}/"
    if not ref.key.startswith(prefix):
        return "outside the camera's prefix"
    name = ref.key[len(prefix) :]
    if ".." in name or not _NAME_RE.match(name):
        return "not a snapshot name"
    if not _SHA256_RE.match(ref.sha256):
        return "no sha256"
    if not 0 < ref.size_bytes <= max_bytes:
        return "size outside the cap"
    return None


def is_jpeg(data: bytes) -> bool:
    """Whether ``data`` starts and ends like a JPEG (SOI ... EOI)."""
    return data.startswith(JPEG_START) and data.rstrip(b"\x00").endswith(b"\xff\xd9")
