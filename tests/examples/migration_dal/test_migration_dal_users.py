"""USER access patterns of the Users table (AP1-AP5, AP7, AP45, AP46, AP48) on DynamoDB Local."""

from __future__ import annotations

from uuid import uuid4

import pytest
from examples.migration_dal.users import UserRepository

from dynastack import Client
from dynastack.core.values import decode_item
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from examples.migration_dal import Profile, User, app

from .migration_dal_support import TickingClock

pytestmark = pytest.mark.integration


@pytest.fixture
def users(client: Client, env: str, clock: TickingClock) -> UserRepository:
    return UserRepository(app.bind(client, env=env, clock=clock))


def new_user(email: str, **over: object) -> User:
    values: dict[str, object] = {
        "email": email,
        "username": f"u{uuid4().hex[:10]}",
        "user_id": uuid4().hex,
        "password_hash": "$2b$10$placeholder",
        "profile_data": Profile(first_name="Jane", last_name="Doe"),
    }
    values.update(over)
    return User.model_validate(values)


def test_ap1_create_user_writes_the_contracts_item(
    users: UserRepository, client: Client, env: str, email: str
) -> None:
    made = users.create_user(new_user(email, user_id="42"))
    raw = client.get_item(TableName=f"Users-{env}", Key={"PK": {"S": email}, "SK": {"S": "#META"}})
    item = decode_item(raw["Item"])
    assert (item["GSI1PK"], item["GSI1SK"]) == ("42", "42")
    assert item["GSI2PK"] == item["GSI2SK"] == item["username"] == made.username
    assert item["email"] == email
    assert item["profile_data"] == {"first_name": "Jane", "last_name": "Doe"}
    assert item["is_seller"] is False
    assert users.get_by_email(email) == made


def test_ap1_an_email_or_a_username_cannot_be_taken_twice(
    users: UserRepository, email: str
) -> None:
    first = users.create_user(new_user(email))
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        users.create_user(new_user(email))
    with pytest.raises(ConditionalCheckFailed, match="taken"):
        users.create_user(new_user(f"x{email}", username=first.username))


def test_ap2_ap3_ap7_find_a_user_by_username_id_and_email(
    users: UserRepository, email: str
) -> None:
    made = users.create_user(new_user(email))
    assert users.get_by_username(made.username) == made
    assert users.get_by_id(made.user_id) == made
    assert users.get_by_email(email) == made
    assert users.get_by_username("nobody-" + uuid4().hex) is None
    assert users.get_by_id("nobody-" + uuid4().hex) is None
    assert users.get_by_email("nobody@example.com") is None


def test_ap4_ap48_update_profile_and_username_moves_the_gsi2_copies(
    users: UserRepository, email: str
) -> None:
    made = users.create_user(new_user(email))
    renamed = f"r{uuid4().hex[:10]}"
    after = users.update_profile(email, last_name="Smith", username=renamed)
    assert after.profile_data == Profile(first_name="Jane", last_name="Smith")
    assert (after.username, after.gsi2_pk, after.gsi2_sk) == (renamed, renamed, renamed)
    assert users.get_by_username(renamed) == after
    assert users.get_by_username(made.username) is None
    assert after.updated_at > made.updated_at


def test_ap4_a_username_in_use_is_refused(users: UserRepository, email: str) -> None:
    other = users.create_user(new_user(f"o{email}"))
    users.create_user(new_user(email))
    with pytest.raises(ConditionalCheckFailed, match="taken"):
        users.update_profile(email, username=other.username)


def test_ap5_ap45_ap46_upgrade_to_seller_then_read_the_seller_profile(
    users: UserRepository, email: str
) -> None:
    users.create_user(new_user(email))
    with pytest.raises(InvalidRequest, match="not a seller"):
        users.seller_profile(email)
    assert users.upgrade_to_seller(email).is_seller
    assert users.upgrade_to_seller(email).is_seller  # idempotent
    assert users.seller_profile(email).email == email


def test_updates_of_a_missing_user_fail(users: UserRepository) -> None:
    with pytest.raises(ConditionalCheckFailed):
        users.upgrade_to_seller("ghost@example.com")
    with pytest.raises(ConditionalCheckFailed):
        users.update_profile("ghost@example.com", first_name="G")
