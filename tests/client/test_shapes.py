"""boto3-shape converters: blobs restored at any depth of a reply, nothing else touched."""

from __future__ import annotations

from typing import Any

from dynastack.client.shapes import converter


def test_reply_blobs_are_restored_at_every_depth_and_other_values_kept() -> None:
    from_wire = converter("dynamodb", "QueryOutput", inbound=False)
    assert from_wire is not None
    item: dict[str, Any] = {
        "s": {"S": "aGk="},  # base64-looking text in S stays text
        "n": {"N": "1"},
        "b": {"B": "aGk="},
        "bs": {"BS": ["aGk=", "eW8="]},
        "m": {"M": {"s": {"S": "x"}, "b": {"B": "aGk="}, "m": {"M": {"b": {"B": "eW8="}}}}},
        "l": {
            "L": [{"S": "x"}, {"B": "aGk="}, {"L": [{"B": "eW8="}]}, {"M": {"b": {"B": "aGk="}}}]
        },
        "bool": {"BOOL": True},
        "null": {"NULL": True},
        "ss": {"SS": ["aGk="]},
    }
    reply = from_wire({"Items": [item], "LastEvaluatedKey": {"pk": {"B": "aGk="}}, "Count": 1})
    got = reply["Items"][0]
    assert got["s"] == {"S": "aGk="} and got["n"] == {"N": "1"} and got["ss"] == {"SS": ["aGk="]}
    assert got["b"] == {"B": b"hi"}
    assert got["bs"] == {"BS": [b"hi", b"yo"]}
    assert got["m"]["M"]["b"] == {"B": b"hi"} and got["m"]["M"]["m"]["M"]["b"] == {"B": b"yo"}
    assert got["m"]["M"]["s"] == {"S": "x"}
    assert got["l"]["L"] == [
        {"S": "x"},
        {"B": b"hi"},
        {"L": [{"B": b"yo"}]},
        {"M": {"b": {"B": b"hi"}}},
    ]
    assert got["bool"] == {"BOOL": True} and got["null"] == {"NULL": True}
    assert reply["LastEvaluatedKey"] == {"pk": {"B": b"hi"}}
