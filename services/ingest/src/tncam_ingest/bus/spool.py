"""The bounded on-disk spool: segments the bus refused, kept in order until it takes them.

One file per segment, ``<seq>-<camera_id>.seg`` holding the serialized ``SegmentClosed``,
written to a temporary name, fsynced and renamed, so a crash leaves either a whole segment or
nothing. ``seq`` is global and increasing, so listing the folder gives the hand-off order back
after a restart. All methods block (file I/O): call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("tncam.ingest.spool")

_NAME_RE = re.compile(r"^(?P<seq>[0-9]{16})-(?P<camera>[A-Za-z0-9_-]{1,128})\.seg$")


@dataclass(frozen=True, slots=True)
class SpoolEntry:
    """One spooled segment."""

    seq: int
    camera_id: str
    path: Path
    size: int


class SpoolFullError(Exception):
    """Adding the segment would exceed the spool's size bound."""


class Spool:
    """Segments on disk under ``directory``, at most ``max_bytes`` in total."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._bytes = 0
        self._count = 0
        self._seq = 0

    @property
    def total_bytes(self) -> int:
        return self._bytes

    @property
    def count(self) -> int:
        return self._count

    def recover(self) -> list[SpoolEntry]:
        """Scan the folder (after a restart): the entries in hand-off order."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except PermissionError:
            # A development run without the volume: a per-user temporary folder, loudly.
            fallback = Path(tempfile.gettempdir()) / f"tncam-ingest-spool-{os.getuid()}"
            log.warning("spool folder %s not writable; using %s", self.directory, fallback)
            self.directory = fallback
            self.directory.mkdir(parents=True, exist_ok=True)
        entries: list[SpoolEntry] = []
        for path in self.directory.iterdir():
            if path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)  # a write cut short by a crash
                continue
            m = _NAME_RE.match(path.name)
            if m is None:
                continue
            entries.append(SpoolEntry(int(m["seq"]), m["camera"], path, path.stat().st_size))
        entries.sort(key=lambda e: e.seq)
        with self._lock:
            self._bytes = sum(e.size for e in entries)
            self._count = len(entries)
            self._seq = entries[-1].seq + 1 if entries else 0
        return entries

    def put(self, camera_id: str, payload: bytes | memoryview) -> SpoolEntry:
        """Write a segment durably; SpoolFullError when it does not fit."""
        size = len(payload)
        with self._lock:
            if self._bytes + size > self.max_bytes:
                raise SpoolFullError(
                    f"spool holds {self._bytes} bytes, {size} more exceed {self.max_bytes}"
                )
            seq = self._seq
            self._seq += 1
            self._bytes += size
            self._count += 1
        path = self.directory / f"{seq:016d}-{camera_id}.seg"
        tmp = path.with_name(path.name + ".tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            with self._lock:
                self._bytes -= size
                self._count -= 1
            raise
        return SpoolEntry(seq, camera_id, path, size)

    def read(self, entry: SpoolEntry) -> bytes:
        """The segment's bytes."""
        return entry.path.read_bytes()

    def remove(self, entry: SpoolEntry) -> None:
        """Forget a segment once the bus has acknowledged it."""
        entry.path.unlink(missing_ok=True)
        with self._lock:
            self._bytes -= entry.size
            self._count -= 1
