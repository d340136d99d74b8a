"""``UnitOfWork``: writes from several repositories committed as one DynamoDB transaction.

Each action is the same ``WritePlan`` a repository method would send alone (writes.py), so a
versioned update inside a transaction checks and bumps the version exactly as ``update``
does, an owner-scoped repository adds its owner condition, and a create refuses an existing
key. ``commit()`` (sync repositories) or ``await acommit()`` (async ones) sends one
``TransactWriteItems`` whose client request token is fixed when the unit is made and reused
on every retry (RELIABILITY fact 1, R9): a resend after a lost reply is applied at most once.

Failures are structured: DynamoDB cancels the whole transaction and gives one reason per
action; a ``TransactionConflict``-only cancellation (another transaction held an item) is
retried with backoff; a failed condition is mapped back to its action and raised as that
action's error — ``VersionConflict`` (with the current entity) for a stale version, the
"not found" / "already exists" errors of the single writes — and anything else raises a
``TransactionCanceled`` with its ``reasons``. What is raised never holds an old item the
action's repository may not read: the client's error (whose reasons carry every failed
action's old item) is replaced by a copy without items, which becomes the ``__cause__``.

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Box(Entity, table="boxes-uow-doc"):
    ...     __key__ = Key(pk="BOX#{box_id}")
    ...     box_id: str
    >>> unit = UnitOfWork(token="t-1")
    >>> len(unit), unit.token
    (0, 't-1')
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import uuid4

from dynastack.core.expressions import Condition
from dynastack.core.operations import TransactWriteItems
from dynastack.core.updates import Update
from dynastack.errors import (
    CancellationReason,
    DynastackError,
    InvalidRequest,
    TransactionCanceled,
    TransportError,
)
from dynastack.model.entity import Entity
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository import writes
from dynastack.repository.steps import Script, Send, Sleep, arun, backoff, run
from dynastack.repository.writes import WritePlan

if TYPE_CHECKING:
    from dynastack.client.async_client import AsyncClient
    from dynastack.client.client import Client
    from dynastack.repository.async_repository import AsyncRepository
    from dynastack.repository.repository import Repository

__all__ = ["MAX_CONFLICT_RETRIES", "UnitOfWork", "commit_script"]

E = TypeVar("E", bound=Entity)

#: how often a transaction canceled only by conflicts with other transactions is retried
MAX_CONFLICT_RETRIES = 8


class UnitOfWork:
    """Collects create/put/update/delete/check actions and commits them atomically.

    All repositories of one unit must share one client (sync or async). ``token`` is the
    client request token (1-36 characters); by default a fresh one per unit.
    """

    __slots__ = ("_client", "_plans", "token")

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token or uuid4().hex
        self._plans: list[WritePlan[Any]] = []
        self._client: Client | AsyncClient | None = None

    def __len__(self) -> int:
        return len(self._plans)

    def _add(self, repo: Repository[E] | AsyncRepository[E], plan: WritePlan[E]) -> None:
        client = repo._client
        if self._client is None:
            self._client = client
        elif client is not self._client:
            raise InvalidRequest("every repository of a unit of work must use the same client")
        self._plans.append(plan)

    def create(self, repo: Repository[E] | AsyncRepository[E], entity: E, /) -> E:
        """Create ``entity`` (fails the transaction if its key exists); the entity as stored."""
        plan = writes.create_plan(repo._plans, entity)
        self._add(repo, plan)
        assert plan.stored is not None
        return plan.stored

    def put(self, repo: Repository[E] | AsyncRepository[E], entity: E, /) -> E:
        """Replace ``entity``'s item (version-checked); the entity as stored."""
        plan = writes.put_plan(repo._plans, entity)
        self._add(repo, plan)
        assert plan.stored is not None
        return plan.stored

    def update(
        self,
        repo: Repository[E] | AsyncRepository[E],
        target: E | Mapping[str, Any],
        changes: Update | None = None,
        /,
        *,
        condition: Condition | None = None,
        **fields: Any,
    ) -> None:
        """Change fields of an existing item, exactly as ``Repository.update`` would."""
        self._add(repo, writes.update_plan(repo._plans, target, changes, condition, fields))

    def delete(
        self,
        repo: Repository[E] | AsyncRepository[E],
        target: E | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = None,
    ) -> None:
        """Delete an existing item (version-checked when an entity is given)."""
        self._add(repo, writes.delete_plan(repo._plans, target, condition))

    def check(
        self,
        repo: Repository[E] | AsyncRepository[E],
        target: E | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = None,
    ) -> None:
        """Require that an item exists (at the entity's version, if given) and ``condition``
        holds, without writing it."""
        self._add(repo, writes.check_plan(repo._plans, target, condition))

    def _script(self) -> Script[None]:
        if not self._plans:
            raise InvalidRequest("the unit of work has no actions")
        return commit_script(list(self._plans), self.token)

    def commit(self) -> None:
        """Send the transaction through the repositories' ``Client``."""
        from dynastack.client.client import Client

        script = self._script()
        if not isinstance(self._client, Client):
            raise InvalidRequest("commit() is for sync repositories; use await acommit()")
        run(script, send=self._client.send, sleep=time.sleep)

    async def acommit(self) -> None:
        """Send the transaction through the repositories' ``AsyncClient``."""
        from dynastack.client.async_client import AsyncClient

        script = self._script()
        if not isinstance(self._client, AsyncClient):
            raise InvalidRequest("acommit() is for async repositories; use commit()")
        await arun(script, send=self._client.send, sleep=asyncio.sleep)


