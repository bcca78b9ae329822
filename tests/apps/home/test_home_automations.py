"""Automations: strict validation that names file, automation and field; triggers on
geofences (a simulated drive home), time, departures, signals and profiles; every run logged
with why it fired."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from renkei.apps.home import HomeApp, HomeSettings
from renkei.apps.home.automations import (
    AutomationEngine,
    AutomationFileError,
    distance_km,
    load_automations,
    parse_automations,
    sun_elevation,
)
from renkei.broker import Broker
from renkei.client import InProcessClient

JST = timezone(timedelta(hours=9))
CST = timezone(timedelta(hours=8))
HOME = (39.9087, 116.4590)  # the shipped defaults' home (the end of the simulator's Beijing commute)
FAR = (HOME[0] + 0.25, HOME[1] + 0.25)  # about 35 km north-east
LAT, LON = "Vehicle.CurrentLocation.Latitude", "Vehicle.CurrentLocation.Longitude"


def problems(text: str) -> list[str]:
    with pytest.raises(AutomationFileError) as err:
        parse_automations(text, "mine.yaml")
    return err.value.problems


def one(body: str, head: str = "home: {latitude: 35.0, longitude: 139.0}\n") -> str:
    return head + "automations:\n" + body


def test_shipped_defaults_are_valid() -> None:
    config = load_automations()
    ids = [a.id for a in config.automations]
    assert ids == [
        "comfort_home_when_heading_home",
        "garage_and_porch_on_arrival_after_dark",
        "precondition_before_departure",
    ]
    assert all(set(a.name.as_dict()) == {"en", "zh-CN", "ja"} for a in config.automations)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            one(
                "  - {id: warm, name: Warm, triggers: [{geofence: {place: home, event: enter, within_km: -1}}],"
                " actions: [{home: {entity: climate.home, service: turn_on}}]}\n"
            ),
            "mine.yaml: automation 'warm' (#1): field triggers[0].geofence.within_km: Input should be greater than 0",
        ),
        (
            one("  - {id: a, name: A, triggers: [{time: {at: '25:00'}}], actions: [{notify: {body: hi}}]}\n"),
            "mine.yaml: automation 'a' (#1): field triggers[0].time.at: String should match pattern",
        ),
        (
            one(
                "  - {id: a, name: A, triggers: [{time: {at: '07:00'}, profile: {}}],"
                " actions: [{notify: {body: hi}}]}\n"
            ),
            "mine.yaml: automation 'a' (#1): field triggers[0]: a trigger has exactly one of",
        ),
        (
            one("  - {id: a, name: A, triggers: [{sunrise: {}}], actions: [{notify: {body: hi}}]}\n"),
            "mine.yaml: automation 'a' (#1): field triggers[0].sunrise: Extra inputs are not permitted",
        ),
        (
            one(
                "  - {id: a, name: A, triggers: [{time: {at: '07:00'}}],"
                " actions: [{home: {entity: light.x, service: fly}}]}\n"
            ),
            "mine.yaml: automation 'a' (#1): field actions[0].home: light.x: light has no service 'fly'",
        ),
        (
            one("  - {id: a, name: A, triggers: [{time: {at: '07:00'}}], actions: [{car: {Speed: 10}}]}\n"),
            "mine.yaml: automation 'a' (#1): field actions[0].car: 'Speed' is not a VSS path",
        ),
        (
            one("  - {id: a, name: A, triggers: [{signal: {path: Vehicle.Speed}}], actions: [{notify: {body: hi}}]}\n"),
            "mine.yaml: automation 'a' (#1): field triggers[0].signal: give at least one of above, below or equals",
        ),
        (
            one(
                "  - {id: a, name: A, triggers: [{geofence: {place: gym, event: enter}}],"
                " actions: [{notify: {body: x}}]}\n"
            ),
            "mine.yaml: automation 'a' (#1): field triggers[0].geofence.place: unknown place 'gym'",
        ),
        (
            one("  - {id: a, name: A, triggers: [{departure: {before_min: 10}}], actions: [{notify: {body: x}}]}\n"),
            "mine.yaml: automation 'a' (#1): field triggers[0].departure: needs a `schedule:`",
        ),
        (
            one("  - {id: a, name: A, triggers: [{time: {at: '07:00'}}], actions: [{notify: {body: x}}]}\n" * 2),
            "mine.yaml: automation 'a' (#2): field id: 'a' is used twice",
        ),
        (
            one("  - {id: 'Bad Id', name: A, triggers: [{time: {at: '07:00'}}], actions: []}\n"),
            "mine.yaml: automation 'Bad Id' (#1): field id: String should match pattern",
        ),
        (
            one("  - {name: A, triggers: [{time: {at: '07:00'}}], actions: [{notify: {body: x}}]}\n"),
            "mine.yaml: automation #1: field id: Field required",
        ),
        (
            "home: {latitude: 95, longitude: 0}\n",
            "mine.yaml: file: field home.latitude: Input should be less than or equal to 90",
        ),
        ("automations: [\n  {id: a\n", "mine.yaml: line"),
        ("- just\n- a list\n", "mine.yaml: the top level must be a mapping"),
        ("version: 2\n", "mine.yaml: file: field version: Input should be 1"),
    ],
)
def test_errors_name_file_automation_and_field(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_reported_at_once() -> None:
    text = one(
        "  - {id: a, name: A, triggers: [{time: {at: '99:00'}}], actions: [{notify: {body: x}}]}\n"
        "  - {id: b, name: B, triggers: [{time: {at: '07:00'}}], actions: [{car: {}}]}\n"
    )
    found = problems(text)
    assert len(found) == 2 and "automation 'a'" in found[0] and "automation 'b'" in found[1]


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(AutomationFileError, match="cannot read"):
        load_automations(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00automations")
    with pytest.raises(AutomationFileError, match="not UTF-8"):
        load_automations(binary)
    huge = tmp_path / "huge.yaml"
    huge.write_text("#" * 2_000_000)
    with pytest.raises(AutomationFileError, match="over the limit"):
        load_automations(huge)


def test_geometry_and_sun() -> None:
    assert distance_km(35.6812, 139.7671, 34.7025, 135.4959) == pytest.approx(403, abs=5)  # Tokyo–Osaka stations
    assert sun_elevation(35.68, 139.77, datetime(2024, 6, 21, 11, 43, tzinfo=JST)) == pytest.approx(77.8, abs=1.0)
    assert sun_elevation(35.68, 139.77, datetime(2024, 12, 21, 0, 0, tzinfo=JST)) < -60
    assert sun_elevation(35.68, 139.77, datetime(2024, 12, 21, 16, 32, tzinfo=JST)) == pytest.approx(0, abs=1.5)


# -- the engine on a real broker -------------------------------------------------------------------
class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def home_app(home_client: InProcessClient, vehicle: Any) -> AsyncIterator[HomeApp]:
    app = HomeApp(home_client, HomeSettings(automations_enabled=False, service_socket=None))
    await app.start()
    yield app
    await app.stop()


async def engine_for(
    app: HomeApp, client: InProcessClient, text: str | None, clock: Clock, **kw: Any
) -> AutomationEngine:
    config = load_automations() if text is None else parse_automations(text, "test.yaml")
    engine = AutomationEngine(client, app, config, now=clock, tick=3600, **kw)
    await engine.start()
    return engine


async def drive(broker: Broker, points: list[tuple[float, float]]) -> None:
    for lat, lon in points:
        broker.publish({LAT: lat, LON: lon})
        await asyncio.sleep(0.01)


def towards_home(start: tuple[float, float], steps: int) -> list[tuple[float, float]]:
    return [
        (start[0] + (HOME[0] - start[0]) * i / steps, start[1] + (HOME[1] - start[1]) * i / steps)
        for i in range(steps + 1)
    ]


async def test_simulated_drive_home_after_dark(
    home_app: HomeApp, home_client: InProcessClient, broker: Broker, tmp_path: Path, until: Any
) -> None:
    evening = Clock(datetime(2024, 11, 21, 19, 30, tzinfo=CST))
    runs_log = tmp_path / "runs.jsonl"
    engine = await engine_for(home_app, home_client, None, evening, runs_log=runs_log)
    try:
        await drive(broker, towards_home(FAR, 60))  # ~37 km out, straight home
        await until(lambda: len(engine.runs) == 2)
        by_id = {r.automation: r for r in engine.runs}
        comfort = by_id["comfort_home_when_heading_home"]
        assert comfort.ok and "came within 15 km of home" in comfort.why
        arrival = by_id["garage_and_porch_on_arrival_after_dark"]
        assert arrival.ok and "within 0.3 km of home" in arrival.why and "dark" in arrival.conditions[0]
        assert home_app.state.entities["climate.home"].attributes["temperature"] == 21
        assert home_app.state.entities["light.porch"].state == "on"
        await until(lambda: home_app.state.entities["cover.garage_door"].state == "open", within=3)
        logged = [json.loads(line) for line in runs_log.read_text().splitlines()]
        assert [r["automation"] for r in logged] == [r.automation for r in engine.runs]
        assert all(r["why"] for r in logged)
        note = json.loads(
            str(
                broker.get(["Vehicle.Cabin.Infotainment.HMI.Notification"])[
                    "Vehicle.Cabin.Infotainment.HMI.Notification"
                ].value
            )
        )  # type: ignore[union-attr]
        assert "Automation" in note["body"]["en"] and "オートメーション" in note["body"]["ja"]
        # driving around near home does not fire again (hysteresis and cooldown)
        await drive(broker, [(HOME[0] + 0.002, HOME[1]), HOME, (HOME[0] + 0.0025, HOME[1]), HOME])
        await asyncio.sleep(0.1)
        assert len(engine.runs) == 2
    finally:
        await engine.stop()


async def test_arrival_in_daylight_leaves_garage_and_porch_alone(
    home_app: HomeApp, home_client: InProcessClient, broker: Broker, until: Any
) -> None:
    noon = Clock(datetime(2024, 11, 21, 12, 0, tzinfo=CST))
    engine = await engine_for(home_app, home_client, None, noon)
    try:
        await drive(broker, towards_home(FAR, 60))
        await until(lambda: len(engine.runs) == 1)
        await asyncio.sleep(0.2)
        assert [r.automation for r in engine.runs] == ["comfort_home_when_heading_home"]
        assert home_app.state.entities["light.porch"].state == "off"
        assert home_app.state.entities["cover.garage_door"].state == "closed"
    finally:
        await engine.stop()


async def test_precondition_before_scheduled_departure(
    home_app: HomeApp, home_client: InProcessClient, vehicle: Any, until: Any
) -> None:
    clock = Clock(datetime(2024, 11, 18, 7, 20, tzinfo=CST))  # a Monday, 25 min before the 07:45 commute
    engine = await engine_for(home_app, home_client, None, clock)
    try:
        engine.evaluate_time()
        await asyncio.sleep(0.05)
        assert engine.runs == []
        clock.now = clock.now.replace(minute=31)
        engine.evaluate_time()
        await until(lambda: len(engine.runs) == 1)
        assert "commute is scheduled at 07:45, in 14 min" in engine.runs[0].why
        assert {"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 21.0,
                "Vehicle.Cabin.HVAC.IsAirConditioningActive": True} in vehicle.requests  # fmt: skip
        clock.now = clock.now.replace(minute=40)
        engine.evaluate_time()  # once per departure per day
        clock.now = clock.now + timedelta(days=5)  # Saturday: no commute
        engine.evaluate_time()
        await asyncio.sleep(0.05)
        assert len(engine.runs) == 1
    finally:
        await engine.stop()


SIGNALS = """
automations:
  - id: frost
    name: {en: Frost warning, zh-CN: 霜冻提醒, ja: 霜の注意}
    cooldown: 0
    triggers: [{signal: {path: Vehicle.Exterior.AirTemperature, below: 3}}]
    actions: [{notify: {body: {en: Frost, zh-CN: 霜冻, ja: 霜}}}]
  - id: alice_lights
    name: Alice's welcome
    cooldown: 0
    triggers: [{profile: {to: alice}}]
    conditions: [{time: {after: "18:00", before: "06:00"}}]
    actions: [{home: {entity: light.living_room, service: turn_on, data: {brightness_pct: 30}}}]
  - id: unknown_signal
    name: Broken
    triggers: [{signal: {path: Vehicle.Teleporter.IsCharged, equals: true}}]
    actions: [{notify: {body: x}}]
  - id: no_right
    name: Not allowed
    cooldown: 0
    triggers: [{signal: {path: Vehicle.Exterior.AirTemperature, above: 30}}]
    actions: [{car: {Vehicle.Body.Lights.Beam.Low.IsOn: true}}]
