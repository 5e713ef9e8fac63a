"""A real ONVIF device for tests: PyPI ``ipycam``'s ONVIF services (device, media, PTZ,
WS-Security, WS-Discovery) in their own process on 127.0.0.1 (``onvif_camera_server``).

Its RTSP URIs point at ``rtsp_port`` with the mounts ``main``/``sub``: give it a
:class:`~tncam_testkit.cameras.CameraSimulator`'s port and mounts to have real streams
behind them (with or without RTSP authentication).
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tncam_testkit.procs import ManagedProcess, StartStop, free_port, port_open

HOST = "127.0.0.1"


class OnvifCamera(StartStop):
    """One virtual ONVIF camera (ipycam) with optional credentials and PTZ presets."""

    def __init__(
        self,
        workdir: Path,
        *,
        credentials: tuple[str, str] | None = None,
        rtsp_port: int = 8554,
        main: str = "video_main",
        sub: str = "video_sub",
        presets: Sequence[tuple[str, str, tuple[float, float, float]]] = (),
        discovery_port: int = 0,
        identity: tuple[str, str, str] = ("PythonCam", "VirtualCam-1", "1.3.0"),
    ) -> None:
        self.workdir = workdir
        self.credentials = credentials
        self.rtsp_port = rtsp_port
        self.main, self.sub = main, sub
        self.presets = tuple(presets)
        self.discovery_port = discovery_port
        self.identity = identity
        self.port = free_port(HOST)
        self._process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        """The device service URL."""
        return f"http://{HOST}:{self.port}/onvif/device_service"

    def argv(self) -> list[str]:
        vendor, model, firmware = self.identity
        argv = [sys.executable, "-m", "tncam_testkit.onvif_camera_server", "--port", str(self.port)]
        argv += ["--rtsp-port", str(self.rtsp_port), "--main", self.main, "--sub", self.sub]
        argv += ["--manufacturer", vendor, "--model", model, "--firmware", firmware]
        argv += ["--width", "1280", "--height", "720"]
        if self.credentials is not None:
            argv += ["--user", self.credentials[0], "--password", self.credentials[1]]
        if self.discovery_port:
            argv += ["--discovery-port", str(self.discovery_port)]
        for token, name, (pan, tilt, zoom) in self.presets:
            argv += ["--preset", f"{token}:{name}:{pan},{tilt},{zoom}"]
        return argv

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        process = ManagedProcess(
            "onvif-camera",
            self.argv(),
            log_path=self.workdir / "onvif-camera.log",
            cwd=self.workdir,  # ipycam keeps its PTZ presets file in the working directory
            ready=lambda: port_open(self.port, HOST),
            ready_timeout=20.0,
            stop_timeout=5.0,
        )
        process.start()
        self._process = process

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    def ptz_status(self) -> dict[str, Any]:
        """ipycam's own PTZ position (``pan``, ``tilt``, ``zoom``, ``moving``)."""
        request = urllib.request.Request(f"http://{HOST}:{self.port}/api/ptz")
        if self.credentials is not None:
            token = base64.b64encode(":".join(self.credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            result: dict[str, Any] = json.loads(response.read())
        return result
