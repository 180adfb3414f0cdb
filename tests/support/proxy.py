"""A TCP proxy the fault suite controls: cut every connection through it, at will.

The machine's RabbitMQ and Redis are shared and must never be stopped, and
``rabbitmqctl close_all_connections`` would also cut every other test run's
connections. A stack whose broker (or Redis) URL points at this proxy can lose
its connections mid-burst while everyone else's stay up. ``cut()`` closes the
live connections (the next ones go through again); ``refuse()`` also makes new
ones fail until ``accept()``.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.support.servers import free_port


class Proxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._refusing = False
        self._stopped = False
        self.cuts = 0
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()

    # --- control --------------------------------------------------------------------
    def cut(self) -> int:
        """Close every live connection; return how many were cut."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self.cuts += 1
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()
        return len(pairs)

    def live(self) -> int:
        """Connections open through the proxy now."""
        with self._lock:
            return len(self._pairs)

    def refuse(self) -> None:
        self._refusing = True
        self.cut()

    def accept(self) -> None:
        self._refusing = False

    def close(self) -> None:
        self._stopped = True
        self.cut()
        with contextlib.suppress(OSError):
            self._server.close()

    # --- plumbing -------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self._refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass  # cut, or the other side went away
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
