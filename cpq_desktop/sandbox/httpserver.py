"""A threaded werkzeug HTTPS server on loopback, tuned for many small requests.

Two settings matter (measured-here.md): HTTP/1.1 keep-alive and TCP_NODELAY on accepted sockets;
without them TLS responses stall on Nagle/delayed-ACK and throughput drops about fivefold.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from cpq_desktop.sandbox.faults import WSGIApp


class _FastHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Per-request access lines cost time and flood output; the emulators log what matters."""

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        # A DropConnection from the app (or a client that went away): close without answering.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class LoopbackServer:
    """Serve a WSGI app over HTTPS on 127.0.0.1 in a background thread."""

    def __init__(self, app: WSGIApp, ssl_context: ssl.SSLContext, port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, ssl_context=ssl_context, request_handler=_FastHandler
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
