"""A tiny web server whose ``/slow?ms=N`` answers after N ms: a portal's latency, in a test.

The delay is the server's own (a hosted EMR taking its time), not a test
waiting for something to happen, so it lives here rather than in the page
object tests, which may not sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = urlparse(self.path)
        if url.path == "/slow":
            time.sleep(int(parse_qs(url.query)["ms"][0]) / 1000)  # the portal's latency
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def slow_server() -> Iterator[str]:
    """Its base URL while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
