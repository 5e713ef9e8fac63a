"""An ingest worker: leases decide its cameras, each camera runs its sessions, segments go out.

Shutdown order (SIGTERM): stop claiming, stop every session (their last segments are cut),
release the leases so other workers take over at once, hand off or spool what is queued.
"""

from __future__ import annotations

import asyncio
import logging
import time

from tncam_contracts.catalog import INGEST_LEASES_KV
from tncam_ingest.bus.drops import DropAuditor
from tncam_ingest.bus.handoff import HandOff
from tncam_ingest.bus.spool import Spool
from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.service.camera import CameraRunner, Config
from tncam_ingest.service.context import build_context
from tncam_ingest.service.leases import LeaseCoordinator
from tncam_ingest.service.live import LiveDemands
from tncam_ingest.settings import IngestSettings
from tncam_ingest.storage.snapshots import SnapshotStore
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import Bus

log = logging.getLogger("tncam.ingest.worker")

#: How often the CPU per stream-minute is estimated.
CPU_ESTIMATE_S = 15.0
# Spend at most this long handing off queued segments at shutdown before spooling the rest.
_SHUTDOWN_FLUSH_S = 2.0


class IngestWorker:
    """The composition of leases, camera runners, the hand-off and the drop auditor."""

    def __init__(
        self,
        settings: IngestSettings,
        bus: Bus,
        metrics: IngestMetrics,
        snapshots: SnapshotStore | None = None,
    ) -> None:
        s = settings
        self.settings = s
        self.bus = bus
        self.metrics = metrics
        self.worker_id = s.worker
        ns = s.nats_namespace
        self.drops = DropAuditor(
            AuditClient(bus.js, service="ingest", namespace=ns), worker_id=self.worker_id
        )
        self.handoff = HandOff(
            bus.js,
            namespace=ns,
            spool=Spool(s.spool_dir, s.spool_max_bytes),
            metrics=metrics,
            on_drop=self.drops.report,
            publish_timeout_s=s.publish_timeout_s,
            partitions=s.handoff_partitions,
        )
        self.deps = build_context(s, bus, metrics, self.handoff, snapshots)
        self.leases = LeaseCoordinator(
            bus.js,
            worker_id=self.worker_id,
            namespace=ns,
            metrics=metrics,
            on_acquired=self._acquired,
            on_lost=self._lost,
            on_config=self._config,
            renew_s=s.lease_renew_s,
            replicas=s.nats_replicas,
            fence_s=min(s.lease_fence_s, INGEST_LEASES_KV.ttl_s - 1.0),
        )
        self.cameras: dict[str, tuple[CameraRunner, asyncio.Task[None]]] = {}
        self.live = LiveDemands(self.deps.live_bus, metrics, self._runner)
        self._tg: asyncio.TaskGroup | None = None
        self._cpu_seen: dict[str, float] = {}  # session -> CPU seconds at the last reading
        self._cpu_last_t = time.monotonic()

    async def open(self) -> None:
        """Open the KV buckets and recover the spool left by a previous run."""
        await self.leases.open()
        await self.handoff.recover()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop``; then shut down in order."""
        handoff_stop = asyncio.Event()
        drops_stop = asyncio.Event()
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            handoff = tg.create_task(self.handoff.run(handoff_stop), name="handoff")
            drops = tg.create_task(self.drops.run(drops_stop), name="drop-audit")
            live = tg.create_task(self.live.run(stop), name="live-demands")
            await self.leases.run(stop)  # returns after every session stopped, leases released
            await live
            await self.handoff.drained(_SHUTDOWN_FLUSH_S)
            handoff_stop.set()
            await handoff
            drops_stop.set()
            await drops
        self._tg = None

    async def _acquired(self, camera_id: str, config: Config) -> None:
        assert self._tg is not None
        if camera_id in self.cameras:
            return
        runner = CameraRunner(camera_id, config, self.deps)
        task = self._tg.create_task(runner.run(), name=f"camera-{camera_id}")
        self.cameras[camera_id] = (runner, task)

    def _runner(self, camera_id: str) -> CameraRunner | None:
        entry = self.cameras.get(camera_id)
        return entry[0] if entry is not None else None

    async def _lost(self, camera_id: str, why: str) -> None:
        entry = self.cameras.pop(camera_id, None)
        self.live.camera_lost(camera_id)
        if entry is None:
            return
        runner, task = entry
        runner.stop()
        # The thread ends before its next packet; an open in progress ends by its timeout.
        try:
            async with asyncio.timeout(self.settings.rtsp_timeout_s + 3.0):
                await asyncio.shield(task)
        except TimeoutError:
            log.error("session did not stop in time", extra={"camera_id": camera_id})
        except Exception:
            log.exception("camera task failed", extra={"camera_id": camera_id})

    async def _config(self, camera_id: str, config: Config) -> None:
        entry = self.cameras.get(camera_id)
        if entry is not None:
            entry[0].update_config(config)

    async def estimate_cpu(self) -> None:
        """One reading of CPU seconds per stream-minute from the session threads' CPU clocks.

        Run periodically by the composition root (``CPU_ESTIMATE_S``)."""
        now = time.monotonic()
        spent = 0.0
        streams = 0
        current: dict[str, float] = {}
        for runner, _ in self.cameras.values():
            session = runner.session
            if session is None:
                continue
            cpu = session.counters.cpu_s
            current[session.session_id] = cpu
            spent += cpu - self._cpu_seen.get(session.session_id, 0.0)
            streams += session.active
        minutes = (now - self._cpu_last_t) / 60.0
        if streams and minutes > 0:
            self.metrics.cpu_per_stream_minute.set(max(spent, 0.0) / streams / minutes)
        self._cpu_seen, self._cpu_last_t = current, now
