"""boto3 code moves over unchanged: ClientError, client.exceptions, paginators (issue 7, item 22).

The error handling is seed 000's (``cloud_db/repositories/deployment.py``: ``except ClientError
as e: if e.response['Error']['Code'] == 'ConditionalCheckFailedException'`` and its
``handle_error``), written against the client API instead of the resource API. Every answer is
compared with a real boto3 client doing the same on the same DynamoDB Local table.
"""

from __future__ import annotations

import pickle
from collections.abc import Awaitable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.errors import (
    ConditionalCheckFailed,
    ConnectError,
    InvalidParameter,
    ResourceNotFound,
    TransactionCanceled,
)

from .client_support import Driver, Tables

pytestmark = pytest.mark.integration


def handle_error(error: ClientError, operation: str) -> None:
    """Seed 000's ``DynamoDBClient.handle_error``, verbatim but for the logger."""
    error_code = error.response["Error"]["Code"]
    error_message = error.response["Error"]["Message"]
    if error_code == "ResourceNotFoundException":
        raise ValueError(f"Table or item not found: {error_message}")
    elif error_code == "ConditionalCheckFailedException":  # noqa: RET506 - the seed's code
        raise ValueError(f"Conditional check failed: {error_message}")
    elif error_code == "ValidationException":
        raise ValueError(f"Validation error: {error_message}")
    else:
        raise RuntimeError(f"DynamoDB error: {error_message}")


async def seed_update(driver: Driver, table: str, version: int, caught: list[Any]) -> str:
    """Seed 000's ``DeploymentRepository.update``: put with an optimistic-lock condition."""
    try:
        await driver.call(
            "put_item",
            TableName=table,
            Item={"pk": {"S": "D1"}, "sk": {"S": "METADATA"}, "version": {"N": str(version + 1)}},
            ConditionExpression="version = :old_version",
            ExpressionAttributeValues={":old_version": {"N": str(version)}},
        )
        return "updated"
    except ClientError as e:
        caught.append(e)
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return "version mismatch"
        handle_error(e, "update_deployment")
        raise


async def test_seed_error_handling_runs_unchanged(driver: Driver, tables: Tables) -> None:
    table = tables.create()
    item = {"pk": {"S": "D1"}, "sk": {"S": "METADATA"}, "version": {"N": "1"}}
    await driver.call("put_item", TableName=table, Item=item)
    caught: list[Any] = []
    assert await seed_update(driver, table, 1, caught) == "updated"
    assert await seed_update(driver, table, 1, caught) == "version mismatch"
    with pytest.raises(ValueError, match="Table or item not found"):
        await seed_update(driver, table + "-missing", 1, caught)
    # what boto3 code caught is still dynastack's typed error
    assert isinstance(caught[0], ConditionalCheckFailed)
    assert isinstance(caught[1], ResourceNotFound)


