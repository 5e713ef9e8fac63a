"""Run a blocking function in a dedicated thread (one per RTSP session, not a shared pool)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _settle(fut: asyncio.Future[T], value: T | None, error: BaseException | None) -> None:
    if fut.done():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)  # type: ignore[arg-type]


async def run_in_thread(fn: Callable[[], T], *, name: str) -> T:
    """``fn()`` in a new daemon thread; the result comes back with one loop hand-off.

    The default executor is shared and small (CPU count + 4): a session lives for hours, so
    it gets its own thread. Cancelling the awaiting task does not stop ``fn``; ask it to stop.
    """
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[T] = loop.create_future()

    def target() -> None:
        value: T | None = None
        error: BaseException | None = None
        try:
            value = fn()
        except BaseException as e:  # handed to the awaiting task
            error = e
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, fut, value, error)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await asyncio.shield(fut)


class LoopPoster:
    """Thread-safe ``post(fn, *args)`` onto the event loop (one hand-off per call)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def post(self, fn: Callable[..., object], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed during shutdown
            self._loop.call_soon_threadsafe(fn, *args)
