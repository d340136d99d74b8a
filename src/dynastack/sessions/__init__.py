"""Sessions: a ``SessionStore`` protocol, in-memory and DynamoDB stores, and session cookies.

Example:
    >>> from dynastack.sessions import InMemorySessionStore, SessionStore
    >>> store: SessionStore = InMemorySessionStore()
    >>> type(store).__name__
    'InMemorySessionStore'
"""

from dynastack.sessions.authenticator import SessionAuthenticator
from dynastack.sessions.cookies import SessionCookies
from dynastack.sessions.dynamodb import SESSIONS_TABLE, DynamoDBSessionStore, SessionItem
from dynastack.sessions.memory import InMemorySessionStore
from dynastack.sessions.store import IssuedSession, Session, SessionPolicy, SessionStore

__all__ = [
    "SESSIONS_TABLE",
    "DynamoDBSessionStore",
    "InMemorySessionStore",
    "IssuedSession",
    "Session",
    "SessionAuthenticator",
    "SessionCookies",
    "SessionItem",
    "SessionPolicy",
    "SessionStore",
]
