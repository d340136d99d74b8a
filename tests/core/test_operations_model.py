"""Every request the operations emit is valid against botocore's service model.

The model (``botocore/data/dynamodb*/2012-08-10/service-2.json.gz``) is the published API
contract. Each request is walked against its input shape: every key must be a member,
required members present, scalars of the right JSON type and enum values known. Examples
are hand-built (one per operation, every option set) and generated with hypothesis.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import botocore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynastack.core.operations as ops
from dynastack.core.operations import (
    BatchGetItem,
    BatchWriteItem,
    ConditionCheck,
    CreateTable,
    DeleteItem,
    DeleteRequest,
    DeleteTable,
    DescribeStream,
    DescribeTable,
    DescribeTimeToLive,
    GetItem,
    GetRecords,
    GetShardIterator,
    KeysAndAttributes,
    ListStreams,
    ListTables,
    Operation,
    PutItem,
    PutRequest,
    Query,
    RawCall,
    Scan,
    SecondaryIndex,
    Throughput,
    TransactDelete,
    TransactGet,
    TransactGetItems,
    TransactPut,
    TransactUpdate,
    TransactWriteItems,
    UpdateItem,
    UpdateTable,
    UpdateTimeToLive,
)

DATA = Path(botocore.__file__).parent / "data"
MODEL_FILES = {
    "dynamodb": DATA / "dynamodb/2012-08-10/service-2.json.gz",
    "streams": DATA / "dynamodbstreams/2012-08-10/service-2.json.gz",
}


@cache
def _model(service: str) -> dict[str, Any]:
    with gzip.open(MODEL_FILES[service], "rt", encoding="utf-8") as f:
        model: dict[str, Any] = json.load(f)
    return model


def _check(shapes: dict[str, Any], name: str, value: Any, path: str) -> None:
    shape = shapes[name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: {name} must be an object"
        unknown = set(value) - set(shape["members"])
        assert not unknown, f"{path}: {sorted(unknown)} are not members of {name}"
        missing = set(shape.get("required", ())) - set(value)
        assert not missing, f"{path}: required {sorted(missing)} of {name} missing"
        for key, member in value.items():
            _check(shapes, shape["members"][key]["shape"], member, f"{path}.{key}")
    elif kind == "list":
        assert isinstance(value, list), f"{path}: {name} must be a list"
        assert len(value) >= shape.get("min", 0), f"{path}: {name} too short"
        for i, member in enumerate(value):
            _check(shapes, shape["member"]["shape"], member, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{path}: {name} must be an object"
        assert len(value) >= shape.get("min", 0), f"{path}: {name} must not be empty"
        for key, member in value.items():
            _check(shapes, shape["key"]["shape"], key, f"{path}<key>")
            _check(shapes, shape["value"]["shape"], member, f"{path}.{key}")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: {name} must be a string"
        if "enum" in shape:
            assert value in shape["enum"], f"{path}: {value!r} not in {name}"
        assert len(value) >= shape.get("min", 0), f"{path}: {name} too short"
        if "max" in shape:
            assert len(value) <= shape["max"], f"{path}: {name} too long"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: {name} must be a boolean"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: {name}"
        assert value >= shape.get("min", value), f"{path}: {name} below min"
        assert value <= shape.get("max", value), f"{path}: {name} above max"
    elif kind == "blob":
        assert isinstance(value, str), f"{path}: {name} is base64 text in JSON"
    elif kind == "double":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), path
    else:  # timestamps and anything newer: presence is enough
        assert value is not None, path


def check_request(op: Operation[Any]) -> None:
    model = _model(op.service)
    operation = model["operations"][op.action]
    _check(model["shapes"], operation["input"]["shape"], op.to_request(), op.action)


EXAMPLES: list[Operation[Any]] = [
    GetItem(
        table="t",
        key={"pk": "a", "sk": 1},
        consistent=True,
        projection="#n",
        names={"#n": "n"},
        return_consumed_capacity="TOTAL",
    ),
    PutItem(
        table="t",
        item={"pk": "a", "b": b"\x01", "s": {"x"}, "l": [1, {"m": None}]},
        condition="attribute_not_exists(pk)",
        names={"#p": "pk"},
        values={":v": 1},
        return_values="ALL_OLD",
        return_values_on_condition_check_failure="ALL_OLD",
        return_consumed_capacity="INDEXES",
        return_item_collection_metrics="SIZE",
    ),
    UpdateItem(
        table="t",
        key={"pk": "a"},
        update="SET #n = :n",
        condition="#n < :n",
        names={"#n": "n"},
        values={":n": 2},
        return_values="UPDATED_NEW",
        return_values_on_condition_check_failure="ALL_OLD",
        return_consumed_capacity="TOTAL",
        return_item_collection_metrics="SIZE",
    ),
    DeleteItem(
        table="t",
        key={"pk": b"k"},
        condition="attribute_exists(pk)",
        names={"#a": "a"},
        values={":a": "x"},
        return_values="ALL_OLD",
        return_values_on_condition_check_failure="NONE",
        return_consumed_capacity="NONE",
        return_item_collection_metrics="NONE",
    ),
    Query(
        table="t",
        key_condition="pk = :p",
        names={"#s": "s"},
        values={":p": "a"},
        index="ByIndex",
        filter="#s = :p",
        projection="#s",
        select="SPECIFIC_ATTRIBUTES",
        limit=5,
        consistent=True,
        forward=False,
        exclusive_start_key={"pk": "a", "sk": 2},
        return_consumed_capacity="INDEXES",
    ),
    Scan(
        table="t",
        index="ByIndex",
        filter="#s = :v",
        projection="#s",
        names={"#s": "s"},
        values={":v": 1},
        select="COUNT",
        limit=1,
        consistent=True,
        segment=0,
        total_segments=2,
        exclusive_start_key={"pk": 1},
        return_consumed_capacity="TOTAL",
    ),
    BatchGetItem(
        requests={
            "t": KeysAndAttributes(
                keys=[{"pk": "a"}], consistent=True, projection="#p", names={"#p": "pk"}
            ),
            "u": KeysAndAttributes(keys=[{"id": 1}, {"id": 2}]),
        },
        return_consumed_capacity="TOTAL",
    ),
    BatchWriteItem(
        requests={"t": [PutRequest({"pk": "a"}), DeleteRequest({"pk": "b"})]},
        key_attributes={"t": ("pk",)},
        return_consumed_capacity="INDEXES",
        return_item_collection_metrics="SIZE",
    ),
    TransactGetItems(
        gets=[TransactGet(table="t", key={"pk": "a"}, projection="#p", names={"#p": "pk"})],
        return_consumed_capacity="TOTAL",
    ),
    TransactWriteItems(
        actions=[
            TransactPut(
                table="t",
                item={"pk": "a"},
                condition="attribute_not_exists(pk)",
                names={"#p": "pk"},
                values={":v": 1},
                return_values_on_condition_check_failure="ALL_OLD",
            ),
            TransactUpdate(
                table="t",
                key={"pk": "b"},
                update="ADD n :v",
                condition="n < :v",
                names={"#n": "n"},
                values={":v": 1},
                return_values_on_condition_check_failure="NONE",
            ),
            TransactDelete(
                table="t",
                key={"pk": "c"},
                condition="attribute_exists(pk)",
                values={":x": "y"},
                names={"#x": "x"},
                return_values_on_condition_check_failure="ALL_OLD",
            ),
            ConditionCheck(
                table="u",
                key={"id": 1},
                condition="#s = :s",
                names={"#s": "s"},
                values={":s": "OPEN"},
                return_values_on_condition_check_failure="ALL_OLD",
            ),
        ],
        return_consumed_capacity="INDEXES",
        return_item_collection_metrics="SIZE",
    ),
    CreateTable(
        table="t",
        attributes={"pk": "S", "sk": "N", "g": "B"},
        partition_key="pk",
        sort_key="sk",
        global_indexes=[
            SecondaryIndex(
                name="Gsi",
                partition_key="g",
                projection="INCLUDE",
                non_key_attributes=("x",),
                throughput=Throughput(1, 1),
            )
        ],
        local_indexes=[
            SecondaryIndex(name="Lsi", partition_key="pk", sort_key="g", projection="KEYS_ONLY")
        ],
        billing_mode="PROVISIONED",
        throughput=Throughput(1, 1),
        stream_view_type="NEW_IMAGE",
        tags={"k": "v"},
        table_class="STANDARD",
        deletion_protection=False,
        extra={"SSESpecification": {"Enabled": True}},
    ),
    DescribeTable(table="t"),
    UpdateTable(
        table="t",
        attributes={"g": "S"},
        billing_mode="PAY_PER_REQUEST",
        throughput=Throughput(2, 2),
        create_indexes=[SecondaryIndex(name="Gsi", partition_key="g")],
        update_indexes={"Hix": Throughput(1, 1)},
        delete_indexes=["Old"],
        stream_enabled=True,
        stream_view_type="OLD_IMAGE",
        table_class="STANDARD",
        deletion_protection=True,
    ),
    DeleteTable(table="t"),
    ListTables(start_after="deployments", limit=100),
    UpdateTimeToLive(table="t", attribute="exp", enabled=False),
    DescribeTimeToLive(table="t"),
    ListStreams(table="users", limit=1, start_after="arn:aws:dynamodb:x:1:table/t/stream/s"),
    DescribeStream(
        stream_arn="arn:aws:dynamodb:x:1:table/t/stream/s",
        limit=1,
        start_after_shard="shardId-00000001700000000000-00000000",
    ),
    GetShardIterator(
        stream_arn="arn:aws:dynamodb:x:1:table/t/stream/s",
        shard_id="shardId-00000001700000000000-00000000",
        iterator_type="AT_SEQUENCE_NUMBER",
        sequence_number="123456789012345678901",
    ),
    GetRecords(shard_iterator="iterator", limit=1000),
    RawCall.of(
        "TransactWriteItems",
        {"TransactItems": [{"Delete": {"TableName": "t", "Key": {"pk": {"S": "a"}}}}]},
    ),
]


@pytest.mark.parametrize("op", EXAMPLES, ids=[type(op).__name__ for op in EXAMPLES])
def test_example_request_matches_the_service_model(op: Operation[Any]) -> None:
    check_request(op)


def test_every_operation_class_has_an_example() -> None:
    covered = {type(op).action for op in EXAMPLES if not isinstance(op, RawCall)}
    declared = {
        getattr(cls, "action")  # noqa: B009 - a class variable read off an arbitrary class
        for name in ops.__all__
        if isinstance(cls := getattr(ops, name), type)
        and isinstance(getattr(cls, "action", None), str)
        and cls is not RawCall
    }
    assert declared == covered
    for op in EXAMPLES:
        assert op.action in _model(op.service)["operations"], op.action


# --- generated examples -------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
scalars = st.one_of(
    st.text(min_size=1, max_size=8),
    st.integers(-(10**20), 10**20),
    st.binary(min_size=1, max_size=8),
)
values = st.recursive(
    st.one_of(
        scalars,
        st.booleans(),
        st.none(),
        st.frozensets(st.text(min_size=1, max_size=4), min_size=1, max_size=3),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=8,
)
keys = st.dictionaries(names, scalars, min_size=1, max_size=2)
items = st.dictionaries(names, values, min_size=1, max_size=5)
expression = st.one_of(st.none(), st.just("attribute_exists(#a) AND #a <> :v"))
attr_names = st.one_of(st.none(), st.dictionaries(st.just("#a"), names, max_size=1))
attr_values = st.one_of(st.none(), st.dictionaries(st.just(":v"), values, max_size=1))
index_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{2,20}", fullmatch=True)
capacity = st.sampled_from([None, "INDEXES", "TOTAL", "NONE"])
metrics = st.sampled_from([None, "SIZE", "NONE"])
on_failure = st.sampled_from([None, "ALL_OLD", "NONE"])
limit = st.one_of(st.none(), st.integers(1, 1000))

generated_ops = st.one_of(
    st.builds(
        GetItem,
        table=names,
        key=keys,
        consistent=st.booleans(),
        projection=expression,
        names=attr_names,
        return_consumed_capacity=capacity,
    ),
    st.builds(
        PutItem,
        table=names,
        item=items,
        condition=expression,
        names=attr_names,
        values=attr_values,
        return_values=st.sampled_from([None, "NONE", "ALL_OLD"]),
        return_values_on_condition_check_failure=on_failure,
        return_consumed_capacity=capacity,
        return_item_collection_metrics=metrics,
    ),
    st.builds(
        UpdateItem,
        table=names,
        key=keys,
        update=expression,
        condition=expression,
        names=attr_names,
        values=attr_values,
        return_values=st.sampled_from(
            [None, "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]
        ),
        return_values_on_condition_check_failure=on_failure,
        return_consumed_capacity=capacity,
        return_item_collection_metrics=metrics,
    ),
    st.builds(
        DeleteItem,
        table=names,
        key=keys,
        condition=expression,
        names=attr_names,
        values=attr_values,
        return_values_on_condition_check_failure=on_failure,
    ),
    st.builds(
        Query,
        table=names,
        key_condition=st.just("#a = :v"),
        names=attr_names,
        values=attr_values,
        index=st.one_of(st.none(), index_names),
        filter=expression,
        projection=expression,
        limit=limit,
        consistent=st.booleans(),
        forward=st.booleans(),
        exclusive_start_key=st.one_of(st.none(), keys),
        select=st.sampled_from([None, "ALL_ATTRIBUTES", "COUNT"]),
    ),
    st.integers(1, 50).flatmap(
        lambda total: st.builds(
            Scan,
            table=names,
            segment=st.integers(0, total - 1),
            total_segments=st.just(total),
            limit=limit,
            filter=expression,
            exclusive_start_key=st.one_of(st.none(), keys),
        )
    ),
    st.builds(
        lambda table, rows: BatchWriteItem(
            requests={
                table: [
                    PutRequest({**row, "pk": i}) if i % 2 else DeleteRequest({"pk": i})
                    for i, row in enumerate(rows)
                ]
            }
        ),
        names,
        st.lists(items, min_size=1, max_size=25),
    ),
    st.builds(
        lambda rows, token: TransactWriteItems(
            actions=[
                TransactPut(table="t", item={**row, "pk": i})
                if i % 2
                else TransactDelete(table="t", key={"pk": i})
                for i, row in enumerate(rows)
            ],
            client_request_token=token,
        ),
        st.lists(items, min_size=1, max_size=10),
        st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=36),
    ),
)


@settings(max_examples=150, deadline=None)
@given(generated_ops)
def test_generated_requests_match_the_service_model(op: Operation[Any]) -> None:
    check_request(op)
