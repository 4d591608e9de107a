"""A TCP proxy on loopback that makes a server look far away: every byte the server
sends reaches the client DELAY later (pure latency: a response's chunks keep their
spacing), and every byte the client sends reaches the server at once. One round trip
therefore costs DELAY more, as with a grid that distance away.

    .venv/bin/python benchmarks/delay_proxy.py --upstream 127.0.0.1:8003 --delay-ms 50

It listens on 127.0.0.1 only and forwards only to the upstream given (loopback).
``DelayProxy`` runs it in a background thread for the benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import threading
import time


class DelayProxy:
    """The proxy in a thread of its own; ``url`` is where clients connect."""

    def __init__(self, upstream_host: str, upstream_port: int, delay_ms: float,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay_ms / 1000
        # A burst of the run's connections (--max-connections, all workers) waits to
        # be accepted.
        self.socket = socket.create_server((host, port), backlog=128)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True, name="delay-proxy")
        self.ready = threading.Event()
        self.server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self.thread.start()
        self.ready.wait(10)
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def serve() -> None:
            self.server = await asyncio.start_server(self._client, sock=self.socket)
            self.ready.set()

        self.loop.run_until_complete(serve())
        self.loop.run_forever()

    async def _client(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        sock = client_writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(self._pipe(client_reader, server_writer, 0.0),
                             self._pipe(server_reader, client_writer, self.delay),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    delay: float) -> None:
        """Copy ``reader`` to ``writer``, each chunk ``delay`` after it arrived."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(send())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((time.monotonic() + delay, data))
        except OSError:
            pass
        queue.put_nowait((time.monotonic() + delay, b""))
        with contextlib.suppress(OSError):
            await sender
        with contextlib.suppress(OSError):
            writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the server")
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    proxy = DelayProxy(host or "127.0.0.1", int(port), args.delay_ms, port=args.port)
    print(f"{proxy.start()} -> {args.upstream}, {args.delay_ms:g} ms", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    proxy.stop()


if __name__ == "__main__":
    main()
