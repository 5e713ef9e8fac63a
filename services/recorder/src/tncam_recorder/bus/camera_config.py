"""The registry's ``camera_config`` KV as the recorder reads it: retention class and commune."""

from __future__ import annotations

import re
import time

import nats.errors
import nats.js.errors
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from tncam.registry.v1 import camera_config_pb2
from tncam_contracts.catalog import CAMERA_CONFIG_KV
from tncam_mesh.errors import UnavailableError
from tncam_recorder.domain.keys import retention_class_for
from tncam_recorder.settings import RecorderSettings

_MAX_CACHED_CAMERAS = 100_000
_TAG_VALUE_RE = re.compile(r"[^A-Za-z0-9 +\-=._:/@]")


class CameraClasses:
    """Retention class and commune of each camera, read once per camera and TTL (not once per
    segment); defaults when the registry has no config for it."""

    def __init__(self, js: JetStreamContext, settings: RecorderSettings) -> None:
        self.js = js
        self.settings = settings
        self._kv: KeyValue | None = None
        # camera -> (valid until (monotonic), retention class, commune)
        self._classes: dict[str, tuple[float, str, str]] = {}

    async def of(self, camera_id: str) -> tuple[str, str]:
        """(retention class, commune) of the camera, cached for ``camera_config_cache_s``."""
        now = time.monotonic()
        cached = self._classes.get(camera_id)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        klass, commune = await self._read(camera_id)
        if len(self._classes) >= _MAX_CACHED_CAMERAS:
            self._classes.clear()
        self._classes[camera_id] = (now + self.settings.camera_config_cache_s, klass, commune)
        return klass, commune

    async def _read(self, camera_id: str) -> tuple[str, str]:
        settings = self.settings
        default = (settings.default_retention_class, "")
        try:
            if self._kv is None:
                self._kv = await self.js.key_value(
                    CAMERA_CONFIG_KV.scoped(settings.nats_namespace).bucket
                )
            entry = await self._kv.get(camera_id)
        except (nats.js.errors.BucketNotFoundError, nats.js.errors.KeyNotFoundError):
            return default
        except (nats.errors.Error, TimeoutError) as e:
            raise UnavailableError(
                "recording.config.unavailable", f"camera_config of {camera_id}: {e}"
            ) from e
        if not entry.value:
            return default
        cfg = camera_config_pb2.CameraIngestConfig.FromString(entry.value)
        klass = retention_class_for(
            cfg.retention_days, settings.retention_classes, settings.default_retention_class
        )
        return klass, _TAG_VALUE_RE.sub("_", cfg.commune_code)[:128]
