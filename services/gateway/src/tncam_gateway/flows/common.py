"""What every use case needs: the caller, the client, the clock, and the audit log."""

from __future__ import annotations

import base64
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.common.v1 import actor_pb2
from tncam_gateway.domain.policy import CameraScope, Principal
from tncam_gateway.domain.roles import Role
from tncam_mesh.audit import new_event
from tncam_mesh.errors import TncamError, UnavailableError

Clock = Callable[[], datetime]
#: The owning unit and sectors of a camera, None when the registry does not know it.
ScopeLookup = Callable[[str], Awaitable[CameraScope | None]]


def utcnow() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class ThrottledError(TncamError):
    """Too many attempts or requests; retry after ``details['retry_after_s']`` seconds."""

    http_status = 429
    default_retryable = True


class PayloadTooLargeError(TncamError):
    """The request body exceeds the limit."""

    http_status = 413


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


class AuditSink(Protocol):
    """Where audit events go (``tncam_mesh.audit.AuditClient``)."""

    async def record(self, event: apb.AuditEvent, *, timeout: float = 5.0) -> Any: ...


class Auditor:
    """Builds the gateway's audit events and records them, failing closed."""

    def __init__(self, sink: AuditSink, clock: Clock) -> None:
        self._sink = sink
        self._clock = clock

    async def record(
        self,
        action: str,
        actor: actor_pb2.Actor,
        client: ClientInfo,
        *,
        outcome: apb.Outcome = apb.OUTCOME_SUCCESS,
        error_code: str = "",
        account_id: str = "",
        other: tuple[str, str] | None = None,
        cameras: Iterable[str] = (),
        segments: tuple[str, datetime, datetime] | None = None,
        categories: Iterable[apb.DataCategory] = (apb.DATA_CATEGORY_ACCOUNT,),
        purpose: apb.PurposeCode = apb.PURPOSE_CODE_NOT_APPLICABLE,
        purpose_text: str = "",
        legal_basis: apb.LegalBasis = apb.LEGAL_BASIS_UNSPECIFIED,
        grant_id: str = "",
        document: tuple[str, str, str] | None = None,
        ticket_id: str = "",
        target_units: Iterable[str] = (),
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> apb.AuditEvent:
        """Record one event; ``UnavailableError(gateway.audit.unavailable)`` if not accepted."""
        event = new_event(
            action=action,
            actor=actor,
            source_service="gateway",
            outcome=outcome,
            cameras=cameras,
            data_categories=categories,
            purpose_code=purpose,
            purpose_text=purpose_text,
            before=before,
            after=after,
            request_id=client.request_id,
            now=self._clock(),
        )
        event.client_address = client.address
        event.user_agent = client.user_agent[:256]
        event.error_code = error_code
        event.legal_basis = legal_basis
        event.grant_id = grant_id
        event.ticket_id = ticket_id
        event.target_unit_ids.extend(u for u in target_units if u)
        if document:
            event.document_number, event.document_issuer, event.document_date = document
        if account_id:
            event.target.account_id = account_id
        elif other:
            event.target.other.kind, event.target.other.id = other
        elif segments:
            cam, start, end = segments
            event.target.segments.camera_id = cam
            event.target.segments.start.FromDatetime(start)
            event.target.segments.end.FromDatetime(end)
        try:
            await self._sink.record(event)
        except UnavailableError as e:
            raise UnavailableError(
                "gateway.audit.unavailable",
                "Nhật ký kiểm toán không sẵn sàng, yêu cầu bị từ chối "
                "(the audit log is unavailable; the request was refused)",
            ) from e
        return event


class SecretBox:
    """AES-GCM encryption of small secrets at rest (TOTP seeds), key derived with HKDF."""

    def __init__(self, key_material: bytes) -> None:
        self._aead = AESGCM(derive_key(key_material, "tncam-gateway-mfa"))

    def seal(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` bound to ``context`` (the account id)."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, token: str, *, context: str) -> str:
        """Decrypt what :meth:`seal` produced for the same ``context``."""
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


def derive_key(secret: str | bytes, label: str) -> bytes:
    """A 32-byte key for ``label`` from a configured secret (HKDF-SHA256, no salt)."""
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=label.encode()).derive(material)
