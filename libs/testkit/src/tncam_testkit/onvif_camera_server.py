"""A real ONVIF device (PyPI ``ipycam``: its device, media and PTZ services, WS-Security
UsernameToken check and WS-Discovery responder), served on 127.0.0.1 only.

``ipycam.IPCamera.start()`` binds every interface and needs a frame source and an encoder;
this process runs the same ipycam components (``ONVIFService``, ``PTZController``,
``IPCameraHTTPHandler``, ``WSDiscoveryServer``) without the video pipeline, bound to the
loopback address. The RTSP URIs it advertises point at ``--rtsp-port`` (a camera simulator).

Run as ``python -m tncam_testkit.onvif_camera_server --port P [--user U --password PW]
[--rtsp-port R --main cam1 --sub cam1] [--discovery-port D] [--manufacturer M --model X
--firmware F --serial S]``; ``GET /api/ptz`` (ipycam's own) reads the PTZ position.
"""

from __future__ import annotations

import argparse
import signal
import socketserver
import threading
from typing import Any

from ipycam.config import CameraConfig
from ipycam.discovery import WSDiscoveryServer
from ipycam.http import IPCameraHTTPHandler
from ipycam.onvif import ONVIFService
from ipycam.ptz import PTZController

HOST = "127.0.0.1"


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class _Camera:
    """What ``IPCameraHTTPHandler`` reads from its camera: config, onvif and ptz."""

    def __init__(self, config: CameraConfig) -> None:
        self.config = config
        self.ptz = PTZController(output_width=config.main_width, output_height=config.main_height)
        self.onvif = ONVIFService(config, self.ptz)


def _config(args: argparse.Namespace) -> CameraConfig:
    return CameraConfig(
        name=args.name,
        manufacturer=args.manufacturer,
        model=args.model,
        serial_number=args.serial,
        firmware_version=args.firmware,
        local_ip=HOST,
        onvif_port=args.port,
        rtsp_port=args.rtsp_port,
        username=args.user,
        password=args.password,
        main_stream_name=args.main,
        sub_stream_name=args.sub,
        main_width=args.width,
        main_height=args.height,
        main_fps=args.fps,
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--rtsp-port", type=int, default=8554)
    p.add_argument("--main", default="video_main")
    p.add_argument("--sub", default="video_sub")
    p.add_argument("--discovery-port", type=int, default=0)
    p.add_argument("--name", default="Virtual Camera")
    p.add_argument("--manufacturer", default="PythonCam")
    p.add_argument("--model", default="VirtualCam-1")
    p.add_argument("--firmware", default="1.3.0")
    p.add_argument("--serial", default="PY-000001")
    p.add_argument("--width", type=int, default=1920)
    p.add_argument("--height", type=int, default=1080)
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--preset", action="append", default=[], help="token:name:pan,tilt,zoom")
    args = p.parse_args(argv)

    camera = _Camera(_config(args))
    for spec in args.preset:
        token, name, pos = spec.split(":", 2)
        pan, tilt, zoom = (float(v) for v in pos.split(","))
        camera.ptz.absolute_move(pan, tilt, zoom)
        camera.ptz.set_preset(token, name)
    camera.ptz.goto_home()
    IPCameraHTTPHandler.camera = camera
    server = _Server((HOST, args.port), IPCameraHTTPHandler)
    discovery: Any = None
    if args.discovery_port:
        WSDiscoveryServer.MULTICAST_PORT = args.discovery_port
        discovery = WSDiscoveryServer(camera.onvif)
        discovery.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"ONVIF device on http://{HOST}:{args.port}/onvif/device_service", flush=True)
    while not stop.wait(0.1):  # short waits: the signal handler must not find it blocked
        pass
    server.shutdown()
    if discovery is not None:
        discovery.stop()
    # The PTZ movement thread is a daemon: it ends with the process.


if __name__ == "__main__":
    main()
