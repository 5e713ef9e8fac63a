"""The index row a segment object carries (issue 19: the index rebuilt from the bucket)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest

from tncam_recorder.cli_reindex import since_arg
from tncam_recorder.domain.index_meta import (
    META_INDEX,
    IndexMetadataError,
    StoredObject,
    hours_since,
    index_metadata,
    row_values,
)
from tncam_recorder.domain.keys import segment_id, segment_key

T0 = dt.datetime(2026, 3, 1, 8, 59, 58, 123456, tzinfo=dt.UTC)
SECRET = b"k" * 32


def _described(camera: str = "CAM-01-001") -> dict[str, object]:
    return {
        "idempotency_key": f"{camera}:20260301T085958.123Z",
        "camera_id": camera,
        "start_at": T0,
        "end_at": T0 + dt.timedelta(seconds=2),
        "duration_ms": 2000,
        "init_sha256": "b" * 64,
        "retention_class": "d30",
        "commune_code": "01",
        "session_id": "sess-1",
        "sequence": 42,
        "codec_string": "hvc1.1.6.L93.B0",
        "width": 1920,
        "height": 1080,
    }


def _object(meta: dict[str, str], key: str | None = None) -> StoredObject:
    return StoredObject(
        bucket="tncam-segments",
        key=key or segment_key("CAM-01-001", T0),
        version_id="v1",
        size=12345,
        sha256="a" * 64,
        last_modified=T0 + dt.timedelta(seconds=3),
        metadata=meta,
    )


def test_a_row_survives_the_object_metadata_exactly() -> None:
    described = _described()
    meta = index_metadata(described)
    raw = meta[META_INDEX]
    assert raw.isascii()
    assert len(raw) < 1024
    values = row_values(_object(meta), SECRET)
    for name, value in described.items():
        assert values[name] == value, name
    assert values["segment_id"] == segment_id(str(described["idempotency_key"]), SECRET)
    assert values["bytes"] == 12345
    assert values["sha256"] == "a" * 64
    assert values["object_key"] == segment_key("CAM-01-001", T0)
    assert values["version_id"] == "v1"
    assert values["bucket"] == "tncam-segments"
    assert values["held"] is False


def test_unreadable_or_foreign_metadata_is_refused() -> None:
    with pytest.raises(IndexMetadataError, match="no tncam-index"):
        row_values(_object({}), SECRET)
    with pytest.raises(IndexMetadataError, match="unreadable"):
        row_values(_object({META_INDEX: "{not json"}), SECRET)
    doc = json.loads(index_metadata(_described())[META_INDEX])
    with pytest.raises(IndexMetadataError, match="version"):
        row_values(_object({META_INDEX: json.dumps({**doc, "v": 99})}), SECRET)
    # Metadata copied onto another camera's key is not believed.
    other = index_metadata(_described("CAM-02-002"))
    with pytest.raises(IndexMetadataError, match="another camera"):
        row_values(_object(other), SECRET)
    with pytest.raises(IndexMetadataError, match="SHA-256"):
        row_values(
            StoredObject(
                "b", segment_key("CAM-01-001", T0), "v", 1, "", T0, index_metadata(_described())
            ),
            SECRET,
        )


def test_hours_cover_since_to_now() -> None:
    assert hours_since(T0, T0 + dt.timedelta(hours=1, minutes=1)) == [
        "2026/03/01/08/",
        "2026/03/01/09/",
        "2026/03/01/10/",
    ]
    assert hours_since(T0, T0) == ["2026/03/01/08/"]


def test_since_takes_an_instant_or_an_age() -> None:
    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    assert since_arg("90m", now) == now - dt.timedelta(minutes=90)
    assert since_arg("2d", now) == now - dt.timedelta(days=2)
    assert since_arg("2026-12-07T08:00:00Z") == dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
    assert since_arg("2026-12-07T15:00:00+07:00") == dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
    assert since_arg("2026-12-07T08:00:00") == dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
    with pytest.raises(argparse.ArgumentTypeError):
        since_arg("yesterday")
