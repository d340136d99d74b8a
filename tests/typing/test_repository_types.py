"""What users get back from repositories, checked by mypy (``assert_type``) and run by pytest.

The functions taking repositories are only type-checked (mypy --strict runs over tests/); the
test at the bottom imports them and checks a few things at run time so that pytest collects
something that can fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import assert_type

from dynastack.client import AsyncClient, Client
from dynastack.core.updates import Update
from dynastack.model import Entity, Key, Owner, Partial, Version
from dynastack.repository import (
    AsyncRepository,
    BackfillReport,
    Page,
    Repository,
    UnitOfWork,
    abackfill,
    backfill,
    between,
)


class TypedDeployment(Entity, table="typing-deployments"):
    __key__ = Key(pk="DEPLOYMENT#{deployment_id}")
    deployment_id: str
    organization: str
    created_by: Owner[str]
    version: Version = 1


def check_sync(client: Client) -> None:
    repo = Repository(TypedDeployment, client, env="dev")
    assert_type(repo, Repository[TypedDeployment])
    assert_type(repo.get(deployment_id="D1"), TypedDeployment | None)
    assert_type(repo.get(fields=["status"], deployment_id="D1"), Partial[TypedDeployment] | None)
    made = repo.create(TypedDeployment(deployment_id="D1", organization="o", created_by="a"))
    assert_type(made, TypedDeployment)
    assert_type(repo.put(made), TypedDeployment)
    assert_type(repo.update(made, organization="p"), TypedDeployment)
    assert_type(
        repo.update({"deployment_id": "D1"}, Update().set("organization", "q")), TypedDeployment
    )
    assert_type(repo.delete(made), None)
    page = repo.query(organization="o", limit=10)
    assert_type(page, Page[TypedDeployment])
    assert_type(page.items, list[TypedDeployment])
    assert_type(page.cursor, str | None)
    assert_type(repo.query_all(deployment_id=between("A", "B")), Iterator[TypedDeployment])
    assert_type(repo.scan(segments=2), Iterator[TypedDeployment])
    assert_type(repo.count(organization="o"), int)
    assert_type(repo.batch_get([{"deployment_id": "D1"}]), list[TypedDeployment])
    assert_type(repo.for_owner("alice"), Repository[TypedDeployment])
    unit = UnitOfWork()
    assert_type(unit.create(repo, made), TypedDeployment)
    assert_type(unit.commit(), None)
    assert_type(backfill(TypedDeployment, client), BackfillReport)


async def check_async(client: AsyncClient) -> None:
    repo = AsyncRepository(TypedDeployment, client)
    assert_type(repo, AsyncRepository[TypedDeployment])
    assert_type(await repo.get(deployment_id="D1"), TypedDeployment | None)
    assert_type(
        await repo.get(fields=["status"], deployment_id="D1"), Partial[TypedDeployment] | None
    )
    made = await repo.create(TypedDeployment(deployment_id="D1", organization="o", created_by="a"))
    assert_type(made, TypedDeployment)
    assert_type(await repo.update(made, organization="p"), TypedDeployment)
    page = await repo.query(organization="o")
    assert_type(page.items, list[TypedDeployment])
    assert_type(repo.query_all(organization="o"), AsyncIterator[TypedDeployment])
    assert_type(repo.scan(), AsyncIterator[TypedDeployment])
    assert_type(await repo.batch_get([]), list[TypedDeployment])
    assert_type(repo.for_owner("bob"), AsyncRepository[TypedDeployment])
    unit = UnitOfWork()
    assert_type(unit.put(repo, made), TypedDeployment)
    assert_type(await unit.acommit(), None)
    assert_type(await abackfill(TypedDeployment, client), BackfillReport)


def test_the_checked_functions_exist() -> None:
    assert callable(check_sync) and callable(check_async)
    assert Page(items=[1], cursor=None).items == [1]
