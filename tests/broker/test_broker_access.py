"""KUKSA-compatible tokens and scopes: signatures, expiry, audience, path rights."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from renkei.broker import (
    Authenticator,
    Broker,
    BrokerError,
    ErrorCode,
    Principal,
    Right,
    ScopeError,
    TokenIssuer,
    TokenVerifier,
)


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def verifier(issuer: TokenIssuer) -> TokenVerifier:
    return TokenVerifier([issuer.public_pem])


@pytest.mark.parametrize(
    ("scope", "right", "path", "allowed"),
    [
        ("read", Right.READ, "Vehicle.Speed", True),
        ("read", Right.ACTUATE, "Vehicle.Speed", False),
        ("read:Vehicle.Speed", Right.READ, "Vehicle.Speed", True),
        ("read:Vehicle.Speed", Right.READ, "Vehicle.SpeedLimit", False),
        ("read:Vehicle.Cabin", Right.READ, "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", True),
        ("actuate:Vehicle.Cabin", Right.READ, "Vehicle.Cabin.Fan", True),
        ("actuate:Vehicle.Cabin", Right.PROVIDE, "Vehicle.Cabin.Fan", False),
        ("provide:Vehicle.Width", Right.READ, "Vehicle.Width", True),
        ("provide:Vehicle.Width", Right.ACTUATE, "Vehicle.Width", False),
        ("actuate:Vehicle.*.Door", Right.ACTUATE, "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", True),
        ("actuate:Vehicle.*.Door", Right.ACTUATE, "Vehicle.Cabin.Seat.Row1.DriverSide.Position", False),
        ("read:Vehicle.Speed actuate:Vehicle.Cabin", Right.ACTUATE, "Vehicle.Cabin.Fan", True),
        ("", Right.READ, "Vehicle.Speed", False),
    ],
)
def test_scope_semantics(scope: str, right: Right, path: str, allowed: bool) -> None:
    assert Principal.from_scope_string(scope).allows(right, path) is allowed


@pytest.mark.parametrize("scope", ["write:Vehicle", "read:Vehicle..Speed", "read:" + "A." * 100 + "B"])
def test_malformed_scopes(scope: str) -> None:
    with pytest.raises(ScopeError):
        Principal.from_scope_string(scope)


def test_token_round_trip(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue("read:Vehicle.Speed actuate:Vehicle.Cabin", subject="app-1", ttl=60)
    who = verifier.verify(token)
    assert who.subject == "app-1" and who.token_id
    assert who.may_read("Vehicle.Speed") and who.may_actuate("Vehicle.Cabin.Fan")
    assert not who.may_provide("Vehicle.Speed")
    assert verifier.verify("Bearer " + token).subject == "app-1"


@pytest.mark.parametrize(
    "make_key", [lambda: ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate]
)
def test_es256_and_eddsa_tokens(make_key: object) -> None:
    key = make_key()  # type: ignore[operator]
    issuer = TokenIssuer(key)
    assert TokenVerifier([issuer.public_pem]).verify(issuer.issue("read")).may_read("Vehicle.Speed")


def _forge(token: str, **changes: object) -> str:
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims.update(changes)
    new_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{new_body}.{sig}"


def _unauthenticated(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(BrokerError) as caught:
        verifier.verify(token)
    assert caught.value.code is ErrorCode.UNAUTHENTICATED
    return caught.value.message


def test_forged_expired_and_foreign_tokens_are_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    good = issuer.issue("read:Vehicle.Speed")
    assert "signature" in _unauthenticated(verifier, _forge(good, scope="read actuate provide"))
    assert "expired" in _unauthenticated(verifier, issuer.issue("read", ttl=-60))
    other = TokenIssuer(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert "signature" in _unauthenticated(verifier, other.issue("read"))
    foreign = TokenIssuer(issuer._key, audience="somebody.else").issue("read")
    assert "not meant for this broker" in _unauthenticated(verifier, foreign)
    # alg=none and HMAC tricks (public key used as a shared secret) are refused
    unsigned = jwt.encode({"scope": "read", "aud": "kuksa.val", "exp": time.time() + 60}, None, algorithm="none")
    assert "not accepted" in _unauthenticated(verifier, unsigned)
    hmac = jwt.encode(
        {"scope": "read", "aud": "kuksa.val", "exp": time.time() + 60},
        "a-shared-secret-of-32-bytes-long!",
        algorithm="HS256",
    )
    assert "not accepted" in _unauthenticated(verifier, hmac)
    assert "malformed" in _unauthenticated(verifier, "not.a.token")
    assert "exceeds the limit" in _unauthenticated(verifier, "x" * 20_000)
    assert "no token" in _unauthenticated(verifier, "")
    no_exp = jwt.encode({"scope": "read", "aud": "kuksa.val"}, issuer._key, algorithm="RS256")
    assert "exp" in _unauthenticated(verifier, no_exp)
    bad_scope = jwt.encode(
        {"scope": "fly:Vehicle", "aud": "kuksa.val", "exp": time.time() + 60}, issuer._key, algorithm="RS256"
    )
    assert "invalid scope" in _unauthenticated(verifier, bad_scope)


def test_authenticator_revocation_and_insecure_mode(issuer: TokenIssuer) -> None:
    auth = Authenticator(TokenVerifier([issuer.public_pem]))
    token = issuer.issue("read")
    who = auth.authenticate(token)
    revoked: list[str] = []
    auth.on_revoke(revoked.append)
    assert who.token_id
    auth.revoke(who.token_id)
    assert revoked == [who.token_id]
    with pytest.raises(BrokerError, match="revoked"):
        auth.authenticate(token)
    with pytest.raises(BrokerError, match="requires a bearer token"):
        auth.authenticate(None)
    assert Authenticator(None).authenticate(None).may_provide("Vehicle.Anything")


async def test_broker_enforces_rights(broker: Broker) -> None:
    reader = Principal.from_scope_string("read:Vehicle.Speed")
    feeder = Principal.from_scope_string("provide:Vehicle.Speed")
    broker.publish({"Vehicle.Speed": 10, "Vehicle.Cabin.Fan": 3})
    assert broker.get(["Vehicle.Speed"], principal=reader)["Vehicle.Speed"].value == 10.0  # type: ignore[union-attr]
    with pytest.raises(BrokerError) as caught:
        broker.get(["Vehicle.Cabin.Fan"], principal=reader)
    assert caught.value.code is ErrorCode.PERMISSION_DENIED
    assert "3" not in str(caught.value)  # learns nothing about the value
    with pytest.raises(BrokerError) as caught:
        broker.publish({"Vehicle.Speed": 11}, principal=reader)
    assert caught.value.code is ErrorCode.PERMISSION_DENIED
    broker.publish({"Vehicle.Speed": 11}, principal=feeder)
    with pytest.raises(BrokerError) as caught:
        await broker.actuate({"Vehicle.Cabin.Fan": 5}, principal=reader)
    assert caught.value.code is ErrorCode.PERMISSION_DENIED
    with pytest.raises(BrokerError) as caught:
        broker.provide(["Vehicle.Cabin.Fan"], principal=reader)
    assert caught.value.code is ErrorCode.PERMISSION_DENIED
    # a branch subscription only covers what the token may read
    sub = broker.subscribe(["Vehicle"], principal=reader)
    assert sub.paths == ("Vehicle.Speed",)
    with pytest.raises(BrokerError) as caught:
        broker.subscribe(["Vehicle.Cabin"], principal=reader)
    assert caught.value.code is ErrorCode.PERMISSION_DENIED


def test_signing_key_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"
    first = TokenIssuer.load_or_create(path)
    assert path.stat().st_mode & 0o077 == 0
    second = TokenIssuer.load_or_create(path)
    assert first.public_pem == second.public_pem
