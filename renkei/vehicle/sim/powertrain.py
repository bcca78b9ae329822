"""Longitudinal dynamics and the electric drive: how much battery power a speed trace costs.

Flow: each step the driver asks for an acceleration; `Powertrain.step` turns it into wheel
force (inertia + rolling resistance + aerodynamic drag + grade), limits it by what the motor
can give (peak torque, peak power) or take back (regenerative braking limit, fading at low
speed; the rest goes to friction brakes), then converts mechanical power into electrical
power through the gearbox and a speed-torque efficiency map of motor and inverter.

    F = m_eff a + m g (Crr cos(theta) + sin(theta)) + 1/2 rho CdA v^2
    P_elec = P_mech / (eta_gear eta_motor(w, T))        (traction)
    P_elec = P_mech  eta_gear eta_motor(w, T)           (regeneration, P_mech < 0)

    >>> from renkei.vehicle.sim.params import builtin_vehicle
    >>> drive = Powertrain(builtin_vehicle("byd_atto3"))
    >>> state = drive.step(speed_ms=0.0, target_ms=1.0, dt=1.0)
    >>> round(state.speed_ms, 2), state.electric_power_w > 0
    (1.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from renkei.vehicle.sim.params import VehicleParams

GRAVITY = 9.81
AIR_DENSITY = 1.2
# Loss model of a permanent-magnet motor with its inverter, as fractions of peak power at
# the reference efficiency 0.95: copper losses at peak torque, iron + friction losses at top
# speed, and a constant switching/control loss while the drive is energised.
COPPER_AT_PEAK_TORQUE = 0.05
IRON_AT_MAX_SPEED = 0.008
CONSTANT_LOSS = 0.0005


@dataclass
class DriveState:
    speed_ms: float
    acceleration_ms2: float
    motor_speed_rpm: float
    motor_torque_nm: float
    mechanical_power_w: float
    electric_power_w: float  # drawn from the DC bus (negative = regenerated)
    friction_brake_power_w: float
    distance_m: float


class Powertrain:
    def __init__(self, params: VehicleParams, *, test_mass: bool = True) -> None:
        body, motor = params.body, params.motor
        self.mass = body.mass_kg + (body.test_load_kg if test_mass else 0.0)
        self.inertial_mass = self.mass * body.rotating_mass_factor
        self.cda = body.drag_area_m2
        self.crr = body.rolling_resistance
        self.radius = body.wheel_radius_m
        self.ratio = motor.gear_ratio
        self.gear_eff = motor.gearbox_efficiency
        self.peak_power = motor.peak_power_kw * 1000.0
        self.peak_torque = motor.peak_torque_nm
        self.max_omega = motor.max_speed_rpm * math.pi / 30.0
        self.regen_power = motor.regen_power_kw * 1000.0
        self.regen_fade_ms = motor.regen_fade_kmh / 3.6
        self.k_copper = COPPER_AT_PEAK_TORQUE * self.peak_power / self.peak_torque**2
        self.k_iron = IRON_AT_MAX_SPEED * self.peak_power / math.pow(self.max_omega, 1.5)
        self.p_constant = CONSTANT_LOSS * self.peak_power
        # Scale every loss so the best point of the map equals the stated peak efficiency:
        # losses scale as (1 - eta) / eta at a fixed mechanical power.
        best = self.best_efficiency()
        scale = ((1.0 - motor.peak_efficiency) / motor.peak_efficiency) / ((1.0 - best) / best)
        self.k_copper *= scale
        self.k_iron *= scale
        self.p_constant *= scale
        self.distance_m = 0.0

    def best_efficiency(self) -> float:
        rpm_max = self.max_omega * 30.0 / math.pi
        return max(
            self.efficiency(rpm_max * i / 40.0, self.peak_torque * j / 40.0) for i in range(1, 40) for j in range(1, 41)
        )

    def motor_loss_w(self, omega: float, torque: float) -> float:
        """Motor + inverter losses at a motor speed (rad/s) and torque (N m)."""
        if torque == 0.0 and omega == 0.0:
            return 0.0
        return self.p_constant + self.k_copper * torque * torque + self.k_iron * math.pow(abs(omega), 1.5)

    def efficiency(self, rpm: float, torque: float) -> float:
        """Motor + inverter efficiency at one point of the speed-torque map (0..1)."""
        omega = rpm * math.pi / 30.0
        mech = abs(omega * torque)
        if mech == 0.0:
            return 0.0
        loss = self.motor_loss_w(omega, torque)
        return mech / (mech + loss)

    def road_load_n(self, speed_ms: float, grade: float = 0.0) -> float:
        theta = math.atan(grade)
        rolling = self.mass * GRAVITY * self.crr * math.cos(theta) if speed_ms > 0.01 else 0.0
        return rolling + self.mass * GRAVITY * math.sin(theta) + 0.5 * AIR_DENSITY * self.cda * speed_ms * speed_ms

    def max_traction_force(self, speed_ms: float) -> float:
        omega = speed_ms / self.radius * self.ratio
        if omega >= self.max_omega:
            return 0.0
        torque = self.peak_torque
        if omega * torque > self.peak_power:
            torque = self.peak_power / omega
        return torque * self.ratio * self.gear_eff / self.radius

    def step(self, speed_ms: float, target_ms: float, dt: float, grade: float = 0.0) -> DriveState:
        """Advance one step towards `target_ms`, limited by what the drive can do."""
        wanted_acc = (target_ms - speed_ms) / dt
        load = self.road_load_n(speed_ms, grade)
        force = self.inertial_mass * wanted_acc + load
        limit = self.max_traction_force(speed_ms)
        if force > limit:
            force = limit
        acc = (force - load) / self.inertial_mass
        new_speed = speed_ms + acc * dt
        if new_speed < 0.0:
            new_speed, acc = 0.0, -speed_ms / dt
            force = self.inertial_mass * acc + load
        mean_speed = 0.5 * (speed_ms + new_speed)
        self.distance_m += mean_speed * dt
        omega = mean_speed / self.radius * self.ratio
        wheel_power = force * mean_speed
        friction = 0.0
        if wheel_power >= 0.0:
            mech = wheel_power / self.gear_eff
            torque = mech / omega if omega > 1e-3 else 0.0
            electric = mech + self.motor_loss_w(omega, torque) if mech > 0.0 else 0.0
        else:
            fade = 1.0 if mean_speed >= self.regen_fade_ms else mean_speed / max(self.regen_fade_ms, 1e-6)
            regen = max(wheel_power, -self.regen_power * fade)
            friction = regen - wheel_power
            mech = regen * self.gear_eff
            torque = mech / omega if omega > 1e-3 else 0.0
            electric = mech + self.motor_loss_w(omega, torque) if mech < 0.0 else 0.0
            if electric > 0.0:  # losses larger than what regeneration brings back
                electric = 0.0
        rpm = omega * 30.0 / math.pi
        return DriveState(new_speed, acc, rpm, torque, mech, electric, friction, self.distance_m)
