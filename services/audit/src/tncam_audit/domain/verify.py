"""Verification of a stored log against its own hashes and its signed checkpoints.

:class:`LogVerifier` is fed the stored rows in sequence order (it holds O(log n) state, so a
log of any length streams through it) and reports every problem with the first sequence
number it affects:

* a missing sequence number (deleted row) -> ``gap`` at that number;
* canonical bytes whose leaf hash differs from the stored one (a flipped bit) -> ``leaf_hash``;
* canonical bytes that do not decode or name another sequence (a swapped pair) -> ``entry``;
* a chain hash that does not cover the previous one -> ``chain``;
* an index column that says something else than the canonical bytes -> ``column``;
* a recomputed tree root that differs from a trusted checkpoint at that size (rows rewritten
  with every hash recomputed) -> ``root_mismatch`` at the first entry after the last
  checkpoint that still matched, since everything up to there is proven intact;
* fewer rows than a trusted checkpoint covers (a truncated tail) -> ``truncated``;
* checkpoints that are forged (unknown key, bad signature) or malformed, or two that disagree
  on the same size -> ``bad_signature`` / ``bad_checkpoint`` (they are then not trusted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from google.protobuf.message import DecodeError

from tncam.audit.v1 import log_entry_pb2
from tncam_audit.domain.entries import CHAIN_START, Columns, chain_hash, columns_of
from tncam_audit.domain.merkle import EMPTY_ROOT, CompactTree, leaf_hash, verify_consistency
from tncam_audit.domain.note import CheckpointBody, NoteError, Verifier, open_checkpoint

MAX_PROBLEMS = 100


class Kind(StrEnum):
    """What is wrong (the names of ``tncam.audit.v1.ProblemKind`` without prefix)."""

    GAP = "gap"
    LEAF_HASH = "leaf_hash"
    ENTRY = "entry"
    CHAIN = "chain"
    COLUMN = "column"
    ROOT_MISMATCH = "root_mismatch"
    TRUNCATED = "truncated"
    BAD_SIGNATURE = "bad_signature"
    BAD_CHECKPOINT = "bad_checkpoint"
    ANCHOR = "anchor"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding; ``sequence`` 0 when it concerns no entry."""

    sequence: int
    kind: Kind
    detail: str


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A row as read back: its sequence, columns and the three stored byte strings."""

    seq: int
    columns: Columns
    canonical: bytes
    leaf_hash: bytes
    chain_hash: bytes


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A signed checkpoint as found somewhere (``source``: database, object store, a file)."""

    note: str
    source: str


@dataclass
class Result:
    """Outcome of a verification."""

    tree_size: int
    root: bytes
    problems: list[Problem]
    first_bad_sequence: int
    checkpoints_checked: int
    latest_checkpoint_size: int
    latest_checkpoint_time: dt.datetime | None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


@dataclass
class _Checkpoints:
    by_size: dict[int, CheckpointBody] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def trusted_checkpoints(
    checkpoints: Iterable[SignedCheckpoint], verifiers: Sequence[Verifier], origin: str
) -> tuple[dict[int, CheckpointBody], list[Problem]]:
    """The checkpoints that verify, by size, and the problems with the others."""
    found = _Checkpoints()
    for cp in checkpoints:
        try:
            body = open_checkpoint(cp.note, list(verifiers))
        except NoteError as e:
            found.problems.append(Problem(0, Kind.BAD_SIGNATURE, f"{cp.source}: {e}"))
            continue
        if body.origin != origin:
            found.problems.append(
                Problem(0, Kind.BAD_CHECKPOINT, f"{cp.source}: origin {body.origin!r}")
            )
            continue
        have = found.by_size.get(body.size)
        if have is not None and have.root != body.root:
            # A fork: at most one of them can match the entries, which the root check decides
            # for the one kept (the earliest signed).
            found.problems.append(
                Problem(
                    0,
                    Kind.BAD_CHECKPOINT,
                    f"{cp.source}: two signed checkpoints of size {body.size} disagree (fork)",
                )
            )
            if have.time <= body.time:
                continue
        if have is None or body.time < have.time:
            found.by_size[body.size] = body
    return found.by_size, found.problems


