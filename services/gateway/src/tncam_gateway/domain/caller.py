"""Who is asking and from where: the authenticated caller, its audit actor, the client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tncam.common.v1 import actor_pb2
from tncam_gateway.domain.policy import Principal
from tncam_gateway.domain.roles import Role


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from (recorded with every audit event)."""

    address: str = ""
    user_agent: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class Caller:
    """An authenticated caller, as checked against the database on this request."""

    principal: Principal
    username: str
    display_name: str
    session_id: str
    password_change_required: bool

    @property
    def account_id(self) -> str:
        """The caller's account id."""
        return self.principal.account_id

    @property
    def role(self) -> Role:
        """The caller's role."""
        return self.principal.role

    def actor(self) -> actor_pb2.Actor:
        """The caller as an audit actor."""
        return actor_pb2.Actor(
            id=self.account_id,
            display_name=self.display_name,
            unit_id=self.principal.unit_id,
            role=ROLE_PB[self.role],
        )


ROLE_PB: Mapping[Role, actor_pb2.Role] = {
    Role.PROVINCE_ADMIN: actor_pb2.ROLE_PROVINCE_ADMIN,
    Role.UNIT_OPERATOR: actor_pb2.ROLE_UNIT_OPERATOR,
    Role.UNIT_VIEWER: actor_pb2.ROLE_UNIT_VIEWER,
    Role.SECTOR_OPERATOR: actor_pb2.ROLE_SECTOR_OPERATOR,
    Role.AUDITOR: actor_pb2.ROLE_AUDITOR,
    Role.APP_CLIENT: actor_pb2.ROLE_APP_CLIENT,
}


def account_actor(
    account_id: str, display_name: str, unit_id: str, role: Role | None
) -> actor_pb2.Actor:
    """An audit actor for an account that is not (yet) an authenticated caller."""
    return actor_pb2.Actor(
        id=account_id,
        display_name=display_name,
        unit_id=unit_id,
        role=ROLE_PB[role] if role else actor_pb2.ROLE_ANONYMOUS,
    )
