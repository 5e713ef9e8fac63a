"""Camera credentials as a value: never shown, stored only sealed (JSON ``{"u", "p"}``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tncam.registry.v1 import service_pb2
from tncam_registry.domain.importing import CameraRow


@dataclass(frozen=True)
class Credentials:
    """A user name and password (repr never shows the password)."""

    username: str
    password: str = field(repr=False)

    @property
    def empty(self) -> bool:
        """Neither a user name nor a password: nothing to store."""
        return not (self.username or self.password)

    def to_bytes(self) -> bytes:
        """The plaintext that is sealed."""
        return json.dumps({"u": self.username, "p": self.password}).encode()

    @classmethod
    def from_bytes(cls, plain: bytes) -> Credentials:
        """The value :meth:`to_bytes` wrote."""
        data = json.loads(plain)
        return cls(str(data["u"]), str(data["p"]))


def given(
    msg: service_pb2.CameraCredentials | None, row: CameraRow
) -> tuple[Credentials | None, bool]:
    """Credentials of a new or imported camera: the request's, else the row's (URL or columns).

    The flag says whether the camera's stored credentials are to be set at all.
    """
    if msg is not None and (msg.username or msg.password):
        return Credentials(msg.username, msg.password), True
    if row.username is not None or row.password is not None:
        return Credentials(row.username or "", row.password or ""), True
    return None, False


def for_update(
    req: service_pb2.UpdateCameraRequest, row: CameraRow
) -> tuple[Credentials | None, bool]:
    """Credentials an update sets: explicit ones, or those written into a changed RTSP URL."""
    if req.set_credentials:
        return Credentials(req.credentials.username, req.credentials.password), True
    if "rtsp_url" in req.update_mask and (row.username or row.password):
        return Credentials(row.username or "", row.password or ""), True
    return None, False
