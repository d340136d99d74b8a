"""Issue 7 item 18: the entity codec (model/codec.py) is the repository's one entity ⇄ wire path.

Writes: create, put and batch_write send the codec's ``WireItem`` and the operation passes it
on as it is (encoded once, by the codec). Reads: the entity comes from ``entity_from_item``.
Pure: the client's answers are scripted, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dynastack.core.operations import (
    BatchWriteItem,
    BatchWriteResult,
    GetItemResult,
    PutItem,
    PutRequest,
)
from dynastack.core.steps import run
from dynastack.core.values import WireItem, decode_item
from dynastack.model import Entity, Key
from dynastack.model import codec as codec_module
from dynastack.model.codec import entity_to_wire
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository import batch, queries, writes
from dynastack.repository.binding import EntityBinding

from .repository_entities import Account, Deployment


def _answers(*answers: object) -> Any:
    pending: Iterator[object] = iter(answers)
    sent: list[Any] = []

    def send(op: Any) -> Any:
        sent.append(op)
        return next(pending)

    send.sent = sent  # type: ignore[attr-defined]
    return send


def test_create_and_put_send_the_codecs_wire_item_unencoded() -> None:
    plans = EntityBinding(Deployment, table="deployments")
    given = Deployment(deployment_id="D000001", organization="MyOrg", created_by="alice")
    for plan in (writes.create_plan(plans, given), writes.put_plan(plans, given)):
        op = plan.operation()
        assert isinstance(op, PutItem)
        assert type(op.item) is WireItem
        assert op.to_request()["Item"] is op.item  # passed on, not encoded a second time
        assert plan.stored is not None and plan.token is not None
        expected = {**entity_to_wire(plan.stored), WRITE_TOKEN_ATTR: {"S": plan.token}}
        assert op.item == expected


def test_batch_write_puts_send_the_codecs_wire_items() -> None:
    plans = EntityBinding(Account, table="accounts")
    send = _answers(BatchWriteResult(unprocessed={}))
    run(batch.batch_write(plans, [Account(account_id="a", balance=1)], ()), send=send,
        sleep=lambda s: None)  # fmt: skip
    (op,) = send.sent
    assert isinstance(op, BatchWriteItem)
    (put,) = op.requests["accounts"]
    assert isinstance(put, PutRequest)
    assert type(put.item) is WireItem
    assert decode_item(put.item)["balance"] == 1


class Lamp(Entity, table="codec-path-lamps"):
    """Declared here, used by nothing else: its codec plan exists only if a read made it."""

    __key__ = Key(pk="LAMP#{lamp_id}")
    lamp_id: str
    watts: int


def test_reads_validate_through_the_codec() -> None:
    assert Lamp not in codec_module._PLANS
    plans = EntityBinding(Lamp, table="lamps")
    item = {"PK": "LAMP#l1", "_type": "Lamp", "lamp_id": "l1", "watts": 40}
    send = _answers(GetItemResult(item))
    got = run(queries.get(plans, {"lamp_id": "l1"}, False), send=send, sleep=lambda s: None)
    assert got == Lamp(lamp_id="l1", watts=40)
    assert Lamp in codec_module._PLANS  # the read compiled (and used) the class's codec plan
