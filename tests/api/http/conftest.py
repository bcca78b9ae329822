"""A broker on the VSS 6.0 catalog, a car that confirms actuations, and the HTTP app.

The catalog is the built-in one when it exists, else the official VSS 6.0 export in
../shared (those tests are marked `shared` automatically).
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from renkei.api.http import UVICORN_OPTIONS, create_app
from renkei.broker import Authenticator, Broker, TokenIssuer, TokenVerifier
from renkei.settings import Settings
from renkei.vss import Catalog, Value, load_default_catalog

CAR_ACTUATORS = (
    "Vehicle.Cabin.HVAC",
    "Vehicle.Cabin.Door",
    "Vehicle.Cabin.Seat",
    "Vehicle.Body.Lights",
    "Vehicle.Body.Trunk",
    "Vehicle.Powertrain.TractionBattery.Charging",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet",
)


@functools.cache
def vehicle_catalog() -> Catalog:
    """The built-in catalog, loaded once for the whole session."""
    return load_default_catalog()


class Car:
    """The vehicle side of the boundary: provides cabin actuators and reports them reached."""

    def __init__(self, broker: Broker, delay: float = 0.0) -> None:
        self.broker = broker
        self.delay = delay
        self.requests: list[dict[str, Value]] = []
        self.provider = broker.provide(CAR_ACTUATORS, self._reach, name="test-car")

    async def _reach(self, values: dict[str, Value]) -> None:
        self.requests.append(values)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.broker.publish(values)


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> TokenIssuer:
    return TokenIssuer.load_or_create(tmp_path_factory.mktemp("keys") / "key.pem")


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    b = Broker(vehicle_catalog())
    await b.start()
    b.publish({"Vehicle.Speed": 0.0, "Vehicle.IsMoving": False})
    yield b
    await b.stop()


@pytest.fixture
def car(broker: Broker) -> Car:
    return Car(broker)


@pytest.fixture
def auth(signing_key: TokenIssuer) -> Authenticator:
    return Authenticator(TokenVerifier([signing_key.public_pem]))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@dataclass
class Served:
    app: FastAPI
    url: str
    ws_url: str
    http: httpx.AsyncClient


async def serve_app(app: FastAPI) -> AsyncIterator[Served]:
    """Serve the app with uvicorn on a free port, in this test's event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **UVICORN_OPTIONS))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield Served(app, url, f"ws://127.0.0.1:{port}/api/v1/ws", http)
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def served(
    broker: Broker, car: Car, auth: Authenticator, signing_key: TokenIssuer, settings: Settings
) -> AsyncIterator[Served]:
    app = create_app(broker, auth, signing_key, settings)
    async for s in serve_app(app):
        yield s


@pytest.fixture
def owner_token(signing_key: TokenIssuer) -> str:
    return signing_key.issue("read actuate", subject="test-owner")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
