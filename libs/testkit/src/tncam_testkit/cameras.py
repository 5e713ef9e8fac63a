"""A simulated fleet of H.265 IP cameras: test clips and a real RTSP server process."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tncam_testkit.procs import ManagedProcess, ServerStartError, StartStop, free_port, port_open

# ServerStartError is re-exported: callers catch start failures without importing procs.
__all__ = ["CameraClips", "CameraSimulator", "ServerStartError", "make_clips"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class CameraClips:
    """A pair of short looping clips (Annex-B elementary streams, no B-frames)."""

    h265: Path
    h264: Path
    width: int
    height: int
    fps: int
    seconds: int
    gop: int

    @property
    def frames(self) -> int:
        """Number of frames in one loop of a clip."""
        return self.fps * self.seconds


def _encoder_args(codec: str, gop: int) -> list[str]:
    """ffmpeg's encoder options for a clip a camera simulator can loop and join mid-stream."""
    if codec == "h265":
        return [
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            # Closed GOPs of IDR frames, no B-frames (so PTS = DTS) and headers on every IDR:
            # a loop can restart at frame 0 and a mid-stream client can decode at any GOP.
            "-x265-params",
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:open-gop=0:"
            "repeat-headers=1:log-level=error",
            "-f",
            "hevc",
        ]
    else:
        return [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            str(gop),
            "-keyint_min",
            str(gop),
            "-sc_threshold",
            "0",
            "-bf",
            "0",
            "-f",
            "h264",
        ]


def _encode(
    dest: Path,
    codec: str,
    *,
    width: int,
    height: int,
    fps: int,
    seconds: int,
    gop: int,
    source: str = "testsrc",
) -> None:
    """Encode one clip with ffmpeg into ``dest`` atomically (parallel test workers share it)."""
    encoder = _encoder_args(codec, gop)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    argv = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        # ``testsrc`` draws a moving gradient and a frame counter without needing fonts.
        "-i",
        f"{source}{':' if '=' in source else '='}size={width}x{height}:rate={fps}",
        "-t",
        str(seconds),
        "-pix_fmt",
        "yuv420p",
        *encoder,
        str(tmp),
    ]
    try:
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(
            f"ffmpeg failed for {dest.name}: {exc.stderr.decode(errors='replace')}"
        ) from exc
    tmp.replace(dest)


def make_clips(
    dest: Path,
    *,
    width: int = 320,
    height: int = 240,
    fps: int = 10,
    seconds: int = 4,
    gop: int = 10,
) -> CameraClips:
    """Make (or reuse the cached) H.265 and H.264 test clips in ``dest``."""
    if (fps * seconds) % gop:
        # A loop must end just before a keyframe, or the seam would carry a broken GOP.
        raise ValueError(f"fps*seconds ({fps * seconds}) must be a multiple of gop ({gop})")
    dest.mkdir(parents=True, exist_ok=True)
    stem = f"testsrc_{width}x{height}_{fps}fps_{seconds}s_gop{gop}"
    clips = CameraClips(
        h265=dest / f"{stem}.h265",
        h264=dest / f"{stem}.h264",
        width=width,
        height=height,
        fps=fps,
        seconds=seconds,
        gop=gop,
    )
    for path, codec in ((clips.h265, "h265"), (clips.h264, "h264")):
        if not path.exists():
            _encode(path, codec, width=width, height=height, fps=fps, seconds=seconds, gop=gop)
    return clips


def make_quality_clips(dest: Path, *, fps: int = 10, seconds: int = 4) -> CameraClips:
    """Clips with a bad picture, 320x240: H.265 = black (``color=c=black``), H.264 = a still
    test pattern (``smptebars``: every snapshot the same, i.e. a frozen picture)."""
    dest.mkdir(parents=True, exist_ok=True)
    clips = CameraClips(
        h265=dest / f"black_320x240_{fps}fps_{seconds}s.h265",
        h264=dest / f"still_320x240_{fps}fps_{seconds}s.h264",
        width=320,
        height=240,
        fps=fps,
        seconds=seconds,
        gop=fps,
    )
    for path, codec, source in (
        (clips.h265, "h265", "color=c=black"),
        (clips.h264, "h264", "smptebars"),
    ):
        if not path.exists():
            _encode(
                path, codec, width=320, height=240, fps=fps, seconds=seconds, gop=fps, source=source
            )
    return clips


