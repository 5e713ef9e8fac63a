"""Credentials in URLs never reach logs or metrics."""

from __future__ import annotations

import pytest

from tncam_mesh.redact import mask_url, mask_urls_in


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("rtsp://admin:Cam3ra!@10.0.0.7:554/Streaming/Channels/101", "Cam3ra!"),
        ("rtsp://admin:p@ss/1@10.0.0.7/", "p@ss/1"),
        ("nats://svc:hunter22@nats:4222", "hunter22"),
        ("postgresql://tncam_registry:pw-123456@pg:5432/tncam", "pw-123456"),
        ("http://s3.local/bucket?X-Amz-Signature=abc&password=qwerty99", "qwerty99"),
        ("nats://s3cr3ttoken@nats:4222", "s3cr3ttoken"),
    ],
)
def test_mask_url_hides_the_secret_and_keeps_the_host(url: str, secret: str) -> None:
    masked = mask_url(url)
    assert secret not in masked
    assert "***" in masked
    host = url.rsplit("@", 1)[-1].split("/")[0].split("?")[0] if "@" in url else "s3.local"
    assert host in masked


def test_mask_urls_in_free_text() -> None:
    text = "connect failed: rtsp://u:topsecret@cam/1 and nats://a:b-secret@n:4222 refused"
    out = mask_urls_in(text)
    assert "topsecret" not in out
    assert "b-secret" not in out
    assert "refused" in out


def test_urls_without_credentials_are_unchanged() -> None:
    assert mask_url("rtsp://10.0.0.7:554/cam1") == "rtsp://10.0.0.7:554/cam1"
