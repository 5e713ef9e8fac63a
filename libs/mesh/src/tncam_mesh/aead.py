"""The one box for small secrets at rest: AES-256-GCM, key derived from a setting with HKDF.

The sealed form is ``nonce (12 bytes) || ciphertext+tag``. The associated data binds a sealed
value to its owner (a camera id, an account id): copied to another row it does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class SealedValueError(ValueError):
    """A sealed value does not open: wrong key, wrong owner, or tampered."""


def derive_key(secret: str | bytes, label: str) -> bytes:
    """A 32-byte key for ``label`` from a configured secret (HKDF-SHA256, no salt)."""
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=label.encode()).derive(material)


class AeadBox:
    """Seals and opens small values with a key derived for one purpose (``label``)."""

    def __init__(self, secret: str | bytes, label: str) -> None:
        if not secret:
            raise ValueError(f"the key for {label} must not be empty")
        self._aead = AESGCM(derive_key(secret, label))

    def seal(self, plaintext: bytes, *, owner: str) -> bytes:
        """Encrypt ``plaintext`` bound to ``owner``."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, owner.encode())

    def open(self, sealed: bytes, *, owner: str) -> bytes:
        """Decrypt what :meth:`seal` produced for the same ``owner``."""
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], owner.encode())
        except (InvalidTag, ValueError) as e:
            raise SealedValueError(f"sealed value of {owner} does not open") from e
