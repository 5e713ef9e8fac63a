"""Legal hold -> sweep skips -> release -> sweep deletes every version; decommission certificate."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from minio.error import S3Error

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts.catalog import (
    RECORDING_DECOMMISSION,
    RECORDING_PLACE_LEGAL_HOLD,
    RECORDING_RELEASE_LEGAL_HOLD,
)
from tncam_mesh.audit import AuditClient
from tncam_mesh.errors import ConflictError, InvalidInputError, UnavailableError
from tncam_mesh.rpc import call
from tncam_recorder.domain.keys import camera_prefix
from tncam_recorder.domain.signing import load_public_key, verify
from tncam_recorder.service.sweep import sweep

from .conftest import ADMIN, OFFICER, T0, Harness, held_in_store, versions

pytestmark = pytest.mark.integration


def _ts(t: dt.datetime) -> object:
    from google.protobuf.timestamp_pb2 import Timestamp

    ts = Timestamp()
    ts.FromDatetime(t)
    return ts


async def test_hold_survives_sweep_then_release_deletes_all_versions(harness: Harness) -> None:
    h = harness
    cam, other = h.camera(1), h.camera(2)
    await h.write_direct(cam, 4, T0)
    await h.write_direct(other, 1, T0)
    hold = await call(
        h.bus,
        RECORDING_PLACE_LEGAL_HOLD,
        api.PlaceLegalHoldRequest(
            case_reference="VV-2026-0142",
            authority="Công an tỉnh Thái Nguyên",
            reason="Điều tra vụ trộm xe máy",
            camera_ids=[cam],
            start=_ts(T0 + dt.timedelta(seconds=2)),
            end=_ts(T0 + dt.timedelta(seconds=4)),
            actor=OFFICER,
            document_number="125/CV-CSĐT",
        ),
        api.LegalHoldReply,
        namespace=h.ns,
    )
    assert hold.segments_changed == 2
    rows = await h.rows(cam)
    held = [r for r in rows if r.held]
    assert [r.start_at for r in held] == [T0 + dt.timedelta(seconds=s) for s in (2, 3)]
    client = h.endpoint.client()
    bucket = h.rec.store.bucket
    for r in rows:
        assert held_in_store(h, r.object_key, r.version_id) == r.held
    # WORM: a held version cannot be deleted by version id, whatever the index says.
    with pytest.raises(S3Error):
        client.remove_object(bucket, held[0].object_key, held[0].version_id)
    # An overwrite and a delete marker leave more versions of an unheld key behind.
    loose = rows[0]
    client.put_object(bucket, loose.object_key, io.BytesIO(b"overwrite"), 9)
    client.remove_object(bucket, loose.object_key)

    # Not expired yet: nothing goes.
    assert (await sweep(h.rec, now=T0 + dt.timedelta(days=29))).segments == 0
    result = await sweep(h.rec, now=T0 + dt.timedelta(days=31))
    assert result.segments == 3  # two unheld of cam, one of other
    assert [r.start_at for r in await h.rows(cam)] == [r.start_at for r in held]
    assert versions(h, loose.object_key) == []
    assert versions(h, camera_prefix(other)) == []  # its init segment went too
    for r in held:
        assert [v.version_id for v in versions(h, r.object_key)] == [r.version_id]

    released = await call(
        h.bus,
        RECORDING_RELEASE_LEGAL_HOLD,
        api.ReleaseLegalHoldRequest(
            hold_id=hold.hold.hold_id, reason="Vụ án đã đóng (QĐ 12/QĐ-CA)", actor=OFFICER
        ),
        api.LegalHoldReply,
        namespace=h.ns,
    )
    assert released.segments_changed == 2
    assert released.hold.HasField("released_at")
    with pytest.raises(ConflictError):
        await call(
            h.bus,
            RECORDING_RELEASE_LEGAL_HOLD,
            api.ReleaseLegalHoldRequest(hold_id=hold.hold.hold_id, reason="x", actor=OFFICER),
            api.LegalHoldReply,
            namespace=h.ns,
        )
    result = await sweep(h.rec, now=T0 + dt.timedelta(days=31))
    assert result.segments == 2
    assert await h.rows(cam) == []
    assert versions(h, camera_prefix(cam)) == []  # no recoverable leftover, init included

    events = await h.audit_events()
    actions = [e.action for e in events]
    assert actions.count("footage.legal_hold.placed") == 1
    assert actions.count("footage.legal_hold.released") == 1
    deleted = [e for e in events if e.action == "footage.retention.deleted"]
    assert {e.target.segments.camera_id for e in deleted} == {cam, other}
    first = json.loads(next(e for e in deleted if e.target.segments.camera_id == cam).after_json)
    assert first["segments"] == 2
    assert first["reason"] == "retention_expired"
    assert first["sites"] == list(h.rec.settings.storage_sites)
    placed = next(e for e in events if e.action == "footage.legal_hold.placed")
    assert json.loads(placed.after_json)["case_reference"] == "VV-2026-0142"
    assert placed.actor.id == OFFICER.id


async def test_sweep_fails_closed_without_audit(harness: Harness) -> None:
    h = harness
    cam = h.camera(3)
    await h.write_direct(cam, 2, T0)
    # An audit client whose stream does not exist: the log cannot accept the deletion record.
    h.rec.audit = AuditClient(h.bus.js, service="recorder", namespace=f"{h.ns}x")
    with pytest.raises(UnavailableError) as err:
        await sweep(h.rec, now=T0 + dt.timedelta(days=60))
    assert err.value.code == "audit.publish.unavailable"
    assert len(await h.rows(cam)) == 2
    assert len([v for v in versions(h, camera_prefix(cam)) if not v.is_dir]) == 3


async def test_decommission_issues_a_signed_certificate(harness: Harness) -> None:
    h = harness
    cam, held_cam = h.camera(4), h.camera(5)
    await h.write_direct(cam, 3, T0)
    await h.write_direct(held_cam, 1, T0)
    await call(
        h.bus,
        RECORDING_PLACE_LEGAL_HOLD,
        api.PlaceLegalHoldRequest(
            case_reference="VV-1",
            authority="Viện kiểm sát",
            reason="vụ việc",
            camera_ids=[held_cam],
            start=_ts(T0),
            end=_ts(T0 + dt.timedelta(hours=1)),
            actor=OFFICER,
            document_number="125/CV-CSĐT",
        ),
        api.LegalHoldReply,
        namespace=h.ns,
    )
    request = api.DecommissionRequest(
        scope=api.DECOMMISSION_SCOPE_CAMERA,
        camera_id=held_cam,
        reason="Camera tháo dỡ",
        document_reference="QĐ 123/QĐ-UBND",
        actor=ADMIN,
    )
    with pytest.raises(ConflictError) as err:
        await call(
            h.bus, RECORDING_DECOMMISSION, request, api.DeletionCertificateReply, namespace=h.ns
        )
    assert err.value.code == "recording.decommission.held"
    request.camera_id = cam
    request.ClearField("actor")
    with pytest.raises(InvalidInputError):
        await call(
            h.bus, RECORDING_DECOMMISSION, request, api.DeletionCertificateReply, namespace=h.ns
        )
    request.actor.CopyFrom(ADMIN)
    cert = await call(
        h.bus,
        RECORDING_DECOMMISSION,
        request,
        api.DeletionCertificateReply,
        namespace=h.ns,
        timeout=30,
    )
    assert cert.segments_deleted == 3
    assert cert.objects_deleted == 4  # three segments and the init segment
    assert versions(h, camera_prefix(cam)) == []
    assert await h.rows(cam) == []
    assert len(await h.rows(held_cam)) == 1
    key = load_public_key(cert.public_key)
    assert verify(key, cert.signature, cert.certificate_json.encode())
    assert not verify(key, cert.signature, cert.certificate_json.replace("3", "4").encode())
    body = json.loads(cert.certificate_json)
    assert body["camera_id"] == cam
    assert body["verification"]["remaining_versions"] == 0
    assert body["verification"]["remaining_index_rows"] == 0
    assert body["document_reference"] == "QĐ 123/QĐ-UBND"
    actions = [e.action for e in await h.audit_events()]
    assert "footage.decommission.started" in actions
    assert "footage.decommission.completed" in actions
    assert audit_pb.OUTCOME_SUCCESS
