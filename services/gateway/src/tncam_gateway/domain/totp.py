"""TOTP (RFC 6238, HMAC-SHA1, 30 s steps, 6 digits) with replay refusal.

A code is accepted for the current step and one step either side (clock drift); a step at
or before the last one the account used is refused, so an observed code cannot be replayed
even inside its validity window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import urllib.parse
from datetime import datetime

from tncam_mesh.aead import AeadBox

STEP_S = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA1


def new_secret() -> str:
    """A fresh base32 secret (no padding), as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def step_of(now: datetime) -> int:
    """The TOTP time step that contains ``now``."""
    return int(now.timestamp()) // STEP_S


def code_at(secret: str, step: int) -> str:
    """The code of ``step`` (RFC 4226 dynamic truncation)."""
    digest = hmac.digest(_key(secret), struct.pack(">Q", step), hashlib.sha1)
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def verify(
    secret: str, code: str, *, now: datetime, last_used_step: int | None, window: int = 1
) -> int | None:
    """The step ``code`` belongs to if it is valid and unused, else None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = step_of(now)
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            if last_used_step is not None and step <= last_used_step:
                return None  # replay of a used code (or of an older one)
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans (as a QR code)."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_S,
        }
    )
    return f"otpauth://totp/{label}?{query}"


#: The HKDF label of the TOTP seed key: unchanged, so that stored seeds still open.
SEED_LABEL = "tncam-gateway-mfa"


class SeedBox:
    """TOTP seeds at rest: ``tncam_mesh.aead.AeadBox`` bound to the account id, stored as
    base64 text (the column's format: seeds sealed before still open)."""

    def __init__(self, key_material: str | bytes) -> None:
        self._box = AeadBox(key_material, SEED_LABEL)

    def seal(self, secret: str, *, context: str) -> str:
        """Encrypt a seed for the account ``context``."""
        return base64.b64encode(self._box.seal(secret.encode(), owner=context)).decode()

    def open(self, sealed: str, *, context: str) -> str:
        """Decrypt what :meth:`seal` produced for the same account."""
        return self._box.open(base64.b64decode(sealed), owner=context).decode()
