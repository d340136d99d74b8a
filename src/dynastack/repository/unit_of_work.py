"""``UnitOfWork``: writes from several repositories committed as one DynamoDB transaction.

Each action is the same ``PreparedWrite`` a repository method would send alone (writes.py), so a
versioned update inside a transaction checks and bumps the version exactly as ``update``
does, an owner-scoped repository adds its owner condition, and a create refuses an existing
key. ``commit()`` (sync repositories) or ``await acommit()`` (async ones) sends one
``TransactWriteItems`` whose client request token is fixed when the unit is made and reused
on every retry (RELIABILITY fact 1, R9): a resend after a lost reply is applied at most once.
Those resends are the client's (the token makes the call resend-safe); this module adds none.

Failures are structured: DynamoDB cancels the whole transaction and gives one reason per
action; a ``TransactionConflict``-only cancellation (another transaction held an item) is
retried as the client's retry policy decides (resends.py); a failed condition is mapped back
to its action and raised as that action's error — ``VersionConflict`` (with the current
entity) for a stale version, the "not found" / "already exists" errors of the single writes —
and anything else raises a ``TransactionCanceled`` with its ``reasons``. What is raised never
holds an old item the action's repository may not read: the client's error (whose reasons
carry every failed action's old item) is replaced by a copy without items, which becomes the
``__cause__``.

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
import inspect
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import uuid4

from dynastack.core.expressions import Condition
from dynastack.core.operations import TransactWriteItems
from dynastack.core.steps import Script, Send, Sleep, arun, run
from dynastack.core.updates import Update
from dynastack.errors import (
    CancellationReason,
    DynastackError,
    InvalidRequest,
    TransactionCanceled,
)
from dynastack.model.entity import Entity
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository import writes
from dynastack.repository.moves import move_plans
from dynastack.repository.resends import Resends
from dynastack.repository.writes import PreparedWrite

if TYPE_CHECKING:
    from dynastack.client.async_client import AsyncClient
    from dynastack.client.client import Client
    from dynastack.repository.async_repository import AsyncRepository
    from dynastack.repository.repository import Repository

__all__ = ["UnitOfWork", "commit_script"]

E = TypeVar("E", bound=Entity)


class UnitOfWork:
    """Collects create/put/update/delete/check actions and commits them atomically.

    All repositories of one unit must share one client (sync or async). ``token`` is the
    client request token (1-36 characters); by default a fresh one per unit.
    """

    __slots__ = ("_client", "_plans", "token")

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token or uuid4().hex
        self._plans: list[PreparedWrite[Any]] = []
        self._client: Client | AsyncClient | None = None

    def __len__(self) -> int:
        return len(self._plans)

    def _add(self, repo: Repository[E] | AsyncRepository[E], plan: PreparedWrite[E]) -> None:
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
        expected_version: int | None = None,
        **fields: Any,
    ) -> None:
        """Change fields of an existing item, exactly as ``Repository.update`` would (the
        version checked against ``target`` when it is an entity, or ``expected_version``)."""
        plan = writes.update_plan(
            repo._plans, target, changes, condition, fields, expected_version=expected_version
        )
        self._add(repo, plan)

    def delete(
        self,
        repo: Repository[E] | AsyncRepository[E],
        target: E | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Delete an existing item (version-checked when an entity with a version, or
        ``expected_version``, is given), exactly as ``Repository.delete`` would."""
        plan = writes.delete_plan(repo._plans, target, condition, expected_version=expected_version)
        self._add(repo, plan)

    def move(
        self, repo: Repository[E] | AsyncRepository[E], entity: E, /, **new_key_fields: Any
    ) -> E:
        """Re-key ``entity``'s item: delete it (version-checked) and create the same record
        under the key ``new_key_fields`` give it, both in this transaction; the moved entity
        as stored (version bumped, ``created_at`` kept). See repository/moves.py.

        Example (``docs/locking.md`` runs it against DynamoDB Local)::

            unit = UnitOfWork()
            moved = unit.move(deployments, d, deployment_id="D2NEW00")
            unit.commit()
        """
        old, made = move_plans(repo._plans, entity, new_key_fields)
        self._add(repo, old)
        self._add(repo, made)
        assert made.stored is not None
        return made.stored

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
        return commit_script(list(self._plans), self.token, Resends.of(self._client))

    def commit(self) -> None:
        """Send the transaction through the repositories' ``Client``."""
        from dynastack.client.client import Client

        script = self._script()
        if not isinstance(self._client, Client):
            raise InvalidRequest(_wrong_commit(self._client))
        run(script, send=self._client.send, sleep=time.sleep)

    async def acommit(self) -> None:
        """Send the transaction through the repositories' ``AsyncClient``."""
        from dynastack.client.async_client import AsyncClient

        script = self._script()
        if not isinstance(self._client, AsyncClient):
            raise InvalidRequest(_wrong_commit(self._client))
        await arun(script, send=self._client.send, sleep=asyncio.sleep)


