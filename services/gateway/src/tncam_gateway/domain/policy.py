"""Authorization of the gateway, default deny: the one place that says who may do what.

# long module: every authorization decision of the gateway stays in this one module (ADR 0019).

Rules (DESIGN.md §5, REQUIREMENTS R8-R10, R13):

* a unit (operator, viewer, the app client of that unit) sees its own cameras; a sector
  operator sees the cameras of its sector;
* ``province_admin`` administers everything technically (accounts, cameras, status, reports,
  grants) but sees or exports a unit's footage only through a **break-glass grant** of its
  own with a legal basis (emergency command, incident fix, written request), covering the
  camera, the footage time range and the scope (view / export), not expired, not revoked;
* any other access beyond scope needs a grant recorded from a **written approval of the
  Provincial People's Committee** (``committee_approval``);
* quick extraction is for operators of a commune/ward on their own cameras only;
* the auditor reads the audit log and grants, never footage;
* anything not allowed here is denied.

Pure: plain values in, a :class:`Decision` out; the caller supplies the clock and the grants.
"""

# long module: every authorization decision of the gateway in one place, by design (ADR 0015)

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from tncam_gateway.domain.roles import BREAK_GLASS_BASES, GrantScope, LegalBasis, Role
from tncam_mesh.errors import ForbiddenError


class Action(StrEnum):
    """Everything the API lets someone do, as far as authorization is concerned."""

    CAMERA_READ = "camera.read"  # list, detail, status, uptime (no footage)
    CAMERA_ADMIN = "camera.admin"  # create, update, import
    FOOTAGE_VIEW = "footage.view"  # live, playback, snapshot
    FOOTAGE_EXPORT = "footage.export"  # request an export
    FOOTAGE_QUICK_EXTRACT = "footage.quick_extract"  # urgent export without prior approval
    EXPORT_APPROVE = "export.approve"
    EXPORT_REVIEW = "export.review"  # list every export (others see their own requests only)
    ANALYTICS_ENABLE = "analytics.enable"
    REPORT_READ = "report.read"
    REPORT_NOTE_WRITE = "report.note.write"
    ACCOUNT_ADMIN = "account.admin"
    GRANT_ISSUE = "grant.issue"
    GRANT_REVIEW = "grant.review"
    AUDIT_READ = "audit.read"
    CHANGE_DECIDE = "camera_change.decide"  # approve / reject a change that would hide a camera


@dataclass(frozen=True)
class Principal:
    """Who asks: an authenticated account."""

    account_id: str
    role: Role
    unit_id: str = ""
    sector_code: str = ""
    unit_is_commune: bool = False
    unit_leader: bool = False  # the unit's leader: reads its processing and extraction logs


@dataclass(frozen=True)
class CameraScope:
    """What authorization needs to know about a camera."""

    camera_id: str
    unit_id: str
    sector_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Grant:
    """A break-glass grant or a recorded committee approval, as the policy sees it."""

    grant_id: str
    grantee_id: str
    legal_basis: LegalBasis
    camera_ids: frozenset[str]
    footage_from: datetime
    footage_to: datetime
    scopes: frozenset[GrantScope]
    expires_at: datetime
    revoked: bool = False

    def active(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return not self.revoked and now < self.expires_at


@dataclass(frozen=True)
class Decision:
    """The answer: allowed or not, why (a stable code), and the grant it rests on."""

    allowed: bool
    code: str
    grant: Grant | None = None

    @property
    def legal_basis(self) -> LegalBasis | None:
        """The legal basis of the grant used, if any."""
        return self.grant.legal_basis if self.grant else None


def _allow(code: str, grant: Grant | None = None) -> Decision:
    return Decision(True, code, grant)


def _deny(code: str) -> Decision:
    return Decision(False, f"gateway.authz.{code}")


#: (The report's notes are the Department's words to the Provincial People's Committee.)
ADMIN_ONLY = frozenset(
    {Action.ACCOUNT_ADMIN, Action.GRANT_ISSUE, Action.ANALYTICS_ENABLE, Action.EXPORT_APPROVE}
    | {Action.REPORT_NOTE_WRITE}
    | {Action.CHANGE_DECIDE}
)
#: The whole connection report: the central operator and the C-Thái Nguyên backend.
REPORT_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.APP_CLIENT})
UNIT_ROLES = frozenset({Role.UNIT_OPERATOR, Role.UNIT_VIEWER, Role.APP_CLIENT})


