"""Sealed pagination cursors: AES-GCM over the position, bound to the query and the caller.

Why sealed (RELIABILITY fact 2, S7): a raw ``LastEvaluatedKey`` handed to a client is both a
leak (it can hold another user's primary key) and a lever (an edited key starts a query
anywhere in the partition). A cursor here is authenticated encryption of the position and an
expiry; the *binding* — table, index, a digest of the query's shape (key condition, filter,
direction) and the caller's owner scope — is the AES-GCM associated data, so a cursor opens
only for the very query and caller that produced it. Anything else (one flipped bit, another
table, index, filter, owner, an expired or truncated token) raises ``InvalidCursor`` with a
message that does not say which check failed.

Keys: ``cursor_key`` (32 bytes, or text: 64 hex digits or base64/base64url of 32 bytes), else
the ``DYNASTACK_CURSOR_KEY`` environment variable in the same text forms, else one random key per
process, with a single warning: cursors then die with the process and differ between workers.

Format: ``base64url(version ‖ nonce ‖ ciphertext ‖ tag)`` without padding; the plaintext is
orjson of the position as wire AttributeValues (so key types round-trip exactly) and the expiry.
Only that exact text opens: base64 decoders forgive a trailing newline, padding, and the unused
low bits of the last character, so one cursor would have many spellings (a cache, a log or a
rate limiter keyed on cursor text would see them as different). ``open`` re-encodes the bytes
it decoded and compares with the text given, in constant time, before decrypting anything.

Example:
    >>> sealer = CursorSealer(bytes(32))
    >>> token = sealer.seal({"PK": "A", "n": 7}, b"binding", now=0.0)
    >>> sealer.open(token, b"binding", now=1.0)
    {'PK': 'A', 'n': 7}
    >>> sealer.open(token, b"other", now=1.0)
    Traceback (most recent call last):
    ...
    dynastack.errors.InvalidCursor: invalid cursor: it was altered, belongs to another query \
or caller, or was made with another key
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dynastack.core.values import decode_item, encode_item
from dynastack.errors import ConfigurationError, DynastackError, InvalidCursor

__all__ = ["CURSOR_KEY_ENV", "CursorSealer", "binding", "parse_key"]

#: the environment variable holding the cursor key (hex or base64 of 32 bytes)
CURSOR_KEY_ENV = "DYNASTACK_CURSOR_KEY"
#: default lifetime of a cursor, in seconds
DEFAULT_TTL = 3600.0

_VERSION = b"\x01"
_NONCE = 12
_KEY_BYTES = 32
_MAX_TOKEN = 4096  # a position is at most 4 key attributes of ≤ 2 KB; refuse giants unread
_INVALID = (
    "invalid cursor: it was altered, belongs to another query or caller, or was made with "
    "another key"
)

#: what ``seal`` writes: unpadded base64url, nothing else (``fullmatch``: ``$`` would let a
#: trailing newline through)
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")

_log = logging.getLogger("dynastack.repository")
_process_key: bytes | None = None
_process_key_lock = threading.Lock()


def parse_key(value: bytes | str, *, source: str = "cursor_key") -> bytes:
    """32 key bytes from raw bytes, 64 hex digits, or base64 / base64url text.

    >>> len(parse_key("00" * 32)), len(parse_key(base64.b64encode(bytes(32)).decode()))
    (32, 32)
    """
    if isinstance(value, bytes):
        raw: bytes | None = value
    else:
        text = value.strip()
        raw = None
        if len(text) == 2 * _KEY_BYTES:
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                raw = None
        if raw is None:
            try:
                raw = base64.b64decode(
                    text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4),
                    validate=True,
                )
            except (binascii.Error, ValueError):
                raw = None
    if raw is None or len(raw) != _KEY_BYTES:
        raise ConfigurationError(
            f"{source} must be 32 bytes, given as 64 hex digits or base64 text; make one with "
            'python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return raw


def _default_key(environ: Mapping[str, str]) -> bytes:
    configured = environ.get(CURSOR_KEY_ENV)
    if configured:
        return parse_key(configured, source=CURSOR_KEY_ENV)
    global _process_key  # noqa: PLW0603 - one random key per process, made once
    with _process_key_lock:
        if _process_key is None:
            _process_key = secrets.token_bytes(_KEY_BYTES)
            _log.warning(
                "no cursor key configured (%s or cursor_key=): using a random per-process key; "
                "pagination cursors will not survive a restart nor work across processes",
                CURSOR_KEY_ENV,
            )
        return _process_key


def binding(*parts: object) -> bytes:
    """A digest of what a cursor is bound to (table, index, query shape, owner …).

    >>> binding("t", None) == binding("t", None) != binding("t", "Index")
    True
    """
    return hashlib.sha256(orjson.dumps(parts, default=repr)).digest()


class CursorSealer:
    """Seals positions into cursors and opens them again, with one AES-256-GCM key."""

    __slots__ = ("_aead", "_environ", "ttl")

    def __init__(
        self,
        key: bytes | str | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        # an explicit key is checked now; the default key is made on first use, so that a
        # repository that never pages (a seed script, say) neither warns nor needs one
        self._aead: AESGCM | None = AESGCM(parse_key(key)) if key is not None else None
        self._environ = environ
        if ttl <= 0:
            raise ConfigurationError(f"cursor ttl must be > 0 seconds, got {ttl}")
        self.ttl = ttl

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(_default_key(self._environ or os.environ))
        return self._aead

    def seal(self, position: Mapping[str, Any], bound_to: bytes, *, now: float) -> str:
        """The cursor for ``position`` (a key: attribute → Python value), valid ``ttl`` s."""
        payload = orjson.dumps({"k": encode_item(position), "x": int(now + self.ttl)})
        nonce = secrets.token_bytes(_NONCE)
        sealed = _VERSION + nonce + self._cipher().encrypt(nonce, payload, bound_to)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, cursor: str, bound_to: bytes, *, now: float) -> dict[str, Any]:
        """The position sealed in ``cursor``; ``InvalidCursor`` unless it is intact, ours,
        bound to ``bound_to`` and not expired."""
        if (
            not isinstance(cursor, str)
            or len(cursor) > _MAX_TOKEN
            or not _ALPHABET.fullmatch(cursor)
        ):
            raise InvalidCursor(_INVALID)
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor(_INVALID) from None
        canonical = base64.urlsafe_b64encode(raw).rstrip(b"=")
        if not hmac.compare_digest(canonical, cursor.encode("ascii")):
            raise InvalidCursor(_INVALID)  # another spelling of some bytes: not what we wrote
        if len(raw) < 1 + _NONCE + 16 or raw[:1] != _VERSION:
            raise InvalidCursor(_INVALID)
        nonce, sealed = raw[1 : 1 + _NONCE], raw[1 + _NONCE :]
        try:
            payload = orjson.loads(self._cipher().decrypt(nonce, sealed, bound_to))
            expires = payload["x"]
            position = decode_item(payload["k"])
        except (InvalidTag, orjson.JSONDecodeError, KeyError, TypeError, DynastackError):
            raise InvalidCursor(_INVALID) from None
        if not isinstance(expires, int) or now > expires:
            raise InvalidCursor("invalid cursor: it has expired; start the query again")
        return position