class CameraSimulator(StartStop):
    """N simulated IP cameras behind one real RTSP server process (``camsim_server``)."""

    def __init__(
        self,
        workdir: Path,
        *,
        cameras: int = 4,
        h264_cameras: Sequence[int] = (4,),
        port: int | None = None,
        clips: CameraClips | None = None,
        control_port: int | None = None,
        protected_cameras: Sequence[int] = (),
        credentials: tuple[str, str] | None = None,
        auth_method: str = "basic",
    ) -> None:
        for n in (*h264_cameras, *protected_cameras):
            if not 1 <= n <= cameras:
                raise ValueError(f"camera {n} is outside 1..{cameras}")
        if protected_cameras and credentials is None:
            raise ValueError("protected_cameras need credentials=(user, password)")
        self.workdir = workdir
        self.cameras = cameras
        self.h264_cameras = tuple(h264_cameras)
        self.protected_cameras = tuple(protected_cameras)
        self.credentials = credentials
        self.auth_method = auth_method
        self.clips = clips
        self.port = port if port is not None else free_port(HOST)
        self.control_port = control_port if control_port is not None else free_port(HOST)
        self._process: ManagedProcess | None = None

    def url(self, n: int) -> str:
        """The RTSP URL of camera ``n`` (1-based), without credentials."""
        if not 1 <= n <= self.cameras:
            raise ValueError(f"camera {n} is outside 1..{self.cameras}")
        return f"rtsp://{HOST}:{self.port}/cam{n}"

    @property
    def urls(self) -> list[str]:
        """The RTSP URLs of all cameras, camera 1 first."""
        return [self.url(n) for n in range(1, self.cameras + 1)]

    def argv(self) -> list[str]:
        """The server process's command line."""
        if self.clips is None:
            raise RuntimeError("no clips yet: call start()")
        argv = [
            sys.executable,
            "-m",
            "tncam_testkit.camsim_server",
            "--port",
            str(self.port),
            "--control-port",
            str(self.control_port),
            "--cameras",
            str(self.cameras),
            "--h265-clip",
            str(self.clips.h265),
            "--h264-clip",
            str(self.clips.h264),
            "--fps",
            str(self.clips.fps),
        ]
        for n in self.h264_cameras:
            argv += ["--h264", str(n)]
        if self.protected_cameras and self.credentials is not None:
            for n in self.protected_cameras:
                argv += ["--protect", str(n)]
            argv += ["--user", self.credentials[0], "--password", self.credentials[1]]
            argv += ["--auth", self.auth_method]
        return argv

    def start(self) -> None:
        """Make the clips if needed, start the server and wait until RTSP and control answer."""
        if self._process is not None:
            raise RuntimeError("camera simulator already started")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.clips is None:
            self.clips = make_clips(self.workdir / "clips")
        process = ManagedProcess(
            "camera-simulator",
            self.argv(),
            log_path=self.workdir / "camsim.log",
            ready=self._ready,
            ready_timeout=30.0,
            stop_timeout=5.0,
        )
        process.start()
        self._process = process

    def stop(self) -> None:
        """SIGTERM the server (SIGKILL after 5 s); safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._process is not None and self._process.running

    @property
    def pid(self) -> int | None:
        """The RTSP server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def _ready(self) -> bool:
        if not port_open(self.port, HOST):
            return False
        with contextlib.suppress(OSError, http.client.HTTPException):
            self._request("GET", "/cameras", timeout=1.0)
            return True
        return False

    def _request(self, method: str, path: str, *, timeout: float = 15.0) -> Any:
        conn = http.client.HTTPConnection(HOST, self.control_port, timeout=timeout)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"camera simulator: {method} {path} -> {response.status} {body!r}")
        return json.loads(body)

    def states(self) -> list[dict[str, Any]]:
        """Each camera's state as the server sees it (name, codec, reachable, protected,
        ``clients``: RTSP clients with a session on the mount now, ``max_clients``: the most
        seen at once, both sampled every 100 ms; ``clients_closed``)."""
        result: list[dict[str, Any]] = self._request("GET", "/cameras")
        return result

    def set_reachable(self, n: int, reachable: bool) -> None:
        """Take camera ``n`` off the network (404, sessions dropped) or back; blocks until done."""
        self.url(n)  # validates n
        self._request("POST", f"/cameras/cam{n}/{'up' if reachable else 'down'}")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server log, for failure messages."""
        return self._process.log_tail(lines) if self._process is not None else "(not running)"
