"""Signed claim sets: ``<base64url body>.<base64url HMAC-SHA256>`` under one key and a label.

Playback tokens and live tokens are both this shape with keys and labels of their own (a token
of one kind never verifies as the other). The body is the caller's compact JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def b64url(data: bytes) -> str:
    """Unpadded base64url (tokens and signatures)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """The bytes of unpadded base64url text."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """HMAC-SHA256 seals under one key of at least 32 bytes; ``label`` separates their uses."""

    def __init__(self, key: bytes, *, what: str) -> None:
        if len(key) < 32:
            raise ValueError(f"{what} key must be at least 32 bytes")
        self._key = key

    def mac(self, label: bytes, data: bytes) -> bytes:
        """The MAC of ``data`` for the use ``label``."""
        return hmac.new(self._key, label + b"\x00" + data, hashlib.sha256).digest()

    def seal(self, label: bytes, body: bytes) -> str:
        """``<base64url body>.<base64url MAC>``."""
        return f"{b64url(body)}.{b64url(self.mac(label, body))}"

    def unseal(self, label: bytes, token: str) -> bytes:
        """The body of a genuine seal (ValueError otherwise)."""
        body_b64, mac_b64 = token.split(".", 1)
        body = unb64url(body_b64)
        if not hmac.compare_digest(unb64url(mac_b64), self.mac(label, body)):
            raise ValueError("mac")
        return body
