"""The whole authorization matrix, from one table: role x own/other unit x own/other sector x
no grant / valid grant / expired grant x every action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tncam_gateway.domain.policy import Action, CameraScope, Grant, Principal, decide
from tncam_gateway.domain.roles import GrantScope, LegalBasis, Role

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
FOOTAGE = (NOW - timedelta(hours=2), NOW - timedelta(hours=1))
CAMERA = CameraScope("cam-1", unit_id="U1", sector_codes=frozenset({"traffic"}))

CODES = {
    "R": Action.CAMERA_READ,
    "A": Action.CAMERA_ADMIN,
    "V": Action.FOOTAGE_VIEW,
    "E": Action.FOOTAGE_EXPORT,
    "Q": Action.FOOTAGE_QUICK_EXTRACT,
    "P": Action.EXPORT_APPROVE,
    "N": Action.ANALYTICS_ENABLE,
    "T": Action.REPORT_READ,
    "O": Action.REPORT_NOTE_WRITE,
    "C": Action.ACCOUNT_ADMIN,
    "G": Action.GRANT_ISSUE,
    "W": Action.GRANT_REVIEW,
    "X": Action.EXPORT_REVIEW,
    "L": Action.AUDIT_READ,
    "D": Action.CHANGE_DECIDE,
}
assert set(CODES.values()) == set(Action), "every action is in the table"

ADMIN = "R A P N T O C G W X D"
# role, unit, sector, grant, allowed actions (everything else must be denied). The report (T)
# is decided by the role; the registry narrows its rows to the unit's or sector's cameras.
TABLE: list[tuple[str, str, str, str, str]] = [
    ("province_admin", "own", "own", "none", ADMIN),
    ("province_admin", "own", "own", "valid", ADMIN + " V E"),
    ("province_admin", "own", "own", "expired", ADMIN),
    ("province_admin", "own", "other", "none", ADMIN),
    ("province_admin", "own", "other", "valid", ADMIN + " V E"),
    ("province_admin", "own", "other", "expired", ADMIN),
    ("province_admin", "other", "own", "none", ADMIN),
    ("province_admin", "other", "own", "valid", ADMIN + " V E"),
    ("province_admin", "other", "own", "expired", ADMIN),
    ("province_admin", "other", "other", "none", ADMIN),
    ("province_admin", "other", "other", "valid", ADMIN + " V E"),
    ("province_admin", "other", "other", "expired", ADMIN),
    ("unit_operator", "own", "own", "none", "R A V E Q W X T"),
    ("unit_operator", "own", "own", "valid", "R A V E Q W X T"),
    ("unit_operator", "own", "own", "expired", "R A V E Q W X T"),
    ("unit_operator", "own", "other", "none", "R A V E Q W X T"),
    ("unit_operator", "own", "other", "valid", "R A V E Q W X T"),
    ("unit_operator", "own", "other", "expired", "R A V E Q W X T"),
    ("unit_operator", "other", "own", "none", "T"),
    ("unit_operator", "other", "own", "valid", "V E T"),
    ("unit_operator", "other", "own", "expired", "T"),
    ("unit_operator", "other", "other", "none", "T"),
    ("unit_operator", "other", "other", "valid", "V E T"),
    ("unit_operator", "other", "other", "expired", "T"),
    ("unit_viewer", "own", "own", "none", "R V T"),
    ("unit_viewer", "own", "own", "valid", "R V E T"),
    ("unit_viewer", "own", "own", "expired", "R V T"),
    ("unit_viewer", "own", "other", "none", "R V T"),
    ("unit_viewer", "own", "other", "valid", "R V E T"),
    ("unit_viewer", "own", "other", "expired", "R V T"),
    ("unit_viewer", "other", "own", "none", "T"),
    ("unit_viewer", "other", "own", "valid", "V E T"),
    ("unit_viewer", "other", "own", "expired", "T"),
    ("unit_viewer", "other", "other", "none", "T"),
    ("unit_viewer", "other", "other", "valid", "V E T"),
    ("unit_viewer", "other", "other", "expired", "T"),
    ("sector_operator", "own", "own", "none", "R V E T"),
    ("sector_operator", "own", "own", "valid", "R V E T"),
    ("sector_operator", "own", "own", "expired", "R V E T"),
    ("sector_operator", "own", "other", "none", "T"),
    ("sector_operator", "own", "other", "valid", "V E T"),
    ("sector_operator", "own", "other", "expired", "T"),
    ("sector_operator", "other", "own", "none", "R V E T"),
    ("sector_operator", "other", "own", "valid", "R V E T"),
    ("sector_operator", "other", "own", "expired", "R V E T"),
    ("sector_operator", "other", "other", "none", "T"),
    ("sector_operator", "other", "other", "valid", "V E T"),
    ("sector_operator", "other", "other", "expired", "T"),
    ("auditor", "own", "own", "none", "W L X"),
    ("auditor", "own", "own", "valid", "W L X"),
    ("auditor", "own", "own", "expired", "W L X"),
    ("auditor", "own", "other", "none", "W L X"),
    ("auditor", "own", "other", "valid", "W L X"),
    ("auditor", "own", "other", "expired", "W L X"),
    ("auditor", "other", "own", "none", "W L X"),
    ("auditor", "other", "own", "valid", "W L X"),
    ("auditor", "other", "own", "expired", "W L X"),
    ("auditor", "other", "other", "none", "W L X"),
    ("auditor", "other", "other", "valid", "W L X"),
    ("auditor", "other", "other", "expired", "W L X"),
    ("app_client", "own", "own", "none", "R V T"),
    ("app_client", "own", "own", "valid", "R V E T"),
    ("app_client", "own", "own", "expired", "R V T"),
    ("app_client", "own", "other", "none", "R V T"),
    ("app_client", "own", "other", "valid", "R V E T"),
    ("app_client", "own", "other", "expired", "R V T"),
    ("app_client", "other", "own", "none", "R T"),
    ("app_client", "other", "own", "valid", "R V E T"),
    ("app_client", "other", "own", "expired", "R T"),
    ("app_client", "other", "other", "none", "R T"),
    ("app_client", "other", "other", "valid", "R V E T"),
    ("app_client", "other", "other", "expired", "R T"),
]


def test_table_covers_every_combination() -> None:
    combos = {(r, u, s, g) for r, u, s, g, _ in TABLE}
    assert len(combos) == len(TABLE) == len(Role) * 2 * 2 * 3


def principal(role: Role, unit: str, sector: str) -> Principal:
    return Principal(
        account_id="acc-1",
        role=role,
        unit_id="U1" if unit == "own" else "U2",
        sector_code="traffic" if sector == "own" else "health",
        unit_is_commune=True,
    )


def grants_for(role: Role, state: str) -> list[Grant]:
    if state == "none":
        return []
    basis = (
        LegalBasis.WRITTEN_REQUEST if role is Role.PROVINCE_ADMIN else LegalBasis.COMMITTEE_APPROVAL
    )
    expires = NOW + timedelta(hours=1) if state == "valid" else NOW - timedelta(seconds=1)
    return [
        Grant(
            grant_id="g-1",
            grantee_id="acc-1",
            legal_basis=basis,
            camera_ids=frozenset({"cam-1"}),
            footage_from=NOW - timedelta(days=1),
            footage_to=NOW,
            scopes=frozenset({GrantScope.VIEW, GrantScope.EXPORT}),
            expires_at=expires,
        )
    ]


@pytest.mark.parametrize(("role", "unit", "sector", "grant", "allowed"), TABLE)
def test_matrix(role: str, unit: str, sector: str, grant: str, allowed: str) -> None:
    r = Role(role)
    p = principal(r, unit, sector)
    expected = {CODES[c] for c in allowed.split()}
    for action in Action:
        d = decide(p, action, CAMERA, now=NOW, grants=grants_for(r, grant), footage=FOOTAGE)
        assert d.allowed == (action in expected), (role, unit, sector, grant, action, d.code)
        if d.allowed and d.grant is not None:
            assert d.grant.grant_id == "g-1"
            assert action in (
                Action.FOOTAGE_VIEW,
                Action.FOOTAGE_EXPORT,
            )
        if not d.allowed:
            assert d.code.startswith("gateway.authz.")


def test_denial_codes_explain_why() -> None:
    admin = principal(Role.PROVINCE_ADMIN, "own", "own")
    d = decide(admin, Action.FOOTAGE_VIEW, CAMERA, now=NOW)
    assert d.code == "gateway.authz.grant_required"
    g = grants_for(Role.PROVINCE_ADMIN, "expired")
    assert decide(admin, Action.FOOTAGE_VIEW, CAMERA, now=NOW, grants=g).code == (
        "gateway.authz.grant_expired"
    )
    other = principal(Role.UNIT_OPERATOR, "other", "other")
    assert decide(other, Action.FOOTAGE_VIEW, CAMERA, now=NOW).code == "gateway.authz.out_of_scope"


def _grant(**kw: object) -> Grant:
    base: dict[str, object] = {
        "grant_id": "g",
        "grantee_id": "acc-1",
        "legal_basis": LegalBasis.EMERGENCY_COMMAND,
        "camera_ids": frozenset({"cam-1"}),
        "footage_from": NOW - timedelta(days=1),
        "footage_to": NOW,
        "scopes": frozenset({GrantScope.VIEW}),
        "expires_at": NOW + timedelta(hours=1),
    }
    base.update(kw)
    return Grant(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("label", "grant", "footage", "allowed"),
    [
        ("valid", _grant(), FOOTAGE, True),
        ("other grantee", _grant(grantee_id="acc-2"), FOOTAGE, False),
        ("other camera", _grant(camera_ids=frozenset({"cam-2"})), FOOTAGE, False),
        ("range before footage", _grant(footage_to=NOW - timedelta(hours=3)), FOOTAGE, False),
        ("export scope only", _grant(scopes=frozenset({GrantScope.EXPORT})), FOOTAGE, False),
        ("revoked", _grant(revoked=True), FOOTAGE, False),
        (
            "committee basis for admin",
            _grant(legal_basis=LegalBasis.COMMITTEE_APPROVAL),
            None,
            False,
        ),
        ("live view outside range", _grant(footage_to=NOW - timedelta(hours=1)), (NOW, NOW), False),
    ],
)
def test_break_glass_grant_must_cover_the_access(
    label: str, grant: Grant, footage: tuple[datetime, datetime] | None, allowed: bool
) -> None:
    admin = principal(Role.PROVINCE_ADMIN, "own", "own")
    d = decide(admin, Action.FOOTAGE_VIEW, CAMERA, now=NOW, grants=[grant], footage=footage)
    assert d.allowed is allowed, label


def test_unit_user_cannot_use_a_break_glass_grant() -> None:
    viewer = principal(Role.UNIT_VIEWER, "other", "other")
    d = decide(viewer, Action.FOOTAGE_VIEW, CAMERA, now=NOW, grants=[_grant()])
    assert not d.allowed


def test_quick_extraction_only_for_commune_operators() -> None:
    op = Principal("acc-1", Role.UNIT_OPERATOR, unit_id="U1", unit_is_commune=False)
    assert decide(op, Action.FOOTAGE_QUICK_EXTRACT, CAMERA, now=NOW).code == (
        "gateway.authz.not_commune"
    )


def test_camera_actions_without_camera_are_denied() -> None:
    op = principal(Role.UNIT_OPERATOR, "own", "own")
    for action in (Action.CAMERA_READ, Action.FOOTAGE_VIEW, Action.FOOTAGE_EXPORT):
        assert decide(op, action, None, now=NOW).code == "gateway.authz.camera_required"


def test_the_report_needs_a_unit_or_sector_to_narrow_to() -> None:
    for role, unit, sector in (
        (Role.UNIT_OPERATOR, "", "traffic"),
        (Role.UNIT_VIEWER, "", ""),
        (Role.SECTOR_OPERATOR, "U1", ""),  # a sector operator needs its sector
    ):
        p = Principal(account_id="acc-1", role=role, unit_id=unit, sector_code=sector)
        d = decide(p, Action.REPORT_READ, now=NOW)
        assert d.code == "gateway.authz.no_scope", role
