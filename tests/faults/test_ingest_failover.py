"""Ingest failover: two worker processes, 8 cameras, one killed with SIGKILL.

Its cameras resume on the other worker within the lease TTL + 5 s, and no camera ever has two
RTSP sessions (the simulator samples each mount's live clients every 100 ms).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

import nats.js.errors
import pytest
from nats.aio.msg import Msg

from tncam.camera.v1 import lease_pb2, status_pb2
from tncam.registry.v1 import camera_config_pb2
from tncam_contracts.catalog import (
    CAMERA_CONFIG_KV,
    CAMERA_STATUS_CHANGED,
    INGEST_LEASES_KV,
)
from tncam_mesh.bus import connect
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.nats import NatsServer
from tncam_testkit.services import ServiceProcess

pytestmark = pytest.mark.faults

CAMERAS = 8
TTL_S = INGEST_LEASES_KV.ttl_s


def worker_env(nats: NatsServer, namespace: str, worker: str, spool: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats.url,
            "TNCAM_NATS_NAMESPACE": namespace,
            "TNCAM_LOG_LEVEL": "INFO",
            "TNCAM_INGEST_WORKER_ID": worker,
            "TNCAM_INGEST_SPOOL_DIR": str(spool),
            "TNCAM_INGEST_SEGMENT_TARGET_S": "2",
            "TNCAM_INGEST_SNAPSHOT_INTERVAL_S": "30",
        }
    )
    return env


async def test_sigkilled_worker_cameras_resume_on_the_other_without_double_sessions(
    nats_server: NatsServer, namespace: str, tmp_path: Path, camera_fleet: CameraSimulator
) -> None:
    bus = await connect(nats_server.url, name="ingest-e2e")
    connected_by: dict[str, list[tuple[float, str]]] = {}
    loop = asyncio.get_running_loop()

    async def on_status(msg: Msg) -> None:
        st = status_pb2.CameraStatusChanged.FromString(msg.data)
        if st.state == status_pb2.CONNECTION_STATE_CONNECTED:
            connected_by.setdefault(st.camera_id, []).append((loop.time(), st.worker_id))

    sub = await bus.nc.subscribe(CAMERA_STATUS_CHANGED.filter(namespace), cb=on_status)
    procs: dict[str, ServiceProcess] = {}
    with CameraSimulator(
        tmp_path / "sim", cameras=CAMERAS, h264_cameras=(), clips=camera_fleet.clips
    ) as sim:
        try:
            kv = await bus.js.create_key_value(bucket=CAMERA_CONFIG_KV.scoped(namespace).bucket)
            for n in range(1, CAMERAS + 1):
                cfg = camera_config_pb2.CameraIngestConfig(
                    camera_id=f"cam{n}", revision=1, active=True, rtsp_url=sim.url(n)
                )
                await kv.put(f"cam{n}", cfg.SerializeToString())
            for name in ("wa", "wb"):
                proc = ServiceProcess(
                    "ingest",
                    env=worker_env(nats_server, namespace, name, tmp_path / f"spool-{name}"),
                    log_dir=tmp_path / f"logs-{name}",
                )
                await asyncio.to_thread(proc.start)
                procs[name] = proc
            leases = await bus.js.key_value(INGEST_LEASES_KV.scoped(namespace).bucket)

            async def holders() -> dict[str, str]:
                out: dict[str, str] = {}
                for n in range(1, CAMERAS + 1):
                    try:
                        e = await leases.get(f"cam{n}")
                    except nats.js.errors.NotFoundError:
                        continue
                    if e.value:
                        out[f"cam{n}"] = lease_pb2.IngestLease.FromString(e.value).worker_id
                return out

            # Every camera held and streaming, spread evenly (4 + 4).
            deadline = loop.time() + 40
            while True:
                held = await holders()
                spread = Counter(held.values())
                if (
                    len(held) == CAMERAS
                    and spread == Counter({"wa": 4, "wb": 4})
                    and all(f"cam{n}" in connected_by for n in range(1, CAMERAS + 1))
                ):
                    break
                assert loop.time() < deadline, (held, procs["wa"].log_tail())
                await asyncio.sleep(0.5)
            victim = [c for c, w in held.items() if w == "wa"]
            assert procs["wa"].proc is not None
            procs["wa"].proc.send_signal(signal.SIGKILL)
            killed_at = loop.time()
            # Every camera of the dead worker resumes on the survivor within TTL + 5 s.
            while True:
                resumed = {
                    c
                    for c in victim
                    if any(t > killed_at and w == "wb" for t, w in connected_by.get(c, []))
                }
                if resumed == set(victim):
                    break
                assert loop.time() - killed_at < TTL_S + 5, (
                    f"resumed only {sorted(resumed)} of {victim}:\n{procs['wb'].log_tail()}"
                )
                await asyncio.sleep(0.2)
            took = loop.time() - killed_at
            assert took < TTL_S + 5
            await asyncio.sleep(2.0)
            states = await asyncio.to_thread(sim.states)
            # Never two sessions on one camera, at any sample since the start.
            assert all(s["max_clients"] <= 1 for s in states), states
            assert all(s["clients"] == 1 for s in states), states
            assert Counter((await holders()).values()) == Counter({"wb": CAMERAS})
        finally:
            for proc in procs.values():
                await asyncio.to_thread(proc.stop)
            await sub.unsubscribe()
            await bus.close()
    print(f"failover: {len(victim)} cameras resumed in {took:.1f} s (TTL {TTL_S:.0f} s)")
