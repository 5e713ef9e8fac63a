"""The live player and its example page, served as static files under ``/live-player/``.

A strict Content-Security-Policy (no inline script or style, connections only to this origin):
the player is plain JavaScript modules with no build step and no third-party code.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MOUNT = "/live-player"
CSP = (
    "default-src 'self'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # Revalidated on each load, so a new player reaches browsers at once (ETag keeps it cheap).
    (b"cache-control", b"no-cache"),
)


class SecurityHeaders:
    """Adds the security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_live_player(app: FastAPI) -> None:
    """Serve ``static/`` (the live player module and its example page) under ``/live-player/``."""
    files = StaticFiles(directory=STATIC_DIR, html=True)
    app.mount(MOUNT, SecurityHeaders(files), name="live-player")
