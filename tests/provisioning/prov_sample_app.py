"""A small App for the ``dynastack tables`` CLI tests: two tables, one shared by two entities.

Imported by path (``prov_sample_app:app``) exactly as a user's application module would be.
Table names follow the App's naming, ``prov-{table}-{env}``; each test passes its own env.
"""

from __future__ import annotations

from datetime import datetime

from dynastack.app import App
from dynastack.model import TTL, Entity, Index, Key, Table

accounts = Table("accounts")


class User(Entity, table=accounts):
    __key__ = Key(pk="USER#{user_id}", sk="PROFILE")
    __indexes__ = (Index("ByEmail", pk="email"),)
    user_id: str
    email: str


class Membership(Entity, table=accounts):
    __key__ = Key(pk="USER#{user_id}", sk="ORG#{org}")
    __indexes__ = (Index("ByOrg", pk="org", sk="joined"),)
    user_id: str
    org: str
    joined: int


class Session(Entity, table="sessions"):
    __key__ = Key(pk="{session_id}")
    session_id: str
    expires_at: TTL[datetime]


app = App("prov-sample", [User, Membership, Session], naming="prov-{table}-{env}")