def _in_scope(p: Principal, camera: CameraScope) -> str | None:
    """``own_unit`` / ``own_sector`` if the camera is within the principal's own scope."""
    if p.role in UNIT_ROLES and p.unit_id and camera.unit_id == p.unit_id:
        return "own_unit"
    if p.role is Role.SECTOR_OPERATOR and p.sector_code and p.sector_code in camera.sector_codes:
        return "own_sector"
    return None


def _grant_for(
    p: Principal,
    camera: CameraScope,
    scope: GrantScope,
    grants: Iterable[Grant],
    now: datetime,
    footage: tuple[datetime, datetime] | None,
) -> tuple[Grant | None, bool]:
    """The active grant covering this access, and whether an expired/revoked one would have."""
    bases = BREAK_GLASS_BASES if p.role is Role.PROVINCE_ADMIN else {LegalBasis.COMMITTEE_APPROVAL}
    lapsed = False
    for g in grants:
        if g.grantee_id != p.account_id or g.legal_basis not in bases:
            continue
        if camera.camera_id not in g.camera_ids or scope not in g.scopes:
            continue
        if footage is not None and not (g.footage_from <= footage[0] <= footage[1] <= g.footage_to):
            continue
        if g.active(now):
            return g, False
        lapsed = True
    return None, lapsed


def decide(
    principal: Principal,
    action: Action,
    camera: CameraScope | None = None,
    *,
    now: datetime,
    grants: Iterable[Grant] = (),
    footage: tuple[datetime, datetime] | None = None,
) -> Decision:
    """May ``principal`` do ``action`` (on ``camera``, for footage in ``footage``) at ``now``?"""
    general = _decide_role_only(principal, action, camera)
    if general is not None:
        return general
    if camera is None:
        return _deny("camera_required")
    if action in (Action.FOOTAGE_VIEW, Action.FOOTAGE_EXPORT):
        return _decide_footage(principal, action, camera, grants, now, footage)
    return _decide_camera(principal, action, camera)


def _decide_role_only(p: Principal, action: Action, camera: CameraScope | None) -> Decision | None:
    """The actions the role alone decides (None: the camera decides)."""
    role = p.role
    if action in ADMIN_ONLY:
        return _allow("province_admin") if role is Role.PROVINCE_ADMIN else _deny("role_forbidden")
    if action is Action.AUDIT_READ:
        return _allow("auditor") if role is Role.AUDITOR else _deny("role_forbidden")
    if action in (Action.GRANT_REVIEW, Action.EXPORT_REVIEW):
        if role in (Role.PROVINCE_ADMIN, Role.AUDITOR):
            return _allow(role.value)
        # The owning unit's operators review the grants and exports on their own cameras.
        if role is Role.UNIT_OPERATOR and camera is not None and _in_scope(p, camera):
            return _allow("own_unit")
        return _deny("role_forbidden")
    if action is Action.REPORT_READ:
        return _report_read(p)
    if action is Action.CAMERA_ADMIN and camera is None:
        # Bulk import: the registry checks each row's owning unit against the actor.
        if role is Role.PROVINCE_ADMIN:
            return _allow("province_admin")
        if role is Role.UNIT_OPERATOR and p.unit_id:
            return _allow("own_unit_rows")
        return _deny("role_forbidden")
    return None


def _report_read(p: Principal) -> Decision:
    """The connection report: whole for REPORT_ROLES, narrowed to a unit or a sector."""
    if p.role in REPORT_ROLES:
        return _allow(p.role.value)
    if p.role is Role.SECTOR_OPERATOR:
        return _allow("own_sector") if p.sector_code else _deny("no_scope")
    if p.role in (Role.UNIT_OPERATOR, Role.UNIT_VIEWER):
        return _allow("own_unit") if p.unit_id else _deny("no_scope")
    return _deny("role_forbidden")


