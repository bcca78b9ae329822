"""The simulated car: powertrain, battery, cabin, body and position stepped together.

Flow: `SimVehicle(scenario, seed)` builds the models; `step(dt)` advances the simulated clock
by `dt` (legs: follow a drive cycle, drive a route, charge, park; timed events act as the
driver), `request(path, value)` is how apps move actuators, and `values()` reports every
signal the car provides as VSS path -> value. `simulate(scenario, seconds)` runs without a
broker and returns a `SimRecord` time series for plots and tests.

    >>> from renkei.vehicle.sim.scenario import builtin_scenario
    >>> record = simulate(builtin_scenario("winter_commute_beijing"), 120.0)
    >>> record.time_s[-1], record.speed_kmh[-1] >= 0
    (120.0, True)
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from renkei.vehicle.sim.battery import Battery
from renkei.vehicle.sim.body import DOORS, Body, BodyRefusal
from renkei.vehicle.sim.cabin import SEATS, ZONES, Cabin
from renkei.vehicle.sim.cycles import DriveCycle, load_cycle
from renkei.vehicle.sim.powertrain import DriveState, Powertrain
from renkei.vehicle.sim.route import Driver, Route
from renkei.vehicle.sim.scenario import ChargeLeg, CycleLeg, ParkLeg, RouteLeg, Scenario
from renkei.vss import Value

STEP_S = 0.1
DRIVER_ACCEL = 1.5  # m/s^2, how briskly the route driver speeds up
RANGE_WINDOW_M = 25_000.0
HVAC_ZONE_PATHS = {f"Vehicle.Cabin.HVAC.Station.{zone}.Temperature": zone for zone in ZONES}
FAN_PATHS = {f"Vehicle.Cabin.HVAC.Station.{zone}.FanSpeed": zone for zone in ZONES}
SEAT_HEAT_PATHS = {f"Vehicle.Cabin.Seat.{seat}.HeatingCooling": seat for seat in SEATS}
CHARGING = "Vehicle.Powertrain.TractionBattery.Charging"
CABLE_CONNECTED = f"{CHARGING}.ChargingPort.AnyPosition.IsChargingCableConnected"
# The head unit's navigation takes a destination (the assistant, a scene or the cockpit sets it);
# the simulated driver keeps to the scenario's route, so a destination is stored and confirmed.
DESTINATION_PATHS = {
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude": 90.0,
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude": 180.0,
}


class Refused(Exception):
    """An actuation the car will not carry out, with the path and reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class SimRecord:
    """One sample per simulated second: what a plot or a test needs."""

    scenario: str
    vehicle: str
    time_s: list[float] = field(default_factory=list)
    speed_kmh: list[float] = field(default_factory=list)
    soc_percent: list[float] = field(default_factory=list)
    battery_power_kw: list[float] = field(default_factory=list)
    hvac_power_kw: list[float] = field(default_factory=list)
    cabin_c: list[float] = field(default_factory=list)
    battery_c: list[float] = field(default_factory=list)
    distance_km: list[float] = field(default_factory=list)
    range_km: list[float] = field(default_factory=list)
    latitude: list[float] = field(default_factory=list)
    longitude: list[float] = field(default_factory=list)
    charging: list[bool] = field(default_factory=list)
    grid_energy_kwh: float = 0.0
    events: list[str] = field(default_factory=list)


