"""Grant validation and purpose of access (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.domain.grants import GrantRequest, validate
from tncam_gateway.domain.purpose import PURPOSE_PB, MissingPurposeError, PurposeOfAccess
from tncam_gateway.domain.roles import GrantScope, LegalBasis, Role
from tncam_mesh.errors import InvalidInputError

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
BASE = GrantRequest(
    grantee_id="a",
    legal_basis=LegalBasis.EMERGENCY_COMMAND,
    reason="Chỉ huy khẩn cấp",
    camera_ids=("cam-1",),
    footage_from=NOW - timedelta(hours=3),
    footage_to=NOW,
    scopes=frozenset({GrantScope.VIEW}),
    expires_at=NOW + timedelta(hours=4),
)


def test_valid_break_glass() -> None:
    validate(BASE, grantee_role=Role.PROVINCE_ADMIN, now=NOW)


@pytest.mark.parametrize(
    ("change", "role", "code"),
    [
        ({"legal_basis": LegalBasis.INCIDENT_FIX}, Role.PROVINCE_ADMIN, "ticket_required"),
        ({"legal_basis": LegalBasis.WRITTEN_REQUEST}, Role.PROVINCE_ADMIN, "document_required"),
        ({}, Role.UNIT_OPERATOR, "grantee_role"),
        (
            {
                "legal_basis": LegalBasis.COMMITTEE_APPROVAL,
                "document_number": "1/QD",
                "document_issuer": "UBND tỉnh",
                "document_date": date(2026, 11, 1),
            },
            Role.PROVINCE_ADMIN,
            "grantee_role",
        ),
        ({"camera_ids": ()}, Role.PROVINCE_ADMIN, "cameras_required"),
        ({"camera_ids": ("a", "a")}, Role.PROVINCE_ADMIN, "cameras_invalid"),
        ({"footage_to": NOW - timedelta(hours=4)}, Role.PROVINCE_ADMIN, "range_invalid"),
        ({"scopes": frozenset()}, Role.PROVINCE_ADMIN, "scope_required"),
        ({"expires_at": NOW}, Role.PROVINCE_ADMIN, "expiry_past"),
        ({"expires_at": NOW + timedelta(days=8)}, Role.PROVINCE_ADMIN, "expiry_too_far"),
        ({"reason": " "}, Role.PROVINCE_ADMIN, "reason_required"),
        (
            {
                "legal_basis": LegalBasis.WRITTEN_REQUEST,
                "document_number": "1",
                "document_issuer": "CA",
                "document_date": date(2026, 12, 1),
            },
            Role.PROVINCE_ADMIN,
            "document_date_future",
        ),
    ],
)
def test_invalid_grants(change: dict[str, object], role: Role, code: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        validate(replace(BASE, **change), grantee_role=role, now=NOW)  # type: ignore[arg-type]
    assert e.value.code == f"gateway.grant.{code}"


def committee_approval(number: str, signed: date, **change: object) -> GrantRequest:
    """``BASE`` under a decision of the Provincial People's Committee numbered and signed so."""
    return replace(  # type: ignore[arg-type]
        BASE,
        legal_basis=LegalBasis.COMMITTEE_APPROVAL,
        document_number=number,
        document_issuer="UBND tỉnh Thái Nguyên",
        document_date=signed,
        **change,
    )


def test_committee_approval_for_a_unit_user() -> None:
    req = committee_approval("123/QĐ-UBND", date(2026, 11, 20), expires_at=NOW + timedelta(days=60))
    validate(req, grantee_role=Role.UNIT_VIEWER, now=NOW)


def test_a_document_dated_today_in_vietnam_is_not_ahead_after_17_utc() -> None:
    # 17:30 UTC on 22 November is 00:30 on 23 November in Thái Nguyên: a document signed that
    # day is not "in the future" (the CI run of this check at 17:45 UTC refused it).
    late = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    req = committee_approval(
        "124/QĐ-UBND",
        date(2026, 11, 23),
        footage_from=late - timedelta(hours=3),
        footage_to=late,
        expires_at=late + timedelta(days=60),
    )
    validate(req, grantee_role=Role.UNIT_VIEWER, now=late)
    with pytest.raises(InvalidInputError) as e:
        validate(
            replace(req, document_date=date(2026, 11, 24)), grantee_role=Role.UNIT_VIEWER, now=late
        )
    assert e.value.code == "gateway.grant.document_date_future"


def test_purpose_required_and_other_needs_text() -> None:
    with pytest.raises(MissingPurposeError) as e:
        PurposeOfAccess.parse(None, None)
    assert e.value.http_status == 400
    assert e.value.code == "gateway.footage.purpose_required"
    with pytest.raises(InvalidInputError, match="purpose_text"):
        PurposeOfAccess.parse("other", "")
    with pytest.raises(InvalidInputError):
        PurposeOfAccess.parse("curiosity", None)
    p = PurposeOfAccess.parse("citizen_service", "Phản ánh của người dân")
    assert PURPOSE_PB[p.code] == apb.PURPOSE_CODE_OTHER
    assert p.audit_text() == "citizen_service: Phản ánh của người dân"
    assert PurposeOfAccess.parse("traffic_safety", None).audit_text() == ""
