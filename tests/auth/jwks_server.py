"""A tiny real JWKS server on 127.0.0.1 for the rotation and outage tests (S3).

It serves ``document`` as JSON and counts requests; ``mode`` makes it misbehave the ways a real
endpoint does: ``"500"`` (an error page), ``"garbage"`` (not JSON), ``"reset"`` (the connection
is closed without an answer), ``"empty"`` (JSON with no usable key).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JwksServer:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.mode = "ok"
        self.hits = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner._lock:
                    owner.hits += 1
                    mode, document = owner.mode, owner.document
                if mode == "reset":
                    self.close_connection = True
                    self.connection.close()
                    return
                if mode == "500":
                    body, status = b"<html>internal error</html>", 500
                elif mode == "garbage":
                    body, status = b"{not json", 200
                elif mode == "empty":
                    body, status = json.dumps({"keys": [{"kty": "oct", "k": "AA"}]}).encode(), 200
                else:
                    body, status = json.dumps(document).encode(), 200
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/.well-known/jwks.json"

    def start(self) -> JwksServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
