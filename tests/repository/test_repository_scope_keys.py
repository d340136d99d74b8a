"""An owner scope cannot be widened through its key template (issue 7 item 9).

With the index key ``OWNER#{owner}#ORG#{org}``, owner ``a#ORG#x`` counting org ``y`` rendered
``OWNER#a#ORG#x#ORG#y``: the partition of owner ``a``'s org ``x#ORG#y``. ``Select=COUNT``
looks at no item, so the owner check of ordinary reads never ran and on main that count
returned ``a``'s number of items. Now a key value holding the literal that follows its
field is refused before anything is sent, on every path that renders a key.
"""

from __future__ import annotations

import pytest

from dynastack.errors import EncodingError

from .repository_entities import Doc
from .repository_support import Kit

pytestmark = pytest.mark.integration


async def test_an_owner_holding_the_separator_cannot_count_another_owners_items(kit: Kit) -> None:
    repo = kit.repo(Doc)
    owner_a = repo.for_owner("a")
    for n in range(3):
        await owner_a.create(Doc(doc_id=f"d{n}", owner="a", org="x#ORG#y"))
    assert await owner_a.count("ByOwnerOrg", org="x#ORG#y") == 3  # the last field is free
    intruder = repo.for_owner("a#ORG#x")
    refused = "the value of field 'owner' contains '#ORG#'"
    with pytest.raises(EncodingError, match=refused):
        await intruder.count("ByOwnerOrg", org="y")
    with pytest.raises(EncodingError, match=refused):
        await intruder.query("ByOwnerOrg", org="y")
    with pytest.raises(EncodingError, match=refused):
        await intruder.collect("query_all", "ByOwnerOrg", org="y")
    with pytest.raises(EncodingError, match=refused):
        await intruder.create(Doc(doc_id="d9", owner="a#ORG#x", org="y"))
    assert await repo.get(doc_id="d9") is None  # nothing was written
    assert await owner_a.count("ByOwnerOrg", org="x#ORG#y") == 3
    assert [d.doc_id for d in (await owner_a.query("ByOwnerOrg", org="x#ORG#y")).items] == [
        "d0", "d1", "d2"
    ]  # fmt: skip
