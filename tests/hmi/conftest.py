"""Browser tests of the cockpit and companion: a real server, broker, car and Chromium.

Chromium is Debian's (`/usr/bin/chromium`, package `chromium`) driven by Playwright;
it is installed by `scripts/system-deps.sh`, never downloaded by Playwright. The
catalog is the built-in one when it exists, else VSS 6.0 from ../shared (marked).
Set RENKEI_WRITE_SCREENSHOTS=1 to refresh docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from renkei.api.http import UVICORN_OPTIONS, cockpit_login_url, create_app
from renkei.broker import Authenticator, Broker, TokenIssuer, TokenVerifier
from renkei.settings import Settings
from renkei.vss import Catalog, Value, load_default_catalog

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RENKEI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "docs" / "screenshots"
CAR_ACTUATORS = (
    "Vehicle.Cabin.HVAC",
    "Vehicle.Cabin.Door",
    "Vehicle.Cabin.Seat",
    "Vehicle.Cabin.Light",
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
    """The vehicle side of the boundary: reaches requested targets after `delay` seconds."""

    def __init__(self, broker: Broker, delay: float = 0.15) -> None:
        self.broker = broker
        self.delay = delay
        self.requests: list[dict[str, Value]] = []
        self.provider = broker.provide(CAR_ACTUATORS, self._reach, name="test-car")

    async def _reach(self, values: dict[str, Value]) -> None:
        self.requests.append(values)
        await asyncio.sleep(self.delay)
        self.broker.publish(values)

    def park_in_tokyo(self) -> None:
        """A plausible parked state so pages (and screenshots) show real values."""
        self.broker.publish(
            {
                "Vehicle.Speed": 0.0,
                "Vehicle.IsMoving": False,
                "Vehicle.Powertrain.Transmission.CurrentGear": 126,
                "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 76.0,
                "Vehicle.Powertrain.TractionBattery.CurrentPower": 0.0,
                "Vehicle.Powertrain.Range": 341000,
                "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": False,
                "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit": 80,
                "Vehicle.Cabin.HVAC.AmbientAirTemperature": 18.5,
                "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 21.0,
                "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature": 22.0,
                "Vehicle.Cabin.HVAC.Station.Row2.Driver.Temperature": 21.0,
                "Vehicle.Cabin.HVAC.Station.Row2.Passenger.Temperature": 21.0,
                "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": 30,
                "Vehicle.Cabin.HVAC.IsAirConditioningActive": True,
                **{
                    f"Vehicle.Cabin.Door.Row{r}.{s}.IsLocked": True
                    for r in (1, 2)
                    for s in ("DriverSide", "PassengerSide")
                },
                **{
                    f"Vehicle.Cabin.Door.Row{r}.{s}.IsOpen": False
                    for r in (1, 2)
                    for s in ("DriverSide", "PassengerSide")
                },
                **{
                    f"Vehicle.Cabin.Door.Row{r}.{s}.Window.Position": 0
                    for r in (1, 2)
                    for s in ("DriverSide", "PassengerSide")
                },
                "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling": 0,
                "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling": 0,
                "Vehicle.Body.Lights.Beam.Low.IsOn": False,
                "Vehicle.Body.Lights.Beam.High.IsOn": False,
                "Vehicle.Body.Trunk.Rear.IsOpen": False,
                "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude": 35.6586,
                "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude": 139.7454,
            }
        )
        route = [
            (35.6812, 139.7671),
            (35.6790, 139.7630),
            (35.6760, 139.7600),
            (35.6725, 139.7560),
            (35.6700, 139.7530),
        ]
        for lat, lon in route:
            self.broker.publish(
                {
                    "Vehicle.CurrentLocation.Latitude": lat,
                    "Vehicle.CurrentLocation.Longitude": lon,
                    "Vehicle.CurrentLocation.Heading": 225.0,
                }
            )


@dataclass
class Served:
    app: FastAPI
    url: str
    http: httpx.AsyncClient
    broker: Broker
    car: Car
    auth: Authenticator
    issuer: TokenIssuer

    def login_url(self) -> str:
        return cockpit_login_url(self.app, self.url)

    async def paired_token(self, role: str) -> str:
        """Pair a device with `role` the way a phone does (code, claim, owner confirms, collect)."""
        owner = {"Authorization": f"Bearer {self.issuer.issue('read actuate', subject='owner')}"}
        code = (await self.http.post("/api/v1/pairing/codes", json={"role": role}, headers=owner)).json()["code"]
        claim = (await self.http.post("/api/v1/pairing/claim", json={"code": code, "name": role})).json()
        await self.http.post(f"/api/v1/pairing/requests/{claim['request_id']}/confirm", headers=owner)
        done = await self.http.post(
            "/api/v1/pairing/collect", json={"request_id": claim["request_id"], "secret": claim["secret"]}
        )
        token: str = done.json()["token"]
        return token


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> TokenIssuer:
    return TokenIssuer.load_or_create(tmp_path_factory.mktemp("keys") / "key.pem")


@pytest.fixture
async def served(tmp_path: Path, signing_key: TokenIssuer) -> AsyncIterator[Served]:
    broker = Broker(vehicle_catalog())
    await broker.start()
    car = Car(broker)
    auth = Authenticator(TokenVerifier([signing_key.public_pem]))
    app = create_app(broker, auth, signing_key, Settings(data_dir=tmp_path / "data"))
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
    car.park_in_tokyo()
    await asyncio.sleep(0.05)  # the cockpit records the route as it arrives
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield Served(app, url, http, broker, car, auth, signing_key)
    server.should_exit = True
    await asyncio.wait_for(task, 10)
    await broker.stop()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install Debian's package with `apt-get install chromium`")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[str], Path]:
    """Where a screenshot goes: docs/screenshots/ when refreshing them, else a temp dir."""

    def where(name: str) -> Path:
        if os.environ.get("RENKEI_WRITE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            return SCREENSHOTS / name
        return tmp_path / name

    return where


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    b = Broker(vehicle_catalog())
    await b.start()
    yield b
    await b.stop()
