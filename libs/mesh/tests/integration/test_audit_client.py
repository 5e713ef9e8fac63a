"""The audit client publishes to the AUDIT stream and fails closed when it cannot."""

from __future__ import annotations

import pytest

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam_contracts.catalog import AUDIT_EVENT_RECORDED, AUDIT_STREAM
from tncam_mesh.audit import Actor, AuditClient, Role, new_event
from tncam_mesh.bus import Bus
from tncam_mesh.errors import UnavailableError
from tncam_mesh.jetstream import ensure_stream

pytestmark = pytest.mark.integration


def _event() -> pb.AuditEvent:
    return new_event(
        action="registry.camera.update",
        actor=Actor(
            id="u1", display_name="Nguyễn Văn A", unit_id="01", role=Role.ROLE_UNIT_OPERATOR
        ),
        source_service="registry",
        cameras=["CAM-01-001"],
        data_categories=[pb.DATA_CATEGORY_CONFIGURATION],
        before={"name": "Cổng UBND", "rtsp_password": "hunter2"},
        after={"name": "Cổng UBND xã", "credentials": {"user": "admin", "password": "x"}},
    )


async def test_record_lands_once_in_the_audit_stream_without_secrets(bus: Bus, ns: str) -> None:
    await ensure_stream(bus.js, AUDIT_STREAM.scoped(ns))
    client = AuditClient(bus.js, service="registry", namespace=ns)
    event = _event()
    first = await client.record(event)
    again = await client.record(event)  # a producer's retry is deduplicated by event_id
    assert not first.duplicate
    assert again.duplicate
    assert first.stream == AUDIT_STREAM.scoped(ns).name
    sub = await bus.js.pull_subscribe(AUDIT_EVENT_RECORDED.filter(ns), durable=None)
    msgs = await sub.fetch(2, timeout=2)
    assert len(msgs) == 1
    got = pb.AuditEvent.FromString(msgs[0].data)
    assert got.event_id == event.event_id
    assert got.actor.display_name == "Nguyễn Văn A"
    assert "hunter2" not in got.before_json
    assert '"password": "***"' not in got.after_json  # the whole credentials object is masked
    assert '"credentials": "***"' in got.after_json
    assert msgs[0].headers is not None
    assert msgs[0].headers["Nats-Msg-Id"] == event.event_id


async def test_record_fails_closed_when_the_audit_stream_is_missing(bus: Bus, ns: str) -> None:
    client = AuditClient(bus.js, service="gateway", namespace=ns)
    with pytest.raises(UnavailableError) as err:
        await client.record(_event(), timeout=1.0)
    assert err.value.code == "audit.publish.unavailable"
    assert err.value.retryable