def _decide_camera(p: Principal, action: Action, camera: CameraScope) -> Decision:
    """Reading, administering and quickly extracting from one camera."""
    role = p.role
    relation = _in_scope(p, camera)
    if action is Action.CAMERA_READ:
        # Connection state is not personal data: the central operator and the app see all.
        if role in (Role.PROVINCE_ADMIN, Role.APP_CLIENT):
            return _allow(role.value)
        if role is Role.AUDITOR:
            return _deny("role_forbidden")
        return _allow(relation) if relation else _deny("out_of_scope")
    if action is Action.CAMERA_ADMIN:
        if role is Role.PROVINCE_ADMIN:
            return _allow("province_admin")
        if role is Role.UNIT_OPERATOR and relation:
            return _allow(relation)
        return _deny("role_forbidden" if role is not Role.UNIT_OPERATOR else "out_of_scope")
    if action is Action.FOOTAGE_QUICK_EXTRACT:
        if role is not Role.UNIT_OPERATOR:
            return _deny("role_forbidden")
        if not p.unit_is_commune:
            return _deny("not_commune")
        return _allow(relation) if relation else _deny("out_of_scope")
    return _deny("unknown_action")


def _decide_footage(
    p: Principal,
    action: Action,
    camera: CameraScope,
    grants: Iterable[Grant],
    now: datetime,
    footage: tuple[datetime, datetime] | None,
) -> Decision:
    """Viewing or exporting footage: own scope, else a grant covering it."""
    role = p.role
    if role is Role.AUDITOR:
        return _deny("role_forbidden")
    relation = _in_scope(p, camera)
    scope = GrantScope.VIEW if action is Action.FOOTAGE_VIEW else GrantScope.EXPORT
    own_ok = relation is not None and (
        action is Action.FOOTAGE_VIEW or role in (Role.UNIT_OPERATOR, Role.SECTOR_OPERATOR)
    )
    if own_ok and relation:
        return _allow(relation)
    grant, lapsed = _grant_for(p, camera, scope, grants, now, footage)
    if grant is not None:
        return _allow("grant", grant)
    if lapsed:
        return _deny("grant_expired")
    if role is Role.PROVINCE_ADMIN:
        return _deny("grant_required")
    return _deny("out_of_scope" if relation is None else "role_forbidden")


def decide_unit(p: Principal, access: Access, unit_id: str) -> Decision:
    """A unit's notifications: province_admin manages every unit's targets (``unit_id`` ""
    = every unit), a unit operator its own unit's; the unit's own people and the auditor
    read them and the notices."""
    role = p.role
    if role is Role.PROVINCE_ADMIN:
        return _allow("province_admin")
    if access is Access.NOTIFY_READ and role is Role.AUDITOR:
        return _allow("auditor")
    if access not in (Access.NOTIFY_ADMIN, Access.NOTIFY_READ):
        return _deny("unknown_action")
    unit_roles = (
        (Role.UNIT_OPERATOR,)
        if access is Access.NOTIFY_ADMIN
        else (Role.UNIT_OPERATOR, Role.UNIT_VIEWER)
    )
    if role not in unit_roles or not p.unit_id:
        return _deny("role_forbidden")
    return _allow("own_unit") if unit_id == p.unit_id else _deny("out_of_scope")


NOT_ALLOWED = "Không có quyền thực hiện (not allowed)"


def require(
    principal: Principal,
    action: Action,
    camera: CameraScope | None = None,
    *,
    now: datetime,
    message: str = NOT_ALLOWED,
) -> Decision:
    """The decision of :func:`decide`, raised as ``ForbiddenError(code)`` when it refuses."""
    return enforce(decide(principal, action, camera, now=now), message)


def enforce(decision: Decision, message: str = NOT_ALLOWED) -> Decision:
    """``decision`` if it allows, else ``ForbiddenError`` with its code."""
    if not decision.allowed:
        raise ForbiddenError(decision.code, message)
    return decision


