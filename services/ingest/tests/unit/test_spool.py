"""The on-disk spool: bounded, durable, recovered in order after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tncam_ingest.bus.spool import Spool, SpoolFullError
from tncam_ingest.service.context import session_options
from tncam_ingest.settings import IngestSettings


def test_spool_is_bounded_and_recovers_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", max_bytes=1000)
    spool.recover()
    a = spool.put("cam-1", b"a" * 400)
    b = spool.put("cam_2", b"b" * 400)
    with pytest.raises(SpoolFullError):
        spool.put("cam-1", b"c" * 400)
    assert (spool.count, spool.total_bytes) == (2, 800)
    assert spool.read(a) == b"a" * 400
    (tmp_path / "spool" / "0000000000000009-cam-1.seg.tmp").write_bytes(b"partial")
    again = Spool(tmp_path / "spool", max_bytes=1000)
    entries = again.recover()
    assert [(e.camera_id, e.size) for e in entries] == [("cam-1", 400), ("cam_2", 400)]
    assert not list((tmp_path / "spool").glob("*.tmp"))  # a cut-short write is discarded
    again.remove(entries[0])
    assert (again.count, again.total_bytes) == (1, 400)
    c = again.put("cam-1", b"c" * 400)
    assert c.seq > b.seq  # new entries go after the recovered ones


def test_settings_defaults_and_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    s = IngestSettings(environment="test", instance_id="pod-1")
    assert s.worker == "pod-1"
    assert s.segment_target_s == 6.0
    assert s.segment_max_bytes < 8 * 1024 * 1024
    assert s.rtsp_timeout_s == 5.0
    with pytest.raises(ValueError, match="segment_target_s"):
        IngestSettings(environment="test", segment_target_s=12)
    assert session_options(s).first_report_wait_s == 5.0  # reaches the sessions
    with pytest.raises(ValueError, match="first_report_wait_s"):
        IngestSettings(environment="test", first_report_wait_s=11)
    with pytest.raises(ValueError, match="reconnect"):
        IngestSettings(environment="test", reconnect_initial_s=5, reconnect_max_s=1)
    monkeypatch.setenv("TNCAM_S3_ENDPOINT", "http://127.0.0.1:9000")
    monkeypatch.setenv("TNCAM_INGEST_SPOOL_MAX_BYTES", "2097152")
    s = IngestSettings(environment="test")
    assert s.s3_endpoint == "http://127.0.0.1:9000"
    assert s.spool_max_bytes == 2 * 1024 * 1024
