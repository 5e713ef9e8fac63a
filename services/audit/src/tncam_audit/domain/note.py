"""C2SP signed notes with Ed25519 keys, and C2SP tlog-checkpoint bodies.

A signed note is its text (UTF-8, ending in a newline), a blank line, and one or more
signature lines ``— <key name> <base64(key id || signature)>``. The key id is the first four
bytes of ``SHA-256(<key name> || "\\n" || 0x01 || <public key>)`` (0x01 = Ed25519). Keys are
written as ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>`` and verifier keys as
``<name>+<id hex>+<base64(0x01 || public key)>`` — the forms golang.org/x/mod/sumdb/note
and the transparency-log ecosystem use, so standard tools can check tncam checkpoints.

A checkpoint body is ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` followed here by one
extension line ``time <RFC 3339 UTC>`` so that the signed text itself dates the tree head.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 1
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class NoteError(ValueError):
    """A note, key or checkpoint is malformed or its signature does not verify."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise NoteError(f"{what} is not valid base64") from e


def check_name(name: str) -> str:
    """A key name / origin: non-empty, printable, no spaces and no '+'."""
    if not name or "+" in name or any(c.isspace() for c in name) or not name.isprintable():
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key under ``name``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key that checks note signatures."""

    name: str
    public_key: bytes

    @property
    def id(self) -> bytes:
        """The key id."""
        return key_id(self.name, self.public_key)

    def encode(self) -> str:
        """``<name>+<id hex>+<base64(0x01 || key)>``."""
        return f"{self.name}+{self.id.hex()}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Parse an encoded verifier key."""
        parts = text.strip().split("+", 2)  # base64 may contain '+'
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<id hex>+<base64 key>")
        name, hex_id, b64 = parts
        raw = _unb64(b64, "verifier key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key is not an Ed25519 key")
        verifier = cls(check_name(name), raw[1:])
        if verifier.id.hex() != hex_id.lower():
            raise NoteError("verifier key id does not match its name and key")
        return verifier

    def check(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer:
    """A named Ed25519 private key that signs notes."""

    def __init__(self, name: str, seed: bytes) -> None:
        if len(seed) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")
        self.name = check_name(name)
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(self.name, public)

    def __repr__(self) -> str:  # never show the seed
        return f"Signer({self.name!r}, id={self.verifier.id.hex()})"

    @classmethod
    def parse(cls, text: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>``."""
        text = text.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise NoteError("a signing key starts with PRIVATE+KEY+")
        parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise NoteError("a signing key is PRIVATE+KEY+<name>+<id hex>+<base64 key>")
        name, hex_id, b64 = parts
        raw = _unb64(b64, "signing key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("signing key is not an Ed25519 key")
        signer = cls(name, raw[1:])
        if signer.verifier.id.hex() != hex_id.lower():
            raise NoteError("signing key id does not match its name and key")
        return signer

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A fresh random key."""
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(name, seed)

    def encode(self) -> str:
        """The private key in ``PRIVATE+KEY+...`` form (a secret: never log it)."""
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw = bytes([ALG_ED25519]) + seed
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier.id.hex()}+{_b64(raw)}"

    def sign(self, text: str) -> str:
        """The signed note of ``text`` (which must end with a newline)."""
        _check_text(text)
        signature = self._key.sign(text.encode())
        line = f"{SIGNATURE_PREFIX}{self.name} {_b64(self.verifier.id + signature)}\n"
        return f"{text}\n{line}"


def _check_text(text: str) -> None:
    if (
        not text.endswith("\n")
        or "\r" in text
        or not all(c.isprintable() for c in text[:-1].replace("\n", ""))
    ):
        raise NoteError("note text must be printable lines, each ending in a newline")


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text carries at least one valid signature of a known key."""

    text: str
    signed_by: tuple[str, ...]


def open_note(note: str, verifiers: list[Verifier] | tuple[Verifier, ...]) -> OpenedNote:
    """Check a signed note against known keys; NoteError unless a known key signed it.

    A signature line naming a known key (name and id) whose signature is wrong is an error
    even if another known key signed correctly: someone tried to forge that key.
    """
    if not note.endswith("\n"):
        raise NoteError("a signed note ends with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a signed note has a blank line before its signatures")
    text = note[: split + 1]
    _check_text(text)
    lines = note[split + 2 :].splitlines()
    if not lines:
        raise NoteError("a signed note has at least one signature line")
    known = {(v.name, v.id): v for v in verifiers}
    signed_by: list[str] = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("malformed signature line")
        try:
            name, b64 = line[len(SIGNATURE_PREFIX) :].split(" ")
        except ValueError as e:
            raise NoteError("malformed signature line") from e
        raw = _unb64(b64, "signature")
        if len(raw) < 5:
            raise NoteError("signature too short")
        verifier = known.get((name, raw[:4]))
        if verifier is None:
            continue  # another party's signature (a witness): not ours to judge
        if not verifier.check(text.encode(), raw[4:]):
            raise NoteError(f"invalid signature by key {name}")
        signed_by.append(name)
    if not signed_by:
        raise NoteError("no signature by a known key")
    return OpenedNote(text, tuple(signed_by))


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class CheckpointBody:
    """The text of a tlog checkpoint: origin, size, root hash and the time it was signed."""

    origin: str
    size: int
    root: bytes
    time: dt.datetime

    def encode(self) -> str:
        """The note text (ending with a newline)."""
        check_name(self.origin)
        if self.size < 0 or len(self.root) != 32:
            raise NoteError("a checkpoint has a non-negative size and a 32-byte root")
        stamp = format_time(self.time)
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\ntime {stamp}\n"

    @classmethod
    def parse(cls, text: str) -> CheckpointBody:
        """Parse checkpoint note text."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has origin, size and root lines")
        origin, size_line, root_line, *extensions = lines[:-1]
        check_name(origin)
        if not size_line.isdigit() or (size_line.startswith("0") and size_line != "0"):
            raise NoteError("checkpoint size must be a decimal without leading zeros")
        root = _unb64(root_line, "root hash")
        if len(root) != 32:
            raise NoteError("checkpoint root must be 32 bytes")
        time: dt.datetime | None = None
        for ext in extensions:
            if not ext:
                raise NoteError("empty checkpoint extension line")
            if ext.startswith("time "):
                time = parse_time(ext[5:])
        if time is None:
            raise NoteError("checkpoint has no time line")
        return cls(origin, int(size_line), root, time)


def format_time(t: dt.datetime) -> str:
    """RFC 3339 UTC with microseconds, e.g. ``2026-11-22T08:00:00.000000Z``."""
    if t.tzinfo is None:
        raise NoteError("checkpoint time must be timezone-aware")
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> dt.datetime:
    """Inverse of :func:`format_time`."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError as e:
        raise NoteError(f"bad checkpoint time {text!r}") from e


def sign_checkpoint(signer: Signer, body: CheckpointBody) -> str:
    """The signed note of a checkpoint; its origin must be the key's name."""
    if body.origin != signer.name:
        raise NoteError("a checkpoint is signed by the key named after its origin")
    return signer.sign(body.encode())


def open_checkpoint(note: str, verifiers: list[Verifier] | tuple[Verifier, ...]) -> CheckpointBody:
    """Verify a signed checkpoint and parse it; NoteError if forged or malformed."""
    opened = open_note(note, verifiers)
    body = CheckpointBody.parse(opened.text)
    if body.origin not in opened.signed_by:
        raise NoteError("checkpoint not signed by the key of its origin")
    return body
