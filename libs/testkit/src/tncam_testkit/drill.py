"""``make restore-drill``: lose the primary PostgreSQL and the primary bucket, restore, check.

1. Start two MinIO sites joined by site replication (ADR 0026), a backup S3 (TLS) holding the
   pgBackRest repository, NATS, PostgreSQL archiving its WAL there, a camera fleet, and the
   whole mesh (``make run``'s ``Stack``) on the primary site; import the fleet and record.
2. Take a full backup (``pgbackrest backup``); keep recording; then the disaster: the
   PostgreSQL data directory is emptied and the primary MinIO's drive wiped.
3. Restore: ``pgbackrest restore`` (base backup + every archived WAL segment), the mesh
   started again on the restored database with the replica site as its object store.
4. Check: every segment indexed before the backup point is in the timeline, the newer ones
   the WAL archive brought back too, each restored segment's bytes on the replica (playback
   through the recorder); ``tncam audit verify`` passes; the connection report equals the one
   before; one byte changed in an audit row is caught by ``tncam audit verify``.
   Prints RPO (index and footage) and RTO, measured.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from tncam_testkit.drill_site import (
    MESH,
    Drill,
    DrillError,
    DrillResult,
    differences,
    playback,
)
from tncam_testkit.services import REPO_ROOT

_STARTED = time.monotonic()


def _step(text: str) -> None:
    print(f"==> [{time.monotonic() - _STARTED:5.1f} s] {text}", flush=True)


# long: the drill's script, one step after the other as docs/operations/backup.md tells them
def run(
    workdir: Path, *, cameras: int, record_s: float, after_s: float, archive_timeout_s: int
) -> DrillResult:
    drill = Drill(workdir, cameras=cameras, archive_timeout_s=archive_timeout_s)
    os.environ.setdefault("TNCAM_INGEST_SEGMENT_TARGET_S", "2")
    try:
        _step("starting two replicated S3 sites, the backup S3, NATS, PostgreSQL, cameras")
        drill.start()
        began = dt.datetime.now(dt.UTC)
        _step("starting the mesh on the primary site and importing the fleet")
        drill.start_mesh("before", restored=False, names=MESH)
        drill.wait_recording(cameras, timeout=120)
        _step(f"recording for {record_s:.0f} s")
        time.sleep(record_s)
        before = drill.segments()
        _step(f"full backup (pgbackrest), {len(before)} segments indexed")
        t = time.monotonic()
        drill.pg.backrest.run("backup", "--type=full")
        backup_s = time.monotonic() - t
        _step(f"recording {after_s:.0f} s more, then the disaster")
        time.sleep(after_s)
        report_before = drill.report()
        last = drill.segments()
        disaster = time.time()
        drill.pg.destroy_data()
        drill.sites.primary.crash()
        shutil.rmtree(drill.sites.primary.workdir / "data")
        assert drill.stack is not None
        drill.stack.crash()
        _step("restoring PostgreSQL (base backup + WAL archive), the mesh on the replica site")
        drill.pg.restore_latest()
        _step("PostgreSQL restored; starting the mesh")
        # The registry alone first: its report from the restored state, before ingest's new
        # sessions add connection events of their own.
        drill.start_mesh("after", restored=True, names=("registry",))
        report_after = drill.report()
        restored = drill.segments()  # before the restored mesh records anything new
        drill.stack.start_services(MESH[1:])
        plays = {
            cam: asyncio.run(playback(drill.env, cam, began))
            for cam in sorted({r[1] for r in before.values()})
        }
        rto_s = time.time() - disaster
        _step("restored mesh plays back; checking")
        if report_after != report_before:
            changed = differences(report_before, report_after)
            raise DrillError(f"the connection report changed: {changed[:10]}")
        return _check(
            drill,
            before,
            last,
            restored,
            plays,
            disaster,
            rto_s=rto_s,
            backup_s=backup_s,
            cameras=cameras,
        )
    finally:
        drill.stop()


def _check(
    drill: Drill,
    before: dict[str, list[str]],
    last: dict[str, list[str]],
    restored: dict[str, list[str]],
    plays: dict[str, tuple[float, str, str]],
    disaster: float,
    *,
    rto_s: float,
    backup_s: float,
    cameras: int,
) -> DrillResult:
    missing = sorted(set(before) - set(restored))
    if missing:
        raise DrillError(
            f"{len(missing)} segment(s) indexed before the backup were lost: {missing[:5]}"
        )
    for cam, (seconds, segment_id, sha) in plays.items():
        if seconds <= 0:
            raise DrillError(f"{cam}: nothing in the timeline after the restore")
        if restored[segment_id][4] != sha:
            raise DrillError(f"{cam}: segment {segment_id} played back with other bytes")
    rows = list(restored.values())
    on_replica = drill.on_replica(rows)
    if len(on_replica) != len(rows):
        raise DrillError(f"{len(rows) - len(on_replica)} restored segment(s) not on the replica")
    replicated = drill.on_replica(list(last.values()))
    audit_ok = drill.tncam("audit", "verify", check=False).returncode == 0
    if not audit_ok:
        raise DrillError("tncam audit verify failed on the restored database")
    after = set(last) - set(before)
    newest_index = max(float(r[5]) for r in rows)
    newest_footage = max(float(last[i][5]) for i in replicated)
    result = DrillResult(
        segments_before_backup=len(before),
        restored_before_backup=len(set(before) & set(restored)),
        segments_after_backup=len(after),
        restored_after_backup=len(after & set(restored)),
        on_replica=len(replicated),
        rpo_index_s=round(disaster - newest_index, 1),
        rpo_footage_s=round(disaster - newest_footage, 1),
        audit_entries_ok=audit_ok,
        report_equal=True,
        tamper_caught=_tamper_caught(drill),
        rto_s=round(rto_s, 1),
        backup_s=round(backup_s, 1),
        cameras=cameras,
    )
    if not result.tamper_caught:
        raise DrillError("one byte changed in an audit row was not caught by audit verify")
    return result


def _tamper_caught(drill: Drill) -> bool:
    """Change one byte of one audit row (triggers off, as a forged backup would) and verify."""
    drill.sql(
        "SET session_replication_role = replica;"
        " UPDATE audit.log_entries SET canonical = set_byte(canonical, 10,"
        " get_byte(canonical, 10) # 1) WHERE seq = (SELECT max(seq) / 2 + 1 FROM audit.log_entries)"
    )
    bad = drill.tncam("audit", "verify", "--no-object-store", check=False)
    return bad.returncode == 1 and "TAMPERED" in bad.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make restore-drill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cameras", type=int, default=3)
    parser.add_argument("--record-s", type=float, default=60.0)
    parser.add_argument("--after-s", type=float, default=20.0)
    parser.add_argument("--archive-timeout-s", type=int, default=60)
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / "var" / "restore-drill")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    try:
        result = run(
            args.workdir,
            cameras=args.cameras,
            record_s=args.record_s,
            after_s=args.after_s,
            archive_timeout_s=args.archive_timeout_s,
        )
    except DrillError as e:
        print(f"\nrestore drill FAILED: {e}", file=sys.stderr)
        return 1
    print(f"\nrestore drill passed in {time.monotonic() - _STARTED:.0f} s")
    for key, value in asdict(result).items():
        print(f"  {key:<24} {value}")
    print(
        f"  RPO index/audit {result.rpo_index_s} s (target ≤ 300 s), footage "
        f"{result.rpo_footage_s} s (target ≤ one segment); RTO {result.rto_s} s (target ≤ 3600 s)"
    )
    if args.json:
        args.json.write_text(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
