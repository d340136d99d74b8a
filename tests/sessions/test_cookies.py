"""Session cookies: HttpOnly; Secure; SameSite; Path; read back unambiguously."""

from __future__ import annotations

import pytest

from dynastack.errors import ConfigurationError
from dynastack.sessions import SessionCookies


def attributes(header: str) -> list[str]:
    return [part.strip() for part in header.split(";")]


def test_session_cookie_attributes() -> None:
    header = SessionCookies().session("s.abc", max_age=900)
    parts = attributes(header)
    assert parts[0] == "__Host-session=s.abc"
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=900"} <= set(parts)
    assert not any(p.lower().startswith("domain") for p in parts)  # __Host- forbids Domain


def test_refresh_cookie_goes_only_to_the_refresh_route() -> None:
    cookies = SessionCookies(same_site="Strict", refresh_path="/api/auth/refresh")
    parts = attributes(cookies.refresh("r.abc", max_age=3600))
    assert parts[0] == "__Secure-refresh=r.abc"
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth/refresh"} <= set(parts)


def test_clear_expires_both() -> None:
    cleared = SessionCookies().clear()
    assert len(cleared) == 2
    assert all("Max-Age=0" in c and "HttpOnly" in c for c in cleared)


def test_reading() -> None:
    cookies = SessionCookies()
    assert cookies.read_session({"cookie": "a=1; __Host-session=s.x.y ;b=2"}) == "s.x.y"
    assert cookies.read_session({}) is None
    assert cookies.read_session({"cookie": "__Host-session="}) is None
    # two copies (a sibling domain planted one): which is genuine cannot be told
    assert cookies.read_session({"cookie": "__Host-session=s.a; __Host-session=s.b"}) is None
    assert cookies.read_refresh({"cookie": "__Secure-refresh=r.q"}) == "r.q"


def test_values_that_would_inject_attributes_are_refused() -> None:
    with pytest.raises(ValueError):
        SessionCookies().session("s.x; Domain=evil.example", max_age=1)


def test_misconfigurations() -> None:
    with pytest.raises(ConfigurationError):
        SessionCookies(secure=False)  # __Host- needs Secure
    with pytest.raises(ConfigurationError):
        SessionCookies(same_site="None")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        SessionCookies(refresh_path="auth; Domain=x")
    plain = SessionCookies(session_name="sid", refresh_name="rid", secure=False)
    assert "Secure" not in attributes(plain.session("s.a", max_age=5))


async def test_session_authenticator_refuses_missing_and_doubled_cookies() -> None:
    from dynastack.auth import AuthenticationFailed
    from dynastack.sessions import InMemorySessionStore, SessionAuthenticator

    store = InMemorySessionStore()
    issued = await store.create("alice")
    auth = SessionAuthenticator(store)
    good = f"__Host-session={issued.session_token}"
    assert (await auth.authenticate({"cookie": good})).subject == "alice"
    cases = {"": "missing", "theme=dark": "missing", f"{good}; {good}": "session_invalid"}
    for cookie, expected in cases.items():
        with pytest.raises(AuthenticationFailed) as refused:
            await auth.authenticate({"cookie": cookie})
        assert refused.value.reason == expected
