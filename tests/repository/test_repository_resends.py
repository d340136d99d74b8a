"""One retry owner (issue 7 item 3): how many requests one repository write puts on the wire.

The client retries what it knows is safe (a ``ConnectError``: nothing was sent); the repository
resends only a token-guarded write whose outcome is unknown, as the client's policy decides.
Before, both retried everything: one ``update`` against a dead endpoint made 40 attempts (8 per
client call, times 5 repository sends). Attempts are counted by a transport wrapper around the
real transport: against a closed port (real connection refusals), and against DynamoDB Local
with every reply of the write lost after the request arrived (``DropReply``, injected because a
local server never loses a reply: RELIABILITY fact 3).
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.async_transport import AsyncHttpTransport, AsyncTransport
from dynastack.client.client import Client
from dynastack.client.transport import HttpTransport, Transport
from dynastack.core.retry import RetryPolicy
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import ConnectError, TransactionCanceled, TransportError
from dynastack.repository import AsyncRepository, Repository, UnitOfWork
from dynastack.testing.faults import (
    AsyncFaultTransport,
    DropReply,
    ErrorReply,
    FaultTransport,
    target_of,
)

from .repository_entities import Account
from .repository_support import Kit, Shell

pytestmark = pytest.mark.integration

#: a quick policy: 4 attempts in all, pauses of at most a few milliseconds
POLICY = RetryPolicy(max_attempts=4, base=0.001, cap=0.01)


class Counting:
    """A sync transport that counts the requests it is asked to send."""

    def __init__(self, inner: Transport) -> None:
        self.inner, self.sent = inner, 0

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent += 1
        return self.inner.send(request)

    def close(self) -> None:
        self.inner.close()


class AsyncCounting:
    """The async twin of ``Counting``."""

    def __init__(self, inner: AsyncTransport) -> None:
        self.inner, self.sent = inner, 0

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.sent += 1
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def through(kit: Kit, endpoint: str, inner: Any, **options: Any) -> tuple[Shell, Any]:
    """An ``Account`` repository of the kit's twin whose client counts what it sends."""
    if kit.mode == "async":
        counting: Any = AsyncCounting(inner)
        aclient = AsyncClient.local(endpoint, transport=counting, retry=POLICY, breaker=False)
        kit.extra_clients.append(aclient)
        return Shell(AsyncRepository(Account, aclient, **options)), counting
    counting = Counting(inner)
    client = Client.local(endpoint, transport=counting, retry=POLICY, breaker=False)
    kit.extra_clients.append(client)
    return Shell(Repository(Account, client, **options)), counting


def real_transport(kit: Kit) -> Any:
    return AsyncHttpTransport() if kit.mode == "async" else HttpTransport()


async def test_an_update_against_a_closed_port_makes_the_clients_attempts_only(kit: Kit) -> None:
    repo, counting = through(
        kit, f"http://127.0.0.1:{closed_port()}", real_transport(kit), table_name="t-nowhere"
    )
    with pytest.raises(ConnectError):
        await repo.update(Account(account_id="a", balance=0), balance=1)
    assert counting.sent == POLICY.max_attempts  # 4, not 4 x the repository's resends


async def test_lost_replies_of_one_update_are_resent_up_to_the_policys_attempts(kit: Kit) -> None:
    table = kit.table(Account)
    stored = await kit.repo(Account).create(Account(account_id="a", balance=0))

    def lose_updates(request: HttpRequest, index: int) -> object:
        return DropReply() if target_of(request) == "UpdateItem" else None

    faulty: Any = (
        AsyncFaultTransport(AsyncHttpTransport(), lose_updates)
        if kit.mode == "async"
        else FaultTransport(HttpTransport(), lose_updates)
    )
    repo, counting = through(kit, kit.endpoint, faulty, table_name=table)
    with pytest.raises(TransportError):
        await repo.update(stored, balance=1)
    # every send reached the server, none of them came back: the repository resent the write
    # (the client does not resend a conditional update), 4 sends in all, one backoff each
    assert counting.sent == len(faulty.injected) == POLICY.max_attempts
    after = await kit.repo(Account).get(account_id="a")
    assert (after.balance, after.version) == (1, 2)  # applied once: the token guarded resends


async def test_one_lost_reply_costs_one_resend_and_is_a_success(kit: Kit) -> None:
    stored = await kit.repo(Account).create(Account(account_id="b", balance=0))
    lost: set[bytes] = set()

    def lose_first(request: HttpRequest, index: int) -> object:
        if target_of(request) != "UpdateItem" or request.body in lost:
            return None
        lost.add(request.body)
        return DropReply()

    faulty: Any = (
        AsyncFaultTransport(AsyncHttpTransport(), lose_first)
        if kit.mode == "async"
        else FaultTransport(HttpTransport(), lose_first)
    )
    repo, counting = through(kit, kit.endpoint, faulty, table_name=kit.table(Account))
    updated = await repo.update(stored, balance=7)
    assert (updated.balance, updated.version) == (7, 2)
    assert counting.sent == 2


def faulty_transport(kit: Kit, plan: Any) -> Any:
    if kit.mode == "async":
        return AsyncFaultTransport(AsyncHttpTransport(), plan)
    return FaultTransport(HttpTransport(), plan)


async def commit(unit: UnitOfWork, shell: Shell) -> None:
    if shell.is_async:
        await unit.acommit()
    else:
        unit.commit()


async def test_a_transaction_whose_replies_are_lost_is_resent_by_the_client_only(kit: Kit) -> None:
    """Its request token makes it resend-safe, so the client owns its resends: no second loop."""
    stored = await kit.repo(Account).create(Account(account_id="t", balance=0))

    def lose_transactions(request: HttpRequest, index: int) -> object:
        return DropReply() if target_of(request) == "TransactWriteItems" else None

    faulty = faulty_transport(kit, lose_transactions)
    repo, counting = through(kit, kit.endpoint, faulty, table_name=kit.table(Account))
    unit = UnitOfWork()
    unit.update(repo.repo, stored, balance=5)
    with pytest.raises(TransportError):
        await commit(unit, repo)
    assert counting.sent == POLICY.max_attempts  # 4, not 4 x the unit's own resends
    after = await kit.repo(Account).get(account_id="t")
    assert (after.balance, after.version) == (5, 2)  # the token: applied once


async def test_transaction_conflicts_are_retried_as_the_clients_policy_says(kit: Kit) -> None:
    stored = await kit.repo(Account).create(Account(account_id="c", balance=0))
    conflict = ErrorReply(
        400,
        "TransactionCanceledException",
        "Transaction cancelled [TransactionConflict]",
        {"CancellationReasons": [{"Code": "TransactionConflict"}]},
    )

    def always_conflicting(request: HttpRequest, index: int) -> object:
        return conflict if target_of(request) == "TransactWriteItems" else None

    faulty = faulty_transport(kit, always_conflicting)
    repo, counting = through(kit, kit.endpoint, faulty, table_name=kit.table(Account))
    unit = UnitOfWork()
    unit.update(repo.repo, stored, balance=5)
    with pytest.raises(TransactionCanceled):
        await commit(unit, repo)
    assert counting.sent == POLICY.max_attempts
    assert await kit.repo(Account).get(account_id="c") == stored
