"""The simulator on a real in-process broker: it claims actuators, moves them over time,
publishes valid values, refuses unsafe requests, and paces itself."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from renkei.broker import Broker
from renkei.client import BrokerError, ErrorCode, Field, InProcessClient
from renkei.vehicle.sim import Scenario, builtin_scenario, run_simulator
from renkei.vehicle.sim.vehicle import Refused, SimVehicle
from renkei.vss import Catalog, load_default_catalog

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


def _client() -> InProcessClient:
    return InProcessClient(Broker(load_default_catalog()))


def _parked(name: str = "winter_commute_beijing", **update: object) -> Scenario:
    base = builtin_scenario(name)
    data = base.model_dump(by_alias=True)
    data.update({"legs": [{"kind": "park", "seconds": 3600}], "events": [], **update})
    return Scenario.model_validate(data)


async def _wait_for(client: InProcessClient, path: str, wanted: object, within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        got = (await client.get([path]))[path]
        if got is not None and got.value == wanted:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never reached {wanted!r}")


def test_every_published_path_and_actuator_is_in_the_default_catalog() -> None:
    catalog = load_default_catalog()
    car = SimVehicle(builtin_scenario("highway_dc_fast_charge"))
    for path in {**car.attributes(), **car.values()}:
        assert path in catalog, path
    for path in car.actuator_paths():
        assert catalog[path].entry_type.value == "actuator", path


async def test_runs_to_the_scenario_end_and_publishes_valid_values() -> None:
    client = _client()
    scenario = builtin_scenario("summer_day_shanghai").model_copy(update={"duration_s": 400.0})
    await asyncio.wait_for(run_simulator(client, scenario, speed=math.inf), timeout=30)
    # run_simulator returned: its claim is released, but sensors keep their last values
    got = await client.get(["Vehicle.Speed", "Vehicle.Cabin.HVAC.AmbientAirTemperature", "Vehicle.TraveledDistance"])
    assert all(dp is not None for dp in got.values())
    assert got["Vehicle.TraveledDistance"].value > 1000  # type: ignore[union-attr,operator]
    assert got["Vehicle.Cabin.HVAC.AmbientAirTemperature"].value < 50  # type: ignore[union-attr,operator]


async def test_window_moves_over_time_after_an_actuation() -> None:
    client = _client()
    stop = asyncio.Event()
    task = asyncio.create_task(run_simulator(client, _parked(), speed=20.0, stop=stop))
    try:
        await _wait_for(client, WINDOW, 0)
        await client.actuate({WINDOW: 100})
        target = (await client.get([WINDOW], Field.TARGET))[WINDOW]
        assert target is not None and target.value == 100
        first = (await client.get([WINDOW]))[WINDOW]
        assert first is not None and first.value < 100  # 4 s of travel, not instant
        await _wait_for(client, WINDOW, 100, within_s=5.0)
    finally:
        stop.set()
        await task


async def test_window_refused_while_a_door_is_open() -> None:
    client = _client()
    stop = asyncio.Event()
    task = asyncio.create_task(run_simulator(client, _parked(), speed=10.0, stop=stop))
    try:
        await _wait_for(client, WINDOW, 0)
        await client.actuate({"Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen": True})
        with pytest.raises(BrokerError) as caught:
            await client.actuate({WINDOW: 50})
        assert caught.value.code is ErrorCode.FAILED_PRECONDITION
        assert "door is open" in str(caught.value)
    finally:
        stop.set()
        await task


async def test_hvac_setpoint_is_confirmed_and_cabin_follows() -> None:
    client = _client()
    stop = asyncio.Event()
    scenario = _parked()
    task = asyncio.create_task(run_simulator(client, scenario, speed=math.inf, stop=stop))
    try:
        await _wait_for(client, "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 22.0)
        await client.actuate({"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 24.0})
        await _wait_for(client, "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 24.0)
        await asyncio.sleep(0.5)
        cabin = (await client.get(["Vehicle.Cabin.HVAC.AmbientAirTemperature"]))[
            "Vehicle.Cabin.HVAC.AmbientAirTemperature"
        ]
        assert cabin is not None and cabin.value > -5.0  # it was -10 °C at the start
    finally:
        stop.set()
        await task


async def test_a_navigation_destination_is_taken_and_confirmed() -> None:
    """The assistant and scenes navigate by setting DestinationSet; the simulated head unit confirms it."""
    client = _client()
    stop = asyncio.Event()
    task = asyncio.create_task(run_simulator(client, _parked(), speed=50.0, stop=stop))
    lat, lon = (f"Vehicle.Cabin.Infotainment.Navigation.DestinationSet.{a}" for a in ("Latitude", "Longitude"))
    try:
        await _wait_for(client, WINDOW, 0)
        await client.actuate({lat: 31.2304, lon: 121.4737})
        await _wait_for(client, lat, 31.2304)
        await _wait_for(client, lon, 121.4737)
    finally:
        stop.set()
        await task


def test_the_head_unit_refuses_a_destination_off_the_globe() -> None:
    car = SimVehicle(_parked())
    with pytest.raises(Refused, match="between -90 and 90"):
        car.request("Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude", 91.0)
    with pytest.raises(Refused, match="expects degrees"):
        car.request("Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude", True)
    assert car.destination == {}


async def test_second_simulator_cannot_claim_the_same_car() -> None:
    client = _client()
    stop = asyncio.Event()
    task = asyncio.create_task(run_simulator(client, _parked(), speed=1.0, stop=stop))
    try:
        await _wait_for(client, WINDOW, 0)
        with pytest.raises(BrokerError) as caught:
            await run_simulator(client, _parked(), speed=1.0, stop=stop)
        assert caught.value.code is ErrorCode.ALREADY_EXISTS
    finally:
        stop.set()
        await task


async def test_real_time_pacing_and_bad_speed() -> None:
    client = _client()
    scenario = _parked(duration_s=1.0)
    started = time.monotonic()
    await run_simulator(client, scenario, speed=2.0)
    assert 0.4 < time.monotonic() - started < 2.0  # 1 s of simulated time at 2x
    for bad in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="speed"):
            await run_simulator(client, scenario, speed=bad)


async def test_signals_missing_from_a_smaller_catalog_are_skipped_not_fatal() -> None:
    full = load_default_catalog()
    keep = [
        s
        for s in full
        if not s.path.startswith("Vehicle.Powertrain.ElectricMotor") and s.path != "Vehicle.TripMeterReading"
    ]
    client = InProcessClient(Broker(Catalog(keep, {})))
    scenario = builtin_scenario("summer_day_shanghai").model_copy(update={"duration_s": 200.0})
    await asyncio.wait_for(run_simulator(client, scenario, speed=math.inf), timeout=30)
    got = (await client.get(["Vehicle.Speed"]))["Vehicle.Speed"]
    assert got is not None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", math.nan),
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", math.inf),
        ("Vehicle.Cabin.Seat.Row1.DriverSide.Backrest.Recline", math.nan),
        ("Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", 10),
        ("Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging", "START"),
        ("Vehicle.TripMeterReading", 1234),
        ("Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude", math.nan),
        ("Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude", 181.0),
    ],
)
async def test_hostile_actuations_are_refused_and_the_car_keeps_running(path: str, value: object) -> None:
    client = _client()
    stop = asyncio.Event()
    task = asyncio.create_task(run_simulator(client, _parked(), speed=50.0, stop=stop))
    try:
        await _wait_for(client, WINDOW, 0)
        with pytest.raises(BrokerError):
            await client.actuate({path: value})  # type: ignore[dict-item]
        await client.actuate({WINDOW: 40})  # still alive and obeying
        await _wait_for(client, WINDOW, 40)
    finally:
        stop.set()
        await task
    assert task.exception() is None