def _wrong_commit(client: object) -> str:
    """Why ``commit``/``acommit`` refused: the unit's repositories are of the other kind (one
    function for both twins, whose bodies tests/test_twins.py compares)."""
    if inspect.iscoroutinefunction(getattr(client, "send", None)):
        return "this unit's repositories are async: use await acommit(), not commit()"
    return "this unit's repositories are sync: use commit(), not acommit()"


def _ours(plan: PreparedWrite[Any], item: Mapping[str, Any] | None) -> bool:
    """A failed condition caused by this very transaction's earlier, applied attempt."""
    if item is None:
        return plan.kind == "delete"
    return plan.token is not None and item.get(WRITE_TOKEN_ATTR) == plan.token


def commit_script(
    plans: Sequence[PreparedWrite[Any]], token: str, resends: Resends
) -> Script[None]:
    """Send the plans as one ``TransactWriteItems`` with ``token``; see the module docstring."""
    key_attributes = {
        plan.plans.table: [part.attr for part in plan.plans.meta.key_parts] for plan in plans
    }
    op = TransactWriteItems(
        actions=[plan.transact() for plan in plans],
        client_request_token=token,
        key_attributes=key_attributes,
    )
    # A lost reply is the client's to resend (the token makes the transaction resend-safe, and
    # DynamoDB answers a resend of an applied one with success), so nothing here catches a
    # TransportError: resending it again would stack a second retry loop on the client's.
    attempts = 0
    while True:
        attempts += 1
        failure: DynastackError | None = None
        try:
            yield Send(op)
            return None
        except TransactionCanceled as error:
            codes = {reason.code for reason in error.reasons if reason.code}
            if codes and codes <= {"TransactionConflict"}:
                delay = resends.after_conflict(str(error), attempts=attempts)
                if delay is not None:
                    yield Sleep(delay)
                    continue
            failed = [
                (plan, reason)
                for plan, reason in zip(plans, error.reasons, strict=False)
                if reason.code == "ConditionalCheckFailed"
            ]
            if failed and codes == {"ConditionalCheckFailed"} and _applied(failed):
                return None  # the token was forgotten (a resend > 10 min later): ours applied
            cause = _without_items(error)
            failure = cause
            if failed:
                plan, reason = failed[0]
                failure = writes.carry_request(plan.explain(_item(reason.item), None), error)
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


def _applied(failed: Sequence[tuple[PreparedWrite[Any], CancellationReason]]) -> bool:
    """Every failed condition is explained by this transaction's own earlier attempt, and at
    least one by its write token (a gone item alone could be someone else's delete)."""
    items = [(plan, _item(reason.item)) for plan, reason in failed]
    proven = any(item is not None and _ours(plan, item) for plan, item in items)
    return proven and all(_ours(plan, item) for plan, item in items)


def _item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if item is None else dict(item)
