"""Live view rules (ADR 0020): who watches which stream until when, and the parameter sets a
keyframe must carry in-band. Pure: plain values and a clock passed in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

#: A demand lasts at most this long without a renewal, whatever its holder asks: a holder
#: that died stops costing the camera's bandwidth within seconds.
MAX_TTL_S = 10.0

START = b"\x00\x00\x00\x01"

Key = tuple[str, str]  # (camera id, stream token "main" | "sub")


@dataclass(frozen=True, slots=True)
class DemandChange:
    """A stream whose demand started or lapsed."""

    camera_id: str
    stream: str
    started: bool


@dataclass
class DemandBook:
    """Demands per (camera, stream) and holder, each with its expiry (monotonic seconds)."""

    _holders: dict[Key, dict[str, float]] = field(default_factory=dict)

    def renew(
        self, camera_id: str, stream: str, holder: str, ttl_s: float, now: float
    ) -> DemandChange | None:
        """A holder's demand (``ttl_s`` 0 releases it); the change of the stream's demand."""
        key = (camera_id, stream)
        holders = self._holders.get(key)
        if ttl_s <= 0:
            if holders is None or holders.pop(holder, None) is None or holders:
                return None
            del self._holders[key]
            return DemandChange(camera_id, stream, started=False)
        expires = now + min(ttl_s, MAX_TTL_S)
        if holders is None:
            self._holders[key] = {holder: expires}
            return DemandChange(camera_id, stream, started=True)
        holders[holder] = max(expires, holders.get(holder, 0.0))
        return None

    def expire(self, now: float) -> list[DemandChange]:
        """Forget lapsed holders; the streams nobody holds any more."""
        lapsed: list[DemandChange] = []
        for key in list(self._holders):
            holders = self._holders[key]
            for holder in [h for h, t in holders.items() if t <= now]:
                del holders[holder]
            if not holders:
                del self._holders[key]
                lapsed.append(DemandChange(key[0], key[1], started=False))
        return lapsed

    def drop_camera(self, camera_id: str) -> list[str]:
        """Forget every demand of a camera (its lease left this worker); its streams."""
        streams = [s for c, s in self._holders if c == camera_id]
        for stream in streams:
            del self._holders[(camera_id, stream)]
        return streams

    def holders(self, camera_id: str, stream: str) -> int:
        """How many holders watch the stream now."""
        return len(self._holders.get((camera_id, stream), ()))

    def __iter__(self) -> Iterator[Key]:
        return iter(list(self._holders))


# ------------------------------------------------------------------ parameter sets in-band


def nal_type(codec: str, header: int) -> int:
    """The NAL unit type from its first header byte."""
    return (header >> 1) & 0x3F if codec == "hevc" else header & 0x1F


def is_parameter_set(codec: str, t: int) -> bool:
    """VPS/SPS/PPS (H.265 32-34) or SPS/PPS (H.264 7, 8)."""
    return 32 <= t <= 34 if codec == "hevc" else t in (7, 8)


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex-B buffer (3- or 4-byte start codes), without start codes."""
    units: list[bytes] = []
    n = len(data)
    pos = data.find(b"\x00\x00\x01")
    while pos >= 0:
        begin = pos + 3
        nxt = data.find(b"\x00\x00\x01", begin)
        end = n if nxt < 0 else nxt
        unit = data[begin:end].rstrip(b"\x00") if nxt >= 0 else data[begin:end]
        if unit:
            units.append(unit)
        pos = nxt
    return units


@dataclass
class ParameterSets:
    """The newest parameter set of each type seen in a stream (keyed by NAL type)."""

    codec: str
    sets: dict[int, bytes] = field(default_factory=dict)

    def learn(self, units: list[bytes]) -> None:
        """Remember the parameter sets among ``units``."""
        codec = self.codec
        for u in units:
            t = nal_type(codec, u[0])
            if is_parameter_set(codec, t):
                self.sets[t] = u

    def complete(self) -> bool:
        """Whether a decoder could start with these sets."""
        need = (32, 33, 34) if self.codec == "hevc" else (7, 8)
        return all(t in self.sets for t in need)

    def keyframe(self, units: list[bytes]) -> bytes:
        """A keyframe in Annex-B with every known parameter set in front of its slices: the
        ones it carries in-band (learnt first, they are the newest), then the rest."""
        self.learn(units)
        codec = self.codec
        ps = [self.sets[t] for t in sorted(self.sets)]
        rest = [u for u in units if not is_parameter_set(codec, nal_type(codec, u[0]))]
        # An access unit delimiter stays the access unit's first NAL unit.
        aud = 35 if codec == "hevc" else 9
        lead = rest[:1] if rest and nal_type(codec, rest[0][0]) == aud else []
        return b"".join(START + u for u in (*lead, *ps, *rest[len(lead) :]))
