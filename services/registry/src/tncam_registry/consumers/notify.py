"""Consumers of the events that concern a unit: the gateway's grants, the audit service's own
events (a breach recorded). The notices are committed before the message is acked."""

from __future__ import annotations

from tncam.audit.v1 import audit_event_pb2
from tncam.gateway.v1 import grant_pb2
from tncam_contracts.catalog import AUDIT_EVENT_RECORDED, AUDIT_STREAM, GATEWAY_STREAM, GRANT_ISSUED
from tncam_mesh.consumer import Delivery
from tncam_mesh.jetstream import ConsumerSpec, DeliverPolicy
from tncam_mesh.runtime import Runtime
from tncam_registry.service import notify_events
from tncam_registry.service.context import RegistryContext
from tncam_registry.settings import RegistrySettings

GRANTS_DURABLE = "registry-notify-grants"
BREACHES_DURABLE = "registry-notify-audit"


async def run_grant_consumer(rt: Runtime[RegistrySettings], ctx: RegistryContext) -> None:
    """Tell the owning unit of every grant on its footage."""
    ns = rt.settings.nats_namespace

    async def handle(d: Delivery) -> None:
        msg = d.decode(grant_pb2.GrantIssued)
        if not msg.unit_id:
            msg.unit_id = GRANT_ISSUED.key_of(d.subject, ns)
        await notify_events.grant_issued(ctx, msg)

    await rt.consume(
        GATEWAY_STREAM,
        ConsumerSpec(
            durable=GRANTS_DURABLE,
            filter_subjects=(GRANT_ISSUED.filter(ns),),
            description="registry: notices of grants to the owning units",
            max_deliver=10,
            # Created once, at the first start with notifications: history is not re-told.
            deliver_policy=DeliverPolicy.NEW,
        ),
        handle,
    )


async def run_breach_consumer(rt: Runtime[RegistrySettings], ctx: RegistryContext) -> None:
    """Tell the units named by a breach the audit service records."""
    ns = rt.settings.nats_namespace

    async def handle(d: Delivery) -> None:
        await notify_events.audit_recorded(ctx, d.decode(audit_event_pb2.AuditEvent))

    await rt.consume(
        AUDIT_STREAM,
        ConsumerSpec(
            durable=BREACHES_DURABLE,
            # Only the audit service's own events (breaches, checkpoints), not every service's.
            filter_subjects=(AUDIT_EVENT_RECORDED.subject("audit", ns),),
            description="registry: notices of breaches to the units involved",
            max_deliver=10,
            # Created once, at the first start with notifications: history is not re-told.
            deliver_policy=DeliverPolicy.NEW,
        ),
        handle,
    )
