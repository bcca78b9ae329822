"""Traction battery: an equivalent-circuit pack with temperature, and CC-CV charging.

Flow: every cell is open-circuit voltage OCV(SOC) in series with R0 and two RC pairs; the
pack is `series` x `parallel` identical cells. `discharge(power)` solves the current that
delivers a power at the terminals, `charge(limit)` runs constant current (the allowed C-rate
tapers with SOC and falls in the cold, and the charger's power caps it) until the cell hits
its top voltage, then constant voltage until the current falls to C/20. Losses heat a lumped
thermal mass that cools to ambient. Current is positive when discharging.

    v = OCV(soc) - v1 - v2 - R0 i,     dv_k/dt = (R_k i - v_k) / tau_k,     dsoc/dt = -i / (3600 Q)

    >>> from renkei.vehicle.sim.params import builtin_vehicle
    >>> pack = Battery(builtin_vehicle("byd_atto3").pack, soc=0.5)
    >>> pack.discharge(20_000.0, 1.0) > 0
    True
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from renkei.vehicle.sim.params import CellParams, PackParams


def interpolate(xs: tuple[float, ...], ys: tuple[float, ...], x: float) -> float:
    """Piecewise-linear interpolation, clamped at both ends."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect_right(xs, x) - 1
    x0, x1 = xs[i], xs[i + 1]
    return ys[i] + (ys[i + 1] - ys[i]) * (x - x0) / (x1 - x0)


@dataclass
class ChargeResult:
    current_a: float  # into the pack (positive)
    power_w: float  # at the pack terminals
    grid_power_w: float  # drawn from the charger input
    phase: str  # "CC", "CV" or "DONE"


class EquivalentCircuit:
    """`series` x `parallel` cells of one `CellParams`, plus a lumped thermal mass."""

    def __init__(
        self,
        cell: CellParams,
        series: int = 1,
        parallel: int = 1,
        *,
        soc: float = 0.5,
        temperature_c: float = 25.0,
        heat_capacity_j_per_k: float = 1000.0,
        cooling_w_per_k: float = 0.0,
    ) -> None:
        if len(cell.ocv_soc) != len(cell.ocv_v):
            raise ValueError("cell: ocv_soc and ocv_v must have the same length")
        if any(b <= a for a, b in zip(cell.ocv_soc, cell.ocv_soc[1:], strict=False)):
            raise ValueError("cell: ocv_soc must be strictly increasing")
        self.cell = cell
        self.series = series
        self.parallel = parallel
        self.capacity_ah = cell.capacity_ah * parallel
        self.soc = min(max(soc, 0.0), cell.ocv_soc[-1])
        self.temperature_c = temperature_c
        self.heat_capacity = heat_capacity_j_per_k
        self.cooling = cooling_w_per_k
        self.v1 = 0.0  # per-cell RC voltages
        self.v2 = 0.0
        self.current_a = 0.0
        self.heat_w = 0.0

    # --- cell quantities -------------------------------------------------------------
    def ocv_cell(self) -> float:
        return interpolate(self.cell.ocv_soc, self.cell.ocv_v, self.soc)

    def _resistance_scale(self) -> float:
        t = self.temperature_c
        if t < 25.0:
            return math.exp(self.cell.resistance_cold_factor * (25.0 - t))
        return max(0.8, 1.0 - 0.004 * (t - 25.0))

    def resistances(self) -> tuple[float, float, float]:
        s = self._resistance_scale()
        return self.cell.r0_ohm * s, self.cell.r1_ohm * s, self.cell.r2_ohm * s

    # --- pack quantities -------------------------------------------------------------
    @property
    def ocv(self) -> float:
        return self.ocv_cell() * self.series

    @property
    def voltage(self) -> float:
        r0 = self.resistances()[0]
        cell_i = self.current_a / self.parallel
        return (self.ocv_cell() - self.v1 - self.v2 - r0 * cell_i) * self.series

    def _advance(self, current_a: float, dt: float, ambient_c: float) -> None:
        r0, r1, r2 = self.resistances()
        cell_i = current_a / self.parallel
        e1 = math.exp(-dt / self.cell.tau1_s)
        e2 = math.exp(-dt / self.cell.tau2_s)
        self.v1 = self.v1 * e1 + r1 * cell_i * (1.0 - e1)
        self.v2 = self.v2 * e2 + r2 * cell_i * (1.0 - e2)
        self.soc -= current_a * dt / (3600.0 * self.capacity_ah)
        self.soc = min(max(self.soc, 0.0), self.cell.ocv_soc[-1])
        cells = self.series * self.parallel
        heat = cells * (r0 * cell_i * cell_i + self.v1 * self.v1 / max(r1, 1e-9) + self.v2 * self.v2 / max(r2, 1e-9))
        self.heat_w = heat
        self.temperature_c += (heat - self.cooling * (self.temperature_c - ambient_c)) * dt / self.heat_capacity
        self.current_a = current_a

    def discharge(self, power_w: float, dt: float, ambient_c: float = 25.0) -> float:
        """Deliver `power_w` at the terminals (negative = absorb); returns the current in A."""
        r0 = self.resistances()[0] * self.series / self.parallel
        emf = (self.ocv_cell() - self.v1 - self.v2) * self.series
        disc = emf * emf - 4.0 * r0 * power_w
        # Beyond the maximum deliverable power (disc < 0) the pack gives what it can.
        current = (emf - math.sqrt(disc)) / (2.0 * r0) if disc > 0.0 else emf / (2.0 * r0)
        self._advance(current, dt, ambient_c)
        return current

    def charge_step(
        self,
        c_rate_limit: float,
        power_limit_w: float,
        dt: float,
        *,
        cutoff_c_rate: float = 0.05,
        ambient_c: float = 25.0,
        nominal_capacity_ah: float | None = None,
    ) -> ChargeResult:
        """One step of CC-CV charging; current is the smallest of C-rate, power and voltage limits."""
        nominal = (nominal_capacity_ah or self.cell.capacity_ah) * self.parallel
        r0, r1, r2 = self.resistances()
        e1 = math.exp(-dt / self.cell.tau1_s)
        e2 = math.exp(-dt / self.cell.tau2_s)
        ocv = self.ocv_cell()
        # Current that puts the terminal voltage exactly at v_max at the end of this step
        # (implicit in the RC response, so CV holds steadily at any step size).
        headroom = self.cell.v_max - ocv + self.v1 * e1 + self.v2 * e2
        cv_cell_a = headroom / (r0 + r1 * (1.0 - e1) + r2 * (1.0 - e2))
        cc_a = c_rate_limit * nominal
        # Current the charger's power allows at the terminal voltage that current itself causes.
        power_a = power_limit_w / max(ocv * self.series, 1.0)
        for _ in range(3):
            cell_i = min(cc_a, power_a) / self.parallel
            cell_v = ocv - self.v1 * e1 - self.v2 * e2 + (r0 + r1 * (1.0 - e1) + r2 * (1.0 - e2)) * cell_i
            power_a = power_limit_w / max(min(cell_v, self.cell.v_max) * self.series, 1.0)
        current = min(cc_a, power_a, cv_cell_a * self.parallel)
        phase = "CV" if cv_cell_a * self.parallel <= min(cc_a, power_a) else "CC"
        if current <= cutoff_c_rate * nominal and phase == "CV":
            self._advance(0.0, dt, ambient_c)
            return ChargeResult(0.0, 0.0, 0.0, "DONE")
        current = max(current, 0.0)
        self._advance(-current, dt, ambient_c)
        power = current * self.voltage
        return ChargeResult(current, power, power, phase)