async def test_modeled_exceptions_are_the_classes_raised(
    driver: Driver, tables: Tables, boto: Any
) -> None:
    table = tables.create()
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    await driver.call("put_item", TableName=table, Item={**key, "b": {"B": b"\x00\x01"}})
    client = driver.client
    failing: dict[str, Any] = {
        "TableName": table,
        "Key": key,
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as ours:
        await driver.call("delete_item", **failing)
    with pytest.raises(boto.exceptions.ConditionalCheckFailedException) as theirs:
        boto.delete_item(**failing)
    assert isinstance(ours.value, client.exceptions.ClientError)
    assert issubclass(type(ours.value), ConditionalCheckFailed)
    assert ours.value.operation_name == theirs.value.operation_name == "DeleteItem"
    assert ours.value.response["Error"]["Code"] == theirs.value.response["Error"]["Code"]
    assert ours.value.response["Item"] == theirs.value.response["Item"]  # bytes, as boto3
    status = theirs.value.response["ResponseMetadata"]["HTTPStatusCode"]
    assert ours.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    with pytest.raises(client.exceptions.ResourceNotFoundException) as missing:
        await driver.call("describe_table", TableName=table + "-missing")
    assert issubclass(type(missing.value), ResourceNotFound)
    assert client.exceptions.from_code("ResourceNotFoundException") is type(missing.value)
    # a converted error survives pickling (multiprocessing, task queues) as the same class
    copied = pickle.loads(pickle.dumps(missing.value))
    assert type(copied) is type(missing.value) and copied.response == missing.value.response


async def test_cancellation_reasons_read_as_in_boto3(
    driver: Driver, tables: Tables, boto: Any
) -> None:
    table = tables.create()
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    await driver.call("put_item", TableName=table, Item={**key, "n": {"N": "5"}})
    actions = [
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": key,
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
    ]
    with pytest.raises(ClientError) as ours:
        await driver.call("transact_write_items", TransactItems=actions)
    with pytest.raises(ClientError) as theirs:
        boto.transact_write_items(TransactItems=actions)
    assert isinstance(ours.value, TransactionCanceled)
    assert ours.value.response["Error"]["Code"] == "TransactionCanceledException"
    strip = [
        {k: v for k, v in r.items() if k != "Message"}
        for r in ours.value.response["CancellationReasons"]
    ]
    expected = [
        {k: v for k, v in r.items() if k != "Message"}
        for r in theirs.value.response["CancellationReasons"]
    ]
    assert strip == expected


async def test_bad_parameters_are_botocores_param_validation_error(driver: Driver) -> None:
    with pytest.raises(ParamValidationError) as caught:
        await driver.call("get_item", TableName="t", Key={"pk": "a"})
    assert isinstance(caught.value, InvalidParameter)
    assert caught.value.path == "Key.pk"


async def test_a_refused_connection_is_botocores_endpoint_connection_error() -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        client = Client.local(f"http://127.0.0.1:{held.getsockname()[1]}")
        with client, pytest.raises(EndpointConnectionError) as caught:
            client.list_tables()
    assert isinstance(caught.value, ConnectError)
    assert "Connection refused" in str(caught.value)


async def _pages(client: Client | AsyncClient, method: str, **kwargs: Any) -> list[dict[str, Any]]:
    if isinstance(client, AsyncClient):
        return [page async for page in client.get_paginator(method).paginate(**kwargs)]
    return list(client.get_paginator(method).paginate(**kwargs))


async def _full(client: Client | AsyncClient, method: str, **kwargs: Any) -> dict[str, Any]:
    result = client.get_paginator(method).paginate(**kwargs).build_full_result()
    if isinstance(result, Awaitable):
        result = await result
    assert isinstance(result, dict)
    return result


def _strip(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in page.items() if k != "ResponseMetadata"} for page in pages]


async def test_query_and_scan_paginators_page_as_boto3s(
    driver: Driver, tables: Tables, boto: Any
) -> None:
    table = tables.create()
    puts = [
        {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"S": f"{i:03}"}, "b": {"B": b"\x01"}}}}
        for i in range(23)
    ]
    await driver.call("batch_write_item", RequestItems={table: puts[:20]})
    await driver.call("batch_write_item", RequestItems={table: puts[20:]})
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
        "PaginationConfig": {"PageSize": 7},
    }
    ours = await _pages(driver.client, "query", **query)
    theirs = list(boto.get_paginator("query").paginate(**query))
    assert _strip(ours) == _strip(theirs)
    assert [len(page["Items"]) for page in ours] == [7, 7, 7, 2]
    scan = {"TableName": table, "PaginationConfig": {"PageSize": 10}}
    assert _strip(await _pages(driver.client, "scan", **scan)) == _strip(
        list(boto.get_paginator("scan").paginate(**scan))
    )

    # MaxItems cuts mid-page; the token resumes here and in boto3 alike
    limited = {**query, "PaginationConfig": {"PageSize": 7, "MaxItems": 10}}
    first = await _full(driver.client, "query", **limited)
    assert first == boto.get_paginator("query").paginate(**limited).build_full_result()
    assert len(first["Items"]) == 10 and first["Count"] == 14
    resumed = {**query, "PaginationConfig": {"PageSize": 7, "StartingToken": first["NextToken"]}}
    rest = await _full(driver.client, "query", **resumed)
    assert rest == boto.get_paginator("query").paginate(**resumed).build_full_result()
    assert [i["sk"]["S"] for i in first["Items"] + rest["Items"]] == [f"{i:03}" for i in range(23)]


async def test_list_tables_paginator_and_can_paginate(driver: Driver, tables: Tables) -> None:
    made = {tables.create("pg") for _ in range(3)}
    pages = await _pages(driver.client, "list_tables", PaginationConfig={"PageSize": 1})
    names = [name for page in pages for name in page["TableNames"]]
    assert made <= set(names)
    assert len(names) == len(set(names))
    assert all(len(page["TableNames"]) <= 1 for page in pages)
    assert driver.client.can_paginate("query") and not driver.client.can_paginate("get_item")
    with pytest.raises(InvalidParameter, match="no paginator for 'get_item'"):
        driver.client.get_paginator("get_item")
