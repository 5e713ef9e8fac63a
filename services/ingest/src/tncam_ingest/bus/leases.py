"""The three KV buckets of the lease logic: what is read, watched and written, nothing decided.

* ``camera_config`` (registry writes): which cameras to pull and how; watched.
* ``ingest_workers`` (TTL 10 s): every worker's heartbeat (``IngestWorker``).
* ``ingest_leases`` (TTL 10 s): one ``IngestLease`` per pulled camera naming its worker;
  created with "no previous revision" and renewed or deleted with "expected revision"
  (compare-and-set): a refused write raises :class:`LeaseTakenError`.

The decisions (which cameras to claim, when a lease is lost, fencing) are in
``tncam_ingest.service.leases``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Generic, TypeVar

import nats.errors
import nats.js.errors
from google.protobuf.message import DecodeError
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from tncam.camera.v1 import lease_pb2
from tncam.registry.v1 import camera_config_pb2
from tncam_contracts.catalog import (
    CAMERA_CONFIG_KV,
    INGEST_LEASES_KV,
    INGEST_WORKERS_KV,
    KVSpec,
)
from tncam_mesh.jetstream import ensure_kv

log = logging.getLogger("tncam.ingest.leases")

KV_DEL = "DEL"
KV_PURGE = "PURGE"
#: A KV read or write that failed for now (NATS away, slow): the next round tries again.
KV_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, nats.errors.Error)

Config = camera_config_pb2.CameraIngestConfig
T = TypeVar("T")


class LeaseTakenError(Exception):
    """The compare-and-set was refused: the lease changed since this worker wrote it."""


@dataclass(frozen=True, slots=True)
class Change(Generic[T]):
    """One watched KV update, decoded."""

    key: str
    value: T | None  # None: deleted or purged
    revision: int
    written_at: float  # wall clock of the write


def _timestamp(created: object) -> float:
    # nats-py types Entry.created as int but fills it with the message's datetime.
    if isinstance(created, datetime):
        dt = created if created.tzinfo is not None else created.replace(tzinfo=UTC)
        return dt.timestamp()
    return time.time()


def _decode_config(key: str, data: bytes) -> Config | None:
    try:
        return Config.FromString(data)
    except DecodeError:
        log.error("undecodable camera configuration", extra={"camera_id": key})
        return None


def _decode_lease(key: str, data: bytes) -> lease_pb2.IngestLease | None:
    try:
        return lease_pb2.IngestLease.FromString(data)
    except DecodeError:
        return None


def _raw(key: str, data: bytes) -> bytes:
    return data


class LeaseBuckets:
    """The ``camera_config``, ``ingest_leases`` and ``ingest_workers`` buckets of a namespace."""

    def __init__(
        self, js: JetStreamContext, *, namespace: str, worker_id: str, replicas: int = 1
    ) -> None:
        self._js = js
        self._ns = namespace
        self._replicas = replicas
        self.worker_id = worker_id
        self._leases: KeyValue | None = None
        self._workers: KeyValue | None = None
        self._configs: KeyValue | None = None

    @property
    def opened(self) -> bool:
        return self._leases is not None

    async def open(self) -> None:
        """Open (or create) the three buckets; again after a failure, those not open yet."""
        if self._configs is None:
            self._configs = await self._ensure(CAMERA_CONFIG_KV)
        if self._leases is None:
            self._leases = await self._ensure(INGEST_LEASES_KV)
        if self._workers is None:
            self._workers = await self._ensure(INGEST_WORKERS_KV)

    async def _ensure(self, spec: KVSpec) -> KeyValue:
        return await ensure_kv(self._js, replace(spec.scoped(self._ns), replicas=self._replicas))

    # ------------------------------------------------------------------------------ watches

    async def watch_configs(
        self, handle: Callable[[Change[Config]], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        """Every camera configuration, then each change, until ``stop``."""
        await _watch(self._configs, _decode_config, handle, stop)

    async def watch_leases(
        self,
        handle: Callable[[Change[lease_pb2.IngestLease]], Awaitable[None]],
        stop: asyncio.Event,
    ) -> None:
        """Every lease, then each change (undecodable leases skipped), until ``stop``."""
        await _watch(self._leases, _decode_lease, handle, stop)

    async def watch_workers(
        self, handle: Callable[[Change[bytes]], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        """Every worker heartbeat, then each change, until ``stop``."""
        await _watch(self._workers, _raw, handle, stop)

    # ------------------------------------------------------------------------------- writes

    async def heartbeat(self, *, leases_held: int, started_at: datetime) -> None:
        """Write this worker's presence."""
        assert self._workers is not None
        value = lease_pb2.IngestWorker(worker_id=self.worker_id, leases_held=leases_held)
        value.started_at.FromDatetime(started_at)
        value.renewed_at.GetCurrentTime()
        await self._workers.put(self.worker_id, value.SerializeToString())

    def _lease_value(self, cam: str, held_since: datetime, config_revision: int) -> bytes:
        lease = lease_pb2.IngestLease(
            camera_id=cam, worker_id=self.worker_id, config_revision=config_revision
        )
        lease.acquired_at.FromDatetime(held_since)
        lease.renewed_at.GetCurrentTime()
        return lease.SerializeToString()

    async def create(self, cam: str, *, since: datetime, config_revision: int) -> int:
        """Claim ``cam`` (no lease may exist); its revision, or LeaseTakenError."""
        assert self._leases is not None
        try:
            return await self._leases.create(cam, self._lease_value(cam, since, config_revision))
        except nats.js.errors.KeyWrongLastSequenceError as e:
            raise LeaseTakenError(cam) from e

    async def renew(self, cam: str, *, since: datetime, config_revision: int, revision: int) -> int:
        """Rewrite the lease held at ``revision``; the new revision, or LeaseTakenError."""
        assert self._leases is not None
        try:
            return await self._leases.update(
                cam, self._lease_value(cam, since, config_revision), last=revision
            )
        except nats.js.errors.KeyWrongLastSequenceError as e:
            raise LeaseTakenError(cam) from e

    async def delete(self, cam: str, *, revision: int) -> None:
        """Delete the lease held at ``revision``."""
        assert self._leases is not None
        await self._leases.delete(cam, last=revision)

    async def leave(self) -> None:
        """Delete this worker's heartbeat (best effort: it expires anyway)."""
        if self._workers is not None:
            with contextlib.suppress(*KV_ERRORS):
                await self._workers.delete(self.worker_id)


async def _watch(
    kv: KeyValue | None,
    decode: Callable[[str, bytes], T | None],
    handle: Callable[[Change[T]], Awaitable[None]],
    stop: asyncio.Event,
) -> None:
    assert kv is not None
    while not stop.is_set():
        watcher = None
        try:
            watcher = await kv.watchall()
            while not stop.is_set():
                try:
                    entry = await watcher.updates(timeout=5.0)  # type: ignore[no-untyped-call]
                except nats.errors.TimeoutError:
                    continue
                if entry is None:
                    continue
                value: T | None = None
                if entry.operation not in (KV_DEL, KV_PURGE) and entry.value:
                    value = decode(entry.key, entry.value)
                    if value is None:
                        continue  # undecodable: not a change to act on
                await handle(
                    Change(entry.key, value, entry.revision or 0, _timestamp(entry.created))
                )
        except KV_ERRORS as e:
            log.warning("KV watch failed (%s); watching again", e)
            await asyncio.sleep(1.0)
        finally:
            if watcher is not None:
                with contextlib.suppress(Exception):
                    await watcher.stop()  # type: ignore[no-untyped-call]
