"""Entity ⇄ wire item in one pass: the repository's one path, equal to the two-step reference.

The repository writes every entity with ``entity_to_wire`` (create, put, batch_write, unit of
work puts, backfill), whose ``WireItem`` the operations send unencoded, and builds every
entity it reads with ``entity_from_item`` from what the operation decoded; ``bench/entity.py``
times exactly that pair.

Why: the reference path, ``encode_item(to_item(e))`` and ``from_item(cls, decode_item(w))``,
walks every item twice (``model_dump`` builds a dict that the codec walks again) and dispatches
on each value's type in a general table. Per item that is most of the client's CPU. Here a
*plan* is compiled once per entity class from what ``EntityMeta`` and pydantic already know
(fields, aliases, serializers, key templates), and each call then does one flat pass:

* field values are read straight from the instance's ``__dict__`` when ``model_dump`` would hand
  over the very same object: the field's declared type is built only from plain types (str,
  int, float, bool, bytes, Decimal, datetime, date, UUID, enums, Any, and lists, tuples, sets,
  dicts and unions of them) with no serializer, no ``exclude``. Every other field (nested
  models, custom types, ``field_serializer``, computed fields) goes through one
  ``to_python(include=…)`` call, which is what ``model_dump`` itself runs, restricted to them;
* the commonest runtime types are encoded inline, the rest through ``core.values.encode``;
* computed keys render by concatenation when their fields are plain ``str``, else through the
  key template itself;
* reads decode with ``core.values.decode_item`` and validate with the class's own validator
  (what ``model_validate`` calls), so every read is validated (ARCHITECTURE principle 6).
  ``decode_item`` is already one flat pass; a generated per-class decoder measured slower, and
  the rest of a read is pydantic's validation and the JSON parse, which are not ours to skip.

Measured by ``python -m bench.entity`` (15-field entity, CPU µs per item, same run): encode
with ``orjson.dumps`` 9.0 against 20.1 for the reference path, decode with ``orjson.loads``
12.9 against 13.6, round trip 25.8 against 44.2; boto3's round trip is 4.8x ours.

Exactness is the contract, not a hope: whenever the fast path meets anything it is not sure
of, or any error, it hands the entity to the reference path, which gives the same result or
raises the canonical error. Classes whose dump the plan cannot mirror (a ``model_serializer``,
``extra="allow"``, an overridden ``model_dump``) always take the reference path.
``tests/model/test_codec.py`` checks the equivalence with generated entities.

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Tag(Entity, table="tags-codec-doc"):
    ...     __key__ = Key(pk="TAG#{name}", sk="METADATA")
    ...     name: str
    ...     uses: int = 0
    >>> wire = entity_to_wire(Tag(name="db", uses=3))
    >>> wire["PK"], wire["uses"]
    ({'S': 'TAG#db'}, {'N': '3'})
    >>> entity_from_wire(Tag, wire)
    Tag(name='db', uses=3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from dynastack.core.values import WireItem, decode_item, encode_item
from dynastack.model.class_codec import ClassCodec, compile_codec
from dynastack.model.entity import Entity
from dynastack.model.items import from_item, to_item

__all__ = ["entity_from_item", "entity_from_wire", "entity_to_wire"]

E = TypeVar("E", bound=Entity)

_PLANS: dict[type[Entity], ClassCodec] = {}


def _plan(cls: type[Entity]) -> ClassCodec | None:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = compile_codec(cls)
        if plan is None:
            return None  # not cached: a class that is not fully defined yet may become so
        _PLANS[cls] = plan
    return plan


def entity_to_wire(entity: Entity) -> WireItem:
    """The wire item (AttributeValues) that stores ``entity``: ``encode_item(to_item(entity))``.

    >>> from dynastack.model import Entity, Key
    >>> class Pin(Entity, table="pins-codec-doc"):
    ...     __key__ = Key(pk="PIN#{pin_id}")
    ...     pin_id: str
    >>> entity_to_wire(Pin(pin_id="p1"))
    {'pin_id': {'S': 'p1'}, 'PK': {'S': 'PIN#p1'}, '_type': {'S': 'Pin'}}

    The result is a ``WireItem``: operations send it as it is (``encode_item`` passes it on).
    """
    plan = _PLANS.get(type(entity)) or _plan(type(entity))
    if plan is not None and plan.encode is not None:
        try:
            return plan.encode(entity)
        except Exception:  # noqa: S110 - the reference path raises the canonical error
            pass
    return WireItem(encode_item(to_item(entity)))


def entity_from_wire(cls: type[E], wire_item: Mapping[str, Mapping[str, Any]]) -> E:
    """The validated entity stored as ``wire_item``: ``from_item(cls, decode_item(wire_item))``.

    Old schema versions are upgraded on the way, as ``from_item`` does.

    >>> from dynastack.model import Entity, Key
    >>> class Bin(Entity, table="bins-codec-doc"):
    ...     __key__ = Key(pk="BIN#{bin_id}")
    ...     bin_id: str
    ...     size: int
    >>> entity_from_wire(Bin, {"bin_id": {"S": "b1"}, "size": {"N": "12"}})
    Bin(bin_id='b1', size=12)
    """
    return entity_from_item(cls, decode_item(wire_item))


def entity_from_item(cls: type[E], item: Mapping[str, Any]) -> E:
    """The validated entity for an item the operations already decoded (``GetItem.parse``
    and the other results decode as they parse): the read half of the repository's path.

    >>> from dynastack.model import Entity, Key
    >>> class Cup(Entity, table="cups-codec-doc"):
    ...     __key__ = Key(pk="CUP#{cup_id}")
    ...     cup_id: str
    >>> entity_from_item(Cup, {"PK": "CUP#c1", "cup_id": "c1", "_type": "Cup"})
    Cup(cup_id='c1')
    """
    plan = _PLANS.get(cls) or _plan(cls)
    if plan is None or not plan.validate_directly:
        return from_item(cls, item)
    validated: E = cls.__pydantic_validator__.validate_python(item)  # model_validate's call
    return validated
