"""Settings per environment from DYNASTACK_* variables, validated; production fails closed."""

from __future__ import annotations

import pytest

from dynastack.api import ApiSettings
from dynastack.errors import ConfigurationError
from tests.api.http import Server

KEY = "ab" * 32
PROD = {"DYNASTACK_ENV": "production", "DYNASTACK_CURSOR_KEY": KEY,
        "DYNASTACK_CORS_ORIGINS": "https://app.example.com"}  # fmt: skip


def test_dev_defaults_are_convenient() -> None:
    s = ApiSettings.from_env({})
    assert (s.env, s.docs, s.debug, s.trust_dev_tokens, s.cursor_key) == (
        "dev",
        True,
        True,
        True,
        None,
    )


def test_production_defaults_are_closed() -> None:
    s = ApiSettings.from_env(PROD)
    assert (s.docs, s.debug, s.trust_dev_tokens) == (False, False, False)
    assert s.cors_origins == ("https://app.example.com",) and s.cursor_key == bytes.fromhex(KEY)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"DYNASTACK_CORS_ORIGINS": ""}, "DYNASTACK_CORS_ORIGINS"),
        ({"DYNASTACK_CORS_ORIGINS": "*"}, "DYNASTACK_CORS_ORIGINS"),
        ({"DYNASTACK_DOCS": "true"}, "DYNASTACK_DOCS"),
        ({"DYNASTACK_DEBUG": "1"}, "DYNASTACK_DEBUG"),
        ({"DYNASTACK_TRUST_DEV_TOKENS": "yes"}, "DYNASTACK_TRUST_DEV_TOKENS"),
        ({"DYNASTACK_RATE_LIMIT": "0"}, "DYNASTACK_RATE_LIMIT"),
        ({"DYNASTACK_CURSOR_KEY": ""}, "DYNASTACK_CURSOR_KEY"),
    ],
)
def test_production_refuses(changes: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        ApiSettings.from_env({**PROD, **changes})


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DYNASTACK_ENV": "prod"}, "DYNASTACK_ENV"),
        ({"DYNASTACK_DOCS": "maybe"}, "DYNASTACK_DOCS"),
        ({"DYNASTACK_MAX_PAGE_SIZE": "ten"}, "DYNASTACK_MAX_PAGE_SIZE"),
        ({"DYNASTACK_MAX_PAGE_SIZE": "0"}, "DYNASTACK_MAX_PAGE_SIZE"),
        ({"DYNASTACK_MAX_BODY_BYTES": "-1"}, "DYNASTACK_MAX_BODY_BYTES"),
        ({"DYNASTACK_CORS_ORIGINS": "app.example.com"}, "DYNASTACK_CORS_ORIGINS"),
        ({"DYNASTACK_CURSOR_KEY": "short"}, "DYNASTACK_CURSOR_KEY"),
        ({"DYNASTACK_ENV": "staging"}, "DYNASTACK_CURSOR_KEY"),
        ({"DYNASTACK_MAX_PAGE_SIZE": "10", "DYNASTACK_DEFAULT_PAGE_SIZE": "11"},
         "DYNASTACK_DEFAULT_PAGE_SIZE"),
    ],
)  # fmt: skip
def test_bad_values_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        ApiSettings.from_env(environ)


@pytest.mark.integration
def test_production_server_has_no_docs_page_and_no_debug_detail(
    production: Server, cloud: Server
) -> None:
    assert cloud.call("GET", "/docs").status == 200
    gone = production.call("GET", "/docs")
    assert gone.status == 404 and gone.problem_type == "not-found"
    assert production.call("GET", "/openapi.json").status == 200
