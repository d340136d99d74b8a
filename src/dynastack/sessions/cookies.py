"""``SessionCookies``: the ``Set-Cookie`` values that carry session credentials, and reading them.

Session and refresh tokens travel in cookies the page's scripts cannot read (``HttpOnly``), sent
only over HTTPS (``Secure``; browsers treat ``http://localhost`` as secure too) and not on
cross-site subrequests (``SameSite=Lax``, or ``Strict``), never in browser storage (the seed's
flaw). The session cookie is named with the ``__Host-`` prefix, so the browser refuses it
unless it is Secure, has ``Path=/`` and no ``Domain`` (no subdomain can plant one). The
refresh cookie is sent only to the refresh route (``refresh_path``), so it does not ride along
with every request; its ``__Secure-`` prefix allows that path.

A ``Cookie`` header naming the session cookie twice is treated as having none: which copy is
genuine cannot be told (cookie tossing from a sibling domain).

Example:
    >>> cookies = SessionCookies()
    >>> cookies.session("s.abc", max_age=900)
    '__Host-session=s.abc; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=Lax'
    >>> cookies.read_session({"cookie": "theme=dark; __Host-session=s.abc"})
    's.abc'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dynastack.errors import ConfigurationError

__all__ = ["SessionCookies"]

_VALUE = re.compile(r"[A-Za-z0-9._-]{1,256}")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")


@dataclass(frozen=True, slots=True)
class SessionCookies:
    """Cookie names and attributes for the session and refresh tokens."""

    session_name: str = "__Host-session"
    refresh_name: str = "__Secure-refresh"
    refresh_path: str = "/auth/refresh"
    same_site: Literal["Lax", "Strict"] = "Lax"
    secure: bool = True

    def __post_init__(self) -> None:
        if self.same_site not in ("Lax", "Strict"):
            raise ConfigurationError("SameSite must be Lax or Strict for session cookies")
        if not _PATH.fullmatch(self.refresh_path):
            raise ConfigurationError(f"refresh_path {self.refresh_path!r} is not a plain path")
        prefixed = (self.session_name, self.refresh_name)
        if not self.secure and any(n.startswith(("__Host-", "__Secure-")) for n in prefixed):
            raise ConfigurationError(
                "cookies named __Host-/__Secure- must be Secure: rename them to turn Secure off"
            )

    def _header(self, name: str, value: str, *, max_age: int, path: str) -> str:
        if not _VALUE.fullmatch(value):
            raise ValueError("a cookie value must be a token (letters, digits, . _ -)")
        parts = [f"{name}={value}", f"Max-Age={max(0, int(max_age))}", f"Path={path}"]
        if self.secure:
            parts.append("Secure")
        parts += ["HttpOnly", f"SameSite={self.same_site}"]
        return "; ".join(parts)

    def session(self, token: str, *, max_age: int) -> str:
        """The ``Set-Cookie`` value carrying a session token."""
        return self._header(self.session_name, token, max_age=max_age, path="/")

    def refresh(self, token: str, *, max_age: int) -> str:
        """The ``Set-Cookie`` value carrying a refresh token (sent only to ``refresh_path``)."""
        return self._header(self.refresh_name, token, max_age=max_age, path=self.refresh_path)

    def clear(self) -> list[str]:
        """The ``Set-Cookie`` values that delete both cookies (logout)."""
        return [
            self._header(self.session_name, "-", max_age=0, path="/"),
            self._header(self.refresh_name, "-", max_age=0, path=self.refresh_path),
        ]

    def read_session(self, headers: Mapping[str, str]) -> str | None:
        """The session token in a request's ``cookie`` header (lower-case names), if one."""
        return _read(headers.get("cookie", ""), self.session_name)

    def read_refresh(self, headers: Mapping[str, str]) -> str | None:
        """The refresh token in a request's ``cookie`` header, if one."""
        return _read(headers.get("cookie", ""), self.refresh_name)


def _read(header: str, name: str) -> str | None:
    found: list[str] = []
    for pair in header.split(";"):
        key, sep, value = pair.strip().partition("=")
        if sep and key == name:
            found.append(value.strip())
    if len(found) != 1 or not found[0]:
        return None
    return found[0]
