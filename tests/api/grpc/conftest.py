"""Fixtures for the gRPC face: a VSS 4.0 broker, a token issuer, servers on free ports.

Tests using these read ../shared (the VSS release) and are marked `shared`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from renkei.api.grpc import GrpcServer, serve_grpc
from renkei.broker import Authenticator, Broker, TokenIssuer, TokenVerifier
from renkei.settings import GrpcSettings
from renkei.vss import Catalog

SHARED = Path(__file__).resolve().parents[4] / "shared"


@pytest.fixture(scope="session")
def vss4() -> Catalog:
    source = SHARED / "vss" / "vss_release_4.0.json"
    if not source.exists():
        pytest.fail(f"the shared VSS 4.0 export is missing: {source}")
    return Catalog.from_files([source])


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    return TokenIssuer(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def token(issuer: TokenIssuer) -> Callable[[str], str]:
    def make(scope: str, ttl: float = 600.0) -> str:
        return issuer.issue(scope, subject="test", ttl=ttl)

    return make


@pytest.fixture
async def broker(vss4: Catalog) -> AsyncIterator[Broker]:
    b = Broker(vss4)
    await b.start()
    yield b
    await b.stop()


@pytest.fixture
def auth(issuer: TokenIssuer) -> Authenticator:
    return Authenticator(TokenVerifier([issuer.public_pem]))


@pytest.fixture
async def server(broker: Broker, auth: Authenticator) -> AsyncIterator[GrpcServer]:
    """A secure server (tokens required) on a free loopback port."""
    srv = await serve_grpc(broker, auth, GrpcSettings(host="127.0.0.1", port=0))
    yield srv
    await srv.stop(0.2)


@pytest.fixture
async def open_server(broker: Broker) -> AsyncIterator[GrpcServer]:
    """An insecure server (no token needed), as `renkei run --insecure`."""
    srv = await serve_grpc(broker, Authenticator(None), GrpcSettings(host="127.0.0.1", port=0))
    yield srv
    await srv.stop(0.2)
