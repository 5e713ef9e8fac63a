"""Issue 19's restore drill on small data (``make restore-drill`` is the same, larger).

``python -m tncam_testkit.drill`` as a user runs it: two real MinIO sites joined by site
replication, a TLS MinIO holding the pgBackRest repository, NATS, PostgreSQL archiving its WAL,
two simulated cameras and the mesh (registry, audit, recorder, ingest) as processes. It records,
takes a full backup, records more, destroys the PostgreSQL data directory and the primary
site's drive, restores PostgreSQL from the backup and the WAL archive, starts the mesh on the
restored database with the replica site as its store, re-indexes the segments the WAL archive
lacked from the replica's objects (``tncam recorder reindex``), and fails unless every segment
stored before the disaster is back and plays from the replica, ``tncam audit verify`` passes, the
connection report is the one from before, and a byte changed in an audit row is caught.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_restore_drill_on_small_data(tmp_path: Path) -> None:
    result_file = tmp_path / "result.json"
    drill = subprocess.run(
        [
            sys.executable,
            "-m",
            "tncam_testkit.drill",
            "--cameras",
            "2",
            "--record-s",
            "2",
            "--after-s",
            "3",
            # The production bound: nothing indexed after the backup's end is archived before
            # the disaster, so the reindex must bring every one of those segments back.
            "--archive-timeout-s",
            "60",
            "--no-fsync",
            "--workdir",
            str(tmp_path / "drill"),
            "--json",
            str(result_file),
        ],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    print(drill.stdout[-3000:])
    assert drill.returncode == 0, drill.stdout[-4000:] + drill.stderr[-4000:]
    result = json.loads(result_file.read_text())
    # Nothing indexed before the backup began is lost; the WAL archive brought back the ones
    # indexed while the backup ran (its end archives the WAL), the reindex every later one
    # from the objects on site B: every segment stored before the disaster is indexed.
    assert result["segments_before_backup"] >= 2
    assert result["restored_before_backup"] == result["segments_before_backup"]
    assert result["segments_after_backup"] >= 1
    assert result["reindexed"] >= 1
    assert result["missing_after_reindex"] == 0
    assert result["rpo_index_s"] == 0
    assert result["rpo_index_wal_s"] > 0
    assert result["on_replica"] >= result["segments_before_backup"]
    assert result["audit_entries_ok"]
    assert result["report_equal"]
    assert result["tamper_caught"]
    # RPO ≤ 5 min for the index, RTO ≤ 1 h (measured here in seconds on a small fleet).
    assert 0 <= result["rpo_footage_s"] < 300
    assert 0 < result["rto_s"] < 3600
    assert "restore drill passed in" in drill.stdout
    assert "RPO index/audit" in drill.stdout
