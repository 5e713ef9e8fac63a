"""Composition root of the audit service: the append-only, tamper-evident log (issue 6)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib.metadata import version
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from tncam_audit.anchor import anchor_pending
from tncam_audit.api.handlers import AuditApi
from tncam_audit.appender import utc_now
from tncam_audit.breaches import BreachRegister
from tncam_audit.consumers.sequencer import Sequencer
from tncam_audit.db.pg import pooled
from tncam_audit.metrics import AuditMetrics
from tncam_audit.settings import AuditSettings
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_audit.verification import timed_verify
from tncam_contracts.catalog import AUDIT_STREAM, DEADLETTER_STREAM
from tncam_mesh.audit import AuditClient
from tncam_mesh.errors import ConfigurationError, TncamError
from tncam_mesh.rpc import RpcService
from tncam_mesh.runtime import Runtime, declare_streams, run_service, wait_or_stop
from tncam_mesh.service_db import open_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger("tncam.audit")


async def _every(
    stop: asyncio.Event, seconds: float, what: str, step: Callable[[], Awaitable[None]]
) -> None:
    """Run ``step`` now and then every ``seconds`` until stopped; failures are logged."""
    while not stop.is_set():
        try:
            await step()
        except ConfigurationError:
            raise
        except (TncamError, OSError, TimeoutError) as e:
            log.warning("%s failed: %s", what, e)
        except Exception as e:  # a database error type, a driver hiccup: retry next round
            if type(e).__module__.startswith(("asyncpg", "sqlalchemy")):
                log.warning("%s failed: %s", what, type(e).__name__)
            else:
                raise
        await wait_or_stop(stop, seconds)


class Background:
    """The periodic work of a replica: anchoring, scheduled verification, breach deadlines."""

    def __init__(
        self,
        settings: AuditSettings,
        engine: AsyncEngine,
        metrics: AuditMetrics,
        sequencer: Sequencer,
        store: CheckpointStore | None,
        register: BreachRegister,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.metrics = metrics
        self.sequencer = sequencer
        self.store = store
        self.register = register
        self.verifiers = settings.verifiers()  # parsed once
        self._bucket_ready = False

    async def anchor(self) -> None:
        """Leader: copy new checkpoints to the object store. Everyone: checkpoint gauges."""
        async with pooled(self.engine) as conn:
            if self.store is not None and self.sequencer.is_leader.is_set():
                if not self._bucket_ready:
                    await self.store.ensure_bucket()
                    self._bucket_ready = True
                try:
                    await anchor_pending(conn, self.store, self.metrics, utc_now)
                except TncamError:
                    self.metrics.anchor_failures.inc()
                    raise
            row = await conn.fetchrow(
                "SELECT tree_size, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1"
            )
            if row is not None:
                self.metrics.checkpoint_signed_at(row["signed_at"].timestamp())
            if not self.sequencer.is_leader.is_set():
                size = await conn.fetchval("SELECT tree_size FROM log_head WHERE id = 1")
                self.metrics.tree_size.set(size or 0)

    async def verify(self) -> None:
        """Scheduled full verification; failures count in tncam_audit_verify_failures_total."""
        try:
            async with pooled(self.engine) as conn:
                reply = await timed_verify(
                    conn, self.verifiers, self.settings.log_origin, store=self.store
                )
        except Exception:
            self.metrics.verify_failures.inc()
            self.metrics.verify_runs.labels(result="error").inc()
            raise
        self.metrics.verify_duration.set(reply.duration_s)
        self.metrics.verify_first_bad.set(reply.first_bad_sequence)
        if reply.ok:
            self.metrics.verify_runs.labels(result="ok").inc()
            self.metrics.verify_last_success.set(time.time())
            log.info(
                "audit log verified",
                extra={"tree_size": reply.tree_size, "duration_s": round(reply.duration_s, 3)},
            )
            return
        self.metrics.verify_failures.inc()
        self.metrics.verify_runs.labels(result="failed").inc()
        log.error(
            "AUDIT LOG VERIFICATION FAILED at sequence %d: %s",
            reply.first_bad_sequence,
            "; ".join(f"{p.sequence}: {p.detail}" for p in reply.problems[:5]),
            extra={"first_bad_sequence": reply.first_bad_sequence},
        )

    async def breaches(self) -> None:
        """Find overdue breaches."""
        async with pooled(self.engine) as conn:
            await self.register.check_overdue(conn)


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
        client = AuditClient(rt.bus.js, service="audit", namespace=ns)
        register = BreachRegister(client, metrics, utc_now)
        sequencer = Sequencer(settings, rt.bus.js, metrics, rt.stopping)
        background = Background(settings, db.engine, metrics, sequencer, store, register)
        rpc = RpcService(rt.bus, name="audit", version=version("tncam-audit"), namespace=ns)
        await rpc.start()
        await AuditApi(settings, db.engine, register, store).add_to(rpc)
        tasks = [
            rt.spawn("sequencer", sequencer.run()),
            rt.spawn(
                "anchor",
                _every(rt.stopping, settings.anchor_interval_s, "anchoring", background.anchor),
            ),
            rt.spawn(
                "verify",
                _every(rt.stopping, settings.verify_interval_s, "verification", background.verify),
            ),
            rt.spawn(
                "breaches",
                _every(
                    rt.stopping,
                    settings.breach_check_interval_s,
                    "breach deadlines",
                    background.breaches,
                ),
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
