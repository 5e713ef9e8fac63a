"""Camera credentials at rest: AES-256-GCM with a key derived from the settings' secret.

The sealed form is ``nonce (12 bytes) || ciphertext+tag``; the camera id is the associated
data, so a sealed value copied to another camera's row does not open. The plaintext is a small
JSON object ``{"u": user, "p": password}`` and never leaves this module except through
:meth:`CredentialBox.open` (used only by resolve_credentials).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tncam_mesh.errors import TncamError

_NONCE = 12
_INFO = b"tncam-registry-camera-credentials-v1"


@dataclass(frozen=True)
class Credentials:
    """A user name and password (repr never shows the password)."""

    username: str
    password: str = field(repr=False)


class CredentialBox:
    """Seals and opens camera credentials."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the credentials key must not be empty")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, camera_id: str, creds: Credentials) -> bytes:
        """Encrypt ``creds`` for ``camera_id``."""
        nonce = os.urandom(_NONCE)
        plain = json.dumps({"u": creds.username, "p": creds.password}).encode()
        return nonce + self._aead.encrypt(nonce, plain, camera_id.encode())

    def open(self, camera_id: str, sealed: bytes) -> Credentials:
        """Decrypt; a wrong key or tampered value raises ``registry.credentials.undecryptable``."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], camera_id.encode())
        except (InvalidTag, ValueError) as e:
            raise TncamError(
                "registry.credentials.undecryptable",
                f"stored credentials of camera {camera_id} cannot be decrypted with the "
                "configured key (TNCAM_REGISTRY_CREDENTIALS_KEY changed?)",
            ) from e
        data = json.loads(plain)
        return Credentials(str(data["u"]), str(data["p"]))
