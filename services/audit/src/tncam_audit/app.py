"""Composition root of the audit service: the append-only, tamper-evident log (issue 6)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path

from tncam_audit.api.rpc import add_endpoints
from tncam_audit.consumers.sequencer import Sequencer
from tncam_audit.metrics import AuditMetrics
from tncam_audit.service import anchor, breaches, verification
from tncam_audit.service.context import AuditContext
from tncam_audit.settings import AuditSettings
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_contracts.catalog import AUDIT_STREAM, DEADLETTER_STREAM
from tncam_mesh.audit import AuditClient
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger("tncam.audit")


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[AuditSettings]) -> AsyncIterator[None]:
    """Open the schema, declare the streams, start the sequencer, the API and the schedules."""
    settings = rt.settings
    ns = settings.nats_namespace
    async with open_database(settings, rt.health, migrations=MIGRATIONS) as db:
        await declare_streams(rt, AUDIT_STREAM, DEADLETTER_STREAM)
        metrics = AuditMetrics(rt.metrics.registry)
        store = CheckpointStore(settings) if settings.s3_endpoint else None
        if store is None:
            log.warning(
                "no object store configured: checkpoints are kept in PostgreSQL only "
                "(set TNCAM_S3_ENDPOINT; refused in prod)"
            )
        sequencer = Sequencer(settings, rt.bus.js, metrics, rt.stopping)
        ctx = AuditContext(
            settings=settings,
            engine=db.engine,
            metrics=metrics,
            store=store,
            audit=AuditClient(rt.bus.js, service="audit", namespace=ns),
            writer=sequencer.is_leader,
        )
        rpc = RpcService(rt.bus, name="audit", version=version("tncam-audit"), namespace=ns)
        await rpc.start()
        await add_endpoints(rpc, ctx)
        tasks = [
            rt.spawn("sequencer", sequencer.run()),
            rt.every("anchor", settings.anchor_interval_s, lambda: anchor.anchor_round(ctx)),
            rt.every(
                "verify", settings.verify_interval_s, lambda: verification.scheduled_verify(ctx)
            ),
            rt.every(
                "breaches", settings.breach_check_interval_s, lambda: breaches.check_overdue(ctx)
            ),
        ]
        try:
            yield
        finally:
            await rpc.stop()
            # The sequencer finishes its batch (commit, acks); the others stop at once.
            await asyncio.wait(tasks, timeout=max(1.0, settings.shutdown_grace_s - 2.0))


def main() -> None:
    """Run the audit service."""
    run_service(AuditSettings, lifespan)