def may_read_camera(
    p: Principal, camera: CameraScope, *, now: datetime, grants: Iterable[Grant] = ()
) -> bool:
    """Whether ``p`` may read this camera's record, state and timeline (not its footage):
    within its scope, or holding an active grant that lets it see the camera's footage (the
    same grants that let it play back or export: a grantee may see what it was granted)."""
    if decide(p, Action.CAMERA_READ, camera, now=now).allowed:
        return True
    if p.role is Role.AUDITOR:
        return False
    return any(
        _grant_for(p, camera, scope, grants, now, None)[0] is not None for scope in GrantScope
    )


class LiveEnd(StrEnum):
    """Why a live session ends (recorded with its end)."""

    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a reason, not a secret)
    LOGGED_OUT = "logged_out"
    SESSION_REVOKED = "session_revoked"  # refresh reuse, password reset, ...
    SESSION_EXPIRED = "session_expired"
    ACCOUNT_DISABLED = "account_disabled"
    GRANT_REVOKED = "grant_revoked"
    GRANT_LAPSED = "grant_lapsed"
    CLOSED_BY_VIEWER = "closed_by_viewer"


@dataclass(frozen=True)
class LiveSessionFacts:
    """What the end rules of a live session look at, as the database says it is now."""

    expires_at: datetime  # the live token's expiry
    account_active: bool
    login_revoked_reason: str | None  # None while the login session is not revoked
    login_expires_at: datetime
    grant_id: str  # "" when the access rested on the viewer's own scope
    grant: Grant | None  # that grant as it is now (None when it is gone)


def live_session_end(f: LiveSessionFacts, *, now: datetime) -> LiveEnd | None:
    """Whether a live session must end now, and why: its token expired, its login session
    ended (logout or any revocation), its account was disabled, or the grant it rests on was
    revoked or lapsed (expired, or past the footage range it covers). None: it goes on."""
    if not f.account_active:
        return LiveEnd.ACCOUNT_DISABLED
    if f.login_revoked_reason is not None:
        if f.login_revoked_reason == "logout":
            return LiveEnd.LOGGED_OUT
        if f.login_revoked_reason == "disabled":
            return LiveEnd.ACCOUNT_DISABLED
        return LiveEnd.SESSION_REVOKED
    if f.grant_id:
        if f.grant is None or f.grant.revoked:
            return LiveEnd.GRANT_REVOKED
        if now >= f.grant.expires_at or now > f.grant.footage_to:
            return LiveEnd.GRANT_LAPSED
    if now >= f.login_expires_at:
        return LiveEnd.SESSION_EXPIRED
    if now >= f.expires_at:
        return LiveEnd.TOKEN_EXPIRED
    return None


def live_token_expiry(issued: datetime, ttl_end: datetime, grant: Grant | None) -> datetime:
    """A live token lasts its TTL, and never past the grant it rests on (its expiry or the
    end of the footage range it covers), so that the live edge ends it by itself then too."""
    if grant is None:
        return ttl_end
    return max(issued, min(ttl_end, grant.expires_at, grant.footage_to))


@dataclass(frozen=True)
class Listing:
    """The part of a list a principal may see: everything, or only the rows matching the
    narrowing fields that are set (refused when ``decision`` refuses)."""

    decision: Decision
    unit_id: str | None = None  # rows of this owning unit
    sector: str | None = None  # cameras of this sector
    requested_by: str | None = None  # rows this account asked for


def camera_listing(p: Principal) -> Listing:
    """Units list their own cameras, sectors theirs; the central operator and the app all."""
    if p.role in (Role.UNIT_OPERATOR, Role.UNIT_VIEWER):
        return Listing(_allow("own_unit"), unit_id=p.unit_id)
    if p.role is Role.SECTOR_OPERATOR:
        return Listing(_allow("own_sector"), sector=p.sector_code)
    if p.role in (Role.PROVINCE_ADMIN, Role.APP_CLIENT):
        return Listing(_allow(p.role.value))
    return Listing(_deny("role_forbidden"))


