"""The registry's events and camera_config KV values as protobuf messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tncam.registry.v1 import camera_config_pb2, camera_state_pb2
from tncam_registry.domain.connection import Transition
from tncam_registry.domain.model import credentials_ref
from tncam_registry.domain.views import STATE_TO_PB


def ingest_config(row: Any, commune_code: str) -> camera_config_pb2.CameraIngestConfig:
    """The camera_config KV value of an active camera (no secret, only a reference)."""
    return camera_config_pb2.CameraIngestConfig(
        camera_id=row["id"],
        revision=row["revision"],
        active=row["active"],
        rtsp_url=row["rtsp_url"],
        rtsp_sub_url=row["rtsp_sub_url"],
        credentials_ref=credentials_ref(row["id"]) if row["credentials_sealed"] is not None else "",
        expected_codec=row["declared_codec"],
        expected_resolution=row["resolution"],
        min_fps=row["min_fps"],
        onvif_url=row["onvif_url"],
        retention_days=row["retention_days"],
        commune_code=commune_code,
        owner_unit_id=row["owner_unit_id"],
        sector_code=row["sectors"][0] if row["sectors"] else "",
        site_id=row["site_id"],
    )


def config_changed(
    row: Any, commune_code: str, now: dt.datetime
) -> tuple[camera_config_pb2.CameraConfigChanged, camera_config_pb2.CameraIngestConfig | None]:
    """The change event of a camera's row and its new KV value (None: remove the key)."""
    event = camera_config_pb2.CameraConfigChanged(camera_id=row["id"], revision=row["revision"])
    event.changed_at.FromDatetime(now)
    if not row["active"]:
        event.change = camera_config_pb2.CONFIG_CHANGE_REMOVED
        return event, None
    config = ingest_config(row, commune_code)
    event.change = camera_config_pb2.CONFIG_CHANGE_UPSERTED
    event.config.CopyFrom(config)
    return event, config


def state_changed(
    camera_id: str, t: Transition, transition_id: int, place: Any
) -> camera_state_pb2.CameraStateChanged:
    """The event of one connection state transition (``place``: commune, site kind, owner)."""
    event = camera_state_pb2.CameraStateChanged(
        camera_id=camera_id,
        previous_state=STATE_TO_PB[t.previous],
        state=STATE_TO_PB[t.state],
        reason=t.reason,
        detail=t.detail,
        transition_id=transition_id,
        commune_code=place.commune_code,
        site_kind=place.kind,
        owner_unit_id=place.owner_unit_id,
    )
    event.changed_at.FromDatetime(t.at)
    return event
