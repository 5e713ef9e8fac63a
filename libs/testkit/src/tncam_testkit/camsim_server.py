"""The camera-simulator server process: one RTSP server, N looping H.265/H.264 camera mounts.

Run as ``python -m tncam_testkit.camsim_server --port P --control-port C --cameras N
--h265-clip FILE --h264-clip FILE [--h264 K ...] [--protect K ... --user U --password PW
[--auth digest]]``.
It lives in its own process because a GLib main loop must not share the pytest/asyncio process.

Each mount ``/camN`` owns one shared pipeline (like a real camera: several clients, one encoder):
``appsrc ! identity sync=true ! hNNNparse config-interval=-1 ! rtphNNNpay``. The clip is parsed
once into access units at start-up and fed into ``appsrc`` forever with our own PTS = DTS
(the clips have no B-frames), so timestamps keep rising across loops and no seek is needed.

A small HTTP control server on ``127.0.0.1:C`` switches mounts off and on:
``GET /cameras``, ``POST /cameras/camN/down``, ``POST /cameras/camN/up``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

T = TypeVar("T")

HOST = "127.0.0.1"
ANONYMOUS_ROLE = "anonymous"
USER_ROLE = "user"
# gst-rtsp-server answers 404 to a role without "access" and 401 to one without "construct".
_ROLE_FULL = "media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
_ROLE_SEE = "media.factory.access=(boolean)true, media.factory.construct=(boolean)false"


@dataclass(frozen=True)
class AccessUnit:
    """One coded picture of the clip, Annex-B, with in-band parameter sets on keyframes."""

    data: bytes
    keyframe: bool


@dataclass
class Camera:
    """One simulated camera: its mount, clip and reachability."""

    number: int
    codec: str  # "h265" or "h264"
    units: list[AccessUnit]
    protected: bool
    factory: GstRtspServer.RTSPMediaFactory | None = None
    reachable: bool = True
    clients_closed: int = 0
    clients: int = 0  # RTSP clients with a session on this mount now (sampled every 100 ms)
    max_clients: int = 0  # the most ever sampled at once

    @property
    def name(self) -> str:
        """The mount name, ``camN``."""
        return f"cam{self.number}"

    @property
    def path(self) -> str:
        """The mount path, ``/camN``."""
        return f"/{self.name}"


def load_access_units(clip: Path, codec: str) -> list[AccessUnit]:
    """Split an Annex-B clip into access units with the codec parser (run once at start-up)."""
    parse = "h265parse" if codec == "h265" else "h264parse"
    caps = f"video/x-{codec},stream-format=byte-stream,alignment=au"
    pipeline = Gst.parse_launch(
        f'filesrc location="{clip}" ! {parse} ! {caps} ! appsink name=sink sync=false'
    )
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    units: list[AccessUnit] = []
    try:
        while True:
            sample = sink.emit("try-pull-sample", 5 * Gst.SECOND)
            if sample is None:
                break  # EOS (or a stuck parser, caught by the checks below)
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            if not ok:
                raise RuntimeError(f"cannot map a buffer of {clip}")
            try:
                data = bytes(info.data)
            finally:
                buf.unmap(info)
            units.append(AccessUnit(data, not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
    finally:
        pipeline.set_state(Gst.State.NULL)
    if not units or not units[0].keyframe:
        raise RuntimeError(f"{clip}: no access units or it does not start with a keyframe")
    return units


class _Feeder:
    """Pushes a camera's access units into one pipeline's appsrc, looping with rising PTS."""

    def __init__(self, units: list[AccessUnit], fps: int) -> None:
        self.units = units
        self.duration = Gst.SECOND // fps
        self.index = 0
        self.pts0: int | None = None

    def on_need_data(self, appsrc: Any, _length: int) -> None:
        """Push the next access unit (appsrc's ``need-data`` signal, streaming thread)."""
        if self.pts0 is None:
            # Start at the pipeline's current running time: ``identity sync=true`` then paces
            # the frames at real time, as a live camera would, whenever the media (re)starts.
            clock = appsrc.get_clock()
            now = clock.get_time() - appsrc.get_base_time() if clock is not None else 0
            self.pts0 = max(int(now), 0)
        unit = self.units[self.index % len(self.units)]
        buf = Gst.Buffer.new_wrapped(unit.data)
        buf.pts = buf.dts = self.pts0 + self.index * self.duration
        buf.duration = self.duration
        if not unit.keyframe:
            buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
        self.index += 1
        appsrc.emit("push-buffer", buf)


#: RTCP's minimum interval of the simulated cameras (GStreamer's default: RFC 3550's 5 s).
RTCP_MIN_INTERVAL_S = 1.0


def _report_often(media: Any) -> None:
    """Sender reports about every second (0.4-1.2 s), as many cameras send them, instead of
    RFC 3550's 2-6 s: the pipeline is shared and always running, so a client joining it got
    its first report up to 6 s after PLAY, and ingest's first segment waits for that report
    (FIRST_REPORT_WAIT_S); a late first report is the quirks front's ``srlate``."""
    pipeline = media.get_element().get_parent()
    it = pipeline.iterate_elements() if pipeline is not None else None
    while it is not None:
        res, element = it.next()
        if res != Gst.IteratorResult.OK:
            break
        factory = element.get_factory()
        if factory is not None and factory.get_name() == "rtpbin":
            session = element.emit("get-internal-session", 0)  # the one video stream
            if session is not None:
                session.set_property("rtcp-min-interval", int(RTCP_MIN_INTERVAL_S * Gst.SECOND))
                return
    print("camsim: no rtpbin found: sender reports at GStreamer's interval", flush=True)


class _CameraFactory(GstRtspServer.RTSPMediaFactory):  # type: ignore[misc]
    """A shared media factory whose cache key is the camera, not the request URL."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def do_gen_key(self, _url: Any) -> str:
        """The shared-media cache key: the camera name."""
        # The default key is the full request URI, so rtsp://localhost/... and
        # rtsp://127.0.0.1/... would get two pipelines; a camera has exactly one.
        return self.key


class FleetServer:
    """The RTSP server with one mount per camera, driven by the GLib main loop."""

    def __init__(
        self,
        *,
        port: int,
        cameras: list[Camera],
        fps: int,
        credentials: tuple[str, str] | None,
        auth_method: str = "basic",
    ) -> None:
        self.fps = fps
        self.cameras = {cam.name: cam for cam in cameras}
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(HOST)
        self.server.set_service(str(port))
        self.mounts = self.server.get_mount_points()
        if credentials is not None:
            self.server.set_auth(self._make_auth(*credentials, method=auth_method))
        for cam in cameras:
            cam.factory = self._make_factory(cam)
            self.mounts.add_factory(cam.path, cam.factory)

    @staticmethod
    def _make_auth(user: str, password: str, *, method: str = "basic") -> Any:
        auth = GstRtspServer.RTSPAuth()
        anonymous = GstRtspServer.RTSPToken()
        anonymous.set_string("media.factory.role", ANONYMOUS_ROLE)
        auth.set_default_token(anonymous)
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", USER_ROLE)
        if method == "digest":  # what most IP cameras ask for
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(user, password, token)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        return auth

    def _make_factory(self, cam: Camera) -> Any:
        n = "5" if cam.codec == "h265" else "4"
        caps = f"video/x-h26{n},stream-format=(string)byte-stream,alignment=(string)au"
        launch = (
            f'( appsrc name=src is-live=true format=time max-buffers=4 caps="{caps}" '
            "! identity sync=true "
            f"! h26{n}parse config-interval=-1 "
            f"! rtph26{n}pay name=pay0 pt=96 )"
        )
        factory = _CameraFactory(cam.name)
        factory.set_launch(launch)
        factory.set_shared(True)  # one pipeline per camera, whatever the number of clients
        factory.connect("media-configure", self._on_media_configure, cam)
        factory.add_role_from_structure(Gst.Structure.new_from_string(f"{USER_ROLE}, {_ROLE_FULL}"))
        # Anonymous callers may always *see* a mount (without it they get 404, not 401), but
        # only construct media on an unprotected one: a protected mount answers 401 + challenge.
        anonymous = _ROLE_FULL if not cam.protected else _ROLE_SEE
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(f"{ANONYMOUS_ROLE}, {anonymous}")
        )
        return factory

    def _on_media_configure(self, _factory: Any, media: Any, cam: Camera) -> None:
        appsrc = media.get_element().get_by_name("src")
        feeder = _Feeder(cam.units, self.fps)
        appsrc.connect("need-data", feeder.on_need_data)
        # Hold one "prepare" of our own so the pipeline keeps running with no client, like a
        # real camera. Without it the last client leaving starts an asynchronous unprepare and
        # a client reconnecting in that window gets 503 Service Unavailable. The bus watch goes
        # to the default main context, which our GLib main loop runs.
        if not media.prepare(None):
            print(f"camsim: {cam.name}: cannot prepare the media pipeline", flush=True)
            return
        _report_often(media)

    def attach(self) -> None:
        """Start listening; fails loudly when the port is taken."""
        if self.server.attach(None) == 0:
            raise RuntimeError(f"cannot listen on {HOST}:{self.server.get_service()}")

    def set_reachable(self, name: str, reachable: bool) -> dict[str, Any]:
        """Mount or unmount a camera; unmounting also drops its clients (main loop only)."""
        cam = self.cameras[name]
        if reachable and not cam.reachable:
            self.mounts.add_factory(cam.path, cam.factory)
        elif not reachable and cam.reachable:
            self.mounts.remove_factory(cam.path)
            cam.clients_closed += self._drop_sessions(cam.path)
        cam.reachable = reachable
        return self.state(cam)

    def sample_clients(self) -> bool:
        """Count each mount's live clients (a GLib timeout every 100 ms, main loop)."""
        counts = dict.fromkeys(self.cameras, 0)

        def client_pred(_server: Any, client: Any, _data: object) -> Any:
            seen: set[str] = set()

            def sess_pred(_client: Any, session: Any, _data: object) -> Any:
                for cam in self.cameras.values():
                    if _plays_path(session, cam.path):
                        seen.add(cam.name)
                return GstRtspServer.RTSPFilterResult.KEEP

            client.session_filter(sess_pred, None)
            for name in seen:
                counts[name] += 1
            return GstRtspServer.RTSPFilterResult.KEEP

        self.server.client_filter(client_pred, None)
        for name, n in counts.items():
            cam = self.cameras[name]
            cam.clients = n
            cam.max_clients = max(cam.max_clients, n)
        return GLib.SOURCE_CONTINUE  # type: ignore[no-any-return]

    def _drop_sessions(self, path: str) -> int:
        """Close every client connection and session that plays ``path``; return the count."""

        def plays_path(session: Any) -> bool:
            return _plays_path(session, path)

        closed = 0

        def client_pred(_server: Any, client: Any, _data: object) -> Any:
            nonlocal closed
            hit = False

            def sess_pred(_client: Any, session: Any, _data: object) -> Any:
                nonlocal hit
                hit = hit or plays_path(session)
                return GstRtspServer.RTSPFilterResult.KEEP

            client.session_filter(sess_pred, None)
            closed += hit
            # REMOVE closes the client's connection: TCP-interleaved readers see EOF at once.
            return (
                GstRtspServer.RTSPFilterResult.REMOVE
                if hit
                else GstRtspServer.RTSPFilterResult.KEEP
            )

        self.server.client_filter(client_pred, None)

        def pool_pred(_pool: Any, session: Any, _data: object) -> Any:
            # Sessions whose connection is already gone (UDP clients) would keep streaming.
            return (
                GstRtspServer.RTSPFilterResult.REMOVE
                if plays_path(session)
                else GstRtspServer.RTSPFilterResult.KEEP
            )

        self.server.get_session_pool().filter(pool_pred, None)
        return closed

    def state(self, cam: Camera) -> dict[str, Any]:
        """A camera's public state for the control API."""
        return {
            "name": cam.name,
            "codec": cam.codec,
            "reachable": cam.reachable,
            "protected": cam.protected,
            "clients_closed": cam.clients_closed,
            "clients": cam.clients,
            "max_clients": cam.max_clients,
        }

    def states(self) -> list[dict[str, Any]]:
        """All cameras' public state, in number order."""
        return [self.state(cam) for cam in sorted(self.cameras.values(), key=lambda c: c.number)]


def _plays_path(session: Any, path: str) -> bool:
    """Whether an RTSP session has media on exactly ``path``."""
    hit = False

    def check(_session: Any, sessmedia: Any, _data: object) -> Any:
        nonlocal hit
        matches, matched = sessmedia.matches(path)
        # ``matches`` is a prefix test: /cam1 would also match a session on /cam10.
        hit = hit or (matches and matched == len(path))
        return GstRtspServer.RTSPFilterResult.KEEP

    session.filter(check, None)
    return hit


def call_in_main_loop(fn: Callable[[], T], timeout: float = 10.0) -> T:
    """Run ``fn`` on the GLib main loop from another thread and return its result."""
    done = threading.Event()
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> bool:
        try:
            result.append(fn())
        except BaseException as exc:  # handed back to the calling thread
            error.append(exc)
        finally:
            done.set()
        return GLib.SOURCE_REMOVE  # type: ignore[no-any-return]

    GLib.idle_add(run)
    if not done.wait(timeout):
        raise TimeoutError("the GLib main loop did not run the request")
    if error:
        raise error[0]
    return result[0]


def make_control_handler(fleet: FleetServer) -> type[BaseHTTPRequestHandler]:
    """An HTTP handler class bound to ``fleet``."""

    class ControlHandler(BaseHTTPRequestHandler):
        def _reply(self, status: HTTPStatus, body: object) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            """``GET /cameras``: every camera's state."""
            if self.path.rstrip("/") == "/cameras":
                self._reply(HTTPStatus.OK, call_in_main_loop(fleet.states))
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})

        def do_POST(self) -> None:
            """``POST /cameras/camN/up`` or ``/down``: blocks until the change is applied."""
            parts = self.path.strip("/").split("/")
            if len(parts) != 3 or parts[0] != "cameras" or parts[2] not in ("up", "down"):
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})
                return
            name, reachable = parts[1], parts[2] == "up"
            if name not in fleet.cameras:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no camera {name}"})
                return
            state = call_in_main_loop(lambda: fleet.set_reachable(name, reachable))
            self._reply(HTTPStatus.OK, state)

        def log_message(self, format: str, *args: Any) -> None:
            """Access log lines into the process log, tagged."""
            sys.stderr.write(f"camsim control: {format % args}\n")

    return ControlHandler


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options of the server process."""
    p = argparse.ArgumentParser(prog="python -m tncam_testkit.camsim_server")
    p.add_argument("--port", type=int, required=True, help="RTSP port on 127.0.0.1")
    p.add_argument("--control-port", type=int, required=True, help="HTTP control port")
    p.add_argument("--cameras", type=int, default=4, help="mounts /cam1 … /camN")
    p.add_argument("--h265-clip", type=Path, required=True, help="Annex-B H.265 clip")
    p.add_argument("--h264-clip", type=Path, required=True, help="Annex-B H.264 clip")
    p.add_argument("--fps", type=int, default=10, help="frame rate of both clips")
    p.add_argument("--h264", type=int, action="append", default=[], help="camera serving H.264")
    p.add_argument("--protect", type=int, action="append", default=[], help="camera needing auth")
    p.add_argument("--user", help="RTSP user for --protect (required with it)")
    p.add_argument("--password", help="RTSP password for --protect (required with it)")
    p.add_argument("--auth", choices=("basic", "digest"), default="basic", help="RTSP auth scheme")
    args = p.parse_args(argv)
    if args.protect and (not args.user or not args.password):
        p.error("--protect needs --user and --password")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the camera fleet until SIGTERM/SIGINT."""
    args = parse_args(argv)
    Gst.init(None)
    units = {
        "h265": load_access_units(args.h265_clip, "h265"),
        "h264": load_access_units(args.h264_clip, "h264"),
    }
    cameras = [
        Camera(
            number=n,
            codec="h264" if n in args.h264 else "h265",
            units=units["h264" if n in args.h264 else "h265"],
            protected=n in args.protect,
        )
        for n in range(1, args.cameras + 1)
    ]
    fleet = FleetServer(
        port=args.port,
        cameras=cameras,
        fps=args.fps,
        credentials=(args.user, args.password) if args.protect else None,
        auth_method=args.auth,
    )
    loop = GLib.MainLoop()

    def quit_loop() -> bool:
        loop.quit()
        return GLib.SOURCE_REMOVE  # type: ignore[no-any-return]

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, quit_loop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, quit_loop)
    fleet.attach()
    GLib.timeout_add(100, fleet.sample_clients)
    control = ThreadingHTTPServer((HOST, args.control_port), make_control_handler(fleet))
    control.daemon_threads = True
    # A short poll interval: shutdown() waits for it, and stop should be quick.
    threading.Thread(
        target=control.serve_forever, args=(0.05,), name="camsim-control", daemon=True
    ).start()
    print(
        f"camsim: {args.cameras} cameras on rtsp://{HOST}:{args.port}/camN, "
        f"control on http://{HOST}:{args.control_port}",
        flush=True,
    )
    try:
        loop.run()
    finally:
        control.shutdown()
        control.server_close()
    print("camsim: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
