"""The dev issuer: a local key made once (0600); its tokens are trusted outside production."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dynastack.auth import DEV_ISSUER, AuthenticationFailed, DevIssuer, TokenVerifier, TrustedIssuer
from dynastack.auth.jwks import JwksCache
from dynastack.cli import main
from dynastack.errors import ConfigurationError


def test_the_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    home = tmp_path / ".dynastack"
    first = DevIssuer(home)
    kid = first.kid
    assert stat.S_IMODE(first.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert DevIssuer(home).kid == kid  # a second process reads the same key


async def test_tokens_verify_outside_production(tmp_path: Path) -> None:
    issuer = DevIssuer(tmp_path)
    for env in ("dev", "local", "test", "staging"):
        verifier = TokenVerifier([issuer.trusted_issuer()], env=env)
        principal = await verifier.verify(issuer.issue("alice", groups=["Developers"]))
        assert (principal.subject, principal.username) == ("alice", "alice")
        assert principal.groups == frozenset({"Developers"})
    access = issuer.issue("bob", token_use="access")
    principal = await TokenVerifier([issuer.trusted_issuer()], env="dev").verify(access)
    assert principal.claims["client_id"] == "dynastack-dev"


@pytest.mark.parametrize("env", ["production", "prod", "Production", "prod-eu", "", "  "])
def test_production_refuses_the_dev_issuer(tmp_path: Path, env: str) -> None:
    with pytest.raises(ConfigurationError, match="dev token issuer"):
        TokenVerifier([DevIssuer(tmp_path).trusted_issuer()], env=env)


def test_production_accepts_real_issuers() -> None:
    real = TrustedIssuer("https://cognito-idp.example/pool", keys=JwksCache.static({"keys": []}),
                         client_ids={"app"})  # fmt: skip
    assert TokenVerifier([real], env="production").env == "production"


async def test_a_dev_token_is_not_trusted_by_another_dev_key(tmp_path: Path) -> None:
    mine, theirs = DevIssuer(tmp_path / "a"), DevIssuer(tmp_path / "b")
    verifier = TokenVerifier([mine.trusted_issuer()], env="dev")
    with pytest.raises(AuthenticationFailed) as refused:
        await verifier.verify(theirs.issue("mallory", groups=["Administrators"]))
    assert refused.value.reason == "unknown_kid"


async def test_cli_dev_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DYNASTACK_STATE_DIR", raising=False)
    code = main(["dev", "token", "--user", "alice", "--groups", "Developers,ReadOnly"])
    printed = capsys.readouterr().out.strip()
    assert code == 0
    assert printed.count(".") == 2 and "\n" not in printed  # the token alone, for $(...)
    assert stat.S_IMODE((tmp_path / ".dynastack" / "dev-issuer-key.pem").stat().st_mode) == 0o600
    issuer = DevIssuer(tmp_path / ".dynastack")
    principal = await TokenVerifier([issuer.trusted_issuer()], env="dev").verify(printed)
    assert principal.groups == frozenset({"Developers", "ReadOnly"})
    assert principal.claims["iss"] == DEV_ISSUER


def test_cli_dev_token_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = str(tmp_path)
    assert main(["dev", "token", "--user", "a", "--ttl", "0", "--state-dir", state]) == 1
    assert "ttl must be positive" in capsys.readouterr().err
    assert (
        main(["dev", "token", "--user", "a", "--token-use", "refresh", "--state-dir", state]) == 1
    )
    assert "--token-use" in capsys.readouterr().err
