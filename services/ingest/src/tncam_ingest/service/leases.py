"""Camera leases: which cameras this worker pulls, so that each has one RTSP session in the cluster.

Leases live in ``ingest_leases`` (TTL 10 s, see ``tncam_ingest.bus.leases``), created with "no
previous revision" and renewed with "expected revision" (compare-and-set), so exactly one
worker holds a camera. A worker that dies stops renewing and its leases expire; one that
cannot renew in time (``lease_fence_s`` < TTL) stops its sessions itself first, and one whose
renewal is refused (someone else holds the camera) stops the session at once. Each round
renews, heartbeats, and releases or claims what the fair share (``domain.assignment``) says.
A lease that names this worker but that it does not hold (a write of its own that landed after
it had given the camera up, or whose answer it never got) is taken back at its revision: left,
the others would count the camera as held and nobody would record it until the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from nats.js.client import JetStreamContext

from tncam.camera.v1 import lease_pb2
from tncam_contracts.catalog import INGEST_LEASES_KV, INGEST_WORKERS_KV
from tncam_ingest.bus.leases import KV_ERRORS, Change, Config, LeaseBuckets, LeaseTakenError
from tncam_ingest.domain.assignment import plan
from tncam_ingest.metrics import IngestMetrics
from tncam_mesh.clock import utc_now
from tncam_mesh.errors import UnavailableError

log = logging.getLogger("tncam.ingest.leases")

# A round that fails with these is tried again next round (the fence guards the sessions).
_ROUND_ERRORS: tuple[type[BaseException], ...] = (*KV_ERRORS, UnavailableError)


@dataclass
class _Held:
    revision: int
    acquired_at: datetime
    renewed_mono: float
    config_revision: int


@dataclass
class LeaseState:
    """What this worker knows of the buckets (mirrors kept by watchers)."""

    configs: dict[str, Config] = field(default_factory=dict)
    holders: dict[str, tuple[str, float]] = field(default_factory=dict)  # cam -> (worker, t)
    revisions: dict[str, int] = field(default_factory=dict)  # cam -> its lease's revision
    workers: dict[str, float] = field(default_factory=dict)  # worker -> written at

    def live_holders(self, now: float, ttl: float) -> dict[str, str]:
        """Camera -> worker for leases not expired by their TTL."""
        return {c: w for c, (w, t) in self.holders.items() if now - t < ttl}

    def live_workers(self, now: float, ttl: float) -> set[str]:
        return {w for w, t in self.workers.items() if now - t < ttl}

    def active(self) -> set[str]:
        return {c for c, cfg in self.configs.items() if cfg.active and cfg.rtsp_url}


Acquired = Callable[[str, Config], Awaitable[None]]
Lost = Callable[[str, str], Awaitable[None]]  # camera, why ("released", "lost", "fenced")


class LeaseCoordinator:
    """Claims, renews and releases camera leases; calls back when a camera is won or lost."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        worker_id: str,
        namespace: str,
        metrics: IngestMetrics,
        on_acquired: Acquired,
        on_lost: Lost,
        on_config: Callable[[str, Config], Awaitable[None]] | None = None,
        renew_s: float = 3.0,
        fence_s: float = 8.0,
        replicas: int = 1,
    ) -> None:
        self.buckets = LeaseBuckets(js, namespace=namespace, worker_id=worker_id, replicas=replicas)
        self.worker_id = worker_id
        self._metrics = metrics
        self._on_acquired = on_acquired
        self._on_lost = on_lost
        self._on_config = on_config
        self._renew_s = renew_s
        self._fence_s = fence_s
        self._ttl = INGEST_LEASES_KV.ttl_s
        self.state = LeaseState()
        self.held: dict[str, _Held] = {}
        self._kick = asyncio.Event()
        self._released: dict[str, float] = {}  # camera -> until (wall clock)
        self._claiming: set[str] = set()  # claims sent, not answered yet
        self._started_at = utc_now()

    async def open(self) -> None:
        """Open (or create) the buckets."""
        await self.buckets.open()

    def kick(self) -> None:
        """Re-plan soon (a camera or worker appeared or went)."""
        self._kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch the buckets and plan rounds until ``stop``; then release every lease."""
        if not self.buckets.opened:
            await self.open()
        b = self.buckets
        async with asyncio.TaskGroup() as tg:
            watchers = [
                tg.create_task(b.watch_configs(self._on_config_entry, stop)),
                tg.create_task(b.watch_leases(self._on_lease_entry, stop)),
                tg.create_task(b.watch_workers(self._on_worker_entry, stop)),
                tg.create_task(self._fences(stop)),
            ]
            try:
                await self._rounds(stop)
            finally:
                for w in watchers:
                    w.cancel()
        await self.release_all("released")

    # ------------------------------------------------------------------------------ watchers

    async def _on_config_entry(self, change: Change[Config]) -> None:
        cam, cfg = change.key, change.value
        if cfg is None:
            self.state.configs.pop(cam, None)
        else:
            if cfg.camera_id and cfg.camera_id != cam:
                log.error("configuration key and camera id differ", extra={"camera_id": cam})
                return
            cfg.camera_id = cam
            self.state.configs[cam] = cfg
            if cam in self.held and self._on_config is not None:
                await self._on_config(cam, cfg)
        self.kick()

    async def _on_lease_entry(self, change: Change[lease_pb2.IngestLease]) -> None:
        cam, lease = change.key, change.value
        held = self.held.get(cam)
        if lease is None:
            self.state.holders.pop(cam, None)
            self.state.revisions.pop(cam, None)
            if held is not None and change.revision > held.revision:
                await self._lose(cam, "lost", revision=change.revision, holder=None)
            self.kick()
            return
        self.state.holders[cam] = (lease.worker_id, change.written_at)
        self.state.revisions[cam] = change.revision
        if (
            held is not None
            and lease.worker_id != self.worker_id
            and change.revision > held.revision
        ):
            await self._lose(cam, "lost", revision=change.revision, holder=lease.worker_id)
        elif held is None and lease.worker_id == self.worker_id and cam not in self._claiming:
            self.kick()  # a stray lease of this worker's: taken back in the round

    async def _on_worker_entry(self, change: Change[bytes]) -> None:
        if change.value is None:
            self.state.workers.pop(change.key, None)
        else:
            known = change.key in self.state.workers
            self.state.workers[change.key] = change.written_at
            if not known:
                self.kick()

    # -------------------------------------------------------------------------------- rounds

    async def _rounds(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await self.round()
            except _ROUND_ERRORS as e:
                log.warning("lease round failed: %s", e)
            self._fence()
            delay = max(0.1, self._renew_s - (time.monotonic() - started))
            # Wake up when another worker's lease on an active camera is due to expire, so a
            # dead worker's cameras are taken over right after the TTL, not a round later.
            expiry = self._next_foreign_expiry(time.time())
            if expiry is not None:
                delay = min(delay, max(0.25, expiry + 0.05))
            self._kick.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await _first(self._kick, stop)
            if self._kick.is_set() and not stop.is_set():
                await asyncio.sleep(0.2)  # let a burst of watch updates settle

    def _next_foreign_expiry(self, now: float) -> float | None:
        """Seconds until the next lease of another worker on an active camera expires."""
        active = self.state.active()
        due = [
            t + self._ttl - now
            for cam, (w, t) in self.state.holders.items()
            if w != self.worker_id and cam in active and cam not in self.held
        ]
        return min(due) if due else None

    async def round(self) -> None:
        """One planning round: renew, heartbeat, release, claim."""
        answered = await self.renew()
        await self.buckets.heartbeat(leases_held=len(self.held), started_at=self._started_at)
        self.state.workers[self.worker_id] = time.time()
        now = time.time()
        active = self.state.active()
        await self._take_back(active, now)
        p = plan(
            me=self.worker_id,
            active=active,
            holders={
                # A camera this worker just gave up is left to the others for a while.
                **{c: "~released" for c, t in self._released.items() if t > now},
                **self.state.live_holders(now, self._ttl),
                **dict.fromkeys(self.held, self.worker_id),
            },
            workers=self.state.live_workers(now, INGEST_WORKERS_KV.ttl_s),
        )
        for cam in p.release:
            # A camera given up for the fair share stops first, then its lease is deleted:
            # while the bucket does not answer (a renewal just failed) the lease would stay
            # until its TTL and nobody would record the camera meanwhile. Later, then.
            if answered or cam not in active:
                await self._release(cam)
        for cam in p.claim:
            await self._claim(cam)
        self._metrics.leases.set(len(self.held))
        self._metrics.workers.set(
            len(self.state.live_workers(now, INGEST_WORKERS_KV.ttl_s) | {self.worker_id})
        )

    async def renew(self) -> bool:
        """Lease renewal: rewrite every held lease at its revision; a refusal loses the camera.
        False if the bucket did not answer a renewal."""
        answered = True
        for cam, held in list(self.held.items()):
            if cam not in self.held:
                continue
            # The lease's TTL runs from the write, which is before the answer (maybe long before
            # on a slow bus): the fence counts from the request.
            sent = time.monotonic()
            try:
                rev = await self.buckets.renew(
                    cam,
                    since=held.acquired_at,
                    config_revision=held.config_revision,
                    revision=held.revision,
                )
            except LeaseTakenError:
                await self._lose(cam, "lost", revision=held.revision, holder="renewal refused")
                continue
            except KV_ERRORS as e:
                log.warning("lease renewal failed: %s", e, extra={"camera_id": cam})
                answered = False
                continue
            if cam in self.held:
                held.revision = rev
                held.renewed_mono = sent
        return answered

    async def _fences(self, stop: asyncio.Event) -> None:
        """Fence on time, whatever the rounds do: a round can hang in renewals on a bus that
        does not answer (a NATS node cut off from its peers: up to the JetStream API timeout
        per camera, one after the other), and a fence after it could come past the lease's
        TTL, when another worker may already hold the camera."""
        while not stop.is_set():
            self._fence()
            now = time.monotonic()
            due = [h.renewed_mono + self._fence_s - now for h in self.held.values()]
            delay = min([self._renew_s, *due])
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.05, delay + 0.01)):
                    await stop.wait()

    def _fence(self) -> None:
        """Stop sessions whose lease may have expired: better a gap than two sessions."""
        now = time.monotonic()
        for cam, held in list(self.held.items()):
            if now - held.renewed_mono > self._fence_s:
                log.error(
                    "lease not renewed in time; stopping the session", extra={"camera_id": cam}
                )
                asyncio.get_running_loop().create_task(self._lose(cam, "fenced"))
                self.held.pop(cam, None)

    async def _claim(self, cam: str) -> None:
        cfg = self.state.configs.get(cam)
        if cfg is None:
            return
        since, sent = utc_now(), time.monotonic()
        self._claiming.add(cam)
        try:
            try:
                rev = await self.buckets.create(cam, since=since, config_revision=cfg.revision)
            except LeaseTakenError:
                rev = await self._take_over(cam, since, cfg)
        except LeaseTakenError:
            return  # someone else was faster (or the old lease has not expired yet)
        except KV_ERRORS as e:
            log.warning("lease claim failed: %s", e, extra={"camera_id": cam})
            return
        finally:
            self._claiming.discard(cam)
        await self._won(cam, rev, since, sent, cfg)

    async def _take_back(self, active: set[str], now: float) -> None:
        """Claim again the leases on active cameras that name this worker but that it does not
        hold: a renewal whose answer was lost, or sent before a fence and applied later (seen
        when a partition healed: the others counted the camera as this worker's, and nobody
        recorded it until the TTL). Not those it gave up for the fair share. Taken over at
        the revision the watch saw (:meth:`_take_over`); a failure of the bus ends the round."""
        for cam, (worker, _) in list(self.state.holders.items()):
            cfg = self.state.configs.get(cam)
            if (
                worker != self.worker_id
                or cam in self.held
                or cam not in active
                or cfg is None
                or self._released.get(cam, 0.0) > now
            ):
                continue
            since, sent = utc_now(), time.monotonic()
            try:
                rev = await self._take_over(cam, since, cfg)
            except LeaseTakenError:
                continue
            await self._won(cam, rev, since, sent, cfg)

    async def _won(self, cam: str, rev: int, since: datetime, sent: float, cfg: Config) -> None:
        self.held[cam] = _Held(rev, since, sent, cfg.revision)
        self.state.holders[cam] = (self.worker_id, time.time())
        self._metrics.lease_events.labels(event="acquired").inc()
        log.info("lease acquired", extra={"camera_id": cam, "revision": rev})
        await self._on_acquired(cam, cfg)

    async def _take_over(self, cam: str, since: datetime, cfg: Config) -> int:
        """Claim over a lease that the bucket still holds but nobody does: past its TTL (its
        expiry can lag for seconds after the bucket's leader changed, a NATS node cut off; its
        holder fenced ``TTL - fence_s`` ago at the latest), or this worker's own that it does
        not hold (:meth:`_take_back`). Compare-and-set on the revision this worker saw:
        refused (LeaseTakenError) if anyone wrote it since."""
        holder = self.state.holders.get(cam)
        revision = self.state.revisions.get(cam)
        if holder is None or revision is None:
            raise LeaseTakenError(cam)
        mine = holder[0] == self.worker_id and cam not in self.held
        if not mine and time.time() - holder[1] < self._ttl:
            raise LeaseTakenError(cam)
        rev = await self.buckets.renew(
            cam, since=since, config_revision=cfg.revision, revision=revision
        )
        if mine:
            log.warning(
                "lease of this worker's it did not hold taken back",
                extra={"camera_id": cam, "revision": revision},
            )
        else:
            log.info("expired lease taken over", extra={"camera_id": cam, "holder": holder[0]})
        return rev

    async def _release(self, cam: str) -> None:
        held = self.held.pop(cam, None)
        if held is None:
            return
        await self._on_lost(cam, "released")  # the session stops before the lease goes
        self._released[cam] = time.time() + 3 * self._renew_s
        self._metrics.lease_events.labels(event="released").inc()
        try:
            await self.buckets.delete(cam, revision=held.revision)
        except KV_ERRORS as e:
            log.warning("lease release failed (it will expire): %s", e, extra={"camera_id": cam})
        self.state.holders.pop(cam, None)
        log.info("lease released", extra={"camera_id": cam})

    async def _lose(self, cam: str, why: str, **detail: object) -> None:
        self.held.pop(cam, None)
        self._metrics.lease_events.labels(event=why).inc()
        log.warning("lease %s", why, extra={"camera_id": cam, **detail})
        await self._on_lost(cam, why)

    async def release_all(self, why: str) -> None:
        """Release every lease (shutdown): the cameras move to other workers at once."""
        cams = list(self.held)
        # Every session stops first (in parallel), then the leases go.
        await asyncio.gather(*(self._on_lost(c, why) for c in cams), return_exceptions=True)
        for cam in cams:
            held = self.held.pop(cam, None)
            if held is None:
                continue
            self._metrics.lease_events.labels(event=why).inc()
            with contextlib.suppress(*KV_ERRORS):
                await self.buckets.delete(cam, revision=held.revision)
        self._metrics.leases.set(0)
        await self.buckets.leave()


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