"""


async def test_signal_and_profile_triggers(
    home_app: HomeApp, home_client: InProcessClient, broker: Broker, until: Any
) -> None:
    clock = Clock(datetime(2024, 11, 21, 21, 0, tzinfo=CST))
    engine = await engine_for(home_app, home_client, SIGNALS, clock)
    try:
        assert "Vehicle.Teleporter.IsCharged" in str(engine.disabled["unknown_signal"])
        broker.publish({"Vehicle.Exterior.AirTemperature": 1.0})  # first value: a baseline only
        await asyncio.sleep(0.05)
        assert engine.runs == []
        broker.publish({"Vehicle.Exterior.AirTemperature": 5.0})
        await asyncio.sleep(0.05)
        broker.publish({"Vehicle.Exterior.AirTemperature": 2.5})  # crosses below 3: fires
        await until(lambda: len(engine.runs) == 1)
        assert engine.runs[0].why.startswith("Vehicle.Exterior.AirTemperature is 2.5 (below 3)")
        broker.publish({"Vehicle.Cabin.Infotainment.HMI.ActiveProfile": "bob"})
        await asyncio.sleep(0.05)
        broker.publish({"Vehicle.Cabin.Infotainment.HMI.ActiveProfile": "alice"})
        await until(lambda: len(engine.runs) == 2)
        assert engine.runs[1].why == "the active profile changed to 'alice'"
        assert home_app.state.entities["light.living_room"].state == "on"
        broker.publish({"Vehicle.Exterior.AirTemperature": 31.0})  # the action needs a right the home lacks
        await until(lambda: len(engine.runs) == 3)
        assert not engine.runs[2].ok and "does not grant 'actuate'" in engine.runs[2].actions[0]["error"]
    finally:
        await engine.stop()


async def test_leaving_work_warms_the_home(
    home_app: HomeApp, home_client: InProcessClient, broker: Broker, until: Any
) -> None:
    # The simulator's Beijing commute starts at work and ends at home.
    work = (39.9965, 116.4810)
    engine = await engine_for(home_app, home_client, None, Clock(datetime(2024, 11, 21, 18, 0, tzinfo=CST)))
    try:
        await drive(
            broker, [work, (work[0] - 0.002, work[1]), (work[0] - 0.004, work[1] - 0.001), (work[0] - 0.01, work[1])]
        )
        await until(lambda: len(engine.runs) == 1)
        assert engine.runs[0].automation == "comfort_home_when_heading_home"
        assert engine.runs[0].why.startswith("the car left work")
    finally:
        await engine.stop()


async def test_geofence_fires_on_the_simulators_drive_home(
    broker: Broker, home_client: InProcessClient, until: Any
) -> None:
    """End to end with the platform's EV simulator driving its Beijing commute (work → home)."""
    import math

    from renkei.vehicle.sim import builtin_scenario, run_simulator

    stop = asyncio.Event()
    sim = asyncio.create_task(run_simulator(InProcessClient(broker), builtin_scenario("winter_commute_beijing"),
                                            speed=math.inf, stop=stop))  # fmt: skip
    app = HomeApp(home_client, HomeSettings(automations_enabled=False, service_socket=None))
    await app.start()
    engine = await engine_for(app, home_client, None, Clock(datetime(2024, 11, 21, 19, 0, tzinfo=CST)))
    try:
        await until(lambda: len(engine.runs) == 2, within=60)
        whys = {r.automation: r.why for r in engine.runs}
        assert whys["comfort_home_when_heading_home"].startswith("the car left work")
        assert "within 0.3 km of home" in whys["garage_and_porch_on_arrival_after_dark"]
        await until(lambda: app.state.entities["light.porch"].state == "on")
        assert app.state.entities["climate.home"].attributes["temperature"] == 21
    finally:
        stop.set()
        await engine.stop()
        await app.stop()
        await asyncio.wait_for(sim, 10)
