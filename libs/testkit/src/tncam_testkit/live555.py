"""A camera with B-frames behind a third-party RTSP server: LIVE555 (``liblivemedia`` on PyPI).

The RTSP server an ingest session talks to is LIVE555's ``RTSPServer`` with a
``ProxyServerMediaSession`` (the library many IP cameras embed): it answers DESCRIBE, SETUP
with TCP interleaving and PLAY itself, writes its own SDP, re-packetizes the pictures with its
own H.265 RTP sink (RFC 7798 fragmentation and aggregation) and timestamps them from their
presentation times, and sends its own RTCP sender reports. Nobody here wrote it. Its back end,
the source it relays, is a GStreamer RTSP server playing a Matroska clip (``matroskademux``
gives each picture its presentation time); LIVE555 fetches it once, over RTP/UDP on loopback.

The clip: ``libx265`` with ``bframes=3`` (closed GOPs of one second, so pictures arrive out of
presentation order), made by ffmpeg. ``python -m tncam_testkit.live555 backend|proxy ...`` are
the two processes; :class:`Live555Camera` starts and stops both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tncam_testkit.procs import ManagedProcess, StartStop, free_port, port_open

HOST = "127.0.0.1"
#: The proxy's stream name: the camera's URL is ``rtsp://127.0.0.1:<port>/cam``.
STREAM = "cam"


@dataclass(frozen=True)
class BFrameClip:
    """An H.265 clip with B-frames in Matroska (presentation and decode times per picture)."""

    path: Path
    fps: int
    seconds: int
    gop: int
    bframes: int
    audio: bool = False


def make_bframe_clip(
    dest: Path,
    *,
    fps: int = 10,
    seconds: int = 30,
    gop: int = 10,
    bframes: int = 3,
    audio: bool = False,
) -> BFrameClip:
    """Make (or reuse) a 320x240 ``testsrc`` clip: libx265, ``bframes`` B-frames, closed GOPs
    of ``gop`` pictures, parameter sets in band at each keyframe; with ``audio``, an AAC
    track beside the video (a camera with a microphone)."""
    dest.mkdir(parents=True, exist_ok=True)
    tag = "_aac" if audio else ""
    path = dest / f"testsrc_bframes{bframes}_{fps}fps_{seconds}s_gop{gop}{tag}.mkv"
    clip = BFrameClip(path, fps, seconds, gop, bframes, audio)
    if path.exists():
        return clip
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.mkv")
    params = (
        f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:open-gop=0:"
        "repeat-headers=1:log-level=error"
    )
    argv = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=size=320x240:rate={fps}",
        *(("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000") if audio else ()),
        "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx265", "-preset", "ultrafast",
        "-x265-params", params, *(("-c:a", "aac", "-b:a", "64k") if audio else ()), str(tmp),
    ]  # fmt: skip
    try:
        subprocess.run(argv, check=True, capture_output=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"ffmpeg failed: {exc.stderr.decode(errors='replace')}") from exc
    tmp.replace(path)
    return clip


class Live555Camera(StartStop):
    """One camera with B-frames: LIVE555's RTSP server relaying a GStreamer back end."""

    def __init__(self, workdir: Path, clip: BFrameClip | None = None) -> None:
        self.workdir = workdir
        self.clip = clip
        self.port = free_port(HOST)
        self.backend_port = free_port(HOST)
        self._procs: list[ManagedProcess] = []

    @property
    def url(self) -> str:
        """The camera's RTSP URL (LIVE555's, not the back end's)."""
        return f"rtsp://{HOST}:{self.port}/{STREAM}"

    @property
    def backend_url(self) -> str:
        return f"rtsp://{HOST}:{self.backend_port}/clip"

    def start(self) -> None:
        """Make the clip if needed, start the back end, then LIVE555 in front of it."""
        if self._procs:
            raise RuntimeError("already started")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.clip is None:
            self.clip = make_bframe_clip(self.workdir / "clips")
        me = [sys.executable, "-m", "tncam_testkit.live555"]
        for name, argv, port in (
            ("gst-backend", [*me, "backend", str(self.backend_port), str(self.clip.path),
                             *(["--audio"] if self.clip.audio else [])], self.backend_port),
            ("live555", [*me, "proxy", str(self.port), self.backend_url], self.port),
        ):  # fmt: skip
            proc = ManagedProcess(
                name,
                argv,
                log_path=self.workdir / f"{name}.log",
                ready=lambda p=port: port_open(p, HOST),  # type: ignore[misc]
                ready_timeout=30.0,
                stop_timeout=5.0,
            )
            try:
                proc.start()
            except BaseException:
                self.stop()
                raise
            self._procs.append(proc)

    def stop(self) -> None:
        """Stop LIVE555, then the back end; safe to call twice."""
        procs, self._procs = self._procs, []
        for proc in reversed(procs):
            proc.stop()


def _backend(port: int, clip: Path, audio: bool) -> None:
    """A GStreamer RTSP server playing ``clip`` (Matroska, H.265, and AAC with ``audio``) at
    ``/clip``, from its start (LIVE555 is its only client)."""
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(HOST)
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    sound = " d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97" if audio else ""
    factory.set_launch(
        f'( filesrc location="{clip}" ! matroskademux name=d d.video_0 ! queue '
        f"! h265parse config-interval=-1 ! rtph265pay name=pay0 pt=96{sound} )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory("/clip", factory)
    server.attach(None)
    GLib.MainLoop().run()


def _proxy(port: int, backend: str) -> None:
    """LIVE555's RTSP server on ``port`` relaying ``backend`` as ``/cam`` (its own thread)."""
    import liblivemedia  # type: ignore[import-untyped,import-not-found,unused-ignore]

    server = liblivemedia.ProxyServer(HOST, port)
    server.addURI(backend, STREAM, "", "")
    print(server.getProxyURI(backend), flush=True)
    server.start()
    while True:
        time.sleep(3600)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tncam_testkit.live555")
    p.add_argument("role", choices=("backend", "proxy"))
    p.add_argument("port", type=int)
    p.add_argument("source", help="backend: the clip; proxy: the back end's RTSP URL")
    p.add_argument("--audio", action="store_true", help="backend: serve the clip's AAC too")
    args = p.parse_args(argv)
    if args.role == "backend":
        _backend(args.port, Path(args.source), args.audio)
    else:
        _proxy(args.port, args.source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
