"""Transactional outbox: what a change publishes is written with it and published after commit.

Events (config and state changes), camera_config KV writes and audit records are inserted in
the transaction of the change; the relay publishes them in id order and deletes them. A crash
between commit and publish only delays them; a publish repeated after a crash is deduplicated
by its Nats-Msg-Id (streams) or harmless (a KV put of the same value). One relay at a time
(PostgreSQL advisory lock) keeps the per-camera order across replicas. See docs/adr/0006.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import nats.errors
import sqlalchemy as sa
from google.protobuf.message import Message
from nats.js.kv import KeyValue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2
from tncam_contracts.catalog import EventSpec, type_name
from tncam_mesh.bus import Bus
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.jetstream import publish_serialized
from tncam_registry.db.tables import outbox

log = logging.getLogger("tncam.registry.outbox")

_LOCK_KEY = 0x72_65_67_6F_75_74  # "regout"
_BATCH = 256


class Outbox:
    """Writes outbox rows inside the caller's transaction."""

    def __init__(self, namespace: str, *, audit_subject: str) -> None:
        self.namespace = namespace
        self.audit_subject = audit_subject

    async def event(
        self, session: AsyncSession, spec: EventSpec[Message], key: str, msg: Message, msg_id: str
    ) -> None:
        await self._add(session, "event", spec.subject(key, self.namespace), msg, msg_id)

    async def kv_put(self, session: AsyncSession, key: str, msg: Message, msg_id: str) -> None:
        await self._add(session, "kv_put", key, msg, msg_id)

    async def kv_delete(self, session: AsyncSession, key: str, msg_id: str) -> None:
        await session.execute(
            sa.insert(outbox).values(
                kind="kv_delete", msg_type="", target=key, msg_id=msg_id, payload=b""
            )
        )

    async def audit(self, session: AsyncSession, event: audit_event_pb2.AuditEvent) -> None:
        await self._add(session, "audit", self.audit_subject, event, event.event_id)

    async def _add(
        self, session: AsyncSession, kind: str, target: str, msg: Message, msg_id: str
    ) -> None:
        await session.execute(
            sa.insert(outbox).values(
                kind=kind,
                msg_type=type_name(msg),
                target=target,
                msg_id=msg_id,
                payload=msg.SerializeToString(),
            )
        )


class OutboxRelay:
    """Publishes committed outbox rows; ``flush`` after a commit, ``run`` as a safety net."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: Bus,
        kv: KeyValue,
        *,
        on_published: Callable[[str], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self._kv = kv
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._on_published = on_published

    def wake(self) -> None:
        """Ask the background loop to flush soon."""
        self._wake.set()

    async def flush(self) -> int:
        """Publish everything committed so far; returns how many rows were published."""
        total = 0
        async with self._lock:
            while True:
                n = await self._flush_batch()
                total += n
                if n < _BATCH:
                    return total

    async def _flush_batch(self) -> int:
        async with unit_of_work(self._sessions) as s:
            if not await s.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_LOCK_KEY))):
                return 0  # another replica is flushing
            rows = (await s.execute(sa.select(outbox).order_by(outbox.c.id).limit(_BATCH))).all()
            if not rows:
                return 0
            for row in rows:
                await self._publish(row.kind, row.msg_type, row.target, row.msg_id, row.payload)
            await s.execute(sa.delete(outbox).where(outbox.c.id <= rows[-1].id))
        return len(rows)

    async def _publish(
        self, kind: str, msg_type: str, target: str, msg_id: str, payload: bytes
    ) -> None:
        if kind in ("event", "audit"):
            # The row holds the serialized message and its type name: published as stored.
            await publish_serialized(
                self._bus.js, target, payload, type_name=msg_type, msg_id=msg_id
            )
        else:
            kv = self._kv
            try:
                if kind == "kv_put":
                    await kv.put(target, payload)
                else:
                    with contextlib.suppress(nats.js.errors.KeyNotFoundError):
                        await kv.delete(target)
            except (TimeoutError, nats.errors.Error) as e:
                raise UnavailableError(
                    "registry.kv.unavailable", f"KV {kind} {target}: {type(e).__name__}"
                ) from e
        if self._on_published is not None:
            self._on_published(kind)

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Flush when woken or every ``interval`` seconds, until ``stop``; errors are retried."""
        failures = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval if not failures else min(30.0, 2**failures)):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
                failures = 0
            except (TncamError, OSError, sa.exc.SQLAlchemyError) as e:
                failures += 1
                log.warning("outbox flush failed (%s); retrying", e)
        with contextlib.suppress(Exception):
            await self.flush()  # last chance before shutdown
