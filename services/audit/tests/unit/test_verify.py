"""Tampering of every kind is detected at the right sequence number (property tests).

The log is built in memory with the production row builder; an independent model recomputes
the chain; the tampering is applied to the stored rows the way a database superuser would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import log_entry_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.domain.entries import (
    CHAIN_START,
    Head,
    Row,
    chain_hash,
    columns_of,
    make_row,
    new_events,
)
from tncam_audit.domain.merkle import CompactTree, consistency_proof, leaf_hash, root_of
from tncam_audit.domain.note import (
    CheckpointBody,
    NoteError,
    Signer,
    open_checkpoint,
    sign_checkpoint,
)
from tncam_audit.domain.verify import (
    Kind,
    LogVerifier,
    SignedCheckpoint,
    StoredRow,
    check_newer_checkpoint,
)

ORIGIN = "tncam.test/audit"
SIGNER = Signer.generate(ORIGIN)
T0 = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)


def event(i: int) -> pb.AuditEvent:
    e = pb.AuditEvent(
        event_id=f"00000000-0000-4000-8000-{i:012d}",
        actor=actor_pb2.Actor(id=f"u{i % 5}", unit_id=f"unit{i % 3}", role=2),
        action="footage.playback.viewed" if i % 2 else "account.login.succeeded",
        purpose_code=pb.PURPOSE_CODE_PUBLIC_ORDER,
        data_categories=[pb.DATA_CATEGORY_IMAGE],
        outcome=pb.OUTCOME_SUCCESS,
        source_service="gateway",
    )
    e.target.cameras.camera_ids.append(f"CAM-{i % 7}")
    e.occurred_at.FromDatetime(T0 + dt.timedelta(seconds=i))
    return e


def build(n: int, every: int, signer: Signer = SIGNER) -> tuple[list[StoredRow], list[str]]:
    """n rows, a checkpoint every ``every`` entries and one at the end."""
    head = Head(CompactTree())
    rows: list[StoredRow] = []
    notes: list[str] = []
    for i in range(1, n + 1):
        r = make_row(head, event(i), T0 + dt.timedelta(seconds=i, microseconds=7))
        rows.append(stored(r))
        if i % every == 0 or i == n:
            body = CheckpointBody(ORIGIN, i, head.tree.root(), T0 + dt.timedelta(seconds=i))
            notes.append(sign_checkpoint(signer, body))
    return rows, notes


def stored(r: Row) -> StoredRow:
    return StoredRow(r.seq, r.columns, r.canonical, r.leaf_hash, r.chain_hash)


def verify(rows: list[StoredRow], notes: list[str], **kw: object) -> object:
    v = LogVerifier([SignedCheckpoint(n, "test") for n in notes], [SIGNER.verifier], ORIGIN)
    v.feed_many(rows)
    return v.finish()


def flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


sizes = st.integers(min_value=2, max_value=40)
every = st.integers(min_value=1, max_value=10)


@given(sizes, every)
@settings(max_examples=40, deadline=None)
def test_an_untouched_log_verifies_and_matches_an_independent_model(n: int, k: int) -> None:
    rows, notes = build(n, k)
    result = verify(rows, notes)
    assert result.ok, result.problems
    assert result.tree_size == n
    # Independent model: the chain and the tree recomputed from the canonical bytes alone.
    chain = CHAIN_START
    leaves = []
    for r in rows:
        leaves.append(hashlib.sha256(b"\x00" + r.canonical).digest())
        chain = hashlib.sha256(chain + leaves[-1]).digest()
        assert r.chain_hash == chain
        assert log_entry_pb2.LogEntry.FromString(r.canonical).sequence == r.seq
    assert result.root == root_of(leaves)
    assert result.latest_checkpoint_size == n


@given(sizes, every, st.data())
@settings(max_examples=80, deadline=None)
def test_every_single_bit_flip_is_found_at_its_sequence(
    n: int, k: int, data: st.DataObject
) -> None:
    rows, notes = build(n, k)
    seq = data.draw(st.integers(1, n))
    field = data.draw(st.sampled_from(["canonical", "leaf_hash", "chain_hash"]))
    r = rows[seq - 1]
    value = getattr(r, field)
    bit = data.draw(st.integers(0, len(value) * 8 - 1))
    rows[seq - 1] = dataclasses.replace(r, **{field: flip(value, bit)})
    result = verify(rows, notes)
    assert not result.ok
    assert result.first_bad_sequence == seq, (field, result.problems)


@given(sizes, every, st.data())
@settings(max_examples=60, deadline=None)
def test_a_swapped_pair_is_found_at_the_first_of_them(n: int, k: int, data: st.DataObject) -> None:
    rows, notes = build(n, k)
    i = data.draw(st.integers(1, n - 1))
    j = data.draw(st.integers(i + 1, n))
    a, b = rows[i - 1], rows[j - 1]
    # Whole rows move (content, columns and hashes); only the sequence numbers stay put.
    rows[i - 1] = dataclasses.replace(b, seq=i)
    rows[j - 1] = dataclasses.replace(a, seq=j)
    result = verify(rows, notes)
    assert result.first_bad_sequence == i, result.problems


@given(sizes, every, st.data())
@settings(max_examples=60, deadline=None)
def test_a_deleted_row_is_found_at_its_sequence(n: int, k: int, data: st.DataObject) -> None:
    rows, notes = build(n, k)
    seq = data.draw(st.integers(1, n))
    del rows[seq - 1]
    result = verify(rows, notes)
    assert result.first_bad_sequence == seq, result.problems
    kinds = {p.kind for p in result.problems}
    assert kinds & {Kind.GAP, Kind.TRUNCATED}


@given(sizes, every, st.data())
@settings(max_examples=60, deadline=None)
def test_a_truncated_tail_is_found_after_the_last_row_kept(
    n: int, k: int, data: st.DataObject
) -> None:
    rows, notes = build(n, k)
    keep = data.draw(st.integers(0, n - 1))
    result = verify(rows[:keep], notes)
    assert result.first_bad_sequence == keep + 1
    assert any(p.kind == Kind.TRUNCATED for p in result.problems)


@given(sizes, every, st.data())
@settings(max_examples=60, deadline=None)
def test_a_changed_index_column_is_found(n: int, k: int, data: st.DataObject) -> None:
    rows, notes = build(n, k)
    seq = data.draw(st.integers(1, n))
    r = rows[seq - 1]
    columns = list(r.columns)
    columns[3] = "someone-else"  # actor_id: the row would vanish from a query by actor
    rows[seq - 1] = dataclasses.replace(r, columns=tuple(columns))  # type: ignore[arg-type]
    result = verify(rows, notes)
    assert result.first_bad_sequence == seq
    assert [p.kind for p in result.problems] == [Kind.COLUMN]


@given(sizes, every, st.data())
@settings(max_examples=60, deadline=None)
def test_a_consistent_rewrite_is_pinned_to_the_checkpoint_interval(
    n: int, k: int, data: st.DataObject
) -> None:
    """A superuser rewrites an entry and recomputes every hash after it, and re-signs the
    database checkpoints with a key of their own: the trusted checkpoints still catch it."""
    rows, notes = build(n, k)
    seq = data.draw(st.integers(1, n))
    head = Head(CompactTree(), CHAIN_START)
    for r in rows[: seq - 1]:
        head.tree.append_hash(r.leaf_hash)
        head.chain = r.chain_hash
    forged_rows = rows[: seq - 1]
    for i in range(seq, n + 1):
        e = event(i)
        if i == seq:
            e.actor.id = "nobody"
        forged_rows.append(stored(make_row(head, e, T0 + dt.timedelta(seconds=i, microseconds=7))))
    mallory = Signer.generate(ORIGIN)
    forged_note = sign_checkpoint(mallory, CheckpointBody(ORIGIN, n, head.tree.root(), T0))
    result = verify(forged_rows, [*notes, forged_note])
    checkpoint_sizes = sorted({*range(k, n + 1, k), n})
    before = max((s for s in checkpoint_sizes if s < seq), default=0)
    assert result.first_bad_sequence == before + 1
    kinds = [p.kind for p in result.problems]
    assert Kind.ROOT_MISMATCH in kinds
    assert Kind.BAD_SIGNATURE in kinds  # the re-signed checkpoint is not trusted


def test_a_fork_between_two_signed_checkpoints_is_reported() -> None:
    rows, notes = build(6, 3)
    other = sign_checkpoint(SIGNER, CheckpointBody(ORIGIN, 6, leaf_hash(b"fork"), T0))
    result = verify(rows, [*notes, other])
    assert any(p.kind == Kind.BAD_CHECKPOINT for p in result.problems)


@given(st.integers(2, 40), st.data())
@settings(max_examples=60, deadline=None)
def test_a_client_refuses_newer_checkpoints_that_are_forged_or_inconsistent(
    n: int, data: st.DataObject
) -> None:
    rows, _ = build(n, n)
    leaves = [r.leaf_hash for r in rows]
    m = data.draw(st.integers(1, n - 1))
    held = CheckpointBody(ORIGIN, m, root_of(leaves[:m]), T0)
    good = sign_checkpoint(SIGNER, CheckpointBody(ORIGIN, n, root_of(leaves), T0))
    proof = consistency_proof(leaves, m)
    assert check_newer_checkpoint(held, good, proof, [SIGNER.verifier]).size == n
    # Wrong key.
    mallory = Signer.generate(ORIGIN)
    forged = sign_checkpoint(mallory, CheckpointBody(ORIGIN, n, root_of(leaves), T0))
    with pytest.raises(NoteError):
        check_newer_checkpoint(held, forged, proof, [SIGNER.verifier])
    # Properly signed, but the history before m was rewritten: not consistent with held.
    rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
    split = sign_checkpoint(SIGNER, CheckpointBody(ORIGIN, n, root_of(rewritten), T0))
    for p in (consistency_proof(rewritten, m), proof):
        with pytest.raises(NoteError, match="not consistent"):
            check_newer_checkpoint(held, split, p, [SIGNER.verifier])
    # Smaller than what the client holds.
    older = sign_checkpoint(SIGNER, CheckpointBody(ORIGIN, m - 1 or 1, root_of(leaves[:1]), T0))
    if m > 1:
        with pytest.raises(NoteError, match="smaller"):
            check_newer_checkpoint(held, older, [], [SIGNER.verifier])
    assert open_checkpoint(good, [SIGNER.verifier]).size == n


def test_duplicates_are_dropped_first_one_wins() -> None:
    a, b = event(1), event(2)
    again = event(1)
    again.action = "changed"
    assert [e.action for e in new_events([a, b, again], set())] == [a.action, b.action]
    assert new_events([a, b], {a.event_id}) == [b]


def test_columns_come_from_the_entry() -> None:
    head = Head(CompactTree())
    e = event(3)
    e.target_unit_ids.extend(["unit-x", "unit-x"])
    r = make_row(head, e, T0)
    entry = log_entry_pb2.LogEntry.FromString(r.canonical)
    assert columns_of(entry) == r.columns
    assert r.columns[0] == e.event_id
    assert r.columns[11] == ["CAM-3"]
    assert r.columns[12] == ["unit-x"]
    assert r.columns[13] == ["image"]
    assert r.chain_hash == chain_hash(CHAIN_START, r.leaf_hash)
