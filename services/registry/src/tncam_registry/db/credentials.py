"""Camera credentials at rest: sealed with the one AEAD box, read back for ingest.

The sealed form is the mesh's ``nonce || ciphertext+tag`` with the camera id as associated
data, so a sealed value copied to another camera's row does not open. The label is the one
stored values were sealed with: changing it would make every stored credential unreadable.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_mesh.aead import AeadBox, SealedValueError
from tncam_mesh.errors import TncamError
from tncam_registry.db.tables import cameras
from tncam_registry.domain.credentials import Credentials

LABEL = "tncam-registry-camera-credentials-v1"


class CredentialBox:
    """Seals and opens camera credentials (the owner is the camera id)."""

    def __init__(self, secret: str) -> None:
        self._box = AeadBox(secret, LABEL)

    def seal(self, camera_id: str, creds: Credentials) -> bytes:
        """Encrypt ``creds`` for ``camera_id``."""
        return self._box.seal(creds.to_bytes(), owner=camera_id)

    def open(self, camera_id: str, sealed: bytes) -> Credentials:
        """Decrypt; a wrong key or tampered value raises ``registry.credentials.undecryptable``."""
        try:
            plain = self._box.open(sealed, owner=camera_id)
        except SealedValueError as e:
            raise TncamError(
                "registry.credentials.undecryptable",
                f"stored credentials of camera {camera_id} cannot be decrypted with the "
                "configured key (TNCAM_REGISTRY_CREDENTIALS_KEY changed?)",
            ) from e
        return Credentials.from_bytes(plain)


async def sealed_credentials(session: AsyncSession, camera_id: str) -> Any:
    """Whether the camera is active, its sealed credentials and their revision."""
    return (
        await session.execute(
            sa.select(
                cameras.c.active,
                cameras.c.credentials_sealed,
                cameras.c.credentials_revision,
            ).where(cameras.c.id == camera_id)
        )
    ).first()
