"""Ed25519 signatures over canonical JSON: export manifests and deletion certificates."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tncam_mesh.aead import derive_key

#: HKDF label of the segment id key, derived from the signing key (a per-deployment secret).
SEGMENT_ID_LABEL = "tncam-recorder-segment-id"


class SigningKeyError(ValueError):
    """The configured signing key cannot be used."""


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Deterministic UTF-8 JSON (sorted keys, no spaces): the bytes that get signed."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def load_private_key(text: str) -> Ed25519PrivateKey:
    """A key from settings: PEM (PKCS#8) or base64 of the 32-byte seed.
    There is no default key: settings require one in every environment.
    """
    stripped = text.strip()
    try:
        if stripped.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(stripped.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise SigningKeyError("the PEM key is not an Ed25519 private key")
            return key
        seed = base64.b64decode(stripped, validate=True)
    except (ValueError, TypeError) as e:
        raise SigningKeyError("signing key is neither PEM nor base64") from e
    if len(seed) != 32:
        raise SigningKeyError("a base64 signing key must encode exactly 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def segment_id_key(key: Ed25519PrivateKey) -> bytes:
    """The secret segment ids are made with (see ``keys.segment_id``)."""
    return derive_key(key.private_bytes_raw(), SEGMENT_ID_LABEL)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """A public key from PEM or 32 raw bytes (or their base64)."""
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(stripped)
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError("the PEM key is not an Ed25519 public key")
        return key
    raw = stripped if len(stripped) == 32 else base64.b64decode(stripped, validate=True)
    if len(raw) != 32:
        raise SigningKeyError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """``ed25519:<first 16 hex of sha256(raw key)>``: how people compare keys."""
    return "ed25519:" + hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def verify(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``key``'s signature of ``data``."""
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
