"""A threaded werkzeug HTTPS server on loopback that keeps connections alive, like the real services.

Three settings matter. HTTP/1.1 and TCP_NODELAY on accepted sockets (measured-here.md): without them
TLS responses stall on Nagle/delayed-ACK and throughput drops about fivefold. And keep-alive: werkzeug 3
answers every request with ``Connection: close`` (its request handler cannot drain a request body it did
not read before the next request line), so each request cost a new TCP connection and TLS handshake —
CPU on both sides that neither Salesforce nor Zuora charges a client, about a fifth of a sync's CPU.
``_KeepAliveHandler.run_wsgi`` bounds the request body by its Content-Length, drains what the app left
unread and answers with a Content-Length, so the connection can carry the next request.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import traceback
from typing import IO, Any, ClassVar, cast

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

from cpq_desktop.sandbox.faults import WSGIApp

# an idle kept-alive connection is closed after this long, as real services do (clients reconnect)
IDLE_TIMEOUT_S = 120.0
_PLAIN_TEXT = [("Content-Type", "text/plain; charset=utf-8")]


class _KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    # the sockets of this server's open connections, so that stopping the server ends their threads
    open_connections: ClassVar[set[socket.socket]]
    open_lock: ClassVar[threading.Lock]

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.open_lock:
            self.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.open_lock:
            self.open_connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Per-request access lines cost time and flood output; the emulators log what matters."""

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an idle kept-alive connection closing, as on the real services: not an error
        super().log_error(format, *args)

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        # A DropConnection from the app, a client that went away or an idle timeout: close without answering.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        length = str(environ.get("CONTENT_LENGTH") or "0").strip()
        if environ.get("wsgi.input_terminated"):
            # a chunked request body: whatever the app leaves unread cannot be told from the next request
            self.close_connection = True
            answer = self._call_app(environ, None)
        elif length.isdigit():
            body = LimitedStream(cast(IO[bytes], self.rfile), int(length))
            environ["wsgi.input"] = body
            answer = self._call_app(environ, body)
        else:
            self.close_connection = True
            answer = ("400 Bad Request", _PLAIN_TEXT, b"Content-Length must be a whole number of bytes")
        if answer is None:
            return
        status, headers, content = answer
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        sent = set()
        for key, value in headers:
            self.send_header(key, value)
            sent.add(key.lower())
        if "content-length" not in sent:
            self.send_header("Content-Length", str(len(content)))
        if self.close_connection and "connection" not in sent:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)
        self.wfile.flush()

    def _call_app(
        self, environ: dict[str, Any], body: LimitedStream | None
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The app's status, headers and whole body; None when the connection is to be dropped unanswered."""
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [str(status), headers]
            return self._unbuffered_write

        try:
            result = self.server.app(environ, start_response)
            try:
                content = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if body is not None:
                body.exhaust()
        except (ConnectionError, TimeoutError) as error:
            self.connection_dropped(error, environ)
            return None
        except Exception:  # noqa: BLE001 - an emulator bug answers 500 and is logged, as werkzeug does
            self.server.log("error", f"Error on request:\n{traceback.format_exc()}")
            self.close_connection = True
            return "500 Internal Server Error", _PLAIN_TEXT, b"Internal Server Error"
        return answer[0], answer[1], content

    @staticmethod
    def _unbuffered_write(data: bytes) -> None:
        raise RuntimeError("the sandbox apps return their bodies; WSGI's write() callable is not supported")


class LoopbackServer:
    """Serve a WSGI app over HTTPS on 127.0.0.1 in a background thread."""

    def __init__(
        self, app: WSGIApp, ssl_context: ssl.SSLContext, port: int = 0, idle_timeout_s: float = IDLE_TIMEOUT_S
    ) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        handler = type(
            "LoopbackHandler",
            (_KeepAliveHandler,),
            {"open_connections": self._connections, "open_lock": self._connections_lock, "timeout": idle_timeout_s},
        )
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, ssl_context=ssl_context, request_handler=handler
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
        # kept-alive connections would hold their threads until the clients close them
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
