"""Users (USER items of the ``Users`` table): the shop's user repository interface.

Access patterns (ids from the workshop's ``access_patterns_with_rps.md``; tests in
tests/examples/migration_dal/test_migration_dal_users.py):

* AP1 create an account — a conditional put on ``PK`` = email, ``SK`` = ``#META``;
* AP2 authenticate by username — GSI2 (``GSI2PK`` = username);
* AP3 profile by id — GSI1 (``GSI1PK`` = ``users.id``);
* AP7 verify a token — the token names the email: one GetItem on the table key;
* AP4 / AP48 update the profile (names, username) and AP5 / AP45 upgrade to seller — partial
  updates; a new username rewrites its GSI2 copies in the same UpdateItem;
* AP46 seller profile — AP7's read, refused for non-sellers (AP47, the dashboard, is in
  ``repositories.Shop`` because it reads products too).

MySQL's ``UNIQUE`` on ``username`` has no DynamoDB equivalent on a GSI: ``create_user`` checks
GSI2 first, which narrows but cannot close the race between two sign-ups with one username
(the README says what would close it). The email is unique by construction: it is the key.

Example (against DynamoDB Local; the tables must exist, see ``examples.migration_dal``):
    >>> from dynastack import Client
    >>> from examples.migration_dal import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc-users")
    >>> users = UserRepository(app.bind(client, env="doc-users"))
    >>> _ = users.create_user(User(email="a@example.com", username="ada", user_id="1",
    ...                            password_hash="x"))
    >>> users.get_by_username("ada").email, users.get_by_id("1").username
    ('a@example.com', 'ada')
    >>> _ = app.drop_tables(client, env="doc-users"); client.close()
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from examples.migration_dal.models import Profile, User

__all__ = ["Clock", "UserRepository"]

Clock = Callable[[], datetime]


class UserRepository:
    """USER items: create, read by email / username / id, profile and seller updates."""

    def __init__(self, bound: BoundApp) -> None:
        self.users = bound[User]

    def create_user(self, user: User) -> User:
        """AP1: store a new user; ``ConditionalCheckFailed`` if the email or username is taken."""
        if self.get_by_username(user.username) is not None:
            raise ConditionalCheckFailed(
                f"username {user.username!r} is taken", code="ConditionalCheckFailedException"
            )
        return self.users.create(user)

    def get_by_email(self, email: str) -> User | None:
        """AP7: the user a token names (its email is the table key), or ``None``."""
        return self.users.get(pk=email)

    def get_by_username(self, username: str) -> User | None:
        """AP2: the user to authenticate, through GSI2, or ``None``."""
        page = self.users.query("GSI2", gsi2_pk=username, limit=1)
        return page.items[0] if page.items else None

    def get_by_id(self, user_id: str) -> User | None:
        """AP3: the user with MySQL id / app id ``user_id``, through GSI1, or ``None``."""
        page = self.users.query("GSI1", user_id=user_id, limit=1)
        return page.items[0] if page.items else None

    def update_profile(
        self,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> User:
        """AP4 / AP48: change the names and/or the username; the user after it."""
        user = self._existing(email)
        changes: dict[str, Any] = {}
        if first_name is not None or last_name is not None:
            old = user.profile_data
            changes["profile_data"] = Profile(
                first_name=first_name if first_name is not None else old.first_name,
                last_name=last_name if last_name is not None else old.last_name,
            )
        if username is not None and username != user.username:
            if self.get_by_username(username) is not None:
                raise ConditionalCheckFailed(
                    f"username {username!r} is taken", code="ConditionalCheckFailedException"
                )
            changes["username"] = username
        if not changes:
            return user
        return self.users.update(user, **User.copies_for(user, changes))

    def upgrade_to_seller(self, email: str) -> User:
        """AP5 / AP45: make the user a seller (idempotent); the user after it."""
        return self.users.update({"pk": email}, is_seller=True)

    def seller_profile(self, email: str) -> User:
        """AP46: the seller's profile; ``InvalidRequest`` if the user is not a seller."""
        user = self._existing(email)
        if not user.is_seller:
            raise InvalidRequest(f"{email} is not a seller")
        return user

    def _existing(self, email: str) -> User:
        user = self.get_by_email(email)
        if user is None:
            raise ConditionalCheckFailed(
                f"no user {email!r}", code="ConditionalCheckFailedException"
            )
        return user
