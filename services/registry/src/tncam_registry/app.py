"""Composition root of the registry service: communes, units, cameras, state (issue 3)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from nats.js.kv import KeyValue

from tncam_contracts.catalog import (
    AUDIT_EVENT_RECORDED,
    AUDIT_STREAM,
    CAMERA_CONFIG_KV,
    CAMERA_STREAM,
    DEADLETTER_STREAM,
    REGISTRY_STREAM,
)
from tncam_mesh.errors import TncamError
from tncam_mesh.jetstream import ensure_kv
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, declare_streams, run_service, wait_or_stop
from tncam_mesh.service_db import open_database
from tncam_registry.api.rpc import add_endpoints
from tncam_registry.bus.outbox import Outbox, OutboxRelay
from tncam_registry.consumers.status import run_stats_consumer, run_status_consumer
from tncam_registry.crypto import CredentialBox
from tncam_registry.domain.calendar import WorkingCalendar
from tncam_registry.domain.connection import FlapPolicy
from tncam_registry.metrics import RegistryMetrics
from tncam_registry.service import Registry
from tncam_registry.settings import RegistrySettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"
log = logging.getLogger("tncam.registry")


def calendar_from(settings: RegistrySettings) -> WorkingCalendar:
    """The working-day calendar with the settings' per-year overrides."""
    return WorkingCalendar.with_overrides(
        {y: (o.days_off, o.working_days) for y, o in settings.calendar_overrides.items()}
    )


async def _every(
    stop: asyncio.Event, interval: float, name: str, work: Callable[[], Awaitable[object]]
) -> None:
    """Run ``work`` every ``interval`` seconds until ``stop``; failures are logged and retried."""
    while not stop.is_set():
        try:
            await work()
        except (TncamError, OSError, Exception) as e:  # a failed round must not stop the loop
            log.warning("%s failed: %s", name, e)
        await wait_or_stop(stop, interval)


async def reconcile_kv(registry: Registry, kv: KeyValue) -> int:
    """Make the camera_config bucket match the database (after a lost bucket, a missed put)."""
    want = await registry.active_configs()
    try:
        have = set(await kv.keys())
    except Exception:  # nats raises NoKeysError on an empty bucket
        have = set()
    fixed = 0
    for key in sorted(have - set(want)):
        await kv.delete(key)
        fixed += 1
    for key, config in want.items():
        try:
            entry = await kv.get(key)
            current = entry.value or b""
        except Exception:
            current = b""
        data = config.SerializeToString(deterministic=True)
        if current != data:
            await kv.put(key, data)
            fixed += 1
    if fixed:
        log.info("camera_config KV reconciled: %d keys fixed", fixed)
    return fixed


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[RegistrySettings]) -> AsyncIterator[None]:
    """Open the schema, seed reference data, serve operations and consume camera events."""
    settings = rt.settings
    ns = settings.nats_namespace
    async with open_database(settings, rt.health, migrations=MIGRATIONS) as db:
        # CAMERA is ingest's stream, AUDIT and DEADLETTER everyone's: declaring them too
        # (same spec, idempotent) lets the registry start before the other services.
        await declare_streams(rt, REGISTRY_STREAM, CAMERA_STREAM, AUDIT_STREAM, DEADLETTER_STREAM)
        kv = await ensure_kv(rt.bus.js, CAMERA_CONFIG_KV.scoped(ns))

        metrics = RegistryMetrics(rt.metrics.registry)
        relay = OutboxRelay(
            db.sessions,
            rt.bus,
            kv,
            on_published=lambda kind: metrics.published.labels(kind=kind).inc(),
        )
        registry = Registry(
            sessions=db.sessions,
            box=CredentialBox(settings.credentials_key.get_secret_value()),
            calendar=calendar_from(settings),
            outbox=Outbox(ns, audit_subject=AUDIT_EVENT_RECORDED.subject("registry", ns)),
            relay=relay,
            metrics=metrics,
            policy=FlapPolicy(
                max_disconnects_24h=settings.unstable_max_disconnects_24h,
                min_uptime=settings.unstable_min_uptime,
            ),
            fault_after=dt.timedelta(seconds=settings.fault_after_s),
            handover_grace=dt.timedelta(seconds=settings.handover_grace_s),
        )
        await registry.seed()

        rpc = RpcService(rt.bus, name="registry", version=VERSION, namespace=ns)
        metrics_req = metrics.requests
        rpc.on_request = lambda op, outcome, s: metrics_req.labels(
            operation=op, outcome=outcome
        ).observe(s)
        await rpc.start()
        await add_endpoints(rpc, registry)

        stop = rt.stopping
        tasks = [
            rt.spawn("outbox-relay", relay.run(stop)),
            rt.spawn("status-consumer", run_status_consumer(rt, registry)),
            rt.spawn("stats-consumer", run_stats_consumer(rt, registry)),
            rt.spawn("sweeper", _every(stop, settings.sweep_interval_s, "sweep", registry.sweep)),
            rt.spawn(
                "gauges",
                _every(stop, settings.gauge_interval_s, "gauges", registry.refresh_gauges),
            ),
            rt.spawn(
                "kv-reconcile",
                _every(
                    stop,
                    settings.kv_reconcile_interval_s or 365 * 86400.0,
                    "kv reconcile",
                    lambda: reconcile_kv(registry, kv),
                ),
            ),
        ]
        try:
            yield
        finally:
            await rpc.stop()
            # Finish in-flight work before the engine goes away (bounded by the shutdown grace).
            await asyncio.wait(tasks, timeout=settings.shutdown_grace_s / 2)


def main() -> None:
    """Run the registry service."""
    run_service(RegistrySettings, lifespan)
