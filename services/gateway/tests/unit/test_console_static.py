"""The console's static mount: index and bundle under /console/ with the strict CSP, /console
redirected there, and a clear 503 when the console was not built."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from tncam_gateway.api.console import mount_console
from tncam_gateway.api.static import CSP


def _client(directory: Path) -> httpx.AsyncClient:
    app = FastAPI()
    mount_console(app, directory)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


async def test_the_built_console_is_served_with_the_strict_csp(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>tncam</title>", encoding="utf-8")
    (tmp_path / "app.js").write_text("export {};", encoding="utf-8")
    async with _client(tmp_path) as client:
        await _check(client)


async def _check(client: httpx.AsyncClient) -> None:

    r = await client.get("/console/")
    assert r.status_code == 200
    assert "<title>tncam</title>" in r.text
    assert r.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP
    assert "'unsafe-eval'" not in CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    r = await client.get("/console/app.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")

    r = await client.get("/console", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"].endswith("/console/")
    assert (await client.get("/console/missing.js")).status_code == 404


async def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    async with _client(tmp_path / "nothing") as client:
        r = await client.get("/console/")
    assert r.status_code == 503
    assert "make console" in r.text
    assert r.headers["content-security-policy"] == CSP
