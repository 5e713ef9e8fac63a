"""The operator console (issue 16), served as static files under ``/console/``.

The files are the esbuild bundle of ``services/console`` (``make console`` writes them into
``console_dist/`` beside this package's code; a build output, not committed). The same strict
Content-Security-Policy as the live player's page: scripts, styles, fonts and connections only
from this origin (the console calls nothing but the public API), no inline script or style, no
framing. Without a build, ``/console/`` answers 503 saying how to build it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from tncam_gateway.api.static import SecurityHeaders

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console_dist"
MOUNT = "/console"
NOT_BUILT = (
    "Giao diện điều hành chưa được build: chạy `make console` "
    "(the console is not built: run `make console`)\n"
)


async def _not_built(scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse(NOT_BUILT, status_code=503)
    await response(scope, receive, send)


def mount_console(app: FastAPI, directory: Path = CONSOLE_DIR) -> None:
    """Serve the built console under ``/console/`` (``/console`` redirects there)."""

    @app.get(MOUNT, include_in_schema=False)
    async def console_root(request: Request) -> Response:
        return RedirectResponse(str(request.url.replace(path=MOUNT + "/")), status_code=308)

    built = (directory / "index.html").is_file()
    files = StaticFiles(directory=directory, html=True) if built else _not_built
    app.mount(MOUNT, SecurityHeaders(files), name="console")