class Battery(EquivalentCircuit):
    """The traction pack of a vehicle: adds energy bookkeeping, displayed SOC and charging."""

    def __init__(self, pack: PackParams, *, soc: float = 0.8, temperature_c: float = 25.0) -> None:
        super().__init__(
            pack.cell,
            pack.series,
            pack.parallel,
            soc=soc,
            temperature_c=temperature_c,
            heat_capacity_j_per_k=pack.heat_capacity_j_per_k,
            cooling_w_per_k=pack.cooling_w_per_k,
        )
        self.pack = pack
        self.consumed_wh = 0.0
        self.charged_wh = 0.0
        self.consumed_ah = 0.0
        self.charged_ah = 0.0
        self.grid_wh = 0.0
        self.power_w = 0.0

    @property
    def displayed_soc(self) -> float:
        """The dashboard SOC: a 3 % buffer is hidden at each end, as carmakers do."""
        return min(max((self.soc - 0.03) / 0.94, 0.0), 1.0) * 100.0

    @property
    def energy_kwh(self) -> float:
        """Usable energy left, in proportion to the displayed SOC."""
        return self.pack.usable_energy_kwh * self.displayed_soc / 100.0

    def charge_c_rate(self) -> float:
        """Allowed charging C-rate: SOC taper times a cold derating (lithium plating risk)."""
        rate = interpolate(self.pack.charge_c_rate_soc, self.pack.charge_c_rate, self.soc)
        t = self.temperature_c
        if t < 20.0:
            factor = 0.1 + 0.9 * max(t + 5.0, 0.0) / 25.0
            rate *= min(factor, 1.0)
        elif t > 45.0:
            rate *= max(0.2, 1.0 - (t - 45.0) / 15.0)
        return rate

    def drive(self, power_w: float, dt: float, ambient_c: float) -> None:
        current = self.discharge(power_w, dt, ambient_c)
        self.power_w = current * self.voltage
        energy = self.power_w * dt / 3600.0
        if energy >= 0:
            self.consumed_wh += energy
            self.consumed_ah += current * dt / 3600.0
        else:
            self.charged_wh -= energy
            self.charged_ah -= current * dt / 3600.0

    def charge(self, charger_kw: float, dc: bool, dt: float, ambient_c: float, load_w: float = 0.0) -> ChargeResult:
        """Charge from a charger of `charger_kw` while `load_w` (HVAC, aux) also runs."""
        vehicle_limit = self.pack.dc_max_power_kw if dc else self.pack.ac_max_power_kw
        efficiency = self.pack.charger_efficiency_dc if dc else self.pack.charger_efficiency_ac
        available_w = min(charger_kw, vehicle_limit) * 1000.0 * efficiency - load_w
        result = self.charge_step(self.charge_c_rate(), max(available_w, 0.0), dt, ambient_c=ambient_c)
        self.power_w = -result.power_w
        self.charged_wh += result.power_w * dt / 3600.0
        self.charged_ah += result.current_a * dt / 3600.0
        grid = (result.power_w + load_w) / efficiency if result.phase != "DONE" else load_w / efficiency
        self.grid_wh += grid * dt / 3600.0
        return ChargeResult(result.current_a, result.power_w, grid, result.phase)
