"""The camera_config KV bucket kept equal to the database (after a lost bucket, a missed put)."""

from __future__ import annotations

import logging

from nats.js.kv import KeyValue

from tncam.registry.v1 import camera_config_pb2
from tncam_registry.bus import kv as bucket
from tncam_registry.bus.events import ingest_config
from tncam_registry.db import cameras as db
from tncam_registry.db import onvif as db_onvif
from tncam_registry.service.context import RegistryContext

log = logging.getLogger("tncam.registry")


async def active_configs(ctx: RegistryContext) -> dict[str, camera_config_pb2.CameraIngestConfig]:
    """The KV value every active camera should have."""
    async with ctx.sessions() as s:
        rows = await db.active_cameras(s)
        cleared = await db_onvif.cleared_ids(s) if ctx.require_assessment else None
    return {
        r["id"]: ingest_config(r, r["commune_code"])
        for r in rows
        if cleared is None or r["id"] in cleared
    }


async def reconcile_kv(ctx: RegistryContext, kv: KeyValue) -> int:
    """Make the camera_config bucket match the database; returns how many keys were fixed."""
    want = await active_configs(ctx)
    have = await bucket.keys(kv)
    fixed = 0
    for key in sorted(have - set(want)):
        await bucket.delete(kv, key)
        fixed += 1
    for key, config in want.items():
        data = config.SerializeToString(deterministic=True)
        if await bucket.value(kv, key) != data:
            await bucket.put(kv, key, data)
            fixed += 1
    if fixed:
        log.info("camera_config KV reconciled: %d keys fixed", fixed)
    return fixed
