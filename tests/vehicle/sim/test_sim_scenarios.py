"""Scenario files: the shipped ones load and behave; bad ones get errors naming file, field, rule."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from renkei.vehicle.sim import (
    DEFAULT_SCENARIO,
    Scenario,
    ScenarioError,
    builtin_scenario,
    builtin_scenario_names,
    load_scenario,
    simulate,
)

GOOD = """
name: test_drive
title: {en: Test drive, zh-CN: 试驾, ja: 試乗}
vehicle: tesla_model3_lr_rwd
weather: {ambient_c: 20}
legs:
  - {kind: cycle, cycle: city}
"""


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_required_scenarios_are_shipped_and_valid() -> None:
    names = builtin_scenario_names()
    for required in ("winter_commute_beijing", "summer_day_shanghai", "highway_dc_fast_charge"):
        assert required in names
    for name in names:
        scenario = builtin_scenario(name)
        assert scenario.title.en and scenario.title.zh_CN and scenario.title.ja
    assert builtin_scenario("winter_commute_beijing").weather.ambient_c == -10
    assert builtin_scenario("summer_day_shanghai").weather.ambient_c == 35


def test_default_scenario_keeps_a_live_car_for_hours() -> None:
    scenario = builtin_scenario(DEFAULT_SCENARIO)
    assert scenario.duration_s is None
    record = simulate(scenario, 3 * 3600)
    assert sum(1 for v in record.speed_kmh[-600:] if v > 5) > 100  # still driving after three hours
    assert len(set(record.latitude[-600:])) > 100  # and moving on the map


def test_unknown_builtin_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="known: "):
        builtin_scenario("mars_rover")


def test_good_file_loads(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, GOOD))
    assert scenario.vehicle == "tesla_model3_lr_rwd"
    assert scenario.legs[0].kind == "cycle"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (("ambient_c: 20", "ambient_c: 99"), "weather.ambient_c", "less_than_equal"),
        (("ambient_c: 20", "ambient_c: warm"), "weather.ambient_c", "float_parsing"),
        (("cycle: city", "cycle: nurburgring"), "legs.0.cycle", "value_error"),
        (("kind: cycle", "kind: teleport"), "legs.0", "union_tag_invalid"),
        (("vehicle: tesla_model3_lr_rwd", "vehicle: flying_car"), "vehicle", "value_error"),
        (("weather: {ambient_c: 20}", "weather: {ambient_c: 20, humidity: 80}"), "weather.humidity", "extra_forbidden"),
        (("name: test_drive", "name: Test Drive!"), "name", "string_pattern_mismatch"),
    ],
)
def test_bad_field_names_file_field_and_rule(tmp_path: Path, change: tuple[str, str], field: str, rule: str) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    err = caught.value
    assert err.source == str(path) and err.field == field and err.rule == rule
    assert str(path) in str(err) and field in str(err)


def test_route_leg_without_route_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("{kind: cycle, cycle: city}", "{kind: route}"))
    with pytest.raises(ScenarioError, match="route of at least two points"):
        load_scenario(path)


def test_event_with_a_non_vss_path_is_refused(tmp_path: Path) -> None:
    text = GOOD + "events:\n  - {at_s: 3, set: {rm -rf: true}}\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, text))
    assert caught.value.field == "events.0.set"


def test_vehicle_overrides_are_validated(tmp_path: Path) -> None:
    text = GOOD + "vehicle_overrides: {body: {mass_kg: -5}}\n"
    with pytest.raises(ScenarioError, match="mass_kg"):
        load_scenario(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        ("name: [unclosed", "yaml"),
        ("- just\n- a list\n", "mapping"),
        ("", "mapping"),
    ],
)
def test_malformed_files(tmp_path: Path, content: str, rule: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, content))
    assert caught.value.rule == rule


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "nope.yaml")
    assert caught.value.rule == "readable"
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(binary)
    assert caught.value.rule == "utf-8"


def test_same_seed_same_run_different_seed_different_gnss() -> None:
    scenario = builtin_scenario("winter_commute_beijing")
    a, b = simulate(scenario, 200, seed=7), simulate(scenario, 200, seed=7)
    c = simulate(scenario, 200, seed=8)
    assert a.latitude == b.latitude and a.soc_percent == b.soc_percent
    assert a.latitude != c.latitude
    assert a.speed_kmh == c.speed_kmh  # noise is only in the GNSS fix, physics is identical


def test_simulate_refuses_nonsense_durations() -> None:
    scenario = builtin_scenario("summer_day_shanghai")
    for bad in (0.0, -5.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="seconds"):
            simulate(scenario, bad)


def test_winter_commute_warms_the_cabin_and_costs_more_than_the_lab() -> None:
    record = simulate(builtin_scenario("winter_commute_beijing"), 1500)
    assert record.cabin_c[0] == pytest.approx(-10.0, abs=0.5) and record.cabin_c[-1] > 18.0
    driven = record.distance_km[-1]
    assert driven > 8.0
    used_kwh = (record.soc_percent[0] - record.soc_percent[-1]) / 100 * 60.48
    assert used_kwh / driven * 100 > 18.0  # heating at -10 °C: far above the 15.6 WLTP figure
    assert any("DriverSide.IsOpen = True" in event for event in record.events)


def test_summer_door_open_refuses_the_window_and_ac_cools() -> None:
    record = simulate(builtin_scenario("summer_day_shanghai"), 900)
    assert any("refused" in event and "Window.Position" in event for event in record.events)
    assert record.cabin_c[0] > 50 and record.cabin_c[-1] < 30
    assert max(record.hvac_power_kw) > 1.0


def test_highway_trip_fast_charges_with_a_taper() -> None:
    record = simulate(builtin_scenario("highway_dc_fast_charge"), 6000)
    charging = [p for p, on in zip(record.battery_power_kw, record.charging, strict=True) if on]
    assert len(charging) > 600  # more than 10 minutes on the charger
    peak = -min(charging)
    assert 60 < peak <= 90  # the Atto 3 takes up to 88 kW
    assert -charging[-1] < 0.6 * peak  # power at the end of the session has tapered
    assert max(record.speed_kmh) > 110
    assert record.soc_percent[-1] > record.soc_percent[0]


def test_pack_thermal_management_heats_cold_and_chills_hot_packs() -> None:
    winter = simulate(builtin_scenario("winter_commute_beijing"), 900)
    assert winter.battery_c[-1] > winter.battery_c[0] + 2.0  # the coolant heater ran while driving
    base = builtin_scenario("highway_dc_fast_charge").model_dump(by_alias=True)
    base["vehicle_overrides"] = {"pack": {"chiller_w": 0.0}}
    unchilled = simulate(Scenario.model_validate(base), 6000)
    chilled = simulate(builtin_scenario("highway_dc_fast_charge"), 6000)
    assert max(chilled.battery_c) < max(unchilled.battery_c) - 2.0


def test_vehicle_refuses_non_finite_and_wrong_typed_requests_itself() -> None:
    from renkei.vehicle.sim.vehicle import Refused, SimVehicle

    car = SimVehicle(builtin_scenario("summer_day_shanghai"))
    for path, value in [
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", math.nan),
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", math.inf),
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", "max"),
        ("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", True),
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", [1, 2]),
    ]:
        with pytest.raises(Refused):
            car.request(path, value)
    car.step()
    assert all(v == v for v in car.values().values() if isinstance(v, float))  # no NaN leaked


def test_route_driver_waits_at_red_lights() -> None:
    record = simulate(builtin_scenario("winter_commute_beijing"), 1200)
    stops = [event for event in record.events if "stops for" in event]
    assert len(stops) == 3
    at = float(stops[0].split("s ", 1)[0])
    during = [v for t, v in zip(record.time_s, record.speed_kmh, strict=True) if at + 1 <= t <= at + 44]
    after = [v for t, v in zip(record.time_s, record.speed_kmh, strict=True) if at + 50 <= t <= at + 60]
    assert during and max(during) == 0.0  # stands for the whole red phase (45 s)
    assert after and max(after) > 10.0  # then drives on
