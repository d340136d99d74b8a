"""Ports and health: is a port free, and does a DynamoDB endpoint on it really answer?

DynamoDB Local has no ``-host`` option: Jetty binds ``0.0.0.0``. A port is therefore "free" only
if it is free on *all* interfaces, and that is what the probe checks (it binds without listening,
so nothing is exposed). A free port is picked the same way.

Readiness is a real ``ListTables`` call, not an open socket: Jetty accepts connections a while
before the DynamoDB handler is wired, and only a 200 to a DynamoDB request proves the server can
serve the first test. Probes go to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import socket

__all__ = ["answers", "free_port", "port_in_use"]

_LIST_TABLES = b'{"Limit": 1}'
_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    # DynamoDB Local checks the header's shape, never the signature.
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=dynastack/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-target, Signature=0"
    ),
}


def _probe_socket() -> socket.socket:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Like Jetty: ignore TIME_WAIT left-overs, but still fail on a listener.
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return probe


def port_in_use(port: int) -> bool:
    """True if ``port`` cannot be bound on all IPv4 interfaces (where DynamoDB Local binds).

    >>> with socket.create_server(("127.0.0.1", 0)) as busy:
    ...     port_in_use(busy.getsockname()[1])
    True
    """
    with _probe_socket() as probe:
        try:
            probe.bind(("0.0.0.0", port))  # noqa: S104 - a bind-only probe, never listens
        except OSError:
            return True
    return False


def free_port() -> int:
    """A port that is free on all IPv4 interfaces right now (another process may take it).

    >>> 0 < free_port() < 65536
    True
    """
    with _probe_socket() as probe:
        probe.bind(("0.0.0.0", 0))  # noqa: S104 - a bind-only probe, never listens
        return int(probe.getsockname()[1])


def answers(port: int, timeout: float = 2.0) -> bool:
    """True if a DynamoDB endpoint on 127.0.0.1:``port`` answers ``ListTables`` with 200.

    >>> answers(free_port(), timeout=0.5)
    False
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/", body=_LIST_TABLES, headers=_HEADERS)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
