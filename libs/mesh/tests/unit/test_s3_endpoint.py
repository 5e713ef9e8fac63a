"""Object-store endpoints in every form operators write them."""

from __future__ import annotations

import pytest

from tncam_mesh.s3 import minio_client, split_endpoint


@pytest.mark.parametrize(
    ("endpoint", "secure", "expected"),
    [
        ("http://127.0.0.1:9000", True, ("127.0.0.1:9000", False)),
        ("https://s3.dc.thainguyen.gov.vn", False, ("s3.dc.thainguyen.gov.vn", True)),
        ("minio.minio.svc:9000", False, ("minio.minio.svc:9000", False)),
        ("minio.minio.svc:9000/", True, ("minio.minio.svc:9000", True)),
    ],
)
def test_split_endpoint(endpoint: str, secure: bool, expected: tuple[str, bool]) -> None:
    assert split_endpoint(endpoint, secure=secure) == expected


def test_client_targets_the_bare_host() -> None:
    client = minio_client("https://s3.example:9443", "ak", "sk")
    assert client._base_url.host == "s3.example:9443"
    assert client._base_url.is_https
