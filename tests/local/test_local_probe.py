"""Port and health probes: a busy port is seen on any interface, and only DynamoDB answers."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

import pytest

from dynastack.local import answers, free_port, port_in_use


def test_listener_on_loopback_makes_the_port_busy() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        assert port_in_use(listener.getsockname()[1])


def test_free_port_is_free() -> None:
    assert not port_in_use(free_port())


class Teapot(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(418)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_http_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), Teapot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def test_another_http_server_is_not_dynamodb(other_http_server: int) -> None:
    assert not answers(other_http_server)


def test_nothing_listening_does_not_answer() -> None:
    assert not answers(free_port(), timeout=0.5)


@pytest.mark.integration
@pytest.mark.skipif(
    bool(os.environ.get("DYNASTACK_TEST_ENDPOINT")), reason="probes only a server we started"
)
def test_dynamodb_local_answers(dynamodb_endpoint: str) -> None:
    url = urlsplit(dynamodb_endpoint)
    assert url.hostname == "127.0.0.1"
    assert url.port is not None
    assert answers(url.port)
