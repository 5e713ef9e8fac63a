"""Composition root of the live edge: WebRTC viewers of live cameras (issue 13, ADR 0022)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib.metadata import version

from tncam_live.api.control import subscribe_control
from tncam_live.api.rpc import add_endpoints
from tncam_live.bus.live import LiveBus
from tncam_live.media.peer import configure_aiortc
from tncam_live.metrics import LiveMetrics
from tncam_live.service import sessions
from tncam_live.service.context import LiveContext
from tncam_live.service.fanout import FanOuts
from tncam_live.settings import LiveSettings
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, run_service

log = logging.getLogger("tncam.live")


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[LiveSettings]) -> AsyncIterator[None]:
    """Set aiortc up; serve open_session and this replica's control subject; end all at exit."""
    settings = rt.settings
    ns = settings.nats_namespace
    metrics = LiveMetrics(rt.metrics.registry)

    def on_pack(codec: str, reused: bool) -> None:
        (metrics.packet_reuses if reused else metrics.packetizations).labels(codec=codec).inc()

    configure_aiortc(
        host_addresses=settings.host_addresses,
        retransmission_history=settings.retransmission_history,
        on_pack=on_pack,
    )
    bus = LiveBus(rt.bus.nc, ns, settings.replica_id)
    ctx = LiveContext(
        settings=settings,
        metrics=metrics,
        fanouts=FanOuts(settings, metrics, bus, rt.spawn),
        spawn=rt.spawn,
    )
    control = await subscribe_control(rt.bus.nc, ctx, ns)
    rpc = RpcService(rt.bus, name="live", version=version("tncam-live"), namespace=ns)
    await rpc.start()
    await add_endpoints(rpc, ctx)
    log.info("live edge ready as replica %s", settings.replica_id)
    try:
        yield
    finally:
        await rpc.stop()
        await sessions.close_all(ctx, timeout=max(1.0, settings.shutdown_grace_s - 3.0))
        await control.unsubscribe()
        await ctx.fanouts.stop_all()


def main() -> None:
    """Run the live edge."""
    run_service(LiveSettings, lifespan)
