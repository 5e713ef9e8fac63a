"""Debian's Chromium, headless, driven by Playwright: browser tests of the pages tncam serves.

Playwright's Python package drives the browser through the Node driver bundled in its wheel (no
network needed); the browser is the system's ``chromium`` (``scripts/install-system.sh``), never
one that ``playwright install`` would download. Each launch gets a fresh profile in a temporary
folder, so no state leaks between tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from playwright.async_api import BrowserContext, ConsoleMessage, Page, async_playwright

__all__ = ["CHROMIUM_ARGS", "ChromiumMissingError", "chromium", "chromium_path", "console_of"]

#: The flags that work here: as root (no sandbox), no GPU, and nothing reaching out to the
#: network by itself (QUIC, background fetches, component updates, sync).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebRTC on one machine: plain IP host candidates instead of .local mDNS names (which
    # aioice would have to resolve), loopback interfaces allowed, and video that starts
    # without a click.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
)


class ChromiumMissingError(RuntimeError):
    """No Chromium executable on this machine."""


def chromium_path() -> Path:
    """The Chromium executable: ``TNCAM_CHROMIUM`` if set, else Debian's ``chromium``."""
    named = os.environ.get("TNCAM_CHROMIUM")
    found = named or shutil.which("chromium") or "/usr/bin/chromium"
    path = Path(found)
    if not path.exists():
        raise ChromiumMissingError(
            f"no Chromium at {path}: run scripts/install-system.sh (Debian package chromium)"
        )
    return path


@contextlib.asynccontextmanager
async def chromium(
    *, extra_args: Sequence[str] = (), viewport: tuple[int, int] = (1280, 800)
) -> AsyncIterator[BrowserContext]:
    """A headless Chromium with a fresh profile; closed (and its profile removed) on exit."""
    executable = chromium_path()
    with tempfile.TemporaryDirectory(prefix="tncam-chromium-") as profile:
        async with async_playwright() as pw:
            context = await pw.chromium.launch_persistent_context(
                profile,  # Playwright passes it as --user-data-dir
                executable_path=executable,
                headless=True,
                args=[*CHROMIUM_ARGS, *extra_args],
                viewport={"width": viewport[0], "height": viewport[1]},
                locale="vi-VN",
            )
            try:
                yield context
            finally:
                await context.close()


def console_of(page: Page) -> list[str]:
    """A list that collects the page's console messages and uncaught errors (for failure
    messages of browser tests)."""
    lines: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        lines.append(f"{message.type}: {message.text}")

    def on_error(error: Exception) -> None:
        lines.append(f"pageerror: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_error)
    return lines
