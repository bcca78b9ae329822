"""Fixtures for the home app: a broker with the VSS 6.0 catalog, a stand-in vehicle that
provides the actuators the home may touch, the home app's limited client, and a real
Mosquitto on a free loopback port.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.apps.home.devhome import LocalHomeAssistant, LocalMosquitto
from renkei.broker import Broker, Principal
from renkei.client import InProcessClient
from renkei.vss import Catalog, Value, load_default_catalog

# The scope `renkei run` gives the home app (renkei/runtime.py COMPONENT_SCOPES["home"]).
HOME_SCOPE = (
    "read actuate:Vehicle.Cabin.HVAC actuate:Vehicle.Cabin.Door "
    "actuate:Vehicle.Powertrain.TractionBattery.Charging provide:Vehicle.Cabin.Infotainment.HMI.Notification"
)
VEHICLE_ACTUATORS = (
    "Vehicle.Cabin.HVAC.IsAirConditioningActive",
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
    "Vehicle.Cabin.Door.*.*.IsLocked",
    "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging",
)
CAR_STATE: dict[str, Value] = {
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 72.5,
    "Vehicle.Powertrain.Range": 310_000,
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": False,
    "Vehicle.Cabin.HVAC.AmbientAirTemperature": 18.5,
    "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": True,
    "Vehicle.Cabin.HVAC.IsAirConditioningActive": False,
    "Vehicle.CurrentLocation.Latitude": 35.70,
    "Vehicle.CurrentLocation.Longitude": 139.70,
    "Vehicle.Speed": 0.0,
}


@pytest.fixture(scope="session")
def home_catalog() -> Catalog:
    return load_default_catalog()


@pytest.fixture
async def broker(home_catalog: Catalog) -> AsyncIterator[Broker]:
    b = Broker(home_catalog)
    await b.start()
    yield b
    await b.stop()


class Vehicle:
    """A stand-in for the vehicle adapter: it provides actuators and confirms what it is asked."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.requests: list[dict[str, Value]] = []

    async def on_actuate(self, values: dict[str, Value]) -> None:
        self.requests.append(dict(values))
        self.broker.publish(values)


@pytest.fixture
async def vehicle(broker: Broker) -> AsyncIterator[Vehicle]:
    v = Vehicle(broker)
    provider = broker.provide(VEHICLE_ACTUATORS, v.on_actuate, name="test-vehicle")
    broker.publish(CAR_STATE)
    yield v
    provider.close()


@pytest.fixture
def home_client(broker: Broker) -> InProcessClient:
    return InProcessClient(broker, principal=Principal.from_scope_string(HOME_SCOPE, subject="home"), name="home")


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[LocalMosquitto]:
    if not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()):
        pytest.fail("mosquitto is not installed: apt-get install mosquitto (scripts/system-deps.sh)")
    with LocalMosquitto(tmp_path) as broker:
        yield broker


async def wait_for(predicate: Any, within: float = 5.0, interval: float = 0.02) -> None:
    """Poll until `predicate()` is true; fail with its last value otherwise."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


@pytest.fixture
def until() -> Any:
    return wait_for


@pytest.fixture
def short_socket() -> Iterator[Path]:
    # Unix socket paths are limited to about 100 bytes; pytest's tmp paths can be longer.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rk-home-") as tmp:
        yield Path(tmp) / "home.sock"


# -- a real Home Assistant 2024.3.3 (slow tests) -----------------------------------------------------
@pytest.fixture(scope="session")
def ha_mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMosquitto]:
    with LocalMosquitto(tmp_path_factory.mktemp("ha-mqtt")) as broker:
        yield broker


@pytest.fixture(scope="session")
def home_assistant(
    tmp_path_factory: pytest.TempPathFactory, ha_mosquitto: LocalMosquitto
) -> Iterator[LocalHomeAssistant]:
    with LocalHomeAssistant(tmp_path_factory.mktemp("ha"), ha_mosquitto.port) as ha:
        area = ha.ws({"type": "config/area_registry/create", "name": "Living room"})[0]
        ha.ws({"type": "config/entity_registry/update", "entity_id": "light.living_room", "area_id": area["area_id"]})
        yield ha
