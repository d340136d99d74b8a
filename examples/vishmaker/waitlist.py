"""The waitlist (seed 004's ``WaitlistEntity``): join, read, list by status, move, remove.

One item per address (key ``email``); ``status-index`` lists the addresses in one status.
Joining is idempotent (a second join returns the entry as it is), and a status only moves
forward (pending → invited → joined) on condition that nobody moved it meanwhile.

Example (against DynamoDB Local; the tables must exist, see ``examples.vishmaker``):
    >>> from dynastack import Client
    >>> from examples.vishmaker import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc-waitlist")
    >>> waitlist = WaitlistRepository(app.bind(client, env="doc-waitlist"))
    >>> waitlist.join("ada@example.com").status.value
    'pending'
    >>> waitlist.set_status("ada@example.com", WaitlistStatus.INVITED).status.value
    'invited'
    >>> _ = app.drop_tables(client, env="doc-waitlist"); client.close()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from pydantic import ValidationError

from dynastack import Attr
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from dynastack.repository import Page
from examples.vishmaker.models import Waitlist, WaitlistStatus

__all__ = ["WaitlistRepository"]

Clock = Callable[[], datetime]

#: the waitlist's legal moves
_NEXT: Mapping[WaitlistStatus, frozenset[WaitlistStatus]] = {
    WaitlistStatus.PENDING: frozenset({WaitlistStatus.INVITED}),
    WaitlistStatus.INVITED: frozenset({WaitlistStatus.JOINED}),
    WaitlistStatus.JOINED: frozenset(),
}


class WaitlistRepository:
    """The waitlist: join (idempotent), read, list by status, invite / mark joined, remove."""

    def __init__(self, bound: BoundApp) -> None:
        self.entries = bound[Waitlist]

    def join(self, email: str) -> Waitlist:
        """Put ``email`` on the waitlist; joining twice returns the existing entry unchanged
        (the seed's ``WaitlistEntity.create``)."""
        try:
            entry = Waitlist(email=email)
        except ValidationError as error:
            raise InvalidRequest(f"not an email address: {email!r}") from error
        try:
            return self.entries.create(entry)
        except ConditionalCheckFailed:
            found = self.get(email)
            if found is None:  # deleted between the two calls: try once more
                return self.entries.create(entry)
            return found

    def get(self, email: str) -> Waitlist | None:
        """The entry, or ``None``."""
        return self.entries.get(email=email)

    def list_by_status(
        self, status: WaitlistStatus, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Waitlist]:
        """One page of the entries in ``status`` (``status-index``)."""
        return self.entries.query("status-index", status=status, limit=limit, cursor=cursor)

    def set_status(self, email: str, status: WaitlistStatus) -> Waitlist:
        """Move an entry forward (pending → invited → joined), on condition that nobody moved
        it meanwhile; an illegal move is ``InvalidRequest``."""
        entry = self.get(email)
        if entry is None:
            raise ConditionalCheckFailed(
                f"{email} is not on the waitlist", code="ConditionalCheckFailedException"
            )
        if status not in _NEXT[entry.status]:
            raise InvalidRequest(
                f"{email} is {entry.status.value}; it cannot become {status.value}"
            )
        return self.entries.update(
            entry, status=status, condition=Attr("status") == entry.status.value
        )

    def remove(self, email: str) -> None:
        """Take ``email`` off the list; ``ConditionalCheckFailed`` if it is not on it."""
        self.entries.delete({"email": email})
