"""Battery, charging, motor map, cabin, body and route behave like the real things."""

from __future__ import annotations

import itertools
import math

import pytest

from renkei.vehicle.sim.battery import Battery, EquivalentCircuit
from renkei.vehicle.sim.body import Body, BodyRefusal
from renkei.vehicle.sim.cabin import Cabin
from renkei.vehicle.sim.params import HvacParams, builtin_vehicle
from renkei.vehicle.sim.powertrain import Powertrain
from renkei.vehicle.sim.route import Driver, Route

ATTO3 = builtin_vehicle("byd_atto3")
MODEL3 = builtin_vehicle("tesla_model3_lr_rwd")


def _dc_power_kw(soc: float, temperature_c: float) -> float:
    pack = Battery(MODEL3.pack, soc=soc, temperature_c=temperature_c)
    return pack.charge(250.0, True, 1.0, temperature_c).power_w / 1000.0


def test_dc_charging_power_tapers_with_soc() -> None:
    powers = [_dc_power_kw(soc, 30.0) for soc in (0.2, 0.5, 0.7, 0.9)]
    assert powers[0] > 150.0  # a 250 kW car takes well over 150 kW when low
    assert all(a > b for a, b in itertools.pairwise(powers))
    assert powers[-1] < 60.0


def test_cold_battery_charges_slowly() -> None:
    assert _dc_power_kw(0.3, -5.0) < 0.4 * _dc_power_kw(0.3, 25.0)


def test_charger_power_caps_the_charge() -> None:
    pack = Battery(ATTO3.pack, soc=0.3, temperature_c=25.0)
    result = pack.charge(7.0, False, 1.0, 25.0)
    assert result.grid_power_w == pytest.approx(7000.0, rel=0.02)
    assert result.power_w < result.grid_power_w  # the on-board charger loses some


def test_full_ac_charge_ends_in_constant_voltage_at_the_top() -> None:
    pack = Battery(ATTO3.pack, soc=0.85, temperature_c=25.0)
    phases = []
    for _ in range(6 * 3600):
        result = pack.charge(7.0, False, 10.0, 25.0)
        phases.append(result.phase)
        if result.phase == "DONE":
            break
    assert phases[0] == "CC" and "CV" in phases and phases[-1] == "DONE"
    assert pack.voltage <= ATTO3.pack.cell.v_max * ATTO3.pack.series + 1e-6
    assert pack.displayed_soc > 97.0


def test_discharge_voltage_sags_and_resistance_heats_the_pack() -> None:
    pack = Battery(MODEL3.pack, soc=0.5, temperature_c=25.0)
    rest = pack.ocv
    for _ in range(60):
        pack.drive(150_000.0, 1.0, 25.0)
    assert pack.voltage < rest - 10.0
    assert pack.temperature_c > 25.0
    assert pack.soc < 0.5


def test_impossible_power_is_limited_not_crashed() -> None:
    cell = MODEL3.pack.cell
    ecm = EquivalentCircuit(cell, soc=0.05)
    current = ecm.discharge(1e9, 1.0)  # far beyond what one cell can deliver
    assert math.isfinite(current) and current > 0


def test_motor_map_is_credible() -> None:
    drive = Powertrain(ATTO3)
    best = max(drive.efficiency(rpm, torque) for rpm in range(1000, 14000, 500) for torque in range(20, 310, 10))
    assert 0.93 < best < 0.98
    assert drive.efficiency(200, 5) < 0.6  # light load at crawling speed is inefficient
    assert drive.efficiency(6000, 0) == 0.0


def test_top_speed_is_limited_by_the_drive() -> None:
    drive = Powertrain(ATTO3)
    speed = 0.0
    for _ in range(3000):
        speed = drive.step(speed, 300 / 3.6, 0.1).speed_ms
    assert 140 < speed * 3.6 < 175  # the Atto 3 tops out at 160 km/h


def test_uphill_costs_more_than_flat() -> None:
    flat = Powertrain(ATTO3).step(20.0, 20.0, 1.0, grade=0.0).electric_power_w
    hill = Powertrain(ATTO3).step(20.0, 20.0, 1.0, grade=0.06).electric_power_w
    assert hill > flat + 15_000.0


def test_cabin_heats_in_winter_and_the_heat_pump_saves_power() -> None:
    with_pump, ptc_only = (
        Cabin(HvacParams(), temperature_c=-10.0),
        Cabin(HvacParams(heat_pump=False), temperature_c=-10.0),
    )
    for cabin in (with_pump, ptc_only):
        cabin.set_setpoint("Row1.Driver", 22.0)
    draw = {id(with_pump): 0.0, id(ptc_only): 0.0}
    for _ in range(1800):
        for cabin in (with_pump, ptc_only):
            cabin.step(1.0, -10.0, 0.0)
            draw[id(cabin)] += cabin.electric_power_w
    assert with_pump.temperature_c > 15.0
    assert draw[id(with_pump)] < 0.8 * draw[id(ptc_only)]