def report_listing(p: Principal) -> Listing:
    """The connection report: everything, a unit's own rows, or a sector's cameras."""
    d = _report_read(p)
    if not d.allowed or p.role in REPORT_ROLES:
        return Listing(d)
    if p.role is Role.SECTOR_OPERATOR:
        return Listing(d, sector=p.sector_code)
    return Listing(d, unit_id=p.unit_id)


def grant_listing(p: Principal, *, now: datetime) -> Listing:
    """A unit operator lists the grants on its own unit's cameras; province_admin and the
    auditor every grant."""
    if p.role is Role.UNIT_OPERATOR and p.unit_id:
        return Listing(_allow("own_unit"), unit_id=p.unit_id)
    return Listing(decide(p, Action.GRANT_REVIEW, now=now))


def grant_visibility(p: Principal, *, grantee_id: str, unit_ids: Iterable[str]) -> Decision:
    """One grant: the issuer side and the auditor, its grantee, or the owning unit's operator."""
    if p.role in (Role.PROVINCE_ADMIN, Role.AUDITOR):
        return _allow(p.role.value)
    if grantee_id == p.account_id:
        return _allow("grantee")
    if p.role is Role.UNIT_OPERATOR and p.unit_id in unit_ids:
        return _allow("own_unit")
    return _deny("role_forbidden")


def may_review_exports(p: Principal, *, now: datetime) -> bool:
    """Whether ``p`` sees every export (province_admin, auditor)."""
    return decide(p, Action.EXPORT_REVIEW, now=now).allowed


def export_listing(p: Principal, *, now: datetime) -> Listing:
    """Reviewers list every export; a unit operator its own requests and those on its
    unit's cameras; everyone else their own requests."""
    if may_review_exports(p, now=now):
        return Listing(_allow(p.role.value))
    own_unit = p.unit_id if p.role is Role.UNIT_OPERATOR and p.unit_id else None
    return Listing(_allow("own_requests"), unit_id=own_unit, requested_by=p.account_id)


def notice_listing(p: Principal) -> Listing:
    """Notices: province_admin and the auditor see every unit's, a unit's people their own."""
    if p.role in (Role.UNIT_OPERATOR, Role.UNIT_VIEWER) and p.unit_id:
        return Listing(_allow("own_unit"), unit_id=p.unit_id)
    return Listing(decide_unit(p, Access.NOTIFY_READ, ""))


def _own_unit_listing(p: Principal) -> Listing:
    if p.role in (Role.UNIT_OPERATOR, Role.UNIT_VIEWER) and p.unit_id:
        return Listing(_allow("own_unit"), unit_id=p.unit_id)
    return Listing(_deny("role_forbidden"))


def change_listing(p: Principal) -> Listing:
    """Camera change requests: province_admin and the auditor every unit's, unit roles theirs."""
    every = p.role in (Role.PROVINCE_ADMIN, Role.AUDITOR)
    return Listing(_allow(p.role.value)) if every else _own_unit_listing(p)


def annual_report_listing(p: Principal) -> Listing:
    """The annual report: the report roles every unit's row, unit roles their own row."""
    return Listing(_allow(p.role.value)) if p.role in REPORT_ROLES else _own_unit_listing(p)


def uses_client_credentials(role: Role) -> bool:
    """Whether an account signs in with the client-credentials grant (the app client) rather
    than a password (people); neither may use the other's grant."""
    return role is Role.APP_CLIENT


#: Roles whose accounts read personal data: footage shows people (operators, viewers, sector
#: operators, and province_admin through grants), the audit log and the accounts name the
#: officials (auditor, province_admin). Only the app client, a machine using the
#: client-credentials grant, is not a person who could hold a TOTP seed.
PERSONAL_DATA_ROLES = frozenset(Role) - {Role.APP_CLIENT}


def mfa_required(role: Role, *, enrolled: bool) -> bool:
    """TOTP is mandatory for every role that reads personal data, and for anyone enrolled."""
    return role in PERSONAL_DATA_ROLES or enrolled


# ------------------------------------------------------------- who may call what (OpenAPI)


