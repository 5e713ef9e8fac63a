"""Who may read or change what in the registry: every authorization decision in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tncam.common.v1 import actor_pb2
from tncam_mesh.errors import ForbiddenError

Role = actor_pb2.Role
#: Roles that may change any camera.
WRITERS = (Role.ROLE_PROVINCE_ADMIN, Role.ROLE_SERVICE)
#: Roles that may read the whole province.
PROVINCE_READERS = (
    Role.ROLE_PROVINCE_ADMIN,
    Role.ROLE_SERVICE,
    Role.ROLE_APP_CLIENT,
    Role.ROLE_AUDITOR,
)
#: unit id -> (kind, commune code, sector code), as the reference data holds it.
Units = Mapping[str, tuple[str, str | None, str | None]]


@dataclass(frozen=True)
class ReadScope:
    """The cameras an actor may read: all of them, one owning unit's, or one sector's."""

    unit_id: str = ""
    sector: str = ""

    @property
    def limited(self) -> bool:
        """Whether the actor sees less than the whole province."""
        return bool(self.unit_id or self.sector)


def check_actor(actor: actor_pb2.Actor, op: str) -> None:
    """Refuse a request that does not name an identified actor."""
    if not actor.id or actor.role in (Role.ROLE_UNSPECIFIED, Role.ROLE_ANONYMOUS):
        raise ForbiddenError(
            f"registry.{op}.no_actor", f"{op}: the request must name an identified actor"
        )


def may_write(actor: actor_pb2.Actor, owner_unit_id: str) -> bool:
    """Whether ``actor`` may change a camera owned by ``owner_unit_id``."""
    if actor.role in WRITERS:
        return True
    return actor.role == Role.ROLE_UNIT_OPERATOR and actor.unit_id == owner_unit_id


def check_write(actor: actor_pb2.Actor, owner_unit_id: str, op: str) -> None:
    """Refuse a change of a camera (or unit record) the actor may not make."""
    check_actor(actor, op)
    if not may_write(actor, owner_unit_id):
        raise ForbiddenError(
            f"registry.{op}.forbidden", f"{op}: actor {actor.id} may not change this camera"
        )


def read_scope(actor: actor_pb2.Actor, op: str, units: Units) -> ReadScope:
    """The cameras ``actor`` may read: unit roles their unit's, sector operators their sector's."""
    check_actor(actor, op)
    if actor.role in PROVINCE_READERS:
        return ReadScope()
    if actor.role in (Role.ROLE_UNIT_OPERATOR, Role.ROLE_UNIT_VIEWER) and actor.unit_id:
        return ReadScope(unit_id=actor.unit_id)
    if actor.role == Role.ROLE_SECTOR_OPERATOR:
        unit = units.get(actor.unit_id)
        if unit is not None and unit[2]:
            return ReadScope(sector=unit[2])
    raise ForbiddenError(f"registry.{op}.forbidden", f"{op}: actor {actor.id} has no scope")


def report_scope(actor: actor_pb2.Actor, units: Units) -> ReadScope:
    """Whose cameras the connection report counts for ``actor``: province roles and the app
    client everything, unit operators and viewers their own unit's (the row of their commune
    or their unit's section), sector operators their sector's cameras."""
    return read_scope(actor, "get_connection_report", units)


def narrowed_report_scope(
    actor: actor_pb2.Actor, units: Units, unit_id: str, sector: str
) -> ReadScope:
    """The report's scope: the actor's own, narrowed to ``unit_id`` or ``sector`` when asked
    (a province reader, e.g. the gateway, may narrow to anyone; others only to themselves)."""
    own = report_scope(actor, units)
    if not (unit_id or sector):
        return own
    asked = ReadScope(unit_id=unit_id) if unit_id else ReadScope(sector=sector)
    if own.limited and asked != own:
        raise ForbiddenError(
            "registry.get_connection_report.forbidden", "the report asked is outside the scope"
        )
    return asked


def check_report_note(actor: actor_pb2.Actor) -> None:
    """The report's notes are written by the province (the Department that files it)."""
    op = "set_report_note"
    check_actor(actor, op)
    if actor.role not in WRITERS:
        raise ForbiddenError(
            f"registry.{op}.forbidden", "the report's notes are written by province admins"
        )


