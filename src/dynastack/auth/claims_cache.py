"""``ClaimsCache``: verified tokens remembered until they expire, so each is verified once.

An RS256 verification costs ~85-100 µs here, as much as a whole GetItem (PERFORMANCE.md), and a
client sends the same bearer token with every request. The cache is a bounded LRU keyed by the
SHA-256 of the token, never the token itself (a heap dump or a debugger then shows no usable
credential), and an entry is honoured only until the token's own expiry (plus the leeway).

Example:
    >>> from dynastack.auth.principal import Principal
    >>> cache = ClaimsCache(max_entries=2)
    >>> cache.put("t1", Principal(subject="u-1"), expires_at=100.0)
    >>> cache.get("t1", now=99.0).subject, cache.get("t1", now=100.0)
    ('u-1', None)
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from dynastack.auth.principal import Principal

__all__ = ["ClaimsCache"]


class ClaimsCache:
    """At most ``max_entries`` verified principals, least recently used evicted first."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 0:
            raise ValueError("max_entries must not be negative")
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str, *, now: float) -> Principal | None:
        """The principal of a token verified before and not yet expired at ``now``."""
        key = self._key(token)
        found = self._entries.get(key)
        if found is None:
            return None
        principal, expires_at = found
        if now >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return principal

    def put(self, token: str, principal: Principal, *, expires_at: float) -> None:
        """Remember ``principal`` for ``token`` until ``expires_at`` (epoch seconds)."""
        if self.max_entries == 0:
            return
        key = self._key(token)
        self._entries[key] = (principal, expires_at)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry (e.g. after a key was revoked at the issuer)."""
        self._entries.clear()