class Access(StrEnum):
    """What an API operation asks of its caller beyond the policy's actions: the listings
    and reads whose rows the rules above narrow, and the operations of any signed-in account
    or of nobody in particular (the credentials themselves are the check)."""

    PUBLIC = "public"  # no account: login, refresh, TOTP enrolment (their own checks)
    SESSION = "session"  # any signed-in account: /me, logout, password change
    CAMERA_LIST = "camera.list"
    GRANT_LIST = "grant.list"
    GRANT_READ = "grant.read"
    EXPORT_LIST = "export.list"
    # Operator duties on the registry (issue 15): units, sites, tickets, maintenance, needs.
    UNIT_LIST = "unit.list"  # any signed-in account (contacts: see unit_contacts_visible)
    UNIT_ADMIN = "unit.admin"  # add a unit
    UNIT_EDIT = "unit.edit"  # change a unit (its own operators: its contacts only)
    SITE_LIST = "site.list"
    SITE_ADMIN = "site.admin"
    TICKET_LIST = "ticket.list"
    TICKET_HANDLE = "ticket.handle"  # acknowledge, note, close with cause
    MAINTENANCE_LIST = "maintenance.list"
    MAINTENANCE_RECORD = "maintenance.record"
    DEADLINE_LIST = "deadline.list"
    NEEDS_LIST = "needs.list"
    NEEDS_REGISTER = "needs.register"
    UNIT_LOG_READ = "audit.unit_log"  # a unit's processing and extraction logs
    NOTIFY_ADMIN = "notification.admin"  # a unit's notification targets (ADR 0025)
    NOTIFY_READ = "notification.read"  # a unit's targets and the notices
    CHANGE_LIST = "camera_change.list"
    ANNUAL_REPORT = "report.annual"


# ------------------------------------------------------------------- operator duties

#: The lists of operator duties: the central operator and the auditor see every unit's, a
#: unit's operators and viewers their own unit's.
OPS_READS = frozenset(
    {
        Access.SITE_LIST,
        Access.TICKET_LIST,
        Access.MAINTENANCE_LIST,
        Access.DEADLINE_LIST,
        Access.NEEDS_LIST,
    }
)
#: What a unit's operator does for its own unit (and the central operator for any unit).
UNIT_DUTIES = frozenset(
    {
        Access.UNIT_EDIT,
        Access.SITE_ADMIN,
        Access.TICKET_HANDLE,
        Access.MAINTENANCE_RECORD,
        Access.NEEDS_REGISTER,
    }
)
OPS_DECISIONS = UNIT_DUTIES | {Access.UNIT_LIST, Access.UNIT_ADMIN, Access.UNIT_LOG_READ}
LEADER_ROLES = frozenset({Role.UNIT_OPERATOR, Role.UNIT_VIEWER})


def ops_listing(p: Principal, access: Access) -> Listing:
    """Sites, fault tickets, maintenance records, deadlines, needs registrations: province_admin
    and the auditor every unit's; a unit's operators and viewers their own unit's."""
    if access not in OPS_READS:
        return Listing(_deny("unknown_action"))
    if p.role in (Role.PROVINCE_ADMIN, Role.AUDITOR):
        return Listing(_allow(p.role.value))
    if p.role in (Role.UNIT_OPERATOR, Role.UNIT_VIEWER) and p.unit_id:
        return Listing(_allow("own_unit"), unit_id=p.unit_id)
    return Listing(_deny("role_forbidden"))


def ops_decision(p: Principal, access: Access, unit_id: str) -> Decision:
    """May ``p`` do ``access`` for the unit ``unit_id``? Anyone signed in lists the units;
    province_admin adds them; a unit's duties (its contacts, sites, fault tickets, maintenance
    records, annual needs) are done by province_admin or the unit's own operators; a unit's
    processing and extraction logs are read by the auditor and the unit's leader."""
    if access is Access.UNIT_LIST:
        return _allow(p.role.value)
    if access is Access.UNIT_ADMIN:
        return (
            _allow("province_admin") if p.role is Role.PROVINCE_ADMIN else _deny("role_forbidden")
        )
    if access is Access.UNIT_LOG_READ:
        if p.role is Role.AUDITOR:
            return _allow("auditor")
        if p.role in LEADER_ROLES and p.unit_leader and p.unit_id and p.unit_id == unit_id:
            return _allow("unit_leader")
        return _deny("role_forbidden" if not p.unit_leader else "out_of_scope")
    if access in UNIT_DUTIES:
        if p.role is Role.PROVINCE_ADMIN:
            return _allow("province_admin")
        if p.role is Role.UNIT_OPERATOR and p.unit_id:
            return _allow("own_unit") if p.unit_id == unit_id else _deny("out_of_scope")
        return _deny("role_forbidden")
    return _deny("unknown_action")


