"""Who acted: actors as stored JSON (holds, manifests, certificates) and the acting-user rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tncam.common.v1 import actor_pb2
from tncam_mesh.errors import InvalidInputError


def actor_dict(actor: actor_pb2.Actor) -> dict[str, Any]:
    """An actor as JSON (stored with holds, written into manifests and certificates)."""
    return {
        "id": actor.id,
        "display_name": actor.display_name,
        "unit_id": actor.unit_id,
        "role": actor_pb2.Role.Name(actor.role),
    }


def actor_from(d: Mapping[str, Any] | None) -> actor_pb2.Actor:
    """The actor of a stored JSON actor (an empty actor for None)."""
    if not d:
        return actor_pb2.Actor()
    role = str(d.get("role", "ROLE_UNSPECIFIED"))
    return actor_pb2.Actor(
        id=str(d.get("id", "")),
        display_name=str(d.get("display_name", "")),
        unit_id=str(d.get("unit_id", "")),
        role=role if role in actor_pb2.Role.keys() else "ROLE_UNSPECIFIED",  # noqa: SIM118
    )


def require_actor(actor: actor_pb2.Actor, op: str) -> None:
    """Every footage operation names the acting user (id and role)."""
    if not actor.id or actor.role == actor_pb2.ROLE_UNSPECIFIED:
        raise InvalidInputError(
            f"recording.{op}.no_actor", "the acting user (id, role) is required"
        )
