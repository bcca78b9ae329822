"""Simulated laboratory consumption lands within 10 % of the published figures (cited in the
vehicle files), and the physics behind it responds the way a car does."""

from __future__ import annotations

import pytest

from renkei.vehicle.sim.consumption import cycle_consumption
from renkei.vehicle.sim.cycles import load_cycle
from renkei.vehicle.sim.params import builtin_vehicle, builtin_vehicle_names

CYCLE_OF = {"CLTC": "cltc_p", "WLTC": "wltc_class3b"}

PUBLISHED = [
    (vehicle, key) for vehicle in builtin_vehicle_names() for key in builtin_vehicle(vehicle).published_consumption
]


def test_both_vehicle_classes_are_shipped_with_sources() -> None:
    kinds = {builtin_vehicle(name).kind for name in builtin_vehicle_names()}
    assert {"compact_suv", "midsize_sedan"} <= kinds
    for name in builtin_vehicle_names():
        # Both cycles, so the ten-per-cent check below covers each car on CLTC and on WLTC.
        assert set(builtin_vehicle(name).published_consumption) == set(CYCLE_OF), name
    for vehicle, key in PUBLISHED:
        figure = builtin_vehicle(vehicle).published_consumption[key]
        assert figure.unit == "kWh/100 km"
        assert "http" in figure.source, f"{vehicle} {key}: the source must be a checkable address"


@pytest.mark.parametrize(("vehicle", "key"), PUBLISHED)
def test_consumption_within_ten_percent_of_published(vehicle: str, key: str) -> None:
    params = builtin_vehicle(vehicle)
    published = params.published_consumption[key].value
    result = cycle_consumption(params, CYCLE_OF[key])
    error = result.kwh_per_100km / published - 1.0
    assert abs(error) <= 0.10, f"{vehicle} {key}: simulated {result.kwh_per_100km:.2f} vs published {published}"


def test_cltc_costs_less_than_wltc_for_every_vehicle() -> None:
    # CLTC is slower (max 114 km/h, more idling), so its figure is lower for any real EV.
    for name in builtin_vehicle_names():
        params = builtin_vehicle(name)
        cltc = cycle_consumption(params, "cltc_p").kwh_per_100km
        wltc = cycle_consumption(params, "wltc_class3b").kwh_per_100km
        assert cltc < wltc


def test_cycles_match_their_published_characteristics() -> None:
    cltc, wltc, city = load_cycle("cltc"), load_cycle("wltc"), load_cycle("city")
    assert cltc.distance_km == pytest.approx(14.48, abs=0.01)
    assert max(cltc.speeds_kmh) == 114.0
    assert wltc.distance_km == pytest.approx(23.266, abs=0.01)
    assert wltc.duration_s == 1800 and max(wltc.speeds_kmh) == 131.3
    assert city.duration_s == 589 and city.distance_km == pytest.approx(3.095, abs=0.01)
    for cycle in (cltc, wltc, city):
        assert "Source" in cycle.source


def test_heavier_car_and_bigger_drag_cost_more() -> None:
    base = builtin_vehicle("byd_atto3")
    heavy = base.model_copy(update={"body": base.body.model_copy(update={"mass_kg": base.body.mass_kg + 400})})
    draggy = base.model_copy(update={"body": base.body.model_copy(update={"drag_area_m2": 1.0})})
    reference = cycle_consumption(base, "wltc").kwh_per_100km
    assert cycle_consumption(heavy, "wltc").kwh_per_100km > reference * 1.03
    assert cycle_consumption(draggy, "wltc").kwh_per_100km > reference * 1.08


def test_regeneration_saves_energy_in_the_city() -> None:
    base = builtin_vehicle("byd_atto3")
    no_regen = base.model_copy(update={"motor": base.motor.model_copy(update={"regen_power_kw": 0.001})})
    with_regen = cycle_consumption(base, "city").kwh_per_100km
    without = cycle_consumption(no_regen, "city").kwh_per_100km
    assert without > with_regen * 1.15
