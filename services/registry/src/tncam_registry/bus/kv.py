"""The camera_config KV bucket as ingest reads it: keys, values, repairs."""

from __future__ import annotations

from nats.js.errors import KeyDeletedError, KeyNotFoundError, NoKeysError
from nats.js.kv import KeyValue


async def keys(kv: KeyValue) -> set[str]:
    """Every key in the bucket (an empty bucket has none)."""
    try:
        return set(await kv.keys())
    except NoKeysError:
        return set()


async def value(kv: KeyValue, key: str) -> bytes:
    """The value stored under ``key`` (b"" if there is none)."""
    try:
        entry = await kv.get(key)
    except (KeyNotFoundError, KeyDeletedError):
        return b""
    return entry.value or b""


async def put(kv: KeyValue, key: str, data: bytes) -> None:
    """Store ``data`` under ``key``."""
    await kv.put(key, data)


async def delete(kv: KeyValue, key: str) -> None:
    """Remove ``key``."""
    await kv.delete(key)
