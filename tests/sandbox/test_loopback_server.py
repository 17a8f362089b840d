"""The sandboxes' HTTPS server keeps connections alive like the real services, and stays correct doing so."""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.wsgi import get_input_stream

from cpq_desktop.sandbox.faults import DropConnection
from cpq_desktop.sandbox.httpserver import LoopbackServer
from cpq_desktop.sandbox.tls import create_tls


class _Recorder:
    """A WSGI app answering ``/echo`` with the body it read, ``/ignore`` without reading it; it notes the
    client port (one per connection) and the thread of every request."""

    def __init__(self) -> None:
        self.ports: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.ports.append(environ["REMOTE_PORT"])
        self.threads.append(threading.current_thread())
        path = environ["PATH_INFO"]
        if path == "/drop":
            raise DropConnection("dropped on purpose")
        if path == "/boom":
            raise RuntimeError("a bug in the emulator")
        body = get_input_stream(environ).read() if path == "/echo" else b"not read"
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]


@pytest.fixture
def served(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[_Recorder, LoopbackServer, requests.Session]]:
    tls = create_tls(tmp_path)
    app = _Recorder()
    idle_timeout = getattr(request, "param", 120.0)
    server = LoopbackServer(app, tls.server_context, idle_timeout_s=idle_timeout)
    server.start()
    session = requests.Session()
    session.trust_env = False
    session.verify = str(tls.ca_file)
    try:
        yield app, server, session
    finally:
        session.close()
        server.stop()


def test_requests_of_a_session_share_one_connection(served: tuple[_Recorder, LoopbackServer, requests.Session]) -> None:
    app, server, session = served
    answers = [session.post(f"{server.url}/echo", data=f"request {n}".encode()).content for n in range(3)]
    assert answers == [b"request 0", b"request 1", b"request 2"]
    assert len(set(app.ports)) == 1, "every request opened a new TCP connection and TLS handshake"


def test_a_body_the_app_did_not_read_does_not_leak_into_the_next_request(
    served: tuple[_Recorder, LoopbackServer, requests.Session],
) -> None:
    app, server, session = served
    assert session.post(f"{server.url}/ignore", data=b"GET /echo HTTP/1.1\r\n\r\n" * 50).content == b"not read"
    assert session.post(f"{server.url}/echo", data=b"next").content == b"next"
    assert len(set(app.ports)) == 1


def test_a_dropped_connection_is_dropped_and_the_next_request_gets_a_new_one(
    served: tuple[_Recorder, LoopbackServer, requests.Session],
) -> None:
    app, server, session = served
    assert session.get(f"{server.url}/echo").status_code == 200
    with pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/drop")
    assert session.post(f"{server.url}/echo", data=b"again").content == b"again"
    assert len(set(app.ports)) == 2


def test_a_malformed_content_length_is_refused(served: tuple[_Recorder, LoopbackServer, requests.Session]) -> None:
    app, server, session = served
    context = ssl.create_default_context(cafile=str(session.verify))
    connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=context)
    try:
        connection.putrequest("POST", "/echo")
        connection.putheader("Content-Length", "lots")
        connection.endheaders(b"x")
        answer = connection.getresponse()
        assert answer.status == 400
        assert b"Content-Length" in answer.read()
    finally:
        connection.close()
    assert app.ports == [], "the app never saw the request"


@pytest.mark.expect_logged_errors
def test_an_emulator_bug_answers_500_and_closes_the_connection(
    served: tuple[_Recorder, LoopbackServer, requests.Session],
) -> None:
    app, server, session = served
    answer = session.get(f"{server.url}/boom")
    assert answer.status_code == 500
    assert answer.headers["Connection"] == "close"
    assert session.post(f"{server.url}/echo", data=b"fine").content == b"fine"
    assert len(set(app.ports)) == 2


def test_stopping_the_server_ends_the_threads_of_kept_alive_connections(
    served: tuple[_Recorder, LoopbackServer, requests.Session],
) -> None:
    app, server, session = served
    assert session.get(f"{server.url}/echo").status_code == 200
    handler = app.threads[0]
    assert handler.is_alive(), "the connection is idle and kept alive"
    server.stop()
    handler.join(timeout=10)
    assert not handler.is_alive()


@pytest.mark.parametrize("served", [0.2], indirect=True)
def test_an_idle_connection_is_closed_quietly_and_the_client_reconnects(
    served: tuple[_Recorder, LoopbackServer, requests.Session],
) -> None:
    app, server, session = served
    assert session.get(f"{server.url}/echo").status_code == 200
    handler = app.threads[0]
    handler.join(timeout=10)
    assert not handler.is_alive(), "the idle connection was kept past the timeout"
    # no error was logged for it (the autouse log check fails the test otherwise)
    assert session.post(f"{server.url}/echo", data=b"later").content == b"later"
    assert len(set(app.ports)) == 2
