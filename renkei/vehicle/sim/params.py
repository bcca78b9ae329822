"""Vehicle parameter sets: the numbers that make a simulated car behave like a real model.

Flow: a YAML file under `data/vehicles/` (or a scenario's `vehicle:` block) is validated
into `VehicleParams` (pydantic, strict: unknown keys and out-of-range values are refused),
then handed to the physics models (`powertrain`, `battery`, `cabin`).

    >>> from renkei.vehicle.sim.params import builtin_vehicle
    >>> builtin_vehicle("byd_atto3").body.mass_kg
    1750.0
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a published figure comes from, so anyone can check it."""

    value: float
    unit: str
    source: str


class BodyParams(_Strict):
    mass_kg: float = Field(gt=300, lt=5000, description="kerb mass")
    test_load_kg: float = Field(default=100.0, ge=0, le=1000, description="driver + payload in tests")
    drag_area_m2: float = Field(gt=0.2, lt=3.0, description="Cd x frontal area (CdA)")
    rolling_resistance: float = Field(gt=0.003, lt=0.03, description="tyre rolling coefficient Crr")
    rotating_mass_factor: float = Field(default=1.05, ge=1.0, le=1.3)
    wheel_radius_m: float = Field(default=0.34, gt=0.2, lt=0.6)


class MotorParams(_Strict):
    peak_power_kw: float = Field(gt=10, lt=1000)
    peak_torque_nm: float = Field(gt=50, lt=5000)
    max_speed_rpm: float = Field(gt=3000, lt=30000)
    gear_ratio: float = Field(gt=3, lt=20)
    gearbox_efficiency: float = Field(default=0.97, gt=0.8, le=1.0)
    peak_efficiency: float = Field(default=0.95, gt=0.8, lt=0.99, description="motor + inverter")
    regen_power_kw: float = Field(gt=0, lt=500, description="largest regenerative braking power")
    regen_fade_kmh: float = Field(default=8.0, ge=0, le=30, description="regen fades out below this")


class CellParams(_Strict):
    chemistry: Literal["LFP", "NMC"]
    capacity_ah: float = Field(gt=0.5, lt=1000)
    ocv_soc: tuple[float, ...] = Field(min_length=3, description="SOC grid 0..1, ascending")
    ocv_v: tuple[float, ...] = Field(min_length=3, description="open-circuit voltage at the grid")
    r0_ohm: float = Field(gt=0, lt=1)
    r1_ohm: float = Field(ge=0, lt=1)
    tau1_s: float = Field(gt=0, lt=10000)
    r2_ohm: float = Field(ge=0, lt=1)
    tau2_s: float = Field(gt=0, lt=100000)
    v_max: float = Field(gt=3.0, lt=4.6, description="charge cut-off (CV) voltage")
    v_min: float = Field(gt=1.5, lt=3.5)
    # Arrhenius-like growth of resistance in the cold: R(T) = R(25 °C) * exp(k * (25 - T)), T < 25
    resistance_cold_factor: float = Field(default=0.025, ge=0, le=0.1)


class PackParams(_Strict):
    cell: CellParams
    series: int = Field(gt=10, lt=400)
    parallel: int = Field(ge=1, lt=100)
    usable_energy_kwh: float = Field(gt=5, lt=300)
    heat_capacity_j_per_k: float = Field(default=250_000.0, gt=1000)
    cooling_w_per_k: float = Field(default=30.0, ge=0)
    dc_max_power_kw: float = Field(gt=10, lt=1000)
    ac_max_power_kw: float = Field(default=11.0, gt=1, lt=50)
    # 1C = capacity in A; the allowed charge C-rate falls with SOC (taper) and in the cold.
    charge_c_rate_soc: tuple[float, ...] = Field(min_length=2)
    charge_c_rate: tuple[float, ...] = Field(min_length=2)
    charger_efficiency_ac: float = Field(default=0.90, gt=0.7, le=1.0)
    charger_efficiency_dc: float = Field(default=0.95, gt=0.7, le=1.0)
    # Thermal management: a coolant heater warms a cold pack while driving or charging, and a
    # chiller on the A/C circuit cools a hot one (electric draw = heat removed / chiller COP).
    heater_w: float = Field(default=3000.0, ge=0, le=20000)
    heat_below_c: float = Field(default=5.0, ge=-30, le=30)
    chiller_w: float = Field(default=4000.0, ge=0, le=20000)
    cool_above_c: float = Field(default=35.0, ge=20, le=60)


class HvacParams(_Strict):
    cabin_heat_capacity_j_per_k: float = Field(default=90_000.0, gt=1000)
    cabin_loss_w_per_k: float = Field(default=60.0, gt=0, description="UA to ambient, doors shut")
    open_door_loss_w_per_k: float = Field(default=150.0, ge=0)
    glass_area_m2: float = Field(default=2.2, ge=0)
    solar_transmittance: float = Field(default=0.45, ge=0, le=1)
    max_heating_w: float = Field(default=6000.0, gt=0)
    max_cooling_w: float = Field(default=5000.0, gt=0)
    heat_pump: bool = True
    ptc_w: float = Field(default=5000.0, ge=0)
    seat_heater_w: float = Field(default=60.0, ge=0, description="per seat at 100 %")


class VehicleParams(_Strict):
    name: str
    kind: Literal["compact_suv", "midsize_sedan", "other"] = "other"
    body: BodyParams
    motor: MotorParams
    pack: PackParams
    hvac: HvacParams = HvacParams()
    aux_power_w: float = Field(default=300.0, ge=0, le=3000, description="12 V loads, pumps, compute")
    published_consumption: dict[str, Source] = Field(
        default_factory=dict, description="cycle name -> published kWh/100 km at the wall"
    )
    specs_source: str = ""


def vehicle_from_mapping(data: dict[str, Any]) -> VehicleParams:
    return VehicleParams.model_validate(data)


def builtin_vehicle_names() -> list[str]:
    folder = resources.files("renkei.vehicle.sim") / "data" / "vehicles"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def builtin_vehicle(name: str) -> VehicleParams:
    """A shipped parameter set by file stem (`byd_atto3`, `tesla_model3_lr_rwd`)."""
    if name not in builtin_vehicle_names():
        raise KeyError(f"unknown vehicle {name!r}; known: {', '.join(builtin_vehicle_names())}")
    text = (resources.files("renkei.vehicle.sim") / "data" / "vehicles" / f"{name}.yaml").read_text()
    return vehicle_from_mapping(yaml.safe_load(text))
