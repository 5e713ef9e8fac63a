"""The one way services reach the object store: endpoint parsing and the minio client.

``TNCAM_S3_ENDPOINT`` may be ``http(s)://host:port`` or a bare ``host:port``; the minio SDK
wants the bare form plus a TLS flag. The SDK blocks: callers run its calls in threads.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import urllib3
from minio import Minio

DEFAULT_REGION = "us-east-1"


def split_endpoint(endpoint: str, *, secure: bool = False) -> tuple[str, bool]:
    """``(host:port, tls)`` of an endpoint; a scheme, when present, decides TLS."""
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        return parts.netloc, parts.scheme == "https"
    return endpoint.rstrip("/"), secure


def minio_client(
    endpoint: str,
    access_key: str,
    secret_key: str,
    *,
    secure: bool = False,
    region: str = "",
    http_client: urllib3.PoolManager | None = None,
    client_cls: type[Minio] = Minio,
) -> Minio:
    """A minio SDK client for ``endpoint`` (``secure`` applies only to a bare host:port);
    ``client_cls`` for a subclass of the SDK client."""
    host, tls = split_endpoint(endpoint, secure=secure)
    return client_cls(
        host,
        access_key=access_key,
        secret_key=secret_key,
        secure=tls,
        region=region or DEFAULT_REGION,
        http_client=http_client,
    )
