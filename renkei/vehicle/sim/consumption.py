"""Laboratory consumption: drive a cycle on the 'dynamometer' and recharge from the mains.

Flow: like the type-approval procedures (GB/T 18386.1 for CLTC, UN GTR 15 for WLTC), the
car drives the cycle at 23 °C with climate control off, soaks for an hour, then recharges
from AC to its starting SOC; the energy drawn from the mains divided by the distance is the
published kWh/100 km (so charger and battery charging losses are included).

    >>> from renkei.vehicle.sim.params import builtin_vehicle
    >>> result = cycle_consumption(builtin_vehicle("byd_atto3"), "city")
    >>> 8.0 < result.kwh_per_100km < 25.0
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from renkei.vehicle.sim.battery import Battery
from renkei.vehicle.sim.cycles import load_cycle
from renkei.vehicle.sim.params import VehicleParams
from renkei.vehicle.sim.powertrain import Powertrain

LAB_AMBIENT_C = 23.0
START_SOC = 0.9
SOAK_S = 3600.0


@dataclass(frozen=True)
class ConsumptionResult:
    cycle: str
    distance_km: float
    battery_kwh: float  # net energy out of the pack terminals while driving
    grid_kwh: float  # energy from the mains to recharge
    kwh_per_100km: float


def cycle_consumption(params: VehicleParams, cycle_name: str, *, dt: float = 0.1) -> ConsumptionResult:
    cycle = load_cycle(cycle_name)
    drive = Powertrain(params, test_mass=True)
    pack = Battery(params.pack, soc=START_SOC, temperature_c=LAB_AMBIENT_C)
    speed = 0.0
    for i in range(round(cycle.duration_s / dt)):
        state = drive.step(speed, cycle.speed_at((i + 1) * dt) / 3.6, dt)
        speed = state.speed_ms
        pack.drive(state.electric_power_w + params.aux_power_w, dt, LAB_AMBIENT_C)
    driven_kwh = (pack.consumed_wh - pack.charged_wh) / 1000.0
    for _ in range(round(SOAK_S)):
        pack.drive(0.0, 1.0, LAB_AMBIENT_C)
    grid_before = pack.grid_wh
    while pack.soc < START_SOC:
        if pack.charge(params.pack.ac_max_power_kw, False, 1.0, LAB_AMBIENT_C).phase == "DONE":
            break
    km = drive.distance_m / 1000.0
    grid_kwh = (pack.grid_wh - grid_before) / 1000.0
    return ConsumptionResult(cycle.name, km, driven_kwh, grid_kwh, grid_kwh / km * 100.0)
