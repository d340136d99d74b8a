"""CI/CD session tokens (seed 002): TTL expiry, listing per user by the user_id GSI, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidCursor
from examples.cicd import SessionRepository, SessionToken

from .cicd_support import Clock

pytestmark = pytest.mark.integration


def test_create_and_get_session(cicd: BoundApp, sessions: SessionRepository, user_id: str) -> None:
    session = sessions.create(user_id, user_agent="cicd-cli/2.3", ip_address="203.0.113.9")
    assert session.user_id == user_id
    assert len(session.session_id) >= 32
    lifetime = session.expires_at - session.created_at
    assert timedelta(hours=12) - timedelta(seconds=1) < lifetime <= timedelta(hours=12)
    assert session.expires_at.microsecond == 0  # TTL has whole seconds
    assert sessions.get(session.session_id) == session
    assert sessions.get("x" * 43) is None


def test_an_expired_session_is_gone_before_dynamodb_deletes_it(
    cicd: BoundApp, client: Client, env: str, user_id: str, clock: Clock
) -> None:
    short = cicd.service(SessionRepository).create(user_id, lifetime=timedelta(minutes=30))
    long = cicd.service(SessionRepository).create(user_id, lifetime=timedelta(hours=2))
    clock.advance(timedelta(hours=1))
    assert cicd.service(SessionRepository).get(short.session_id) is None
    assert cicd.service(SessionRepository).get(long.session_id) == long
    assert [s.session_id for s in cicd.service(SessionRepository).list_for_user(user_id)] == [
        long.session_id
    ]
    # the item is still in the table (DynamoDB's TTL sweeper takes up to days); it stores
    # expires_at as epoch seconds, the attribute the table's TTL is enabled on
    raw = client.get_item(
        TableName=f"cicd-sessions-{env}", Key={"session_id": {"S": short.session_id}}
    )
    assert raw["Item"]["expires_at"] == {"N": str(int(short.expires_at.timestamp()))}
    ttl = client.describe_time_to_live(TableName=f"cicd-sessions-{env}")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"


def test_list_for_user_pages_newest_first_in_the_users_scope(
    sessions: SessionRepository, user_id: str
) -> None:
    made = [sessions.create(user_id, user_agent=f"device-{n}") for n in range(3)]
    other = sessions.create(f"{user_id}-other")
    first = sessions.list_for_user(user_id, limit=2)
    rest = sessions.list_for_user(user_id, limit=2, cursor=first.cursor)
    listed = [s.session_id for s in [*first, *rest]]
    assert listed == [s.session_id for s in reversed(made)]
    assert other.session_id not in listed
    assert rest.cursor is None
    with pytest.raises(InvalidCursor):
        sessions.list_for_user(f"{user_id}-other", limit=2, cursor=first.cursor)


def test_revoke_only_by_the_sessions_user(sessions: SessionRepository, user_id: str) -> None:
    session = sessions.create(user_id)
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        sessions.revoke(session.session_id, user_id="intruder")
    assert sessions.get(session.session_id) is not None
    sessions.revoke(session.session_id, user_id=user_id)
    assert sessions.get(session.session_id) is None


def test_revoke_all_logs_a_user_out_everywhere_and_nobody_else(
    sessions: SessionRepository, user_id: str
) -> None:
    for _ in range(3):
        sessions.create(user_id)
    bystander = sessions.create(f"{user_id}-bystander")
    assert sessions.revoke_all(user_id) == 3
    assert list(sessions.list_for_user(user_id)) == []
    assert sessions.get(bystander.session_id) == bystander
    assert sessions.revoke_all(user_id) == 0


def test_a_session_is_immutable_and_validated() -> None:
    session = SessionToken(user_id="u", expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError):
        session.user_id = "someone else"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="at least 32"):
        SessionToken(session_id="short", user_id="u", expires_at=session.expires_at)
