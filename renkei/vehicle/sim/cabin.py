"""Cabin climate: a lumped thermal model with heat pump, PTC heater, A/C and seat heaters.

Flow: `Cabin.step(dt, ambient, solar, ...)` balances the heat flows into the cabin air,
    C dT/dt = UA (T_amb - T) + tau_glass A_glass G_solar + 80 W x occupants + Q_hvac,
where the HVAC controller asks for heat in proportion to the gap between the mean zone
setpoint and the cabin temperature, limited by the heater or A/C capacity. Electrical
draw follows from a coefficient of performance that falls with the outside temperature
(heat pump below about -20 C hands over to the PTC heater). Each zone's air temperature
follows its own setpoint with a lag of minutes, so setpoints take effect over time.

    >>> from renkei.vehicle.sim.params import HvacParams
    >>> cabin = Cabin(HvacParams(), temperature_c=-10.0)
    >>> cabin.set_setpoint("Row1.Driver", 22.0)
    22.0
    >>> for _ in range(600): cabin.step(1.0, ambient_c=-10.0, solar_w_m2=0.0)
    >>> cabin.temperature_c > 5.0 and cabin.electric_power_w > 500
    True
"""

from __future__ import annotations

import math

from renkei.vehicle.sim.params import HvacParams

ZONES = ("Row1.Driver", "Row1.Passenger", "Row2.Driver", "Row2.Passenger")
SEATS = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
SETPOINT_MIN_C, SETPOINT_MAX_C = 16.0, 30.0
ZONE_LAG_S = 180.0
OCCUPANT_HEAT_W = 80.0
BLOWER_MAX_W = 250.0


def heat_pump_cop(ambient_c: float) -> float:
    """Heating COP of an automotive heat pump; 0 when too cold to run."""
    if ambient_c < -20.0:
        return 0.0
    return min(3.5, max(1.4, 2.3 + 0.05 * ambient_c))


def ac_cop(ambient_c: float) -> float:
    return min(4.0, max(1.5, 4.0 - 0.08 * (ambient_c - 20.0)))


class Cabin:
    def __init__(self, params: HvacParams, *, temperature_c: float) -> None:
        self.params = params
        self.temperature_c = temperature_c
        self.setpoints: dict[str, float] = dict.fromkeys(ZONES, 22.0)
        self.zone_c: dict[str, float] = dict.fromkeys(ZONES, temperature_c)
        self.fan: dict[str, int] = dict.fromkeys(ZONES, 0)
        self.seat_heating: dict[str, int] = dict.fromkeys(SEATS, 0)
        self.ac_enabled = True
        self.hvac_on = False
        self.recirculation = False
        self.occupants = 1
        self.heat_w = 0.0  # delivered to the air (negative = cooling)
        self.electric_power_w = 0.0
        self.extra_loss_w_per_k = 0.0

    def set_setpoint(self, zone: str, value: float) -> float:
        clamped = min(max(value, SETPOINT_MIN_C), SETPOINT_MAX_C)
        self.setpoints[zone] = clamped
        self.hvac_on = True
        return clamped

    def target_c(self) -> float:
        return sum(self.setpoints.values()) / len(self.setpoints)

    def step(self, dt: float, ambient_c: float, solar_w_m2: float) -> None:
        p = self.params
        t = self.temperature_c
        loss_ua = p.cabin_loss_w_per_k * (0.7 if self.recirculation else 1.0) + self.extra_loss_w_per_k
        passive = loss_ua * (ambient_c - t) + p.solar_transmittance * p.glass_area_m2 * solar_w_m2
        passive += OCCUPANT_HEAT_W * self.occupants
        electric = 0.0
        heat = 0.0
        if self.hvac_on:
            # Proportional control on the cabin air, with a feed-forward of the passive flows.
            wanted = p.cabin_heat_capacity_j_per_k * (self.target_c() - t) / 240.0 - passive
            if wanted > 0.0:
                heat = min(wanted, p.max_heating_w)
                cop = heat_pump_cop(ambient_c) if p.heat_pump else 0.0
                pump_capacity = p.max_heating_w * (min(1.0, 0.4 + 0.03 * (ambient_c + 20.0)) if cop else 0.0)
                from_pump = min(heat, pump_capacity)
                from_ptc = min(heat - from_pump, p.ptc_w)
                heat = from_pump + from_ptc
                electric = (from_pump / cop if cop else 0.0) + from_ptc
            elif wanted < 0.0 and self.ac_enabled:
                heat = max(wanted, -p.max_cooling_w)
                electric = -heat / ac_cop(ambient_c)
            fan_share = max(self.fan.values()) / 100.0 if any(self.fan.values()) else 0.4
            electric += BLOWER_MAX_W * max(fan_share, abs(heat) / max(p.max_heating_w, 1.0)) ** 2
        seats = sum(p.seat_heater_w * max(level, 0) / 100.0 for level in self.seat_heating.values())
        electric += seats
        self.heat_w = heat
        self.electric_power_w = electric
        self.temperature_c = t + (passive + heat + 0.5 * seats) * dt / p.cabin_heat_capacity_j_per_k
        mean = self.target_c()
        lag = 1.0 - math.exp(-dt / ZONE_LAG_S)
        for zone in ZONES:
            # Each zone sits off the mean cabin air by how far its own setpoint is from the mean.
            goal = self.temperature_c + (self.setpoints[zone] - mean if self.hvac_on else 0.0) * 0.6
            self.zone_c[zone] += (goal - self.zone_c[zone]) * lag
