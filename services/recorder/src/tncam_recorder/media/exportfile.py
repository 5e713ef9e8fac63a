"""The export file (trích xuất): a deterministic zip with a signed manifest, and its verifier.

Layout (the three meta members first, then the others sorted by name), every member
stored (no compression) with fixed metadata, so that the
archive is a pure function of its members and the verifier can rebuild it byte for byte:

* ``manifest.json`` — canonical JSON: camera, range, requester, purpose, grant, every file's
  SHA-256 and size, every segment (start, end, SHA-256 as recorded), the gaps;
* ``manifest.sig`` — base64 Ed25519 signature of ``manifest.json``;
* ``signer.pub`` — the signer's public key (PEM), for convenience: trust comes from comparing
  its fingerprint with the published one, or from ``--public-key``;
* ``video.mp4`` — the range remuxed into one MP4 (no re-encoding);
* ``init/<sha256>.mp4`` and ``segments/<n>-<start>.m4s`` — the original recorded bytes, whose
  hashes match the index and the ``SegmentStored`` events.

Verification fails on any changed, added or missing byte or member.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tncam_recorder.domain.signing import (
    SigningKeyError,
    fingerprint,
    load_public_key,
    verify,
)

FORMAT = "tncam-export/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNER = "signer.pub"
VIDEO = "video.mp4"
META_MEMBERS = (MANIFEST, SIGNATURE, SIGNER)
_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, streamed."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def write_bundle(out: Path, members: Sequence[tuple[str, bytes | Path]]) -> None:
    """Write the members, in order, as a deterministic stored zip."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        for name, content in members:
            # One code path for every member, so that the archive only depends on the bytes.
            info = _info(name)
            src: BinaryIO = (
                io.BytesIO(content) if isinstance(content, bytes) else content.open("rb")
            )
            with src, z.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, _CHUNK)


@dataclass
class Verification:
    """The verdict on one export file."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    signer: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)


def _fail(v: Verification, problem: str) -> Verification:
    v.ok = False
    v.problems.append(problem)
    return v


def verify_bundle(path: Path, public_key: Ed25519PublicKey | None = None) -> Verification:
    """Check an export file offline: signature, every file's hash, nothing added or missing."""
    try:
        return _verify(path, public_key)
    except Exception as e:  # a damaged archive may fail in any way; it is then not valid
        return _fail(Verification(ok=True), f"damaged export file: {type(e).__name__}: {e}")


def _verify(path: Path, public_key: Ed25519PublicKey | None) -> Verification:
    v = Verification(ok=True)
    try:
        with zipfile.ZipFile(path) as z:
            names = [i.filename for i in z.infolist()]
            missing_meta = [m for m in META_MEMBERS if m not in names]
            if missing_meta:
                return _fail(v, f"missing {', '.join(missing_meta)}")
            manifest_bytes = z.read(MANIFEST)
            signature = base64.b64decode(z.read(SIGNATURE).strip(), validate=True)
            embedded = load_public_key(z.read(SIGNER))
    except (OSError, zipfile.BadZipFile, ValueError, SigningKeyError) as e:
        return _fail(v, f"not a readable export file: {e}")
    key = public_key or embedded
    v.signer = fingerprint(key)
    if public_key is not None and fingerprint(embedded) != v.signer:
        _fail(v, f"signed by {fingerprint(embedded)}, expected {v.signer}")
    if not verify(key, signature, manifest_bytes):
        return _fail(v, "manifest signature is not valid")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        return _fail(v, "manifest is not JSON")
    v.manifest = manifest
    if manifest.get("format") != FORMAT:
        return _fail(v, f"unknown format {manifest.get('format')!r}")
    files: Mapping[str, Mapping[str, Any]] = manifest.get("files", {})
    expected_order = [*META_MEMBERS, *sorted(files)]
    if names != expected_order:
        extra = sorted(set(names) - set(expected_order))
        absent = sorted(set(expected_order) - set(names))
        _fail(v, f"members differ from the manifest: missing {absent}, unexpected {extra}")
    for seg in manifest.get("segments", []):
        if not seg.get("file"):
            continue  # exported without original segments: video.mp4's hash covers them
        entry = files.get(seg["file"])
        if seg["file"] not in names or entry is None or entry.get("sha256") != seg.get("sha256"):
            _fail(v, f"segment {seg.get('index')} ({seg.get('start')}) is missing")
    return _check_archive(v, path, names, files)


def _check_archive(
    v: Verification, path: Path, names: list[str], files: Mapping[str, Mapping[str, Any]]
) -> Verification:
    """Every member's bytes against the manifest, and the archive against its canonical form."""
    with tempfile.TemporaryDirectory(prefix="tncam-verify-") as tmp:
        extracted: list[tuple[str, bytes | Path]] = []
        try:
            with zipfile.ZipFile(path) as z:
                for i, name in enumerate(names):
                    target = Path(tmp) / f"{i:06d}"
                    with z.open(name) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)
                    extracted.append((name, target))
        except (OSError, zipfile.BadZipFile) as e:
            return _fail(v, f"damaged archive: {e}")
        for name, content in extracted:
            if name in files:
                assert isinstance(content, Path)
                digest, size = sha256_file(content)
                want = files[name]
                if digest != want.get("sha256") or size != want.get("bytes"):
                    _fail(v, f"{name} does not match its manifest hash")
        # The archive itself must be exactly what the members make: a byte changed in a
        # header, a comment or padding is tampering too.
        rebuilt = Path(tmp) / "rebuilt.zip"
        write_bundle(rebuilt, extracted)
        if sha256_file(rebuilt) != sha256_file(path):
            _fail(v, "archive bytes differ from the canonical archive of its members")
    return v


def manifest_files(entries: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, Any]]:
    """``{name: {sha256, bytes}}`` in the given order."""
    return {name: {"sha256": digest, "bytes": size} for name, digest, size in entries}
