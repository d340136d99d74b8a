"""Seed 000's REST API: deployments, stacks, logs and metrics, with the seed's role matrix.

Administrators may do everything; Developers read and write deployments and stacks (no
deletes) and read logs and metrics; ReadOnly reads. ``dynastack serve examples.cloud_platform:app``
serves it (the command finds ``api`` in this module).

Example:
    >>> sorted(spec.path for spec in api.specs)
    ['/deployments', '/logs', '/metrics', '/stacks']
"""

from __future__ import annotations

from dynastack.api import Api, Operation, Resource
from examples.cloud_platform import app
from examples.cloud_platform.models import Deployment, LogEntry, Metric, Stack

__all__ = ["api"]

ALL: set[Operation] = {"list", "get", "create", "update", "delete"}
WRITE: set[Operation] = {"list", "get", "create", "update"}
READ: set[Operation] = {"list", "get"}

api = Api(
    app,
    [
        Resource(
            Deployment,
            operations=ALL,
            roles={"Administrators": ALL, "Developers": WRITE, "ReadOnly": READ},
        ),
        Resource(
            Stack,
            operations=ALL,
            roles={"Administrators": ALL, "Developers": WRITE, "ReadOnly": READ},
        ),
        Resource(
            LogEntry,
            path="/logs",
            operations={"list", "get", "create"},
            roles={"Administrators": READ | {"create"}, "Developers": READ, "ReadOnly": READ},
        ),
        Resource(
            Metric,
            operations={"list", "get", "create"},
            roles={"Administrators": READ | {"create"}, "Developers": READ, "ReadOnly": READ},
        ),
    ],
    title="Cloud platform API",
)
