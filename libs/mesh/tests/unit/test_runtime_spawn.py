"""Runtime.spawn: finished tasks are forgotten; one cancelled before it started leaves no
un-awaited coroutine behind (the live edge cancels a transcode that never ran)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from tncam_mesh.health import Health
from tncam_mesh.metrics import Metrics
from tncam_mesh.runtime import Runtime


async def test_spawned_tasks_are_forgotten_and_an_unstarted_one_is_closed() -> None:
    ran: list[str] = []

    async def work(name: str) -> None:
        ran.append(name)

    async with asyncio.TaskGroup() as tg:
        rt: Runtime[Any] = Runtime(
            settings=None,
            metrics=Metrics("test", "i-1"),
            health=Health(),
            bus=None,  # type: ignore[arg-type]
            stopping=asyncio.Event(),
            tasks=tg,
            http_app=None,  # type: ignore[arg-type]
        )
        done = rt.spawn("done", work("done"))
        never = rt.spawn("never", work("never"))
        never.cancel()  # before its first step
        await asyncio.wait([done, never])
        await asyncio.sleep(0)
        assert rt._spawned == set()
    assert ran == ["done"]
    gc.collect()  # a coroutine never awaited would warn here (warnings are errors)
