"""Query and Scan: exact requests, page parsing, continuation, segment validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastack.core.operations import Query, QueryResult, Scan, ScanResult
from dynastack.core.operations.reads import MAX_SEGMENTS
from dynastack.errors import InvalidRequest


def test_query_minimal_request() -> None:
    op = Query(table="t", key_condition="pk = :p", values={":p": "A"})
    assert op.to_request() == {
        "TableName": "t",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "A"}},
    }
    assert op.resend_safe is True
    assert op.table_name == "t"


def test_query_full_request() -> None:
    op = Query(
        table="t",
        key_condition="#o = :o AND #c > :c",
        names={"#o": "organization", "#c": "created_at", "#s": "status"},
        values={":o": "MyOrg", ":c": "2024", ":s": "DONE"},
        index="OrganizationIndex",
        filter="#s = :s",
        projection="#o, #c",
        select="SPECIFIC_ATTRIBUTES",
        limit=50,
        consistent=True,
        forward=False,
        exclusive_start_key={"pk": "D#1", "organization": "MyOrg", "created_at": "2024-01"},
        return_consumed_capacity="INDEXES",
    )
    assert op.to_request() == {
        "TableName": "t",
        "KeyConditionExpression": "#o = :o AND #c > :c",
        "IndexName": "OrganizationIndex",
        "FilterExpression": "#s = :s",
        "ProjectionExpression": "#o, #c",
        "ExpressionAttributeNames": {"#o": "organization", "#c": "created_at", "#s": "status"},
        "ExpressionAttributeValues": {
            ":o": {"S": "MyOrg"},
            ":c": {"S": "2024"},
            ":s": {"S": "DONE"},
        },
        "Select": "SPECIFIC_ATTRIBUTES",
        "Limit": 50,
        "ConsistentRead": True,
        "ScanIndexForward": False,
        "ExclusiveStartKey": {
            "pk": {"S": "D#1"},
            "organization": {"S": "MyOrg"},
            "created_at": {"S": "2024-01"},
        },
        "ReturnConsumedCapacity": "INDEXES",
    }


def test_query_parse_page_and_continue() -> None:
    op = Query(table="t", key_condition="pk = :p", values={":p": "A"}, limit=2)
    page = op.parse(
        {
            "Items": [
                {"pk": {"S": "A"}, "sk": {"N": "1"}, "price": {"N": "1.50"}},
                {"pk": {"S": "A"}, "sk": {"N": "2"}},
            ],
            "Count": 2,
            "ScannedCount": 3,
            "LastEvaluatedKey": {"pk": {"S": "A"}, "sk": {"N": "2"}},
            "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5},
        }
    )
    assert page == QueryResult(
        [{"pk": "A", "sk": 1, "price": Decimal("1.50")}, {"pk": "A", "sk": 2}],
        2,
        3,
        {"pk": "A", "sk": 2},
        {"TableName": "t", "CapacityUnits": 0.5},
    )
    following = op.next_page(page)
    assert following is not None
    assert following.to_request()["ExclusiveStartKey"] == {"pk": {"S": "A"}, "sk": {"N": "2"}}
    assert following.limit == 2
    last = following.parse({"Items": [], "Count": 0, "ScannedCount": 0})
    assert following.next_page(last) is None


def test_count_only_reply_has_no_items() -> None:
    op = Query(table="t", key_condition="pk = :p", values={":p": "A"}, select="COUNT")
    assert op.parse({"Count": 7, "ScannedCount": 9}) == QueryResult([], 7, 9)


def test_sparse_reply_defaults() -> None:
    # an engine that leaves out Count/ScannedCount: both fall back to what was returned
    assert Scan(table="t").parse({"Items": [{"pk": {"S": "a"}}]}) == ScanResult([{"pk": "a"}], 1, 1)


def test_scan_full_request() -> None:
    op = Scan(
        table="t",
        index="ByStatus",
        filter="attribute_exists(#s)",
        projection="pk",
        names={"#s": "status"},
        values=None,
        select="ALL_PROJECTED_ATTRIBUTES",
        limit=10,
        consistent=True,
        segment=3,
        total_segments=8,
        exclusive_start_key={"pk": "x"},
        return_consumed_capacity="TOTAL",
    )
    assert op.to_request() == {
        "TableName": "t",
        "IndexName": "ByStatus",
        "FilterExpression": "attribute_exists(#s)",
        "ProjectionExpression": "pk",
        "ExpressionAttributeNames": {"#s": "status"},
        "Select": "ALL_PROJECTED_ATTRIBUTES",
        "Limit": 10,
        "ConsistentRead": True,
        "Segment": 3,
        "TotalSegments": 8,
        "ExclusiveStartKey": {"pk": {"S": "x"}},
        "ReturnConsumedCapacity": "TOTAL",
    }


def test_scan_next_page_keeps_the_segment() -> None:
    op = Scan(table="t", segment=1, total_segments=2)
    page = op.parse(
        {"Items": [], "Count": 0, "ScannedCount": 0, "LastEvaluatedKey": {"pk": {"S": "k"}}}
    )
    following = op.next_page(page)
    assert following == Scan(
        table="t", segment=1, total_segments=2, exclusive_start_key={"pk": "k"}
    )


@pytest.mark.parametrize(
    ("segment", "total"),
    [(0, 1), (0, MAX_SEGMENTS), (MAX_SEGMENTS - 1, MAX_SEGMENTS), (4, 5)],
)
def test_valid_segments(segment: int, total: int) -> None:
    req = Scan(table="t", segment=segment, total_segments=total).to_request()
    assert (req["Segment"], req["TotalSegments"]) == (segment, total)


@pytest.mark.parametrize(
    ("segment", "total"),
    [
        (-1, 4),
        (4, 4),
        (5, 4),
        (0, 0),
        (0, MAX_SEGMENTS + 1),
        (0, None),
        (None, 4),
        (True, 4),
    ],
)
def test_invalid_segments(segment: int | None, total: int | None) -> None:
    with pytest.raises(InvalidRequest):
        Scan(table="t", segment=segment, total_segments=total)


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(InvalidRequest, match="Limit"):
        Query(table="t", key_condition="pk = :p", limit=limit)
    with pytest.raises(InvalidRequest, match="Limit"):
        Scan(table="t", limit=limit)


def test_index_start_key_may_hold_four_attributes() -> None:
    # an index's LastEvaluatedKey carries the table key and the index key
    key = {"pk": "D#1", "sk": "META", "organization": "MyOrg", "created_at": 20240101}
    op = Query(
        table="t",
        index="ByOrg",
        key_condition="organization = :o",
        values={":o": "MyOrg"},
        exclusive_start_key=key,
    )
    assert op.to_request()["ExclusiveStartKey"] == {
        "pk": {"S": "D#1"},
        "sk": {"S": "META"},
        "organization": {"S": "MyOrg"},
        "created_at": {"N": "20240101"},
    }


def test_bad_exclusive_start_key_is_caught_before_sending() -> None:
    op = Query(table="t", key_condition="pk = :p", exclusive_start_key={"pk": ""})
    with pytest.raises(InvalidRequest):
        op.to_request()