def test_setpoint_takes_effect_over_time_not_at_once() -> None:
    cabin = Cabin(HvacParams(), temperature_c=20.0)
    for zone in cabin.setpoints:
        cabin.set_setpoint(zone, 20.0)
    cabin.set_setpoint("Row1.Driver", 26.0)
    cabin.step(1.0, 20.0, 0.0)
    first = cabin.zone_c["Row1.Driver"]
    for _ in range(900):
        cabin.step(1.0, 20.0, 0.0)
    assert first < 20.5
    assert cabin.zone_c["Row1.Driver"] > cabin.zone_c["Row1.Passenger"] + 0.5


def test_sun_heats_a_parked_car() -> None:
    cabin = Cabin(HvacParams(), temperature_c=30.0)
    for _ in range(3600):
        cabin.step(1.0, 30.0, 900.0)
    assert cabin.temperature_c > 40.0


def test_setpoint_out_of_range_is_clamped() -> None:
    cabin = Cabin(HvacParams(), temperature_c=20.0)
    assert cabin.set_setpoint("Row1.Driver", 99.0) == 30.0
    assert cabin.set_setpoint("Row1.Driver", -5.0) == 16.0


def test_window_moves_at_a_realistic_rate_and_refuses_with_a_door_open() -> None:
    body = Body()
    body.request("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 100, moving=False)
    body.step(1.0)
    assert body.values()["Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"] == 25
    body.request("Vehicle.Cabin.Door.Row2.PassengerSide.IsOpen", True, moving=False)
    with pytest.raises(BodyRefusal, match="door is open"):
        body.request("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 0, moving=False)
    relaxed = Body(window_needs_closed_doors=False)
    relaxed.request("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", True, moving=False)
    relaxed.request("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 50, moving=False)


def test_doors_and_trunk_refuse_to_open_while_moving() -> None:
    body = Body()
    with pytest.raises(BodyRefusal, match="moves"):
        body.request("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", True, moving=True)
    with pytest.raises(BodyRefusal, match="moves"):
        body.request("Vehicle.Body.Trunk.Rear.IsOpen", True, moving=True)
    with pytest.raises(BodyRefusal, match="not a body actuator"):
        body.request("Vehicle.Cabin.Door.Row9.Nowhere.IsOpen", True, moving=False)
    with pytest.raises(BodyRefusal, match="expects a number"):
        body.request("Vehicle.Cabin.Seat.Row1.DriverSide.Position", "far", moving=False)


def test_seat_travel_stops_at_its_limits() -> None:
    body = Body()
    accepted = body.request("Vehicle.Cabin.Seat.Row1.DriverSide.Position", 10_000, moving=False)
    assert accepted == 300
    body.step(100.0)
    assert body.values()["Vehicle.Cabin.Seat.Row1.DriverSide.Position"] == 300


def test_route_position_heading_and_driver() -> None:
    # Due east along the equator, then north.
    route = Route([(0.0, 0.0, 100.0), (0.0, 0.01, 30.0), (0.01, 0.01, 30.0)])
    _lat, lon, heading = route.locate(555.0)
    assert heading == pytest.approx(90.0, abs=0.01) and lon == pytest.approx(0.005, abs=1e-4)
    assert route.locate(route.length_m + 1e6)[0] == pytest.approx(0.01)
    driver = Driver(route)
    assert driver.target_speed_ms(10.0) == pytest.approx(100 / 3.6)
    assert driver.target_speed_ms(1080.0) < 50 / 3.6  # braking early for the 30 km/h segment
    assert driver.target_speed_ms(route.length_m) == 0.0
    with pytest.raises(ValueError, match="two points"):
        Route([(0.0, 0.0, 50.0)])


def test_closed_route_is_lapped() -> None:
    loop = Route([(0.0, 0.0, 50.0), (0.0, 0.01, 50.0), (0.01, 0.01, 50.0), (0.0, 0.0, 50.0)])
    assert loop.is_loop
    assert loop.locate(loop.length_m + 100.0)[:2] == pytest.approx(loop.locate(100.0)[:2])
    line = Route([(0.0, 0.0, 50.0), (0.0, 0.01, 50.0)])
    assert not line.is_loop
    assert line.locate(line.length_m + 100.0)[1] == pytest.approx(0.01)
