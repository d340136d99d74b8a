"""A real HTTP client for the API tests (http.client: what the standard library ships)."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.raw)

    @property
    def problem_type(self) -> str:
        assert self.headers.get("content-type") == "application/problem+json", self.headers
        kind: str = self.json["type"]
        return kind.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        body: bytes | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json is not None:
            body = orjson.dumps(json)
            sent.setdefault("Content-Type", "application/json")
        if query:
            path = f"{path}?{urlencode(query)}"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            received: dict[str, str] = {}
            for name, value in response.getheaders():  # a repeated header is kept whole
                key = name.lower()
                joiner = "\n" if key == "set-cookie" else ", "
                received[key] = f"{received[key]}{joiner}{value}" if key in received else value
            return Reply(response.status, received, data)
        finally:
            conn.close()