class LogVerifier:
    """Streams stored rows through every check; see the module docstring."""

    def __init__(
        self,
        checkpoints: Iterable[SignedCheckpoint],
        verifiers: Sequence[Verifier],
        origin: str,
        *,
        check_columns: bool = True,
        max_problems: int = MAX_PROBLEMS,
    ) -> None:
        self._by_size, problems = trusted_checkpoints(checkpoints, verifiers, origin)
        self._targets = sorted(s for s in self._by_size if s > 0)
        self._next_target = 0
        self._verified_size = 0  # largest checkpoint size whose root matched
        self._tree = CompactTree()
        self._expected = 1
        self._prev_chain = CHAIN_START
        self._check_columns = check_columns
        self._max = max_problems
        self._problems: list[Problem] = []
        self._first_bad = 0
        self._pending = 0  # first entry problem since the last checkpoint that matched
        self._dropped = 0
        for p in problems:
            self._report(p)
        if 0 in self._by_size and self._by_size[0].root != EMPTY_ROOT:
            self._report(Problem(0, Kind.BAD_CHECKPOINT, "checkpoint of size 0 with a root"))

    def _report(self, problem: Problem) -> None:
        if problem.sequence and problem.kind != Kind.ROOT_MISMATCH and not self._pending:
            self._pending = problem.sequence
        if problem.sequence and (not self._first_bad or problem.sequence < self._first_bad):
            self._first_bad = problem.sequence
        if len(self._problems) < self._max:
            self._problems.append(problem)
        else:
            self._dropped += 1

    def feed(self, row: StoredRow) -> None:
        """Check the next stored row (rows must come in increasing ``seq``)."""
        seq = row.seq
        if seq != self._expected:
            if seq < self._expected:
                self._report(Problem(seq, Kind.ENTRY, f"sequence {seq} out of order"))
                return
            missing = f"{self._expected}" + (f"-{seq - 1}" if seq - 1 > self._expected else "")
            self._report(Problem(self._expected, Kind.GAP, f"entries {missing} are missing"))
            # The tree cannot be rebuilt across a hole: later roots are compared regardless
            # and will differ, which is the truth (the log no longer matches its checkpoints).
            while self._expected < seq:
                self._tree.append_hash(bytes(32))
                self._expected += 1
                self._check_target()
        leaf = leaf_hash(row.canonical)
        if leaf != row.leaf_hash:
            self._report(Problem(seq, Kind.LEAF_HASH, "leaf hash does not match the entry"))
        entry = log_entry_pb2.LogEntry()
        try:
            entry.ParseFromString(row.canonical)
        except DecodeError:
            self._report(Problem(seq, Kind.ENTRY, "canonical bytes do not decode"))
        else:
            if entry.sequence != seq:
                self._report(
                    Problem(seq, Kind.ENTRY, f"entry at {seq} says sequence {entry.sequence}")
                )
            elif self._check_columns and columns_of(entry) != row.columns:
                self._report(Problem(seq, Kind.COLUMN, "index columns differ from the entry"))
        if chain_hash(self._prev_chain, row.leaf_hash) != row.chain_hash:
            self._report(Problem(seq, Kind.CHAIN, "chain hash does not cover the previous entry"))
        self._prev_chain = row.chain_hash
        self._tree.append_hash(leaf)
        self._expected = seq + 1
        self._check_target()

    def feed_many(self, rows: Iterable[StoredRow]) -> None:
        """Check rows in order."""
        for row in rows:
            self.feed(row)

    def _check_target(self) -> None:
        if self._next_target >= len(self._targets):
            return
        size = self._targets[self._next_target]
        if self._tree.size != size:
            return
        self._next_target += 1
        if self._tree.root() == self._by_size[size].root:
            self._verified_size = size
            self._pending = 0
            return
        # Everything up to the last matching checkpoint is proven intact; a problem already
        # found after it pins the first bad entry more precisely.
        self._report(
            Problem(
                self._pending or self._verified_size + 1,
                Kind.ROOT_MISMATCH,
                f"entries {self._verified_size + 1}-{size} do not match the checkpoint of "
                f"size {size}",
            )
        )

    def add_problem(self, problem: Problem) -> None:
        """Report a problem found outside the row stream (object-store copies)."""
        self._report(problem)

    def finish(self) -> Result:
        """The result after the last row."""
        size = self._tree.size
        latest = max(self._by_size) if self._by_size else 0
        if latest > size:
            self._report(
                Problem(
                    size + 1,
                    Kind.TRUNCATED,
                    f"the log has {size} entries but a checkpoint covers {latest}",
                )
            )
        if self._dropped:
            self._problems.append(
                Problem(0, Kind.ENTRY, f"{self._dropped} more problems not listed")
            )
        self._problems.sort(key=lambda p: (p.sequence == 0, p.sequence))
        return Result(
            tree_size=size,
            root=self._tree.root(),
            problems=self._problems,
            first_bad_sequence=self._first_bad,
            checkpoints_checked=len(self._by_size),
            latest_checkpoint_size=latest,
            latest_checkpoint_time=self._by_size[latest].time if self._by_size else None,
        )


def check_newer_checkpoint(
    held: CheckpointBody,
    newer_note: str,
    consistency: Sequence[bytes],
    verifiers: Sequence[Verifier],
) -> CheckpointBody:
    """What a client holding ``held`` does with a newer checkpoint: verify it or refuse.

    NoteError when it is forged, from another log, smaller, or not consistent with ``held``.
    """
    newer = open_checkpoint(newer_note, list(verifiers))
    if newer.origin != held.origin:
        raise NoteError("checkpoint of another log")
    if newer.size < held.size:
        raise NoteError(f"checkpoint size {newer.size} is smaller than the held {held.size}")
    if held.size == 0:
        return newer
    if not verify_consistency(held.size, newer.size, consistency, held.root, newer.root):
        raise NoteError(
            f"checkpoint of size {newer.size} is not consistent with the held one of size "
            f"{held.size}"
        )
    return newer
