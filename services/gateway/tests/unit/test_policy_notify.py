"""Who manages and reads a unit's notifications (ADR 0025): every role x own / other unit."""

from __future__ import annotations

import pytest

from tncam_gateway.domain.policy import (
    REQUIRED_ROLES,
    Access,
    Principal,
    decide_unit,
    notice_listing,
)
from tncam_gateway.domain.roles import Role

# role -> (manage own, manage other, read own, read other, list notices: "all" / "own" / "")
TABLE = {
    Role.PROVINCE_ADMIN: (True, True, True, True, "all"),
    Role.UNIT_OPERATOR: (True, False, True, False, "own"),
    Role.UNIT_VIEWER: (False, False, True, False, "own"),
    Role.SECTOR_OPERATOR: (False, False, False, False, ""),
    Role.AUDITOR: (False, False, True, True, "all"),
    Role.APP_CLIENT: (False, False, False, False, ""),
}


def test_table_covers_every_role() -> None:
    assert set(TABLE) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_notify_matrix(role: Role) -> None:
    p = Principal("acc-1", role, unit_id="U1", sector_code="traffic")
    manage_own, manage_other, read_own, read_other, listing = TABLE[role]
    assert decide_unit(p, Access.NOTIFY_ADMIN, "U1").allowed == manage_own
    assert decide_unit(p, Access.NOTIFY_ADMIN, "U2").allowed == manage_other
    assert decide_unit(p, Access.NOTIFY_READ, "U1").allowed == read_own
    assert decide_unit(p, Access.NOTIFY_READ, "U2").allowed == read_other
    got = notice_listing(p)
    assert got.decision.allowed == bool(listing)
    assert got.unit_id == ("U1" if listing == "own" else None)
    if not got.decision.allowed:
        assert got.decision.code.startswith("gateway.authz.")
    assert (role in REQUIRED_ROLES[Access.NOTIFY_ADMIN]) == manage_own
    assert (role in REQUIRED_ROLES[Access.NOTIFY_READ]) == read_own


def test_other_accesses_are_not_unit_decisions() -> None:
    p = Principal("acc-1", Role.UNIT_OPERATOR, unit_id="U1")
    assert decide_unit(p, Access.CAMERA_LIST, "U1").code == "gateway.authz.unknown_action"
