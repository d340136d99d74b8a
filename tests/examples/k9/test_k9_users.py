"""K9 users (seed 001): create, get, partial update, and Decimal ⇄ Python done by the codec."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.core.values import decode_item
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from examples.k9 import Preferences, User, UserRepository

pytestmark = pytest.mark.integration


def _user(user_id: str, **over: object) -> User:
    values: dict[str, object] = {
        "user_id": user_id,
        "name": "Ada Vet",
        "email": "ada@example.com",
        "preferences": Preferences(theme="dark", page_size=50, similarity_threshold=0.85),
    }
    values.update(over)
    return User.model_validate(values)


def test_create_and_get_user(users: UserRepository, user_id: str) -> None:
    created = users.create_user(_user(user_id))
    assert users.get_user(user_id) == created
    assert users.get_user("nobody") is None
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        users.create_user(_user(user_id, name="Impostor"))


def test_update_user_changes_only_the_given_fields(users: UserRepository, user_id: str) -> None:
    created = users.create_user(_user(user_id, avatar_url="https://cdn.example.com/a.png"))
    updated = users.update_user(user_id, name="Ada V.", avatar_url=None)
    assert (updated.name, updated.email, updated.avatar_url) == ("Ada V.", created.email, None)
    assert updated.preferences == created.preferences
    assert updated.updated_at > created.updated_at
    with pytest.raises(InvalidRequest, match="email"):
        users.update_user(user_id, email="not an address")
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        users.update_user("nobody", name="Ghost")


def test_numbers_come_back_as_the_declared_python_types(
    k9: BoundApp, client: Client, env: str, user_id: str
) -> None:
    """The seed's ``convert_decimals`` / ``prepare_for_dynamodb``, done by codec and model."""
    k9.service(UserRepository).create_user(_user(user_id))
    raw = client.get_item(TableName=f"k9-users-{env}", Key={"user_id": {"S": user_id}})
    stored = raw["Item"]["preferences"]["M"]
    # on the wire, numbers are decimal text: the float is written as its shortest repr
    assert stored["similarity_threshold"] == {"N": "0.85"}
    assert stored["page_size"] == {"N": "50"}
    # the codec alone: an integer stays an int, a fraction is an exact Decimal (no float drift)
    decoded = decode_item(raw["Item"])["preferences"]
    assert decoded["page_size"] == 50 and type(decoded["page_size"]) is int
    assert decoded["similarity_threshold"] == Decimal("0.85")
    # the typed entity turns the Decimal into the declared float, exactly the value written
    user = k9.service(UserRepository).get_user(user_id)
    assert user is not None
    threshold = user.preferences.similarity_threshold
    assert type(threshold) is float and threshold == 0.85
    assert type(user.preferences.page_size) is int
