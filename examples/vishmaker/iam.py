"""The IAM policy a VishMaker Lambda needs: exactly its six tables, exactly the actions used.

Seed 004's policy allowed ``GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan`` on
``table/prod-vishmaker-*``: a wildcard that also covers any table someone later names
``prod-vishmaker-anything``, and a ``Scan`` that no repository runs. Here the document is
generated from the App itself: one statement for the item actions on the six table ARNs, one
for ``Query`` on their indexes. The repositories' transactions need no action of their own
(IAM checks ``TransactWriteItems`` per item as Put/Update/Delete), and ``BatchWriteItem`` is
only used by the demo-data seeder, which runs with an operator's credentials, not the
Lambda's. tests/examples/vishmaker/test_vishmaker_iam.py records every request the
repositories send and checks that this policy allows each one and grants nothing unused.

Example:
    >>> doc = policy("prod", region="us-east-1", account_id="123456789012", environ={})
    >>> doc["Statement"][0]["Action"]
    ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', \
'dynamodb:UpdateItem']
    >>> doc["Statement"][0]["Resource"][0]
    'arn:aws:dynamodb:us-east-1:123456789012:table/prod-vishmaker-projects'
    >>> doc["Statement"][1]["Resource"][0]
    'arn:aws:dynamodb:us-east-1:123456789012:table/prod-vishmaker-projects/index/user_id-index'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dynastack import App
from dynastack.errors import ConfigurationError

__all__ = ["INDEX_ACTIONS", "TABLE_ACTIONS", "policy"]

#: what the repositories do to items (GetItem, conditional Put/Update/Delete, Query by key)
TABLE_ACTIONS = ("DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem")
#: what they do to indexes (list a user's projects, a parent's children, a status)
INDEX_ACTIONS = ("Query",)

_ACCOUNT = re.compile(r"^\d{12}$")


def policy(
    env: str,
    *,
    region: str,
    account_id: str,
    environ: Mapping[str, str] | None = None,
    app: App | None = None,
) -> dict[str, Any]:
    """The least-privilege policy document for VishMaker's tables in ``env`` (names as the
    App resolves them, ``*_TABLE_NAME`` variables included)."""
    if app is None:
        from examples.vishmaker import app as vishmaker

        app = vishmaker
    if not _ACCOUNT.match(account_id):
        raise ConfigurationError(f"an AWS account id is 12 digits, not {account_id!r}")
    prefix = f"arn:aws:dynamodb:{region}:{account_id}:table/"
    specs = app.table_specs(env=env, environ=environ)
    tables = [prefix + spec.name for spec in specs]
    indexes = [
        f"{prefix}{spec.name}/index/{index.name}" for spec in specs for index in spec.indexes
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "VishMakerItems",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in TABLE_ACTIONS],
                "Resource": tables,
            },
            {
                "Sid": "VishMakerIndexQueries",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in INDEX_ACTIONS],
                "Resource": indexes,
            },
        ],
    }
