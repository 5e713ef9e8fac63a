"""The headers the recorder's minio client really sends on a segment PUT (it overrides private
methods of the SDK, pinned exactly in pyproject.toml: an SDK upgrade must pass this test)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest

from tncam_mesh.errors import InvalidInputError
from tncam_recorder.domain.retention import lifecycle_rules
from tncam_recorder.storage.s3 import ObjectStore
from tncam_testkit.s3 import S3Endpoint

pytestmark = pytest.mark.integration


@pytest.fixture
def recorded(s3_endpoint: S3Endpoint) -> Iterator[tuple[ObjectStore, list[dict[str, Any]]]]:
    """A store on a fresh object-locked bucket whose HTTP requests are recorded as sent."""
    ep = s3_endpoint
    store = ObjectStore(
        endpoint=ep.endpoint,
        access_key=ep.access_key,
        secret_key=ep.secret_key,
        bucket=f"hdr-{uuid.uuid4().hex[:10]}",
    )
    sent: list[dict[str, Any]] = []
    urlopen = store._pool.urlopen

    def recording(method: str, url: str, *args: Any, **kw: Any) -> Any:
        body = kw.get("body")
        sent.append(
            {
                "method": method,
                "url": url,
                "headers": dict(kw.get("headers") or {}),
                "body": bytes(body) if isinstance(body, bytes | bytearray) else None,
            }
        )
        return urlopen(method, url, *args, **kw)

    store._pool.urlopen = recording  # type: ignore[method-assign]
    try:
        yield store, sent
    finally:
        store.close()


def test_the_sdk_is_the_pinned_one() -> None:
    # _Minio overrides Minio._build_headers and calls Minio._put_object: private API.
    assert version("minio") == "7.2.20"


async def test_a_segment_put_sends_an_unsigned_body_with_a_signed_checksum(
    recorded: tuple[ObjectStore, list[dict[str, Any]]],
) -> None:
    store, sent = recorded
    await store.provision(lifecycle_rules({"d30": 30}))
    data = bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256(data).hexdigest()
    sent.clear()
    written = await store.put(
        "cam/seg-1.m4s", data, sha256=digest, content_type="video/iso.segment", tags={"r": "d30"}
    )
    assert written.version_id
    [put] = [r for r in sent if r["method"] == "PUT"]
    headers = {k.lower(): v for k, v in put["headers"].items()}
    # The body is not hashed for the signature (the SDK's own pass over 1 MiB is skipped) ...
    assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert headers["content-length"] == str(len(data))
    assert put["body"] == data
    # ... its integrity is our SHA-256 in the checksum header, which the signature covers.
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(bytes.fromhex(digest)).decode()
    assert headers["x-amz-meta-sha256"] == digest
    assert headers["if-none-match"] == "*"
    assert headers["x-amz-tagging"] == "r=d30"
    signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"x-amz-checksum-sha256", "x-amz-content-sha256", "host", "x-amz-date"} <= set(signed)


async def test_the_store_refuses_bytes_that_do_not_match_the_checksum(
    recorded: tuple[ObjectStore, list[dict[str, Any]]],
) -> None:
    store, sent = recorded
    await store.provision(lifecycle_rules({"d30": 30}))
    data = b"segment bytes" * 1000
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    with pytest.raises(InvalidInputError) as err:
        await store.put("cam/seg-2.m4s", data, sha256=wrong, content_type="video/iso.segment")
    assert err.value.code == "recording.object.checksum_mismatch"
    [put] = [r for r in sent if r["method"] == "PUT" and "seg-2" in r["url"]]
    assert {k.lower(): v for k, v in put["headers"].items()}["x-amz-content-sha256"] == (
        "UNSIGNED-PAYLOAD"
    )
