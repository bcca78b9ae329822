"""The profiles app on a real broker with the default catalog: applying a profile when the
active profile changes, the guest profile, partial failures, learning from what people set,
suggestions and answers, and hostile answers. The car is a provider that confirms every
target (as an actuator's controller would)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from renkei.apps.profiles import Context, Profile, ProfilesApp, ProfileStore
from renkei.apps.profiles.model import ACTIVE_PROFILE, AMBIENT_ZONES, HMI, Place
from renkei.broker import Broker, BrokerError, ErrorCode, Principal
from renkei.client import InProcessClient
from renkei.runtime import COMPONENT_SCOPES
from renkei.vss import Value, load_default_catalog

SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
SUGGESTION = f"{HMI}.Suggestion"
RESPONSE = f"{HMI}.SuggestionResponse"
NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
CAR_PARTS = [
    "Vehicle.Cabin.Seat",
    "Vehicle.Body.Mirrors",
    "Vehicle.Cabin.HVAC",
    "Vehicle.Cabin.Light.AmbientLight",
    "Vehicle.Cabin.Infotainment.Media",
    "Vehicle.Cabin.Infotainment.Navigation",
    f"{HMI}.FontSize",
    f"{HMI}.DayNightMode",
    f"{HMI}.DistanceUnit",
    f"{HMI}.TemperatureUnit",
    f"{HMI}.VisiblePanels",
    f"{HMI}.DisplayLanguage",
    ACTIVE_PROFILE,
]
MONDAY_0740 = datetime(2026, 3, 2, 7, 40)


def mei() -> Profile:
    return Profile.model_validate(
        {
            "id": "mei",
            "display_name": "Mei",
            "seat": {"position_mm": 240, "height_mm": 40, "recline_deg": 12.5, "heating": 33},
            "mirrors": {"driver_pan": -12, "driver_tilt": 5, "passenger_pan": 20, "passenger_tilt": -3},
            "climate": {"driver_temperature": 22.5, "fan_speed": 40, "air_conditioning": True},
            "ambient": {"on": True, "color": "#ffa040", "intensity": 60},
            "media": {"volume": 35},
            "cockpit": {
                "language": "zh-CN",
                "font_size": "LARGE",
                "day_night": "NIGHT",
                "visible_panels": ["MAP", "CLIMATE", "MEDIA"],
            },
            "places": [{"name": "Office", "latitude": 31.2304, "longitude": 121.4737, "kind": "work"}],
        }
    )


@dataclass
class Car:
    broker: Broker
    app: ProfilesApp
    store: ProfileStore
    driver: InProcessClient  # a person's hands (cockpit, phone, voice) with actuate rights
    data_dir: Path


@pytest.fixture
async def car(tmp_path: Path) -> AsyncIterator[Car]:
    broker = Broker(load_default_catalog())
    await broker.start()

    async def confirm(values: dict[str, Value]) -> None:
        broker.publish(values)

    broker.provide(CAR_PARTS, confirm, name="car")
    store = ProfileStore(tmp_path)
    store.put(mei())
    client = InProcessClient(
        broker, Principal.from_scope_string(COMPONENT_SCOPES["profiles"], subject="profiles"), name="profiles"
    )
    app = ProfilesApp(client, tmp_path, clock=lambda: MONDAY_0740)
    stop = asyncio.Event()
    task = asyncio.create_task(app.run(stop))
    await asyncio.wait_for(app.ready.wait(), 5)
    yield Car(broker, app, store, InProcessClient(broker, name="driver"), tmp_path)
    stop.set()
    await asyncio.wait_for(task, 5)
    store.close()
    await broker.stop()


async def switch_to(car: Car, person: str) -> None:
    car.app.applied.clear()
    await car.driver.actuate({ACTIVE_PROFILE: person})
    await asyncio.wait_for(car.app.applied.wait(), 5)


def value(car: Car, path: str) -> Value | None:
    return car.broker.current_value(path)


async def test_the_active_profile_is_applied_within_a_second(car: Car) -> None:
    await switch_to(car, "mei")
    report = car.app.last_apply
    assert report is not None and report.person == "mei" and not report.failed
    assert report.seconds < 1.0
    assert value(car, f"{SEAT}.Position") == 240
    assert value(car, f"{SEAT}.Backrest.Recline") == 12.5
    assert value(car, f"{SEAT}.HeatingCooling") == 33
    assert value(car, "Vehicle.Body.Mirrors.PassengerSide.Pan") == 20
    assert value(car, TEMP) == 22.5
    assert value(car, "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed") == 40
    assert all(value(car, f"{zone}.Color") == "#FFA040" for zone in AMBIENT_ZONES)
    assert value(car, "Vehicle.Cabin.Infotainment.Media.Volume") == 35
    assert value(car, f"{HMI}.FontSize") == "LARGE"
    assert value(car, f"{HMI}.DayNightMode") == "NIGHT"
    assert value(car, f"{HMI}.VisiblePanels") == ["MAP", "CLIMATE", "MEDIA"]
    # VSS 6.0's CurrentLanguage is a sensor; the platform overlay's DisplayLanguage is asked instead.
    assert value(car, f"{HMI}.DisplayLanguage") == "zh-CN"


async def test_strangers_and_unknown_ids_get_the_guest_profile(car: Car) -> None:
    await switch_to(car, "mei")
    await switch_to(car, "someone-new")
    assert car.app.last_apply is not None and car.app.last_apply.person == "someone-new"
    assert value(car, TEMP) == 22.0
    assert value(car, f"{HMI}.FontSize") == "STANDARD"
    assert value(car, f"{SEAT}.Position") == 240  # the guest profile does not move the seat
    await switch_to(car, "guest")
    assert value(car, "Vehicle.Cabin.Infotainment.Media.Volume") == 20


@pytest.mark.parametrize("odd", ["x" * 500, "bad\x00id", "   ", "日本語の名前"])
async def test_odd_active_profile_values_fall_back_to_the_guest(car: Car, odd: str) -> None:
    await switch_to(car, "mei")
    await switch_to(car, odd)
    report = car.app.last_apply
    assert report is not None and report.person == odd and not report.failed
    assert value(car, f"{HMI}.FontSize") == "STANDARD"
    assert car.app.learner.current(odd) is None  # strangers are not learned about


async def test_a_missing_controller_does_not_block_the_rest(tmp_path: Path) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()

    async def confirm(values: dict[str, Value]) -> None:
        broker.publish(values)

    async def broken(values: dict[str, Value]) -> None:
        raise RuntimeError("mirror motor stalled")

    broker.provide([p for p in CAR_PARTS if p not in ("Vehicle.Cabin.Seat", "Vehicle.Body.Mirrors")], confirm)
    broker.provide(["Vehicle.Body.Mirrors"], broken)  # seats: no provider at all
    ProfileStore(tmp_path).put(mei())
    app = ProfilesApp(InProcessClient(broker), tmp_path, clock=lambda: MONDAY_0740)
    await app._discover()
    report = await app.activate("mei")
    assert f"{SEAT}.Position" in report.unserved  # nobody serves the seats in this car
    assert "mirror motor stalled" in report.failed["Vehicle.Body.Mirrors.DriverSide.Pan"]
    assert report.applied[TEMP] == 22.5 and broker.current_value(TEMP) == 22.5
    app.store.close()
    await broker.stop()


async def test_what_a_person_sets_is_learned_but_our_own_actuations_are_not(car: Car) -> None:
    await switch_to(car, "mei")
    session = car.app.learner.current("mei")
    assert session is not None and session.actions == {}  # applying the profile taught nothing
    await car.driver.actuate({TEMP: 21.0})
    await car.driver.actuate({f"{NAV}.Latitude": 31.2304, f"{NAV}.Longitude": 121.4737})
    for _ in range(50):
        if len(session.actions) == 2:
            break
        await asyncio.sleep(0.01)
    assert session.actions == {TEMP: 21.0, NAV: [31.2304, 121.4737]}


async def test_a_persons_seat_adjustment_is_remembered_in_their_profile(car: Car) -> None:
    await switch_to(car, "mei")
    await car.driver.actuate({f"{SEAT}.Position": 260})
    for _ in range(50):
        stored = car.store.get("mei")
        if stored is not None and stored.seat.position_mm == 260:
            break
        await asyncio.sleep(0.01)
    stored = car.store.get("mei")
    assert stored is not None and stored.seat.position_mm == 260
    assert stored.climate.driver_temperature == 22.5


def teach_commute(car: Car, days: int = 6) -> None:
    """Past weekday mornings: 21.5 °C and navigation to the office."""
    learner = car.app.learner
    for day in range(days):
        learner.start_session("mei", Context.at(datetime(2026, 2, 2 + day, 7, 35 + day)), now=1000.0 + day)
        learner.observe("mei", TEMP, 21.5)
        learner.observe("mei", f"{NAV}.Latitude", 31.2304)
        learner.observe("mei", f"{NAV}.Longitude", 121.4737)
        learner.end_session("mei")


async def next_suggestion(car: Car) -> dict[str, object]:
    raw = value(car, SUGGESTION)
    assert isinstance(raw, str)
    return json.loads(raw)  # type: ignore[no-any-return]


async def test_a_learned_routine_is_suggested_and_acceptance_carries_it_out(car: Car) -> None:
    teach_commute(car)
    await switch_to(car, "mei")
    shown = await next_suggestion(car)
    assert shown["person"] == "mei"
    assert set(shown["text"]) == {"en", "zh-CN", "ja"}  # type: ignore[arg-type]
    assert "work" in shown["text"]["en"] and "07:40" in shown["text"]["en"]  # type: ignore[index]
    assert "公司" in shown["text"]["zh-CN"]  # type: ignore[index]
    actions = {a["path"]: a["value"] for a in shown["actions"]}  # type: ignore[attr-defined]
    assert actions == {TEMP: 21.5, f"{NAV}.Latitude": 31.2304, f"{NAV}.Longitude": 121.4737}
    await car.driver.actuate({RESPONSE: json.dumps({"id": shown["id"], "accepted": True})})
    assert value(car, TEMP) == 21.5
    assert value(car, f"{NAV}.Latitude") == 31.2304
    assert value(car, SUGGESTION) == "{}"
    session = car.app.learner.current("mei")
    assert session is not None and TEMP in session.accepted


async def test_a_dismissed_suggestion_changes_nothing(car: Car) -> None:
    teach_commute(car)
    await switch_to(car, "mei")
    shown = await next_suggestion(car)
    await car.driver.actuate({RESPONSE: json.dumps({"id": shown["id"], "accepted": False})})
    assert value(car, TEMP) == 22.5  # still the profile's value
    session = car.app.learner.current("mei")
    assert session is not None and TEMP in session.dismissed


async def test_an_unanswered_suggestion_leaves_the_screen(car: Car, monkeypatch: pytest.MonkeyPatch) -> None:
    import renkei.apps.profiles.habits as habits

    monkeypatch.setattr(habits, "SUGGESTION_SECONDS", 0.05)
    teach_commute(car)
    await switch_to(car, "mei")
    shown = await next_suggestion(car)
    assert shown["person"] == "mei"
    for _ in range(100):
        if value(car, SUGGESTION) == "{}":
            break
        await asyncio.sleep(0.01)
    assert value(car, SUGGESTION) == "{}"
    with pytest.raises(BrokerError) as err:  # too late to answer
        await car.driver.actuate({RESPONSE: json.dumps({"id": shown["id"], "accepted": True})})
    assert err.value.code is ErrorCode.FAILED_PRECONDITION
    session = car.app.learner.current("mei")
    assert session is not None and not session.dismissed and not session.accepted


async def test_an_accepted_suggestion_is_carried_out_as_far_as_the_car_can(tmp_path: Path) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()

    async def confirm(values: dict[str, Value]) -> None:
        broker.publish(values)

    broker.provide([p for p in CAR_PARTS if "Navigation" not in p], confirm)  # a car without navigation
    ProfileStore(tmp_path).put(mei())
    app = ProfilesApp(InProcessClient(broker), tmp_path, clock=lambda: MONDAY_0740)
    stop = asyncio.Event()
    task = asyncio.create_task(app.run(stop))
    await app.ready.wait()
    car = Car(broker, app, app.store, InProcessClient(broker, name="driver"), tmp_path)
    teach_commute(car)
    await switch_to(car, "mei")
    shown = await next_suggestion(car)
    await car.driver.actuate({RESPONSE: json.dumps({"id": shown["id"], "accepted": True})})
    assert value(car, TEMP) == 21.5
    stop.set()
    await task
    await broker.stop()


@pytest.mark.parametrize(
    ("answer", "code", "words"),
    [
        ("not json", ErrorCode.INVALID_ARGUMENT, "not JSON"),
        ("[1, 2]", ErrorCode.INVALID_ARGUMENT, "JSON object"),
        ('{"accepted": true}', ErrorCode.INVALID_ARGUMENT, '"id"'),
        ('{"id": "x", "accepted": "yes"}', ErrorCode.INVALID_ARGUMENT, "true or false"),
        ('{"id": "s999-1", "accepted": true}', ErrorCode.NOT_FOUND, "no open suggestion"),
        ("x" * 5000, ErrorCode.INVALID_ARGUMENT, "at most"),
    ],
)
async def test_malformed_answers_are_refused_clearly(car: Car, answer: str, code: ErrorCode, words: str) -> None:
    with pytest.raises(BrokerError) as err:
        await car.driver.actuate({RESPONSE: answer})
    assert err.value.code is code and words in str(err.value)


async def test_paused_learning_records_nothing(car: Car) -> None:
    profile = car.store.get("mei")
    assert profile is not None
    car.store.put(profile.model_copy(update={"learning_paused": True}))
    car.app.learner.pause("mei")
    await switch_to(car, "mei")
    await car.driver.actuate({TEMP: 19.0})
    await asyncio.sleep(0.05)
    session = car.app.learner.current("mei")
    assert session is None or session.actions == {}
    car.app.learner.end_session("mei")
    assert car.app.learner.history("mei") == []


async def test_context_includes_outside_temperature_location_and_company(car: Car) -> None:
    car.broker.publish(
        {
            "Vehicle.Exterior.AirTemperature": -3.5,
            "Vehicle.CurrentLocation.Latitude": 31.0,
            "Vehicle.CurrentLocation.Longitude": 121.0,
            "Vehicle.Occupant.Row2.PassengerSide.Identifier.Subject": "kai",
        }
    )
    await switch_to(car, "mei")
    for _ in range(50):
        if car.app.context().outside_temp is not None and car.app.context().aboard == {"mei", "kai"}:
            break
        await asyncio.sleep(0.01)
    context = car.app.context()
    assert (context.outside_temp, context.latitude, context.longitude) == (-3.5, 31.0, 121.0)
    assert context.aboard == {"mei", "kai"} and not context.weekend and context.hour == pytest.approx(7 + 40 / 60)


async def test_places_survive_a_restart(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    profile = mei()
    profile.places.append(Place(name="Gym", latitude=31.1, longitude=121.3))
    store.put(profile)
    store.close()
    again = ProfileStore(tmp_path)
    stored = again.get("mei")
    assert stored is not None and [p.name for p in stored.places] == ["Office", "Gym"]
    again.close()


async def test_the_app_ends_with_a_clear_error_when_the_broker_goes_away(tmp_path: Path) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()
    app = ProfilesApp(InProcessClient(broker), tmp_path)
    task = asyncio.create_task(app.run())
    await asyncio.wait_for(app.ready.wait(), 5)
    await broker.stop()
    with pytest.raises(BrokerError) as err:
        await asyncio.wait_for(task, 5)
    assert err.value.code is ErrorCode.UNAVAILABLE
