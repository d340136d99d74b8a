"""A test-only stand-in for dynastack.auth: a static bearer token → ``Principal`` map.

It keeps the REST tests about REST (named principals, no key handling); the real authenticator
is wired and tested end to end in tests/api/test_real_auth.py. The API sees both through the
same ``Authenticator`` protocol.
"""

from __future__ import annotations

from collections.abc import Mapping

from dynastack.auth.principal import AuthenticationFailed, Principal


class StaticTokens:
    """Accepts exactly the tokens it was given; anything else is ``AuthenticationFailed``."""

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._tokens = dict(tokens)

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        raw = headers.get("authorization")
        if raw is None:
            raise AuthenticationFailed("missing")
        scheme, _, token = raw.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationFailed("malformed")
        found = self._tokens.get(token.strip())
        if found is None:
            raise AuthenticationFailed("signature")
        return found


def user(subject: str, *groups: str) -> Principal:
    return Principal(subject=subject, groups=frozenset(groups))


#: the tokens every API test server accepts: one per group of seed 000 and two K9 users
TOKENS: dict[str, Principal] = {
    "admin-token": user("u-admin", "Administrators"),
    "dev-token": user("u-dev", "Developers"),
    "ro-token": user("u-ro", "ReadOnly"),
    "none-token": user("u-none"),
    "alice-token": user("alice", "Users"),
    "bob-token": user("bob", "Users"),
}
