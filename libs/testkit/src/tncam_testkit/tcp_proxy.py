"""A TCP proxy that a test can cut and mend: a network partition between two local processes.

Every connection accepted on ``port`` is piped to ``upstream``. ``cut()`` closes the live
connections and refuses new ones (closed at once) until ``mend()``. It runs its own event loop
in a daemon thread, so tests of any kind (sync or async) can use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from tncam_testkit.procs import StartStop

_CHUNK = 64 * 1024


class TcpProxy(StartStop):
    """``127.0.0.1:port`` → ``127.0.0.1:upstream``, cuttable. Without ``port`` the kernel picks
    one as it starts (no race with other processes starting meanwhile): read ``port`` after."""

    def __init__(self, upstream: int, *, port: int = 0) -> None:
        self.upstream = upstream
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._cut = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(_CHUNK):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

    async def _close_all(self) -> None:
        for writer in list(self._writers):
            with contextlib.suppress(OSError, RuntimeError):
                writer.transport.abort()
        self._writers.clear()

    def cut(self) -> None:
        """Drop every connection through the proxy and refuse new ones until :meth:`mend`."""
        self._cut = True
        asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(10)

    def mend(self) -> None:
        """Let connections through again."""
        self._cut = False

    def stop(self) -> None:
        if self._thread is None:
            return

        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            await self._close_all()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop.close()
