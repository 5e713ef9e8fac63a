"""The mesh audit client carries what the audit log's views are keyed by."""

from __future__ import annotations

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import log_entry_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.domain.entries import columns_of
from tncam_mesh.audit import new_event


def test_new_event_sets_owning_units_basis_and_grant() -> None:
    e = new_event(
        action="footage.export.created",
        actor=actor_pb2.Actor(id="op", unit_id="so-tttt", role=actor_pb2.ROLE_PROVINCE_ADMIN),
        source_service="gateway",
        cameras=["CAM-9"],
        target_unit_ids=["xa-a"],
        legal_basis=pb.LEGAL_BASIS_WRITTEN_REQUEST,
        grant_id="grant-1",
        client_address="203.0.113.9",
        data_categories=[pb.DATA_CATEGORY_IMAGE],
        purpose_code=pb.PURPOSE_CODE_CASE_INVESTIGATION,
    )
    assert list(e.target_unit_ids) == ["xa-a"]
    assert (e.grant_id, e.client_address) == ("grant-1", "203.0.113.9")
    cols = columns_of(log_entry_pb2.LogEntry(sequence=1, event=e))
    assert cols[10] == "written_request"
    assert cols[12] == ["xa-a"]
