"""From audit events to log entries: canonical bytes, leaf and chain hashes, index columns.

The canonical bytes of entry ``n`` are the deterministic protobuf serialization of
``LogEntry(sequence=n, appended_at=..., event=...)``; they are what the Merkle leaf hashes,
and everything a query returns is decoded from them. The columns beside them exist only to
find entries; verification checks they still say what the canonical bytes say.

The hash chain binds each entry to the one before: ``chain_n = SHA-256(chain_{n-1} ||
leaf_n)`` with ``chain_0`` all zeros, so an entry moved, removed or re-inserted is detected
at its own sequence number even when its leaf hash was recomputed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import log_entry_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.domain.merkle import CompactTree, leaf_hash

CHAIN_START = bytes(32)
MAX_EVENT_ID = 128
# The three kinds of personal data of the processing log (Art. 9.4, 20).
PERSONAL_DATA = ("image", "plate", "biometric")
# Action prefixes that extract footage: exports and quick extractions.
EXTRACTION_PREFIXES = ("footage.export.", "footage.extraction.")


class InvalidEventError(ValueError):
    """An audit event that cannot be appended (no id, bad id)."""


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    """The chain hash of an entry with leaf hash ``leaf`` after chain hash ``previous``."""
    return hashlib.sha256(previous + leaf).digest()


def enum_name(enum: object, value: int, prefix: str) -> str:
    """``PURPOSE_CODE_PUBLIC_ORDER`` -> ``public_order``; unknown numbers as ``<number>``."""
    try:
        name: str = enum.Name(value)  # type: ignore[attr-defined]
    except ValueError:
        return str(value)
    return name.removeprefix(prefix).lower()


def purpose_name(value: int) -> str:
    """Column value of a purpose code."""
    return enum_name(pb.PurposeCode, value, "PURPOSE_CODE_")


def category_name(value: int) -> str:
    """Column value of a data category."""
    return enum_name(pb.DataCategory, value, "DATA_CATEGORY_")


def outcome_name(value: int) -> str:
    """Column value of an outcome."""
    return enum_name(pb.Outcome, value, "OUTCOME_")


def basis_name(value: int) -> str:
    """Column value of a legal basis."""
    return enum_name(pb.LegalBasis, value, "LEGAL_BASIS_")


def role_name(value: int) -> str:
    """Column value of a role."""
    return enum_name(actor_pb2.Role, value, "ROLE_")


def camera_ids(event: pb.AuditEvent) -> list[str]:
    """Cameras an event targets (camera set or the camera of a segment range)."""
    which = event.target.WhichOneof("target")
    if which == "cameras":
        return list(dict.fromkeys(event.target.cameras.camera_ids))
    if which == "segments" and event.target.segments.camera_id:
        return [event.target.segments.camera_id]
    return []


def target_key(event: pb.AuditEvent) -> tuple[str, str]:
    """(kind, id) of a non-camera target, for display: account, or other kind/id."""
    which = event.target.WhichOneof("target")
    if which == "account_id":
        return "account", event.target.account_id
    if which == "other":
        return event.target.other.kind, event.target.other.id
    return "", ""


# The index columns, in table order after seq (see the migration).
COLUMNS = (
    "event_id",
    "appended_at",
    "occurred_at",
    "actor_id",
    "actor_unit_id",
    "actor_role",
    "action",
    "purpose_code",
    "outcome",
    "source_service",
    "legal_basis",
    "camera_ids",
    "unit_ids",
    "data_categories",
)
ROW_COLUMNS = ("seq", *COLUMNS, "canonical", "leaf_hash", "chain_hash")

Columns = tuple[
    str,
    dt.datetime,
    dt.datetime,
    str,
    str,
    str,
    str,
    str,
    str,
    str,
    str,
    list[str],
    list[str],
    list[str],
]


def _ts(value: object) -> dt.datetime:
    stamp = value.ToDatetime(tzinfo=dt.UTC)  # type: ignore[attr-defined]
    assert isinstance(stamp, dt.datetime)
    return stamp


def columns_of(entry: log_entry_pb2.LogEntry) -> Columns:
    """The index columns of an entry, derived from its content only."""
    e = entry.event
    return (
        e.event_id,
        _ts(entry.appended_at),
        _ts(e.occurred_at),
        e.actor.id,
        e.actor.unit_id,
        role_name(e.actor.role),
        e.action,
        purpose_name(e.purpose_code),
        outcome_name(e.outcome),
        e.source_service,
        basis_name(e.legal_basis),
        camera_ids(e),
        list(dict.fromkeys(e.target_unit_ids)),
        sorted({category_name(c) for c in e.data_categories}),
    )


def validate_event(event: pb.AuditEvent) -> None:
    """Refuse events that cannot be stored once: no id, or an absurd one."""
    if not event.event_id or len(event.event_id) > MAX_EVENT_ID:
        raise InvalidEventError(f"event_id must be 1-{MAX_EVENT_ID} characters")
    if not event.event_id.isprintable():
        raise InvalidEventError("event_id must be printable")


def canonical_bytes(entry: log_entry_pb2.LogEntry) -> bytes:
    """The canonical (deterministic) serialization of an entry."""
    return entry.SerializeToString(deterministic=True)


@dataclass(frozen=True, slots=True)
class Row:
    """One stored log entry."""

    seq: int
    columns: Columns
    canonical: bytes
    leaf_hash: bytes
    chain_hash: bytes

    def record(self) -> tuple[object, ...]:
        """The row in :data:`ROW_COLUMNS` order (for COPY)."""
        return (self.seq, *self.columns, self.canonical, self.leaf_hash, self.chain_hash)


@dataclass
class Head:
    """Where the log stands: the compact Merkle tree and the last chain hash."""

    tree: CompactTree
    chain: bytes = CHAIN_START

    @property
    def size(self) -> int:
        """Entries in the log."""
        return self.tree.size

    def copy(self) -> Head:
        """An independent copy (a batch works on a copy and is kept only if it commits)."""
        return Head(self.tree.copy(), self.chain)


def make_row(head: Head, event: pb.AuditEvent, appended_at: dt.datetime) -> Row:
    """Append ``event`` to ``head`` (mutated) and return the new row."""
    seq = head.size + 1
    entry = log_entry_pb2.LogEntry(sequence=seq, event=event)
    entry.appended_at.FromDatetime(appended_at)
    canonical = canonical_bytes(entry)
    leaf = leaf_hash(canonical)
    chain = chain_hash(head.chain, leaf)
    head.tree.append_hash(leaf)
    head.chain = chain
    return Row(seq, columns_of(entry), canonical, leaf, chain)


def make_rows(head: Head, events: Iterable[pb.AuditEvent], appended_at: dt.datetime) -> list[Row]:
    """Append events in order; returns their rows."""
    return [make_row(head, e, appended_at) for e in events]


def new_events(events: Sequence[pb.AuditEvent], stored_ids: set[str]) -> list[pb.AuditEvent]:
    """Events not yet stored, each event_id once (first occurrence wins)."""
    seen = set(stored_ids)
    fresh: list[pb.AuditEvent] = []
    for e in events:
        if e.event_id in seen:
            continue
        seen.add(e.event_id)
        fresh.append(e)
    return fresh