def ingest_actor(worker_id: str) -> actor_pb2.Actor:
    """The ingest worker a credentials disclosure is recorded against."""
    return actor_pb2.Actor(
        id=worker_id or "ingest",
        display_name=f"ingest {worker_id}".strip(),
        role=Role.ROLE_SERVICE,
    )


def check_admin(actor: actor_pb2.Actor, op: str) -> None:
    """Refuse what only the province administrator (or a service) may do."""
    check_actor(actor, op)
    if actor.role not in WRITERS:
        raise ForbiddenError(f"registry.{op}.forbidden", f"{op}: province administrators only")


def check_unit_edit(actor: actor_pb2.Actor, unit_id: str, fields: set[str], op: str) -> None:
    """A unit is changed by the province administrator; its own operators change only its
    contacts (leader, IT focal point)."""
    check_write(actor, unit_id, op)
    if actor.role not in WRITERS and not fields <= {"leader", "it_focal"}:
        raise ForbiddenError(
            f"registry.{op}.forbidden", f"{op}: a unit's operators change only its contacts"
        )


def forbidden(op: str, why: str) -> ForbiddenError:
    """The refusal of ``op`` (for rules decided in the use case)."""
    return ForbiddenError(f"registry.{op}.forbidden", f"{op}: {why}")


def notice_scope(actor: actor_pb2.Actor, unit_id: str, op: str) -> str:
    """Whose notices ``actor`` may list: province-level readers any unit's (or all: ""), unit
    roles only their own unit's (whatever they asked), nobody else."""
    check_actor(actor, op)
    if actor.role in PROVINCE_READERS:
        return unit_id
    if actor.role in (Role.ROLE_UNIT_OPERATOR, Role.ROLE_UNIT_VIEWER) and actor.unit_id:
        if unit_id and unit_id != actor.unit_id:
            raise forbidden(op, "a unit sees only its own notices")
        return actor.unit_id
    raise forbidden(op, f"actor {actor.id} has no notices to see")


def check_notice_read(actor: actor_pb2.Actor, unit_id: str, op: str) -> None:
    """A unit's notification targets: its own people, or province-level readers."""
    if not unit_id:
        raise forbidden(op, "name the unit")
    notice_scope(actor, unit_id, op)


def change_needs_approval(actor: actor_pb2.Actor) -> bool:
    """Whether the actor's change that would hide a camera from the reports (deactivation, a
    new commune or site kind) waits for a province admin: a unit operator's does; a province
    admin's and the service's own apply at once."""
    return actor.role == Role.ROLE_UNIT_OPERATOR


def check_decide_change(actor: actor_pb2.Actor) -> None:
    """Only a province admin approves or rejects a change request."""
    op = "decide_change_request"
    check_actor(actor, op)
    if actor.role != Role.ROLE_PROVINCE_ADMIN:
        raise ForbiddenError(
            f"registry.{op}.forbidden", f"{op}: only a province admin decides change requests"
        )


def change_list_unit(actor: actor_pb2.Actor, units: Units) -> str:
    """The owning unit whose change requests the actor may list ("" = every unit)."""
    op = "list_change_requests"
    scope = read_scope(actor, op, units)
    if scope.sector:
        raise ForbiddenError(f"registry.{op}.forbidden", f"{op}: not for sector operators")
    return scope.unit_id


def annual_report_unit(actor: actor_pb2.Actor, units: Units, wanted: str) -> str:
    """The unit of the annual report the actor may read: province roles any (or all, ""),
    unit roles their own only."""
    op = "get_annual_report"
    scope = read_scope(actor, op, units)
    if scope.sector:
        raise ForbiddenError(f"registry.{op}.forbidden", f"{op}: not for sector operators")
    if scope.unit_id:
        if wanted and wanted != scope.unit_id:
            raise ForbiddenError(f"registry.{op}.forbidden", f"{op}: only the actor's own unit")
        return scope.unit_id
    return wanted
