"""A light RTSP session that only feeds a live tap: the camera's sub-stream while someone
watches it (ADR 0020). No segments, no snapshots, no statistics; run it in its own thread."""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction

import av

from tncam_ingest.domain.reasons import Reason, classify
from tncam_ingest.media.live import LiveTap
from tncam_ingest.media.rtp import START, RtspProtocolError
from tncam_ingest.media.rtsp import RtspClient
from tncam_ingest.media.stream import SessionEnd, SessionOptions
from tncam_mesh.redact import mask_urls_in

log = logging.getLogger("tncam.ingest.live")

LIVE_CODECS = ("hevc", "h264")


def picture_size(codec: str, keyframe: bytes) -> tuple[int, int]:
    """Width and height from a keyframe's parameter sets (Annex-B); (0, 0) if unreadable."""
    try:
        with av.open(io.BytesIO(keyframe), "r", format=codec) as probe:
            if probe.streams.video:
                ctx = probe.streams.video[0].codec_context
                return int(ctx.width or 0), int(ctx.height or 0)
    except av.FFmpegError:
        log.debug("no picture size in a %s keyframe", codec)
    return 0, 0


@dataclass
class LiveOnlySession:
    """One attempt at a stream that is only watched: ``run()`` blocks until it fails or
    ``stop()`` is called (checked after every read batch)."""

    url: str  # may carry credentials: never logged as is
    options: SessionOptions
    tap: LiveTap
    _stop: threading.Event = field(default_factory=threading.Event)
    connected: bool = False

    def __repr__(self) -> str:
        return f"LiveOnlySession(camera_id={self.tap.camera_id!r})"

    def stop(self) -> None:
        """Ask the session to end (thread-safe)."""
        self._stop.set()

    def run(self) -> SessionEnd:
        """Open the stream and put each access unit into the tap until stopped."""
        opts = self.options
        started = time.monotonic()
        try:
            client = RtspClient(self.url, timeout_s=opts.timeout_s, batch_s=opts.live_batch_s)
        except RtspProtocolError as e:
            return SessionEnd(Reason.OTHER, mask_urls_in(str(e)), False, None)
        try:
            desc = client.open()
            if desc.codec not in LIVE_CODECS:
                return SessionEnd(Reason.CODEC_MISMATCH, f"codec {desc.codec}", False, None)
            extradata = b"".join(START + ps for ps in desc.parameter_sets)
            self.tap.restart(desc.codec, extradata, 0, 0, Fraction(1, desc.clock_rate))
            self.connected = True
            return self._stream(client, desc.codec)
        except EOFError:
            return SessionEnd(Reason.STREAM_ENDED, "the camera ended the stream", True, None)
        except Exception as e:
            failure = classify(e, elapsed_s=time.monotonic() - started, timeout_s=opts.timeout_s)
            return SessionEnd(failure.reason, failure.detail, self.connected, None)
        finally:
            try:
                client.close()
            except OSError:
                log.debug("closing the RTSP client failed", exc_info=True)

    def _stream(self, client: RtspClient, codec: str) -> SessionEnd:
        tap, stop = self.tap, self._stop
        sized = False
        for au in client.access_units():
            if stop.is_set():
                break
            if au is None:
                continue
            data = bytes(au)
            au.store.release(au.end)  # nothing else keeps the samples
            if au.is_keyframe and not sized:
                sized = True
                tap.resize(*picture_size(codec, data))  # once per session: it parses
            tap.put(data, au.pts, au.is_keyframe, time.time(), au.store.capture_time(au.pts))
        return SessionEnd(Reason.LEASE_RELEASED, "nobody watches", True, None)