def _ours(plan: WritePlan[Any], item: Mapping[str, Any] | None) -> bool:
    """A failed condition caused by this very transaction's earlier, applied attempt."""
    if item is None:
        return plan.kind == "delete"
    return plan.token is not None and item.get(WRITE_TOKEN_ATTR) == plan.token


def commit_script(plans: Sequence[WritePlan[Any]], token: str) -> Script[None]:
    """Send the plans as one ``TransactWriteItems`` with ``token``; see the module docstring."""
    key_attributes = {
        plan.plans.table: [part.attr for part in plan.plans.meta.key_parts] for plan in plans
    }
    op = TransactWriteItems(
        actions=[plan.transact() for plan in plans],
        client_request_token=token,
        key_attributes=key_attributes,
    )
    conflicts = resends = 0
    while True:
        failure: DynastackError | None = None
        try:
            yield Send(op)
            return None
        except TransactionCanceled as error:
            codes = {reason.code for reason in error.reasons if reason.code}
            if codes and codes <= {"TransactionConflict"} and conflicts < MAX_CONFLICT_RETRIES:
                conflicts += 1
                yield Sleep(backoff(conflicts, base=0.005))
                continue
            failed = [
                (plan, reason)
                for plan, reason in zip(plans, error.reasons, strict=False)
                if reason.code == "ConditionalCheckFailed"
            ]
            ours = all(_ours(plan, _item(reason.item)) for plan, reason in failed)
            if resends and failed and codes == {"ConditionalCheckFailed"} and ours:
                return None  # a lost reply: the first attempt applied (token reuse aside)
            cause = _without_items(error)
            failure = cause
            if failed:
                plan, reason = failed[0]
                failure = writes.carry_request(plan.explain(_item(reason.item), None), error)
        except TransportError:
            if resends >= writes.MAX_RESENDS:
                raise
            resends += 1
            yield Sleep(backoff(resends))
            continue
        # raised outside the except block, so that the client's error, whose reasons hold
        # every failed action's old item (perhaps another owner's), is not the __context__
        if failure is cause:
            raise cause
        raise failure from cause


def _without_items(error: TransactionCanceled) -> TransactionCanceled:
    """``error`` with its reasons' codes and messages but none of their items: what an
    explained failure may keep as its cause (the request id, which actions failed and why)."""
    return TransactionCanceled(
        error.message,
        reasons=[CancellationReason(r.code, r.message) for r in error.reasons],
        code=error.code,
        status=error.status,
        request_id=error.request_id,
        operation=error.operation,
    )


def _item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if item is None else dict(item)
