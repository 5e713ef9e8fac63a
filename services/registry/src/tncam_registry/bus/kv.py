"""The camera_config KV bucket: declared from the catalog's spec, shared with ingest."""

from __future__ import annotations

import nats.errors
import nats.js.errors
from nats.js import api
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from tncam_contracts.catalog import KVSpec
from tncam_mesh.errors import UnavailableError


def kv_config(spec: KVSpec) -> api.KeyValueConfig:
    """The nats-py bucket configuration of ``spec``."""
    return api.KeyValueConfig(
        bucket=spec.bucket,
        description=spec.description,
        max_value_size=spec.max_value_size,
        history=spec.history,
        ttl=spec.ttl_s or None,
        storage=api.StorageType(spec.storage.value),
        replicas=spec.replicas,
    )


async def ensure_kv(js: JetStreamContext, spec: KVSpec) -> KeyValue:
    """Bind the bucket, creating it when missing (whoever comes first, registry or ingest)."""
    try:
        try:
            return await js.key_value(spec.bucket)
        except nats.js.errors.BucketNotFoundError:
            return await js.create_key_value(kv_config(spec))
    except (TimeoutError, nats.errors.Error) as e:
        raise UnavailableError(
            "registry.kv.unavailable", f"KV bucket {spec.bucket}: {type(e).__name__} {e}"
        ) from e
