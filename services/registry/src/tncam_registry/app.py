"""Composition root of the registry service: communes, units, cameras, state (issue 3)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from nats.js.kv import KeyValue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_contracts.catalog import (
    AUDIT_EVENT_RECORDED,
    AUDIT_STREAM,
    CAMERA_CONFIG_KV,
    CAMERA_STREAM,
    DEADLETTER_STREAM,
    GATEWAY_STREAM,
    REGISTRY_STREAM,
)
from tncam_mesh.jetstream import ensure_kv
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database
from tncam_mesh.workers import ProcessWorker
from tncam_registry.api.rpc import add_endpoints
from tncam_registry.bus.outbox import Outbox, OutboxRelay
from tncam_registry.clients.mail import Mailer, SmtpConfig
from tncam_registry.clients.onvif import Limits, OnvifClient
from tncam_registry.clients.webhook import WebhookSender
from tncam_registry.consumers.notify import run_breach_consumer, run_grant_consumer
from tncam_registry.consumers.quality import run_quality_consumer
from tncam_registry.consumers.stats import run_stats_consumer
from tncam_registry.consumers.status import run_status_consumer
from tncam_registry.db.credentials import CredentialBox
from tncam_registry.domain.calendar import WorkingCalendar
from tncam_registry.domain.connection import FlapPolicy
from tncam_registry.domain.onvif import SecurityPolicy, read_default_credentials
from tncam_registry.metrics import RegistryMetrics
from tncam_registry.service.configs import reconcile_kv
from tncam_registry.service.connection import sweep
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.gauges import refresh_gauges
from tncam_registry.service.imports import start_worker
from tncam_registry.service.notify import SecretBox
from tncam_registry.service.notify_delivery import Notifier, deadline_notices, dispatch
from tncam_registry.service.onvif_probe import reprobe_due
from tncam_registry.service.reference import seed
from tncam_registry.settings import RegistrySettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
DEFAULT_CREDENTIALS = Path(__file__).resolve().parent / "data" / "onvif_default_credentials.json"
VERSION = "0.1.0"
#: A KV reconcile interval of 0 means "only at start" (in practice: once a year).
_RARELY_S = 365 * 86400.0


def calendar_from(settings: RegistrySettings) -> WorkingCalendar:
    """The working-day calendar with the settings' per-year overrides."""
    return WorkingCalendar.with_overrides(
        {y: (o.days_off, o.working_days) for y, o in settings.calendar_overrides.items()}
    )


def build_context(
    rt: Runtime[RegistrySettings],
    sessions: async_sessionmaker[AsyncSession],
    relay: OutboxRelay,
    metrics: RegistryMetrics,
) -> RegistryContext:
    """The registry's context from its settings and adapters."""
    settings = rt.settings
    ns = settings.nats_namespace
    return RegistryContext(
        sessions=sessions,
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
        import_worker=ProcessWorker(
            "registry.import_cameras", timeout_s=settings.import_parse_timeout_s
        ),
        onvif=OnvifClient(Limits(settings.onvif_timeout_s, settings.onvif_max_response_bytes)),
        security=SecurityPolicy(
            max_clock_drift_s=settings.onvif_max_clock_drift_s,
            min_firmware=settings.onvif_min_firmware,
            plain_http_fails=settings.onvif_plain_http_fails,
        ),
        default_credentials=read_default_credentials(
            Path(settings.onvif_default_credentials_file or DEFAULT_CREDENTIALS)
        ),
        require_assessment=settings.require_security_assessment,
        discovery_enabled=settings.discovery_enabled,
        discovery_port=settings.discovery_port,
        ptz_min_interval_s=settings.ptz_min_interval_s,
    )


def build_notifier(settings: RegistrySettings, ctx: RegistryContext) -> Notifier:
    """The notification channels and retry policy from the settings (docs/adr/0025)."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    return Notifier(
        mailer=Mailer(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                tls=settings.smtp_tls,
                sender=settings.smtp_from,
                username=settings.smtp_user,
                password=password,
                ca_file=settings.smtp_ca_file,
                timeout_s=settings.smtp_timeout_s,
            )
        ),
        webhooks=WebhookSender(timeout_s=settings.webhook_timeout_s, clock=ctx.clock),
        secrets=SecretBox.from_key(settings.credentials_key.get_secret_value()),
        max_attempts=settings.notify_max_attempts,
        backoff_base_s=settings.notify_backoff_base_s,
        backoff_max_s=settings.notify_backoff_max_s,
        digest_hour=settings.notify_digest_hour,
    )


async def start_rpc(
    rt: Runtime[RegistrySettings], ctx: RegistryContext, notifier: Notifier
) -> RpcService:
    """Serve the registry's operations, timing each request."""
    rpc = RpcService(rt.bus, name="registry", version=VERSION, namespace=rt.settings.nats_namespace)
    requests = ctx.metrics.requests
    rpc.on_request = lambda op, outcome, s: requests.labels(operation=op, outcome=outcome).observe(
        s
    )
    await rpc.start()
    await add_endpoints(rpc, ctx, notifier.secrets)
    return rpc


