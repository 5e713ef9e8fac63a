"""Mesh integration tests: a bus on the session's nats-server; each test its own namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tncam_mesh.bus import Bus, connect
from tncam_testkit.nats import NatsServer


@pytest.fixture
def ns(namespace: str) -> str:
    """A namespace isolating this test's streams and subjects on the shared server."""
    return namespace


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    b = await connect(nats_server.url, name="tncam-mesh-test", timeout=5.0)
    try:
        yield b
    finally:
        await b.close(timeout=5.0)