class SimVehicle:
    def __init__(self, scenario: Scenario, *, seed: int = 0) -> None:
        self.scenario = scenario
        self.params = scenario.vehicle_params()
        self.rng = random.Random(seed)
        weather, start = scenario.weather, scenario.start
        self.ambient_c = weather.ambient_c
        self.drive = Powertrain(self.params, test_mass=True)
        soc = start.soc_percent / 100.0 * 0.94 + 0.03  # displayed -> true SOC
        battery_c = start.battery_c if start.battery_c is not None else weather.ambient_c
        self.battery = Battery(self.params.pack, soc=soc, temperature_c=battery_c)
        cabin_c = start.cabin_c if start.cabin_c is not None else weather.ambient_c
        self.cabin = Cabin(self.params.hvac, temperature_c=cabin_c)
        self.cabin.occupants = start.occupants
        if start.hvac_setpoint_c is not None:
            for zone in ZONES:
                self.cabin.set_setpoint(zone, start.hvac_setpoint_c)
        self.body = Body(window_needs_closed_doors=scenario.window_needs_closed_doors)
        self.route = (
            Route([(p.lat, p.lon, p.limit_kmh) for p in scenario.route], [p.stop_s for p in scenario.route])
            if scenario.route
            else None
        )
        self.next_stop = 0  # index into route.stops of the next stop not yet served
        self.waiting_until = -1.0
        self.start_time = datetime.fromisoformat(start.time)
        self.time_s = 0.0
        self.speed_ms = 0.0
        self.state = DriveState(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        self.route_distance_m = 0.0
        self.leg_index = 0
        self.leg_started_s = 0.0
        self.leg_distance_start = 0.0
        self.charge_phase = ""
        self.charge_power_kw = 0.0
        self.charging_requested = True
        self.charge_limit = 100
        self.pending_events = sorted(scenario.events, key=lambda e: e.at_s)
        self.event_log: list[str] = []
        self.trip_meter_offset = 0.0
        self.destination: dict[str, float] = {}
        # Range estimate: energy per metre over the last RANGE_WINDOW_M of driving.
        rated = self.params.published_consumption.get("WLTC")
        self.window: deque[tuple[float, float]] = deque()
        self.window_m = 0.0
        self.window_wh = 0.0
        self.default_wh_per_m = (rated.value * 10.0 / 1000.0) if rated else 0.16
        self.motor_c = weather.ambient_c
        self.pack_thermal_w = 0.0
        self._settings_cache: dict[str, Value] | None = None
        self.gnss_noise_m = 1.5
        self.finished = False
        self._enter_leg()

    # --- the clock -------------------------------------------------------------------
    def now_iso(self) -> str:
        return (self.start_time + timedelta(seconds=self.time_s)).isoformat(timespec="milliseconds")

    @property
    def moving(self) -> bool:
        return self.speed_ms * 3.6 > 3.0

    @property
    def current_leg(self) -> CycleLeg | RouteLeg | ChargeLeg | ParkLeg | None:
        legs = self.scenario.legs
        return legs[self.leg_index] if self.leg_index < len(legs) else None

    def _next_leg(self) -> None:
        leaving = self.current_leg
        if isinstance(leaving, ChargeLeg) and leaving.plug_in:
            self.body.cable_connected = False
            self.event_log.append(f"{self.time_s:.1f}s cable disconnected")
        self.leg_index += 1
        self._enter_leg()
        self.leg_started_s = self.time_s
        self.leg_distance_start = self.drive.distance_m
        self.charge_phase = ""
        self.event_log.append(f"{self.time_s:.1f}s leg {self.leg_index} starts")

    def _enter_leg(self) -> None:
        leg = self.current_leg
        if isinstance(leg, ChargeLeg) and leg.plug_in:
            self.body.cable_connected = True
            self.charging_requested = True
            self.event_log.append(f"{self.time_s:.1f}s cable connected ({leg.charger} {leg.power_kw:g} kW)")

    # --- actuation ---------------------------------------------------------------------
    def actuator_paths(self) -> list[str]:
        paths = [*self.body.actuator_paths(), *HVAC_ZONE_PATHS, *FAN_PATHS, *SEAT_HEAT_PATHS, *DESTINATION_PATHS]
        paths += [
            "Vehicle.Cabin.HVAC.IsAirConditioningActive",
            "Vehicle.Cabin.HVAC.IsRecirculationActive",
            f"{CHARGING}.ChargeLimit",
            f"{CHARGING}.StartStopCharging",
            "Vehicle.TripMeterReading",
        ]
        paths += [f"Vehicle.Cabin.Door.{door}.Window.IsOpen" for door in DOORS]
        return sorted(set(paths))

    def request(self, path: str, value: Value) -> Value:
        """Apply a requested actuator target; raises `Refused` with the reason if it cannot."""
        if isinstance(value, float) and not math.isfinite(value):
            raise Refused(path, f"{value!r} is not a finite number")
        self._settings_cache = None
        if path in HVAC_ZONE_PATHS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Refused(path, "expects a temperature in Celsius")
            return self.cabin.set_setpoint(HVAC_ZONE_PATHS[path], float(value))
        if path in FAN_PATHS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise Refused(path, "expects a fan speed 0..100 %")
            self.cabin.fan[FAN_PATHS[path]] = min(max(value, 0), 100)
            self.cabin.hvac_on = self.cabin.hvac_on or value > 0
            return self.cabin.fan[FAN_PATHS[path]]
        if path in SEAT_HEAT_PATHS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise Refused(path, "expects -100..100 %")
            self.cabin.seat_heating[SEAT_HEAT_PATHS[path]] = min(max(value, -100), 100)
            return self.cabin.seat_heating[SEAT_HEAT_PATHS[path]]
        if path == "Vehicle.Cabin.HVAC.IsAirConditioningActive":
            self.cabin.ac_enabled = bool(value)
            self.cabin.hvac_on = self.cabin.hvac_on or bool(value)
            return bool(value)
        if path == "Vehicle.Cabin.HVAC.IsRecirculationActive":
            self.cabin.recirculation = bool(value)
            return bool(value)
        if path == f"{CHARGING}.ChargeLimit":
            if isinstance(value, bool) or not isinstance(value, int) or not 50 <= value <= 100:
                raise Refused(path, "charge limit must be 50..100 %")
            self.charge_limit = value
            return value
        if path == f"{CHARGING}.StartStopCharging":
            if value not in ("START", "STOP"):
                raise Refused(path, "expects START or STOP")
            if value == "START" and not self.body.cable_connected:
                raise Refused(path, "no charging cable is connected")
            self.charging_requested = value == "START"
            return value
        if path in DESTINATION_PATHS:
            limit = DESTINATION_PATHS[path]
            if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
                raise Refused(path, f"expects degrees between -{limit:g} and {limit:g}")
            self.destination[path] = float(value)
            return float(value)
        if path == "Vehicle.TripMeterReading":
            if value != 0:
                raise Refused(path, "the trip meter can only be reset to 0")
            self.trip_meter_offset = self.drive.distance_m
            return 0
        if path.endswith(".Window.IsOpen"):
            position = path.replace(".IsOpen", ".Position")
            self._body(position, 100 if value else 0)
            return bool(value)
        return self._body(path, value)

    def _body(self, path: str, value: Value) -> Value:
        try:
            accepted = self.body.request(path, value, moving=self.moving)
        except BodyRefusal as refusal:
            raise Refused(refusal.path, refusal.reason) from None
        if path.startswith("Vehicle.Cabin.Door.") and path.endswith(".IsOpen"):
            open_doors = sum(1 for d in DOORS if self.body.switches[f"Vehicle.Cabin.Door.{d}.IsOpen"])
            self.cabin.extra_loss_w_per_k = self.params.hvac.open_door_loss_w_per_k * open_doors
        return accepted

    def _apply_event(self, path: str, value: Value) -> None:
        if path == CABLE_CONNECTED:
            self.body.cable_connected = bool(value)
            self.event_log.append(f"{self.time_s:.1f}s cable {'connected' if value else 'disconnected'}")
            return
        try:
            self.request(path, value)
            self.event_log.append(f"{self.time_s:.1f}s {path} = {value!r}")
        except Refused as refusal:
            self.event_log.append(f"{self.time_s:.1f}s refused {path} = {value!r}: {refusal.reason}")

    # --- stepping ----------------------------------------------------------------------
    def _target_speed_ms(self, leg: CycleLeg | RouteLeg, cycle: DriveCycle | None) -> float:
        if isinstance(leg, CycleLeg):
            assert cycle is not None
            return cycle.speed_at((self.time_s - self.leg_started_s) % cycle.duration_s + STEP_S) / 3.6
        assert self.route is not None
        stop_at = leg.until_km * 1000.0 if leg.until_km is not None else None
        driver = Driver(self.route, limit_factor=leg.limit_factor, stop_at_m=stop_at)
        if self.time_s < self.waiting_until:
            return 0.0  # waiting at a light
        stops = self.route.stops
        while self.next_stop < len(stops) and stops[self.next_stop][0] < self.route_distance_m - 2.0:
            self.next_stop += 1  # passed (e.g. the leg started beyond it)
        next_stop_m = stops[self.next_stop][0] if self.next_stop < len(stops) else None
        if next_stop_m is not None and self.route_distance_m >= next_stop_m - 2.0 and self.speed_ms < 0.1:
            self.waiting_until = self.time_s + stops[self.next_stop][1]
            self.next_stop += 1
            self.event_log.append(f"{self.time_s:.1f}s stops for {stops[self.next_stop - 1][1]:g} s")
            return 0.0
        # A calm driver accelerates briskly from a stop and gently at motorway speeds.
        accel = DRIVER_ACCEL * min(1.0, max(0.45, 1.0 - (self.speed_ms - 14.0) / 30.0))
        return min(driver.target_speed_ms(self.route_distance_m, next_stop_m), self.speed_ms + accel * STEP_S)

    def step(self, dt: float = STEP_S) -> None:
        while self.pending_events and self.pending_events[0].at_s <= self.time_s + 1e-9:
            event = self.pending_events.pop(0)
            for path, value in event.set.items():
                self._apply_event(path, value)
        leg = self.current_leg
        ambient = self.ambient_c
        self.cabin.step(dt, ambient, self.scenario.weather.solar_w_m2)
        self.body.step(dt)
        load_w = self.params.aux_power_w + self.cabin.electric_power_w + self._thermal_management(leg, dt)
        self.charge_power_kw = 0.0
        self.charge_phase = ""
        driving = isinstance(leg, CycleLeg | RouteLeg)
        if driving and any(self.body.switches[f"Vehicle.Cabin.Door.{d}.IsOpen"] for d in DOORS):
            driving = False  # a driver does not pull away with a door open
        if driving and isinstance(leg, CycleLeg | RouteLeg):
            cycle = load_cycle(leg.cycle) if isinstance(leg, CycleLeg) else None
            target = self._target_speed_ms(leg, cycle)
            self.state = self.drive.step(self.speed_ms, target, dt)
            self.speed_ms = self.state.speed_ms
            self.battery.drive(self.state.electric_power_w + load_w, dt, ambient)
            travelled = self.state.speed_ms * dt
            self.route_distance_m += travelled
            self._track_consumption(travelled, (self.state.electric_power_w + load_w) * dt / 3600.0)
            if isinstance(leg, CycleLeg) and cycle is not None:
                if self.time_s - self.leg_started_s + dt >= cycle.duration_s * leg.repeat:
                    self._next_leg()
            elif self.route is not None and isinstance(leg, RouteLeg):
                end = self.route.length_m if leg.until_km is None else min(leg.until_km * 1000.0, self.route.length_m)
                if self.route_distance_m >= end - 0.5 and self.speed_ms < 0.1:
                    self._next_leg()
        else:
            self.speed_ms = 0.0
            self.state = DriveState(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, self.drive.distance_m)
            if isinstance(leg, ChargeLeg) and self.body.cable_connected and self.charging_requested:
                self._charge(leg, dt, load_w)
            else:
                self.battery.drive(load_w, dt, ambient)
            elapsed = self.time_s - self.leg_started_s + dt
            park_over = isinstance(leg, ParkLeg) and elapsed >= leg.seconds
            charge_over = isinstance(leg, ChargeLeg) and (
                self.charge_phase == "DONE" or elapsed >= leg.max_minutes * 60.0
            )
            if park_over or charge_over:
                self._next_leg()
        self.motor_c += (ambient + 0.004 * abs(self.state.mechanical_power_w) - self.motor_c) * dt / 600.0
        self.time_s = round(self.time_s + dt, 6)
        duration = self.scenario.duration_s
        if duration is not None and self.time_s >= duration - 1e-9:
            self.finished = True

    def _thermal_management(self, leg: CycleLeg | RouteLeg | ChargeLeg | ParkLeg | None, dt: float) -> float:
        """Heat a cold pack or chill a hot one while the car is in use; returns the electric draw."""
        pack = self.params.pack
        in_use = isinstance(leg, CycleLeg | RouteLeg) or (isinstance(leg, ChargeLeg) and self.body.cable_connected)
        t = self.battery.temperature_c
        heat = 0.0
        electric = 0.0
        if in_use and t < pack.heat_below_c and pack.heater_w > 0:
            heat = electric = pack.heater_w
        elif t > pack.cool_above_c and pack.chiller_w > 0:
            heat = -pack.chiller_w * min(1.0, (t - pack.cool_above_c) / 5.0)
            electric = -heat / 3.0
        self.battery.temperature_c += heat * dt / pack.heat_capacity_j_per_k
        self.pack_thermal_w = electric
        return electric

    def _charge(self, leg: ChargeLeg, dt: float, load_w: float) -> None:
        limit = min(leg.until_soc_percent, self.charge_limit)
        if self.battery.displayed_soc >= limit:
            self.charge_phase = "DONE"
            self.battery.drive(0.0, dt, self.ambient_c)
            return
        result = self.battery.charge(leg.power_kw, leg.charger == "DC", dt, self.ambient_c, load_w)
        self.charge_phase = result.phase
        self.charge_power_kw = result.power_w / 1000.0

    def _track_consumption(self, metres: float, wh: float) -> None:
        self.window.append((metres, wh))
        self.window_m += metres
        self.window_wh += wh
        while self.window_m > RANGE_WINDOW_M and len(self.window) > 1:
            m, w = self.window.popleft()
            self.window_m -= m
            self.window_wh -= w

    def wh_per_m(self) -> float:
        """Recent consumption, blended with the rated figure until enough distance is driven."""
        weight = min(self.window_m / 5000.0, 1.0)
        recent = self.window_wh / self.window_m if self.window_m > 100.0 else self.default_wh_per_m
        return max(weight * recent + (1.0 - weight) * self.default_wh_per_m, 0.05)

    def range_m(self) -> float:
        return self.battery.energy_kwh * 1000.0 / self.wh_per_m()

    def position(self) -> tuple[float, float, float]:
        if self.route is None:
            return 31.2304, 121.4737, 0.0
        lat, lon, heading = self.route.locate(self.route_distance_m)
        # GNSS noise (deterministic per seed), about 1.5 m
        lat += self.rng.gauss(0.0, self.gnss_noise_m) / 111_320.0
        lon += self.rng.gauss(0.0, self.gnss_noise_m) / (111_320.0 * max(math.cos(math.radians(lat)), 0.1))
        return lat, lon, heading

    # --- signals -----------------------------------------------------------------------
    def attributes(self) -> dict[str, Value]:
        pack = self.params.pack
        return {
            "Vehicle.Powertrain.Type": "ELECTRIC",
            "Vehicle.StartTime": self.start_time.isoformat(),
            "Vehicle.Powertrain.TractionBattery.GrossCapacity": round(
                pack.cell.capacity_ah * pack.parallel * pack.series * 3.6 / 1000.0
                if pack.cell.chemistry == "NMC"
                else pack.cell.capacity_ah * pack.parallel * pack.series * 3.2 / 1000.0
            ),
            "Vehicle.Powertrain.TractionBattery.NominalVoltage": round(
                pack.series * (3.65 if pack.cell.chemistry == "NMC" else 3.2)
            ),
            "Vehicle.Powertrain.TractionBattery.MaxVoltage": round(pack.series * pack.cell.v_max),
        }

    def values(self) -> dict[str, Value]:
        """Every sensor and confirmed actuator value, as VSS path -> value."""
        b, c, s = self.battery, self.cabin, self.state
        lat, lon, heading = self.position()
        charging = self.charge_phase in ("CC", "CV")
        speed_kmh = round(self.speed_ms * 3.6, 2)
        wh_per_m = self.wh_per_m()
        range_m = int(b.energy_kwh * 1000.0 / wh_per_m)
        out: dict[str, Value] = {
            "Vehicle.Speed": speed_kmh,
            "Vehicle.IsMoving": self.speed_ms > 0.05,
            "Vehicle.Acceleration.Longitudinal": round(s.acceleration_ms2, 3),
            "Vehicle.TraveledDistance": int(self.drive.distance_m),
            "Vehicle.TripMeterReading": int(self.drive.distance_m - self.trip_meter_offset),
            "Vehicle.CurrentLocation.Latitude": round(lat, 7),
            "Vehicle.CurrentLocation.Longitude": round(lon, 7),
            "Vehicle.CurrentLocation.Heading": round(heading, 1),
            "Vehicle.CurrentLocation.Timestamp": self.now_iso(),
            "Vehicle.Exterior.AirTemperature": round(self.ambient_c, 1),
            "Vehicle.Exterior.LightIntensity": round(self.scenario.weather.daylight_percent, 1),
            "Vehicle.Chassis.Axle.Row1.Wheel.Left.Speed": speed_kmh,
            "Vehicle.Chassis.Axle.Row1.Wheel.Right.Speed": speed_kmh,
            "Vehicle.Powertrain.ElectricMotor.Speed": round(s.motor_speed_rpm, 1),
            "Vehicle.Powertrain.ElectricMotor.Torque": round(s.motor_torque_nm),
            "Vehicle.Powertrain.ElectricMotor.Power": round(s.mechanical_power_w / 1000.0),
            "Vehicle.Powertrain.ElectricMotor.Temperature": round(self.motor_c, 1),
            "Vehicle.Powertrain.Range": range_m,
            "Vehicle.Powertrain.TractionBattery.Range": range_m,
            "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": round(min(max(b.soc, 0.0), 1.0) * 100.0, 2),
            "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": round(b.displayed_soc, 1),
            "Vehicle.Powertrain.TractionBattery.StateOfCharge.CurrentEnergy": round(b.energy_kwh, 2),
            "Vehicle.Powertrain.TractionBattery.CurrentVoltage": round(b.voltage, 1),
            "Vehicle.Powertrain.TractionBattery.CurrentCurrent": round(b.current_a, 1),
            "Vehicle.Powertrain.TractionBattery.CurrentPower": round(b.power_w, 0),
            "Vehicle.Powertrain.TractionBattery.PowerLoss": round(b.heat_w, 1),
            "Vehicle.Powertrain.TractionBattery.Temperature.Average": round(b.temperature_c, 1),
            "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy": round(b.consumed_wh / 1000.0, 3),
            "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy": round(b.charged_wh / 1000.0, 3),
            f"{CHARGING}.IsCharging": charging,
            f"{CHARGING}.IsDischarging": b.current_a > 0.5,
            f"{CHARGING}.ChargeLimit": self.charge_limit,
            f"{CHARGING}.StartStopCharging": "START" if self.charging_requested else "STOP",
            f"{CHARGING}.ChargeRate": round(self.charge_power_kw * 1000.0 / max(wh_per_m * 1000.0, 1.0), 1),
            f"{CHARGING}.MaxPower": round(
                self.params.pack.dc_max_power_kw if self._on_dc() else self.params.pack.ac_max_power_kw, 1
            ),
            f"{CHARGING}.TimeToComplete": self._time_to_complete(),
            "Vehicle.Cabin.HVAC.AmbientAirTemperature": round(c.temperature_c, 1),
            "Vehicle.Cabin.HVAC.IsAirConditioningActive": c.ac_enabled,
            "Vehicle.Cabin.HVAC.IsRecirculationActive": c.recirculation,
        }
        out.update(self._settings())
        out.update(self.body.values())  # callers may keep `out`; the caches are never handed out
        return out

    def _settings(self) -> dict[str, Value]:
        """Climate settings change only on request, so their values are cached until then."""
        if self._settings_cache is None:
            c = self.cabin
            cache: dict[str, Value] = {path: round(c.setpoints[zone], 1) for path, zone in HVAC_ZONE_PATHS.items()}
            cache.update({path: c.fan[zone] for path, zone in FAN_PATHS.items()})
            cache.update({path: c.seat_heating[seat] for path, seat in SEAT_HEAT_PATHS.items()})
            cache.update(self.destination)
            self._settings_cache = cache
        return self._settings_cache

    def _on_dc(self) -> bool:
        leg = self.current_leg
        return isinstance(leg, ChargeLeg) and leg.charger == "DC"

    def _time_to_complete(self) -> int:
        leg = self.current_leg
        if not isinstance(leg, ChargeLeg) or self.charge_power_kw <= 0.1:
            return 0
        target = min(leg.until_soc_percent, self.charge_limit)
        missing_kwh = max(target - self.battery.displayed_soc, 0.0) / 100.0 * self.params.pack.usable_energy_kwh
        # The taper slows the end; a 1.3 factor matches the shipped charge curves well enough.
        return int(missing_kwh / self.charge_power_kw * 3600.0 * 1.3)


def simulate(scenario: Scenario, seconds: float, *, seed: int = 0, dt: float = STEP_S) -> SimRecord:
    """Run `seconds` of simulated time without a broker and sample once per second."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"seconds must be a positive finite number, got {seconds!r}")
    car = SimVehicle(scenario, seed=seed)
    record = SimRecord(scenario.name, car.params.name)
    steps = round(seconds / dt)
    per_sample = max(round(1.0 / dt), 1)
    for i in range(1, steps + 1):
        car.step(dt)
        if i % per_sample == 0 or i == steps:
            lat, lon, _ = car.position()
            record.time_s.append(round(car.time_s, 3))
            record.speed_kmh.append(car.speed_ms * 3.6)
            record.soc_percent.append(car.battery.displayed_soc)
            record.battery_power_kw.append(car.battery.power_w / 1000.0)
            record.hvac_power_kw.append(car.cabin.electric_power_w / 1000.0)
            record.cabin_c.append(car.cabin.temperature_c)
            record.battery_c.append(car.battery.temperature_c)
            record.distance_km.append(car.drive.distance_m / 1000.0)
            record.range_km.append(car.range_m() / 1000.0)
            record.latitude.append(lat)
            record.longitude.append(lon)
            record.charging.append(car.charge_phase in ("CC", "CV"))
        if car.finished:
            break
    record.grid_energy_kwh = car.battery.grid_wh / 1000.0
    record.events = list(car.event_log)
    return record
