"""The list narrowing and the sign-in rules of the policy: who sees which part of a list, who
sees one grant, which grant each kind of account uses, who needs TOTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tncam_contracts.units import commune_unit_id
from tncam_gateway.domain.policy import (
    Principal,
    annual_report_listing,
    camera_listing,
    change_listing,
    export_listing,
    grant_listing,
    grant_visibility,
    mfa_required,
    uses_client_credentials,
)
from tncam_gateway.domain.roles import Role

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def who(role: Role) -> Principal:
    return Principal("acc-1", role, unit_id="U1", sector_code="traffic")


@pytest.mark.parametrize(
    ("role", "allowed", "unit", "sector"),
    [
        (Role.PROVINCE_ADMIN, True, None, None),
        (Role.APP_CLIENT, True, None, None),
        (Role.UNIT_OPERATOR, True, "U1", None),
        (Role.UNIT_VIEWER, True, "U1", None),
        (Role.SECTOR_OPERATOR, True, None, "traffic"),
        (Role.AUDITOR, False, None, None),
    ],
)
def test_camera_listing(role: Role, allowed: bool, unit: str | None, sector: str | None) -> None:
    listing = camera_listing(who(role))
    assert listing.decision.allowed is allowed
    assert (listing.unit_id, listing.sector) == (unit, sector)


@pytest.mark.parametrize(
    ("role", "allowed", "unit"),
    [
        (Role.PROVINCE_ADMIN, True, None),
        (Role.AUDITOR, True, None),
        (Role.UNIT_OPERATOR, True, "U1"),
        (Role.UNIT_VIEWER, False, None),
        (Role.SECTOR_OPERATOR, False, None),
        (Role.APP_CLIENT, False, None),
    ],
)
def test_grant_listing(role: Role, allowed: bool, unit: str | None) -> None:
    listing = grant_listing(who(role), now=NOW)
    assert listing.decision.allowed is allowed
    assert listing.unit_id == unit


def test_grant_visibility() -> None:
    assert grant_visibility(who(Role.AUDITOR), grantee_id="x", unit_ids=[]).allowed
    assert grant_visibility(who(Role.UNIT_VIEWER), grantee_id="acc-1", unit_ids=[]).allowed
    assert grant_visibility(who(Role.UNIT_OPERATOR), grantee_id="x", unit_ids=["U1"]).allowed
    denied = grant_visibility(who(Role.UNIT_OPERATOR), grantee_id="x", unit_ids=["U2"])
    assert denied.code == "gateway.authz.role_forbidden"


def test_export_listing() -> None:
    assert export_listing(who(Role.PROVINCE_ADMIN), now=NOW).requested_by is None
    operator = export_listing(who(Role.UNIT_OPERATOR), now=NOW)
    assert (operator.requested_by, operator.unit_id) == ("acc-1", "U1")
    viewer = export_listing(who(Role.UNIT_VIEWER), now=NOW)
    assert (viewer.requested_by, viewer.unit_id) == ("acc-1", None)


def test_sign_in_rules() -> None:
    assert uses_client_credentials(Role.APP_CLIENT)
    assert not uses_client_credentials(Role.UNIT_OPERATOR)
    assert mfa_required(Role.PROVINCE_ADMIN, enrolled=False)
    assert mfa_required(Role.UNIT_VIEWER, enrolled=True)
    # Every role that reads personal data (footage, the audit log, accounts) needs TOTP;
    # only the app client (a machine, client credentials) does not.
    for role in Role:
        assert mfa_required(role, enrolled=False) is (role is not Role.APP_CLIENT), role
    assert not mfa_required(Role.APP_CLIENT, enrolled=False)


def test_commune_unit_id() -> None:
    assert commune_unit_id("05512") == "commune-05512"


@pytest.mark.parametrize(
    ("role", "changes", "annual"),
    [
        (Role.PROVINCE_ADMIN, (True, None), (True, None)),
        (Role.APP_CLIENT, (False, None), (True, None)),
        (Role.AUDITOR, (True, None), (False, None)),
        (Role.UNIT_OPERATOR, (True, "U1"), (True, "U1")),
        (Role.UNIT_VIEWER, (True, "U1"), (True, "U1")),
        (Role.SECTOR_OPERATOR, (False, None), (False, None)),
    ],
)
def test_change_requests_and_annual_report_listings(
    role: Role, changes: tuple[bool, str | None], annual: tuple[bool, str | None]
) -> None:
    for listing, (allowed, unit) in (
        (change_listing(who(role)), changes),
        (annual_report_listing(who(role)), annual),
    ):
        assert listing.decision.allowed is allowed
        assert listing.unit_id == unit
