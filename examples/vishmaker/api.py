"""Seed 004's REST API: each user's projects (owner-scoped), the project tree, the waitlist.

Projects are served through the caller's owner scope: a user lists, reads, renames and deletes
only their own, and another user's project is a 404. The tree below a project (user flows,
high- and low-level requirements, test cases) is listed per parent through each level's parent
index, read-only; its items carry no owner of their own (the seed's tables key them by
``uiid`` and parent), so only ``Administrators`` reach them here until ownership can be
checked along the parent chain. Any signed-in ``Users`` member may join the waitlist (its
status is the server's); ``Administrators`` read it (``status-index``).

Example:
    >>> [(spec.path, spec.owner_scoped) for spec in api.specs][:2]
    [('/projects', True), ('/user-flows', False)]
"""

from __future__ import annotations

from dynastack.api import Api, Operation, Resource
from examples.vishmaker import app
from examples.vishmaker.models import (
    HighLevelRequirement,
    LowLevelRequirement,
    Project,
    TestCase,
    UserFlow,
    Waitlist,
)

__all__ = ["api"]

#: the seed's tables carry no version attribute, so nothing here takes If-Match: no update
#: or delete over HTTP until the entities declare a ``Version`` (optimistic locking)
ALL: set[Operation] = {"list", "get", "create"}
READ: set[Operation] = {"list", "get"}

api = Api(
    app,
    [
        Resource(
            Project,
            operations=ALL,
            roles={"Users": ALL, "Administrators": ALL},
            owner=True,
            server_fields={"child_count"},
        ),
        # read-only: a node made over HTTP would leave its parent's child_count wrong (the
        # repositories' cascade keeps it exact); the tree is built through them
        *(
            Resource(node, operations=READ, roles={"Administrators": READ})
            for node in (UserFlow, HighLevelRequirement, LowLevelRequirement, TestCase)
        ),
        Resource(
            Waitlist,
            path="/waitlist",
            operations=ALL,
            roles={"Users": {"create"}, "Administrators": ALL},
            server_fields={"status"},
        ),
    ],
    title="VishMaker API",
)
