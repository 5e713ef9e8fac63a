"""Provisioning of the bucket: versioning, object lock and lifecycle rules before any write."""

from __future__ import annotations

import asyncio
import logging

from tncam_mesh.clock import wait_or_stop
from tncam_mesh.errors import UnavailableError
from tncam_recorder.domain.retention import lifecycle_rules
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder")
_FIRST_RETRY_S = 0.5
_RETRY_CAP_S = 10.0


async def provision(rec: Recorder, stop: asyncio.Event) -> bool:
    """Provision the bucket, waiting (not failing) while the object store is unreachable.

    True once provisioned, False if ``stop`` came first. A misconfigured bucket (no object
    lock, no versioning, lifecycle rules that do not read back) raises.
    """
    delay = _FIRST_RETRY_S
    rules = lifecycle_rules(rec.settings.retention_classes)
    while not stop.is_set():
        try:
            state = await rec.store.provision(rules)
        except UnavailableError as e:
            log.warning("object store not ready (%s); retrying in %.1f s", e.code, delay)
            await wait_or_stop(stop, delay)
            delay = min(delay * 2, _RETRY_CAP_S)
            continue
        log.info("bucket %s provisioned (%s)", rec.store.bucket, state)
        return True
    return False
