"""Safety rules: actuations refused while the vehicle state makes them unsafe.

Rules are data: a path pattern, the requested values that are risky, and the
state check. The broker consults them for every actuation, whoever asks.

    >>> rule = DEFAULT_RULES[0]
    >>> rule.pattern, rule.risky_values
    ('Vehicle.Cabin.Door.*.*.IsOpen', (True,))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from renkei.vss.model import Value
from renkei.vss.patterns import compile_pattern

# Reads the current value of a path (None when unknown).
StateReader = Callable[[str], Value | None]

MOVING_KMH = 3.0


def vehicle_is_moving(read: StateReader) -> bool:
    speed = read("Vehicle.Speed")
    if isinstance(speed, int | float) and not isinstance(speed, bool) and abs(speed) > MOVING_KMH:
        return True
    return read("Vehicle.IsMoving") is True


@dataclass(frozen=True)
class SafetyRule:
    pattern: str
    risky_values: tuple[Value, ...]
    unsafe_when: Callable[[StateReader], bool]
    reason: str

    def refuses(self, path: str, value: Value, read: StateReader) -> str | None:
        if value not in self.risky_values or not compile_pattern(self.pattern).matches(path):
            return None
        return self.reason if self.unsafe_when(read) else None


DEFAULT_RULES: tuple[SafetyRule, ...] = (
    # Door.RowN.Side.IsOpen only: windows and shades below a door may move while driving.
    SafetyRule(
        "Vehicle.Cabin.Door.*.*.IsOpen", (True,), vehicle_is_moving, "doors cannot open while the vehicle moves"
    ),
    SafetyRule(
        "Vehicle.Cabin.Door.*.*.IsLocked", (False,), vehicle_is_moving, "doors cannot unlock while the vehicle moves"
    ),
    SafetyRule(
        "Vehicle.Body.Trunk.*.IsOpen", (True,), vehicle_is_moving, "the trunk cannot open while the vehicle moves"
    ),
    SafetyRule("Vehicle.Body.Hood.IsOpen", (True,), vehicle_is_moving, "the hood cannot open while the vehicle moves"),
    SafetyRule(
        "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.*.IsFlapOpen",
        (True,),
        vehicle_is_moving,
        "the charge port cannot open while the vehicle moves",
    ),
)
