"""Targets for ``dynastack serve`` in tests: the examples' APIs with the stand-in authenticator."""

from __future__ import annotations

from examples.cloud_platform.api import api as _cloud

from tests.api.stand_in_auth import TOKENS, StaticTokens

cloud = _cloud.with_authenticator(lambda _settings: StaticTokens(TOKENS))
