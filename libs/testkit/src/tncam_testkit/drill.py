"""``make restore-drill``: lose the primary PostgreSQL and the primary bucket, restore, check.

1. Start two MinIO sites joined by site replication (ADR 0026), a backup S3 (TLS) holding the
   pgBackRest repository, NATS, PostgreSQL archiving its WAL there, a camera fleet, and the
   whole mesh (``make run``'s ``Stack``) on the primary site; import the fleet and record.
2. Take a full backup (``pgbackrest backup``); keep recording; wait until what the index
   holds is on the replica site; then the disaster: the PostgreSQL data directory is emptied
   (its processes killed) and the primary MinIO's drive wiped.
3. Restore: ``pgbackrest restore`` (base backup + every archived WAL segment), registry, audit
   and recorder started on the restored database with the replica site as their object store,
   ``tncam recorder reindex`` for the segments stored after the last archived WAL, then ingest.
4. Check: every segment stored before the disaster is in the index and the timeline (those
   indexed before the backup point from the WAL archive alone), each restored segment's bytes
   on the replica (playback through the recorder); ``tncam audit verify`` passes; the
   connection report equals the one before; one byte changed in an audit row is caught by
   ``tncam audit verify``. Prints RPO (index before and after the reindex, footage) and RTO.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
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
    workdir: Path,
    *,
    cameras: int,
    record_s: float,
    after_s: float,
    archive_timeout_s: int,
    fsync: bool = True,
) -> DrillResult:
    drill = Drill(workdir, cameras=cameras, archive_timeout_s=archive_timeout_s, fsync=fsync)
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
        # Footage RPO is the replication lag (≤ one segment); the disaster strikes once what
        # the index holds is on site B, so that every segment of ``last`` must come back.
        drill.wait_replicated(list(last.values()), timeout=15)
        disaster = time.time()
        drill.pg.destroy_data()
        drill.sites.primary.crash()
        shutil.rmtree(drill.sites.primary.workdir / "data")
        assert drill.stack is not None
        drill.stack.crash()
        _step("restoring PostgreSQL (base backup + WAL archive), the mesh on the replica site")
        drill.pg.restore_latest()
        # Before the recorder starts: it goes on with the hand-offs still in NATS (ingest
        # recorded until it was killed), which are not the WAL archive's doing.
        from_wal = drill.segments()
        _step(
            f"PostgreSQL restored ({len(from_wal)} segments from the WAL archive); "
            "starting registry, audit and recorder"
        )
        # Not ingest yet: the report comes from the restored state, before ingest's new
        # sessions add connection events of their own.
        drill.start_mesh("after", restored=True, names=("registry", "audit", "recorder"))
        report_after = drill.report()
        _step("tncam recorder reindex")
        reindex = drill.tncam("recorder", "reindex", "--since", began.isoformat(), "--json")
        reindexed = int(json.loads(reindex.stdout.strip().splitlines()[-1])["added"])
        restored = drill.segments()  # before the restored mesh records anything new
        with ThreadPoolExecutor(max_workers=1) as pool:
            ingest = pool.submit(drill.stack.start_services, ("ingest",))
            plays = {
                cam: asyncio.run(playback(drill.env, cam, began))
                for cam in sorted({r[1] for r in last.values()})
            }
            rto_s = time.time() - disaster
            _step("restored mesh plays back; checking")
            ingest.result()
        if report_after != report_before:
            changed = differences(report_before, report_after)
            raise DrillError(f"the connection report changed: {changed[:10]}")
        return _check(
            drill,
            Segments(before, last, from_wal, restored),
            plays,
            disaster,
            reindexed=reindexed,
            rto_s=rto_s,
            backup_s=backup_s,
        )
    finally:
        drill.stop()


@dataclass
class Segments:
    """The index at each point: backup, disaster, WAL restore, reindex (id -> row)."""

    before: dict[str, list[str]]
    last: dict[str, list[str]]
    from_wal: dict[str, list[str]]
    restored: dict[str, list[str]]


def _check(
    drill: Drill,
    seg: Segments,
    plays: dict[str, tuple[float, str, str]],
    disaster: float,
    *,
    reindexed: int,
    rto_s: float,
    backup_s: float,
) -> DrillResult:
    before, last, restored = seg.before, seg.last, seg.restored
    lost = sorted(set(before) - set(seg.from_wal))
    if lost:
        raise DrillError(f"{len(lost)} segment(s) indexed before the backup were lost: {lost[:5]}")
    missing = sorted(set(last) - set(restored))
    if missing:
        raise DrillError(
            f"{len(missing)} segment(s) stored before the disaster not in the index after "
            f"the reindex: {missing[:5]}"
        )
    _check_playback(last, restored, plays)
    rows = list(restored.values())
    on_replica = drill.on_replica(rows)
    if len(on_replica) != len(rows):
        raise DrillError(f"{len(rows) - len(on_replica)} restored segment(s) not on the replica")
    replicated = drill.on_replica(list(last.values()))
    audit_ok = drill.tncam("audit", "verify", check=False).returncode == 0
    if not audit_ok:
        raise DrillError("tncam audit verify failed on the restored database")
    after = set(last) - set(before)
    newest_footage = max(float(last[i][5]) for i in replicated)
    result = DrillResult(
        segments_before_backup=len(before),
        restored_before_backup=len(set(before) & set(seg.from_wal)),
        segments_after_backup=len(after),
        restored_after_backup=len(after & set(seg.from_wal)),
        reindexed=reindexed,
        missing_after_reindex=len(missing),
        on_replica=len(replicated),
        rpo_index_wal_s=round(disaster - max(float(r[5]) for r in seg.from_wal.values()), 1),
        rpo_index_s=round(max(0.0, newest_footage - max(float(r[5]) for r in rows)), 1),
        rpo_footage_s=round(disaster - newest_footage, 1),
        audit_entries_ok=audit_ok,
        report_equal=True,
        tamper_caught=_tamper_caught(drill),
        rto_s=round(rto_s, 1),
        backup_s=round(backup_s, 1),
        cameras=len(plays),
    )
    if not result.tamper_caught:
        raise DrillError("one byte changed in an audit row was not caught by audit verify")
    return result


def _check_playback(
    last: dict[str, list[str]],
    restored: dict[str, list[str]],
    plays: dict[str, tuple[float, str, str]],
) -> None:
    """Each camera's timeline covers its footage from before the disaster, and a segment of
    it plays back with the bytes the index names."""
    for cam, (seconds, segment_id, sha) in plays.items():
        recorded = sum(float(r[5]) - float(r[6]) for r in last.values() if r[1] == cam)
        if seconds < recorded - 0.5:
            raise DrillError(
                f"{cam}: the timeline has {seconds:.1f} s, {recorded:.1f} s were recorded"
            )
        if restored[segment_id][4] != sha:
            raise DrillError(f"{cam}: segment {segment_id} played back with other bytes")


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
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="PostgreSQL without fsync (the test's drill: its disaster is a SIGKILL and a wiped "
        "directory, which fsync does not change; the default keeps it, as production does)",
    )
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
            fsync=not args.no_fsync,
        )
    except DrillError as e:
        print(f"\nrestore drill FAILED: {e}", file=sys.stderr)
        return 1
    print(f"\nrestore drill passed in {time.monotonic() - _STARTED:.0f} s")
    for key, value in asdict(result).items():
        print(f"  {key:<24} {value}")
    print(
        f"  RPO index/audit {result.rpo_index_s} s after the reindex "
        f"({result.rpo_index_wal_s} s from the WAL archive alone; target ≤ 300 s), footage "
        f"{result.rpo_footage_s} s (target ≤ one segment); RTO {result.rto_s} s (target ≤ 3600 s)"
    )
    if args.json:
        args.json.write_text(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
