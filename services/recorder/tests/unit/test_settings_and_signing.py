"""Settings refuse unsafe values; signing keys; the export file format on its own."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from tncam_recorder.domain.signing import (
    SigningKeyError,
    canonical_json,
    fingerprint,
    load_private_key,
    public_pem,
)
from tncam_recorder.media.exportfile import (
    FORMAT,
    MANIFEST,
    SIGNATURE,
    SIGNER,
    manifest_files,
    sha256_file,
    verify_bundle,
    write_bundle,
)
from tncam_recorder.settings import RecorderSettings

SEED = base64.b64encode(bytes(range(32))).decode()


def settings(**kw: object) -> RecorderSettings:
    base: dict[str, object] = {
        "environment": "prod",
        "db_password": "p",
        "s3_access_key": "a",
        "s3_secret_key": "s",
        "signing_key": SEED,
    }
    base.update(kw)
    return RecorderSettings(**base)  # type: ignore[arg-type]


def test_settings_refuse_short_retention_and_dev_keys() -> None:
    assert settings().s3_host == "127.0.0.1:9000"
    assert settings(s3_endpoint="https://s3.tn.gov.vn/").s3_secure
    with pytest.raises(ValidationError, match="minimum is 30"):
        settings(retention_classes={"d7": 7})
    with pytest.raises(ValidationError, match="not one of the retention classes"):
        settings(default_retention_class="d999")
    for environment in ("dev", "test", "prod"):
        with pytest.raises(ValidationError, match="TNCAM_RECORDER_SIGNING_KEY"):
            settings(environment=environment, signing_key="insecure-dev-only")
    with pytest.raises(ValidationError, match="signing_key"):
        RecorderSettings(environment="dev", db_password="p", s3_access_key="a", s3_secret_key="s")


def test_storage_sites_named_in_deletion_records(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings().storage_sites == ["primary"]
    monkeypatch.setenv("TNCAM_RECORDER_STORAGE_SITES", '["site-a", "site-b"]')
    assert settings().storage_sites == ["site-a", "site-b"]
    with pytest.raises(ValidationError, match="storage_sites"):
        settings(storage_sites=[])


def test_signing_keys_from_seed_and_pem_only() -> None:
    key = load_private_key(SEED)
    assert fingerprint(key.public_key()).startswith("ed25519:")
    with pytest.raises(SigningKeyError):
        load_private_key("not base64 !")
    with pytest.raises(SigningKeyError):
        load_private_key(base64.b64encode(b"short").decode())
    with pytest.raises(SigningKeyError):  # the former development marker is no key
        load_private_key("insecure-dev-only")
    assert canonical_json({"b": 1, "a": "ệ"}) == '{"a":"ệ","b":1}'.encode()


def make_bundle(tmp: Path, key: Ed25519PrivateKey, video: bytes = b"video" * 100) -> Path:
    seg = b"segment-bytes"
    import hashlib

    files = manifest_files(
        [
            ("segments/000001.m4s", hashlib.sha256(seg).hexdigest(), len(seg)),
            ("video.mp4", hashlib.sha256(video).hexdigest(), len(video)),
        ]
    )
    manifest = {
        "format": FORMAT,
        "files": files,
        "segments": [
            {
                "index": 1,
                "start": "x",
                "sha256": hashlib.sha256(seg).hexdigest(),
                "file": "segments/000001.m4s",
            }
        ],
    }
    body = canonical_json(manifest)
    out = tmp / "e.zip"
    write_bundle(
        out,
        [
            (MANIFEST, body),
            (SIGNATURE, base64.b64encode(key.sign(body)) + b"\n"),
            (SIGNER, public_pem(key.public_key())),
            ("segments/000001.m4s", seg),
            ("video.mp4", video),
        ],
    )
    return out


def test_bundle_is_deterministic_and_verifies(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    first = make_bundle(tmp_path, key)
    digest = sha256_file(first)
    again = make_bundle(tmp_path, key)
    assert sha256_file(again) == digest  # same bytes in, same archive out
    result = verify_bundle(again, key.public_key())
    assert result.ok, result.problems
    other = Ed25519PrivateKey.generate()
    assert not verify_bundle(again, other.public_key()).ok
    # Each single flipped byte anywhere in the archive fails (sampled).
    raw = again.read_bytes()
    for pos in range(0, len(raw), max(1, len(raw) // 40)):
        bad = bytearray(raw)
        bad[pos] ^= 0x20
        (tmp_path / "bad.zip").write_bytes(bytes(bad))
        assert not verify_bundle(tmp_path / "bad.zip").ok, pos
    assert json.loads(result.manifest and json.dumps(result.manifest))["format"] == FORMAT
