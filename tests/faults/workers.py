"""What the fault cases observe of the two ingest workers: who holds which camera, which NATS
node a worker is connected to, how many RTSP sessions each camera has."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import urllib.request
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from nats.js.client import KV_PRE_TEMPLATE, KV_STREAM_TEMPLATE
from nats.js.kv import KeyValue

from tncam.camera.v1 import lease_pb2
from tncam_contracts.catalog import INGEST_LEASES_KV, INGEST_WORKERS_KV
from tncam_ingest.settings import IngestSettings
from tncam_mesh.bus import JS_API_TIMEOUT_S, connect
from tncam_mesh.errors import UnavailableError
from tncam_mesh.settings import load_settings

from .cases import Case
from .platform import INGEST_WORKERS, Platform, worker_id


async def _holders(platform: Platform, node: int) -> dict[str, Lease]:
    bus = await connect(platform.nats.nodes[node].url, name="faults-leases", timeout=5.0)
    try:
        # Bound without the stream's info (the JetStream API answers that only with a meta
        # leader, elected again when a node is cut off): gets, which the stream leader answers.
        bucket = INGEST_LEASES_KV.scoped(platform.namespace).bucket
        kv = KeyValue(
            name=bucket,
            stream=KV_STREAM_TEMPLATE.format(bucket=bucket),
            pre=KV_PRE_TEMPLATE.format(bucket=bucket),
            js=bus.js,
            direct=False,
        )
        out: dict[str, str] = {}
        for camera in platform.camera_ids:
            try:
                entry = await kv.get(camera)
            except nats.js.errors.NotFoundError:
                continue
            if entry.value:
                worker = lease_pb2.IngestLease.FromString(entry.value).worker_id
                out[camera] = Lease(worker, int(entry.revision or 0), str(entry.created))
        return out
    finally:
        await bus.close(timeout=5.0)


@dataclass(frozen=True)
class Lease:
    """A lease as the bucket holds it (its worker, revision and time of writing)."""

    worker: str
    revision: int
    written: str


def leases(platform: Platform, *, node: int = 0) -> dict[str, Lease] | None:
    """Every camera's lease, read through NATS node ``node``; None while the bucket does not
    answer (its stream electing a leader)."""
    try:
        return asyncio.run(_holders(platform, node))
    except (TimeoutError, nats.errors.Error, UnavailableError):
        return None


def holders(platform: Platform, *, node: int = 0) -> dict[str, str] | None:
    """Camera -> the ingest worker id holding its lease (see :func:`leases`)."""
    found = leases(platform, node=node)
    return None if found is None else {c: lease.worker for c, lease in found.items()}


def by_unit(held: dict[str, str] | None) -> dict[str, list[str]]:
    """The cameras each ingest unit holds (every unit named, maybe with none)."""
    assert held is not None, "the lease bucket does not answer"
    return {u: sorted(c for c, w in held.items() if w == worker_id(u)) for u in INGEST_WORKERS}


def connected_nodes(platform: Platform, unit: str) -> list[int]:
    """The NATS nodes (indexes) a client connection of ``unit``'s process is on (its name is
    ``tncam-<service>-<instance id>``, the instance id ending with the process id)."""
    proc = platform.procs[unit].proc
    assert proc is not None
    out = []
    for index, node in enumerate(platform.nats.nodes):
        url = f"{node.monitor_url}/connz?limit=1024"
        with urllib.request.urlopen(url, timeout=2.0) as resp:  # noqa: S310 - http://127.0.0.1
            conns = json.loads(resp.read())["connections"] or []
        if any(str(c.get("name", "")).endswith(f"-{proc.pid}") for c in conns):
            out.append(index)
    return out


def sessions(platform: Platform) -> dict[str, tuple[int, int]]:
    """Camera -> (RTSP sessions now, the most ever seen at once), as the simulator samples them
    every 100 ms (the last camera's through the quirks front, one upstream session each)."""
    states = {s["name"]: s for s in platform.cameras.states()}
    out = {}
    for n, camera in enumerate(platform.camera_ids, start=1):
        s = states[f"cam{n}"]
        out[camera] = (int(s["clients"]), int(s["max_clients"]))
    return out


def ingest_settings(platform: Platform, unit: str) -> IngestSettings:
    """The settings ``unit``'s ingest process runs with (read from its environment)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(platform.unit_env(unit))
    try:
        return load_settings(IngestSettings)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass(frozen=True)
class Handover:
    """How long a camera may go unrecorded when its ingest worker goes, from the settings."""

    #: A lease round (renewal, heartbeat, claims).
    renew_s: float
    #: The segment target: a segment is cut at the first keyframe past it (< 2 targets long).
    segment_s: float
    #: From a worker's loss (dead, or cut off from the quorum: its last renewal is at most a
    #: round before) to another holding its leases: the lease and heartbeat TTLs, then the
    #: claim round woken at the expiry, which can wait up to the JetStream API timeout on the
    #: lease bucket (its leader may have been on the node cut off: elected again within
    #: nats-server's 4-9 s election timeout, then catching up).
    takeover_s: float
    #: From a claim to the session's first keyframe: it connects (``rtsp_timeout_s``) and
    #: starts at a keyframe (within a segment).
    first_segment_s: float
    #: Every camera of the platform.
    cameras: tuple[str, ...]

    #: A worker that cannot renew stops its sessions this long after its last renewal.
    fence_s: float

    def allow(
        self,
        case: Case,
        victims: list[str],
        since: dt.datetime,
        lost_at: dt.datetime,
        repaired: dt.datetime,
        after: tuple[float, float],
    ) -> None:
        """The gaps of a worker's loss at ``lost_at``: its cameras' from ``since`` (where their
        index must reach) to the takeover's first keyframe; after the repair, within
        ``after[0]`` s of it, each camera's at most ``after[1]`` s (a camera the rejoin moves:
        its session stops, then the other worker claims it)."""
        case.allow(
            victims, since, lost_at + dt.timedelta(seconds=self.takeover_s + self.first_segment_s)
        )
        case.allow(
            self.cameras,
            repaired,
            repaired + dt.timedelta(seconds=after[0]),
            dt.timedelta(seconds=after[1]),
        )

    @property
    def moved_s(self) -> float:
        """A camera the rejoin moves: released (its session stops, then its lease goes), then
        claimed by the other worker, woken by the deletion or at its next round, whose session
        starts."""
        return self.renew_s + self.first_segment_s

    @property
    def refenced_s(self) -> float:
        """A camera whose worker could not renew for ``fence_s`` (the lease bucket electing its
        leaders again after a heal): fenced, then claimed once its lease expires, the TTL
        after the last renewal (a round), and its session starts."""
        return INGEST_LEASES_KV.ttl_s - self.fence_s + self.renew_s + self.first_segment_s

    def allow_bus_outage(self, case: Case, began: dt.datetime, back: dt.datetime) -> None:
        """The gaps of the lease bucket answering no one from ``began`` to ``back`` (NATS
        restarted, a node lost or healed: the R3 leaders elected again): a worker that cannot
        renew for ``fence_s`` fences, and the camera is claimed again once the bucket answers
        and the lease is past its TTL. Each camera at most one such gap (``refenced_s``), until
        a renewal failing at ``back`` would be fenced and taken over."""
        end = back + dt.timedelta(seconds=self.fence_s + self.takeover_s + self.first_segment_s)
        case.allow(self.cameras, began, end, dt.timedelta(seconds=self.refenced_s))

    def killed(self, at: dt.datetime) -> dt.datetime:
        """Where the index of a SIGKILLed worker's camera reaches: the segment it was cutting is
        lost (a segment is cut at the first keyframe past the target: < 2 targets)."""
        return at - dt.timedelta(seconds=2 * self.segment_s)

    def fenced(self, cut_at: dt.datetime) -> dt.datetime:
        """Where the index of a cut-off worker's camera reaches: its last renewal is at most a
        round before the cut, its fence ``fence_s`` after it, and its segments until then are
        spooled and handed off after the heal (but the one it was cutting)."""
        return cut_at + dt.timedelta(seconds=self.fence_s - self.renew_s - 2 * self.segment_s)


def handover(platform: Platform) -> Handover:
    """The bounds of :class:`Handover` for the platform's workers' settings."""
    s = ingest_settings(platform, INGEST_WORKERS[0])
    return Handover(
        renew_s=s.lease_renew_s,
        segment_s=s.segment_target_s,
        takeover_s=max(INGEST_LEASES_KV.ttl_s, INGEST_WORKERS_KV.ttl_s)
        + s.lease_renew_s
        + JS_API_TIMEOUT_S,
        first_segment_s=s.rtsp_timeout_s + s.segment_target_s,
        fence_s=s.lease_fence_s,
        cameras=tuple(platform.camera_ids),
    )
