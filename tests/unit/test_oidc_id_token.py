"""The ID token checks Authlib makes for us (signature, iss, aud, exp, nonce), shown on
tokens signed here with a key the client trusts through preloaded provider metadata."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from social_market.services import oidc
from tests.conftest import run_async

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
NONCE = "the-nonce-sent-with-the-request"


@pytest.fixture
def provider():
    provider = oidc.get_provider("testid")
    client = oidc.client_for(provider)
    saved = dict(client.server_metadata)
    client.server_metadata.clear()
    client.server_metadata.update(
        {
            "issuer": provider.issuer,
            "jwks": {"keys": [KEY.as_dict(private=False)]},
            "id_token_signing_alg_values_supported": ["RS256"],
            "_loaded_at": time.time(),
        }
    )
    yield provider
    client.server_metadata.clear()
    client.server_metadata.update(saved)


def _token(provider, key=KEY, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "sub": "subject-1",
        "aud": provider.client_id,
        "exp": now + 300,
        "iat": now,
        "nonce": NONCE,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return {"id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)}


def _verify(provider, token, nonce=NONCE):
    return run_async(oidc.verify_id_token(provider=provider, token=token, nonce=nonce))


def test_a_correct_id_token_is_accepted(provider):
    assert _verify(provider, _token(provider))["sub"] == "subject-1"


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"nonce": "another-nonce"},
        {"nonce": None},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"exp": None},
        {"sub": None},
    ],
    ids=["wrong-aud", "wrong-iss", "wrong-nonce", "no-nonce", "expired", "no-exp", "no-sub"],
)
def test_a_bad_id_token_is_refused(provider, overrides):
    with pytest.raises(oidc.OidcError) as err:
        _verify(provider, _token(provider, **overrides))
    assert err.value.kind == oidc.REFUSED


def test_a_token_signed_with_another_key_is_refused(provider):
    with pytest.raises(oidc.OidcError):
        _verify(provider, _token(provider, key=OTHER_KEY))


def test_no_id_token_at_all_is_refused(provider):
    with pytest.raises(oidc.OidcError):
        _verify(provider, {"access_token": "x"})


def test_an_unreachable_provider_is_reported_as_such(monkeypatch):
    from social_market.settings import OidcProvider

    dead = OidcProvider(
        name="dead",
        label="Dead",
        issuer="http://127.0.0.1:9",
        discovery_url="http://127.0.0.1:9/.well-known/openid-configuration",
        client_id="x",
        client_secret="y",
        scopes="openid",
        trusted=False,
    )
    monkeypatch.setattr(oidc, "providers", lambda: (dead,))
    oidc._registry.cache_clear()
    try:
        with pytest.raises(oidc.OidcError) as err:
            run_async(oidc.begin(provider=dead, redirect_uri="http://127.0.0.1/cb", next_path="/"))
        assert err.value.kind == oidc.UNAVAILABLE
    finally:
        monkeypatch.undo()
        oidc._registry.cache_clear()
