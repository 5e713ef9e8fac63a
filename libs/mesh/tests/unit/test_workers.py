"""The process worker: results and errors come back, a call over the time limit is killed (and
the next call gets a fresh process), callers beyond the queue are refused, the loop stays free.

The functions run in a spawned child, so they are the standard library's (a test module
imported with ``--import-mode=importlib`` cannot be re-imported by name there).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest

from tncam_mesh.errors import UnavailableError
from tncam_mesh.workers import ProcessWorker, WorkTimeoutError


@pytest.fixture
async def worker() -> AsyncIterator[ProcessWorker]:
    w = ProcessWorker("test.work", timeout_s=1.5, max_waiting=1)
    await w.start()
    try:
        yield w
    finally:
        w.close()


async def test_runs_in_another_process_and_returns_results_and_errors(
    worker: ProcessWorker,
) -> None:
    child = await worker.run(os.getpid)
    assert child != os.getpid()
    assert await worker.run(divmod, 17, 5) == (3, 2)
    with pytest.raises(ValueError, match="invalid literal"):
        await worker.run(int, "not a number")
    assert await worker.run(os.getpid) == child  # one warm process, reused
    assert await worker.run(os.nice, 0) == min(os.nice(0) + 10, 19)  # behind the service


async def test_a_call_over_the_time_limit_is_killed_and_the_next_gets_a_new_process(
    worker: ProcessWorker,
) -> None:
    first = await worker.run(os.getpid)
    started = time.monotonic()
    with pytest.raises(WorkTimeoutError) as timed_out:
        await worker.run(time.sleep, 30)
    assert 1.4 < time.monotonic() - started < 5
    assert timed_out.value.code == "test.work.timed_out"
    assert not timed_out.value.retryable
    for _ in range(50):  # the kill is asynchronous: SIGKILL, then the kernel reaps it
        try:
            os.kill(first, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail(f"the timed-out worker process {first} is still alive")
    second = await worker.run(os.getpid)
    assert second != first


async def test_a_dead_worker_is_a_clear_error_and_is_replaced(worker: ProcessWorker) -> None:
    with pytest.raises(UnavailableError) as lost:
        await worker.run(os._exit, 3)
    assert lost.value.code == "test.work.worker_lost"
    assert await worker.run(divmod, 7, 2) == (3, 1)


async def test_one_call_at_a_time_one_waits_the_rest_are_refused(worker: ProcessWorker) -> None:
    running = asyncio.create_task(worker.run(time.sleep, 0.6))
    await asyncio.sleep(0.1)
    assert worker.busy
    waiting = asyncio.create_task(worker.run(divmod, 9, 4))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(UnavailableError) as busy:
        await worker.run(divmod, 1, 1)
    assert time.monotonic() - started < 0.1  # refused at once, not queued
    assert busy.value.code == "test.work.busy"
    assert busy.value.retryable
    assert await running is None
    assert await waiting == (2, 1)


async def test_the_event_loop_keeps_its_pace_while_the_child_computes() -> None:
    # ~1 s of pure CPU (GIL held throughout) in the niced child, which a loaded machine may
    # stretch: a time limit of its own, far from the work's length; the loop's ticks stay on time.
    worker = ProcessWorker("test.pace", timeout_s=60)
    await worker.start()
    try:
        work = asyncio.create_task(worker.run(sum, range(30_000_000)))
        lags = []
        while not work.done():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)
        assert await work == sum(range(30_000_000))
    finally:
        worker.close()
    assert len(lags) > 10
    assert max(lags) < 0.1, max(lags)


async def test_a_closed_worker_refuses_calls() -> None:
    w = ProcessWorker("test.closed", timeout_s=1)
    w.close()
    with pytest.raises(UnavailableError) as closed:
        await w.run(divmod, 1, 1)
    assert closed.value.code == "test.closed.closed"


_PARENT = """
import asyncio, os
from tncam_mesh.workers import ProcessWorker

async def main():
    worker = ProcessWorker("orphan-test", timeout_s=30)
    print(await worker.run(os.getpid), flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


def _running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return not any(line.startswith("State:\tZ") for line in f)
    except FileNotFoundError:
        return False


def test_the_child_dies_with_a_killed_parent() -> None:
    # A SIGKILLed service cannot close its pool; its worker must not live on as an orphan.
    with subprocess.Popen(
        [sys.executable, "-c", _PARENT],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            assert child != parent.pid
            assert _running(child)
        finally:
            parent.kill()
            parent.wait()
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), f"worker {child} outlived its killed parent"