def _spawn_loops(
    rt: Runtime[RegistrySettings],
    ctx: RegistryContext,
    relay: OutboxRelay,
    kv: KeyValue,
    notifier: Notifier,
) -> list[asyncio.Task[None]]:
    """Every background loop of the registry, supervised by the runtime."""
    settings = rt.settings
    tasks = [
        rt.spawn("import-worker-start", start_worker(ctx)),
        rt.spawn("outbox-relay", relay.run(rt.stopping)),
        rt.spawn("status-consumer", run_status_consumer(rt, ctx)),
        rt.spawn("stats-consumer", run_stats_consumer(rt, ctx)),
        rt.spawn("quality-consumer", run_quality_consumer(rt, ctx)),
        rt.every("sweep", settings.sweep_interval_s, functools.partial(sweep, ctx)),
        rt.spawn("notify-grants", run_grant_consumer(rt, ctx)),
        rt.spawn("notify-breaches", run_breach_consumer(rt, ctx)),
        rt.every(
            "notify-dispatch",
            settings.notify_dispatch_interval_s,
            functools.partial(dispatch, ctx, notifier),
        ),
        rt.every(
            "notify-deadlines",
            settings.notify_deadline_interval_s,
            functools.partial(deadline_notices, ctx, notifier),
        ),
        rt.every("gauges", settings.gauge_interval_s, functools.partial(refresh_gauges, ctx)),
        rt.every(
            "kv-reconcile",
            settings.kv_reconcile_interval_s or _RARELY_S,
            functools.partial(reconcile_kv, ctx, kv),
        ),
    ]
    if settings.onvif_reprobe_interval_s:
        every = dt.timedelta(seconds=settings.onvif_reprobe_interval_s)
        reprobe = functools.partial(
            reprobe_due, ctx, every, settings.onvif_reprobe_batch, rt.stopping
        )
        tasks.append(rt.every("onvif-reprobe", settings.onvif_reprobe_tick_s, reprobe))
    return tasks


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[RegistrySettings]) -> AsyncIterator[None]:
    """Open the schema, seed reference data, serve operations and consume camera events."""
    settings = rt.settings
    async with open_database(settings, rt.health, migrations=MIGRATIONS) as db:
        # CAMERA is ingest's stream, AUDIT and DEADLETTER everyone's: declaring them too
        # (same spec, idempotent) lets the registry start before the other services.
        await declare_streams(
            rt, REGISTRY_STREAM, CAMERA_STREAM, AUDIT_STREAM, GATEWAY_STREAM, DEADLETTER_STREAM
        )
        kv_spec = replace(
            CAMERA_CONFIG_KV.scoped(settings.nats_namespace), replicas=settings.nats_replicas
        )
        kv = await rt.until_declared(
            f"KV bucket {kv_spec.bucket}", functools.partial(ensure_kv, rt.bus.js, kv_spec)
        )
        metrics = RegistryMetrics(rt.metrics.registry)
        relay = OutboxRelay(
            db.sessions,
            rt.bus,
            kv,
            on_published=lambda kind: metrics.published.labels(kind=kind).inc(),
        )
        ctx = build_context(rt, db.sessions, relay, metrics)
        await seed(ctx)
        notifier = build_notifier(settings, ctx)
        rpc = await start_rpc(rt, ctx, notifier)
        tasks = _spawn_loops(rt, ctx, relay, kv, notifier)
        try:
            yield
        finally:
            await rpc.stop()
            ctx.import_worker.close()  # an import still being read is abandoned
            # Finish in-flight work before the engine goes away (bounded by the shutdown grace).
            await asyncio.wait(tasks, timeout=settings.shutdown_grace_s / 2)
            await notifier.webhooks.close()


def main() -> None:
    """Run the registry service."""
    run_service(RegistrySettings, lifespan)