def audit_log_listing(
    p: Principal, *, unit_id: str, personal_views: bool, now: datetime
) -> Listing:
    """The audit log: the auditor reads everything; a unit's leader reads its own unit's
    processing and extraction logs (``personal_views``: the view asked is one of those), the
    rows narrowed to its unit."""
    decision = decide(p, Action.AUDIT_READ, now=now)
    if decision.allowed:
        return Listing(decision)
    if p.unit_leader and p.role in LEADER_ROLES:
        if not personal_views:
            return Listing(_deny("unit_leader_views"))
        leader = ops_decision(p, Access.UNIT_LOG_READ, unit_id or p.unit_id)
        return Listing(leader, unit_id=p.unit_id if leader.allowed else None)
    return Listing(decision)


def unit_contacts_visible(p: Principal, unit_id: str) -> bool:
    """A unit's contacts (names, phones, e-mail of officials): province_admin, the auditor,
    and the unit's own people."""
    if p.role in (Role.PROVINCE_ADMIN, Role.AUDITOR):
        return True
    return p.role in (Role.UNIT_OPERATOR, Role.UNIT_VIEWER) and p.unit_id == unit_id


def _sample(role: Role) -> tuple[Principal, CameraScope, Grant]:
    """A principal of ``role`` in the best position the rules allow: a commune unit's own
    camera in its sector, holding a grant of the basis its role may use, both scopes."""
    p = Principal(
        "sample", role, unit_id="u", sector_code="s", unit_is_commune=True, unit_leader=True
    )
    camera = CameraScope("c", unit_id="u", sector_codes=frozenset({"s"}))
    basis = (
        LegalBasis.EMERGENCY_COMMAND
        if role is Role.PROVINCE_ADMIN
        else LegalBasis.COMMITTEE_APPROVAL
    )
    t0, t1 = datetime(2000, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
    grant = Grant("g", "sample", basis, frozenset({"c"}), t0, t1, frozenset(GrantScope), t1)
    return p, camera, grant


def _ever_allowed(role: Role, access: Action | Access) -> bool:
    p, camera, grant = _sample(role)
    now = grant.footage_from
    if isinstance(access, Action):
        return decide(p, access, camera, now=now, grants=(grant,)).allowed
    if access is Access.PUBLIC:
        return False
    if access is Access.SESSION:
        return True
    if access is Access.CAMERA_LIST:
        return camera_listing(p).decision.allowed
    if access is Access.GRANT_LIST:
        return grant_listing(p, now=now).decision.allowed
    if access in (Access.NOTIFY_ADMIN, Access.NOTIFY_READ):
        return decide_unit(p, access, p.unit_id).allowed
    if access is Access.GRANT_READ:
        return grant_visibility(p, grantee_id="sample", unit_ids=()).allowed
    if access in OPS_READS:
        return ops_listing(p, access).decision.allowed
    if access in OPS_DECISIONS:
        return ops_decision(p, access, "u").allowed
    if access in (Access.CHANGE_LIST, Access.ANNUAL_REPORT):
        listing = change_listing if access is Access.CHANGE_LIST else annual_report_listing
        return listing(p).decision.allowed
    return export_listing(p, now=now).decision.allowed


#: The roles that can ever be allowed each action or access, evaluated once from the rules
#: above (never written out by hand): the OpenAPI document's ``x-required-roles``. Whether a
#: given request is allowed still depends on the camera, the grants and the rows.
REQUIRED_ROLES: dict[Action | Access, frozenset[Role]] = {
    a: frozenset(r for r in Role if _ever_allowed(r, a)) for a in (*Action, *Access)
}
