"""The log in PostgreSQL: append-only for the service role, tampering by a superuser detected."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import asyncpg
import pytest

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.common.v1 import actor_pb2
from tncam_audit.db import pg
from tncam_audit.domain.note import CheckpointBody, Signer, sign_checkpoint
from tncam_audit.domain.verify import Kind
from tncam_audit.service.appender import Appender, CheckpointPolicy
from tncam_audit.service.verification import verify_log
from tncam_audit.settings import AuditSettings

pytestmark = pytest.mark.integration

MakeSettings = Callable[..., AuditSettings]


def event(i: int) -> pb.AuditEvent:
    e = pb.AuditEvent(
        event_id=str(uuid.uuid4()),
        actor=actor_pb2.Actor(id=f"u{i % 3}", unit_id="xa-a", role=actor_pb2.ROLE_UNIT_OPERATOR),
        action="footage.live.viewed",
        purpose_code=pb.PURPOSE_CODE_PUBLIC_ORDER,
        data_categories=[pb.DATA_CATEGORY_IMAGE],
        outcome=pb.OUTCOME_SUCCESS,
        source_service="gateway",
    )
    e.target.cameras.camera_ids.append(f"CAM-{i % 4}")
    e.occurred_at.GetCurrentTime()
    return e


async def fill(settings: AuditSettings, n: int, per_batch: int = 10) -> None:
    conn = await pg.connect(settings, purpose="test")
    try:
        appender = Appender(conn, settings.signer(), CheckpointPolicy(per_batch, 3600))
        await appender.start()
        for start in range(0, n, per_batch):
            await appender.append([event(i) for i in range(start, min(n, start + per_batch))])
    finally:
        await conn.close()


async def verify(settings: AuditSettings) -> object:
    conn = await pg.connect(settings, purpose="verify")
    try:
        return await verify_log(conn, settings.verifiers(), settings.log_origin)
    finally:
        await conn.close()


async def test_the_service_role_cannot_change_history(audit_db, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    await fill(settings, 20)
    conn = await audit_db.service()
    try:
        for sql in (
            "UPDATE log_entries SET action = 'x' WHERE seq = 3",
            "DELETE FROM log_entries WHERE seq = 3",
            "TRUNCATE log_entries",
            "UPDATE checkpoints SET note = '' WHERE tree_size = 10",
            "DELETE FROM checkpoints",
            "DELETE FROM breach_notices",
            "DELETE FROM breaches",
            "DELETE FROM processing_log",
            "UPDATE extraction_log SET action = 'x'",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
        # What it may do: read and append.
        assert await conn.fetchval("SELECT count(*) FROM log_entries") == 20
        assert await conn.fetchval("SELECT count(*) FROM processing_log") == 20
    finally:
        await conn.close()
    result = await verify(settings)
    assert result.ok, result.problems
    assert result.tree_size == 20
    assert result.latest_checkpoint_size == 20


async def test_triggers_refuse_even_the_superuser_until_disabled(audit_db, make_settings) -> None:  # type: ignore[no-untyped-def]
    await fill(make_settings(), 10)
    admin = await audit_db.admin()
    try:
        for sql in (
            "UPDATE log_entries SET action = 'x'",
            "DELETE FROM log_entries",
            "TRUNCATE log_entries",
            "TRUNCATE checkpoints CASCADE",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await admin.execute(sql)
    finally:
        await admin.close()


async def _as_superuser(audit_db, sql: str, *args: object) -> None:  # type: ignore[no-untyped-def]
    admin = await audit_db.admin()
    try:
        await admin.execute("SET session_replication_role = replica")  # triggers off
        await admin.execute(sql, *args)
    finally:
        await admin.close()


@pytest.mark.parametrize(
    ("tamper", "first_bad", "kind"),
    [
        (
            "UPDATE log_entries SET canonical = overlay(canonical placing "
            "set_byte(substring(canonical from 20 for 1), 0, "
            "get_byte(substring(canonical from 20 for 1), 0) # 1) from 20 for 1) WHERE seq = 17",
            17,
            Kind.LEAF_HASH,
        ),
        ("DELETE FROM log_entries WHERE seq = 23", 23, Kind.GAP),
        ("DELETE FROM log_entries WHERE seq > 31", 32, Kind.TRUNCATED),
        ("TRUNCATE log_entries", 1, Kind.TRUNCATED),
        (
            "UPDATE log_entries AS a SET canonical = b.canonical, leaf_hash = b.leaf_hash, "
            "chain_hash = b.chain_hash, event_id = b.event_id || '-' FROM log_entries b "
            "WHERE a.seq = 12 AND b.seq = 14",
            12,
            Kind.ENTRY,
        ),
        ("UPDATE log_entries SET actor_id = 'nobody' WHERE seq = 5", 5, Kind.COLUMN),
    ],
)
async def test_superuser_tampering_is_detected_at_the_right_sequence(  # type: ignore[no-untyped-def]
    audit_db, make_settings, tamper: str, first_bad: int, kind: Kind
) -> None:
    settings = make_settings()
    await fill(settings, 40)
    await _as_superuser(audit_db, tamper)
    result = await verify(settings)
    assert not result.ok
    assert result.first_bad_sequence == first_bad, result.problems
    assert kind in {p.kind for p in result.problems}


async def test_a_rewrite_with_rehashed_rows_and_resigned_checkpoints_is_detected(  # type: ignore[no-untyped-def]
    audit_db, make_settings
) -> None:
    """The superuser recomputes every hash and replaces every checkpoint, signing with a key
    of their own: the replaced checkpoints do not verify, and without them the rewritten
    tail is still caught by a checkpoint held elsewhere (here: one kept by a client)."""
    settings = make_settings()
    await fill(settings, 30)
    admin = await audit_db.admin()
    try:
        held = await admin.fetchval("SELECT note FROM checkpoints WHERE tree_size = 20")
        rows = await admin.fetch("SELECT seq, canonical FROM log_entries ORDER BY seq")
    finally:
        await admin.close()
    # Rebuild from entry 15 on with a changed actor, the way an attacker would.
    from tncam.audit.v1 import log_entry_pb2
    from tncam_audit.domain.entries import CHAIN_START, Head, make_row
    from tncam_audit.domain.merkle import CompactTree

    head = Head(CompactTree(), CHAIN_START)
    updates = []
    for r in rows:
        entry = log_entry_pb2.LogEntry.FromString(r["canonical"])
        if r["seq"] == 15:
            entry.event.actor.id = "nobody"
        row = make_row(head, entry.event, entry.appended_at.ToDatetime(tzinfo=dt.UTC))
        updates.append(row)
    mallory = Signer.generate(settings.log_origin)
    forged = sign_checkpoint(
        mallory,
        CheckpointBody(settings.log_origin, 30, head.tree.root(), dt.datetime.now(dt.UTC)),
    )
    admin = await audit_db.admin()
    try:
        await admin.execute("SET session_replication_role = replica")
        for row in updates[14:]:
            await admin.execute(
                "UPDATE log_entries SET canonical = $2, leaf_hash = $3, chain_hash = $4, "
                "actor_id = $5 WHERE seq = $1",
                row.seq,
                row.canonical,
                row.leaf_hash,
                row.chain_hash,
                row.columns[3],
            )
        await admin.execute("DELETE FROM checkpoint_anchors")
        await admin.execute("DELETE FROM checkpoints")
        await admin.execute(
            "INSERT INTO checkpoints VALUES (30, $1, now(), $2)", head.tree.root(), forged
        )
    finally:
        await admin.close()
    result = await verify(settings)
    assert not result.ok
    assert {p.kind for p in result.problems} >= {Kind.BAD_SIGNATURE}
    # With the checkpoint a client held before the rewrite, the rewrite is pinned down.
    from tncam_audit.domain.verify import SignedCheckpoint

    conn = await pg.connect(settings, purpose="verify")
    try:
        result = await verify_log(
            conn,
            settings.verifiers(),
            settings.log_origin,
            extra_checkpoints=[SignedCheckpoint(held, "held by a client")],
        )
    finally:
        await conn.close()
    assert result.first_bad_sequence == 1  # no earlier trusted checkpoint: all of 1-20 suspect
    assert Kind.ROOT_MISMATCH in {p.kind for p in result.problems}


async def test_the_service_role_cannot_append_a_forged_sequence(audit_db, make_settings) -> None:  # type: ignore[no-untyped-def]
    """Only rows that extend the log are accepted: the next sequence number, a leaf hash of
    the canonical bytes and a chain hash linked to the entry before."""
    from tncam_audit.db.log_store import read_head
    from tncam_audit.domain.entries import ROW_COLUMNS, make_row

    settings = make_settings()
    await fill(settings, 20)
    conn = await audit_db.service()
    try:
        head = await read_head(conn)
        now = dt.datetime.now(dt.UTC)
        good = make_row(head.copy(), event(100), now)
        placeholders = ", ".join(f"${i}" for i in range(1, len(ROW_COLUMNS) + 1))
        columns = ", ".join(ROW_COLUMNS)  # constants, no input
        insert = f"INSERT INTO log_entries ({columns}) VALUES ({placeholders})"  # noqa: S608
        record = list(good.record())
        forged = {
            "far ahead": [1000, *record[1:]],
            "a gap": [22, *record[1:]],
            "chain not linked": [*record[:-1], bytes(32)],
            "leaf not of the bytes": [*record[:-2], bytes(32), record[-1]],
        }
        for name, values in forged.items():
            with pytest.raises(asyncpg.CheckViolationError, match="tncam audit"):
                await conn.execute(insert, *values)
            assert await conn.fetchval("SELECT max(seq) FROM log_entries") == 20, name
        with pytest.raises(asyncpg.CheckViolationError):  # two rows with a hole between
            await conn.copy_records_to_table(
                "log_entries",
                records=[good.record(), (23, "another-event", *record[2:])],
                columns=list(ROW_COLUMNS),
            )
        await conn.execute(insert, *record)  # the sequencer's row is accepted
        assert await conn.fetchval("SELECT max(seq) FROM log_entries") == 21
    finally:
        await conn.close()
