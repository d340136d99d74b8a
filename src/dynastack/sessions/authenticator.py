"""``SessionAuthenticator``: the session cookie of a request resolved to its user's ``Principal``.

The principal carries what the session was created with (user id, username, groups); the
session id and tokens never reach it. It plugs into ``dynastack.auth.FirstPresent`` next to
the bearer and API key authenticators.

Example:
    >>> import asyncio
    >>> from dynastack.sessions.memory import InMemorySessionStore
    >>> store = InMemorySessionStore()
    >>> issued = asyncio.run(store.create("alice", groups=frozenset({"Developers"})))
    >>> auth = SessionAuthenticator(store)
    >>> headers = {"cookie": f"__Host-session={issued.session_token}"}
    >>> asyncio.run(auth.authenticate(headers)).groups
    frozenset({'Developers'})
"""

from __future__ import annotations

from collections.abc import Mapping

from dynastack.auth.principal import AuthenticationFailed, Principal
from dynastack.sessions.cookies import SessionCookies
from dynastack.sessions.store import SessionStore

__all__ = ["SessionAuthenticator"]


class SessionAuthenticator:
    """The session cookie (named by ``cookies``) checked against ``store``."""

    def __init__(self, store: SessionStore, cookies: SessionCookies | None = None) -> None:
        self.store = store
        self.cookies = cookies or SessionCookies()

    def present(self, headers: Mapping[str, str]) -> bool:
        return f"{self.cookies.session_name}=" in headers.get("cookie", "")

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        token = self.cookies.read_session(headers)
        if token is None:  # absent, empty, or named twice (which copy is genuine?)
            raise AuthenticationFailed(
                "missing" if not self.present(headers) else "session_invalid"
            )
        session = await self.store.validate(token)
        return Principal(
            subject=session.user_id,
            groups=session.groups,
            username=session.username,
            kind="user",
        )
