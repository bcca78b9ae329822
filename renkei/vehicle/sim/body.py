"""Body electronics: doors, locks, windows, seats, mirrors, lights, trunk and charge port.

Flow: a request (from an app through the broker, or a scenario event acting as the driver)
sets a target with `Body.request(path, value)`; motors then move at realistic rates in
`Body.step(dt)`, and `Body.values()` reports the positions reached. Requests the body cannot
honour raise `BodyRefusal` naming the path and the reason (a window while a door is open,
when so configured; a door or trunk while the car moves).

    >>> body = Body()
    >>> body.request("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 100, moving=False)
    100
    >>> body.step(2.0)
    >>> body.values()["Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"]
    50
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from renkei.vss import Value

DOORS = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
WINDOW_RATE = 25.0  # % per second: a full stroke takes about 4 s
SEAT_POSITION_RATE = 20.0  # mm/s
SEAT_HEIGHT_RATE = 10.0  # mm/s
RECLINE_RATE = 3.0  # degrees/s
MIRROR_RATE = 20.0  # %/s
TRUNK_SECONDS = 4.0

SEAT_LIMITS = {"Position": (0.0, 300.0), "Height": (0.0, 80.0), "Backrest.Recline": (-10.0, 40.0)}
SEAT_RATES = {"Position": SEAT_POSITION_RATE, "Height": SEAT_HEIGHT_RATE, "Backrest.Recline": RECLINE_RATE}


class BodyRefusal(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Mover:
    """An actuator that moves at a fixed rate towards its target."""

    value: float
    target: float
    rate: float

    def step(self, dt: float) -> None:
        gap = self.target - self.value
        stride = self.rate * dt
        self.value = self.target if abs(gap) <= stride else self.value + (stride if gap > 0 else -stride)


class Body:
    def __init__(self, *, window_needs_closed_doors: bool = True) -> None:
        self.window_needs_closed_doors = window_needs_closed_doors
        self.switches: dict[str, Value] = {}
        self.movers: dict[str, Mover] = {}
        for door in DOORS:
            base = f"Vehicle.Cabin.Door.{door}"
            self.switches[f"{base}.IsOpen"] = False
            self.switches[f"{base}.IsLocked"] = True
            self.movers[f"{base}.Window.Position"] = Mover(0.0, 0.0, WINDOW_RATE)
        for seat in ("Row1.DriverSide", "Row1.PassengerSide"):
            for leaf, (low, high) in SEAT_LIMITS.items():
                start = (low + high) / 2 if leaf != "Backrest.Recline" else 20.0
                self.movers[f"Vehicle.Cabin.Seat.{seat}.{leaf}"] = Mover(start, start, SEAT_RATES[leaf])
        for side in ("DriverSide", "PassengerSide"):
            self.movers[f"Vehicle.Body.Mirrors.{side}.Pan"] = Mover(0.0, 0.0, MIRROR_RATE)
            self.movers[f"Vehicle.Body.Mirrors.{side}.Tilt"] = Mover(0.0, 0.0, MIRROR_RATE)
            self.switches[f"Vehicle.Body.Mirrors.{side}.IsFolded"] = False
        self.switches.update(
            {
                "Vehicle.Body.Lights.LightSwitch": "AUTO",
                "Vehicle.Body.Lights.Beam.Low.IsOn": False,
                "Vehicle.Body.Lights.Beam.High.IsOn": False,
                "Vehicle.Body.Lights.Hazard.IsSignaling": False,
                "Vehicle.Body.Lights.Running.IsOn": True,
                "Vehicle.Cabin.Light.IsDomeOn": False,
                "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.IsLightOn": False,
                "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Intensity": 50,
                "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Color": "#FFFFFF",
                "Vehicle.Body.Trunk.Rear.IsLocked": True,
                "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsChargingCableLocked": False,
            }
        )
        self.trunk_open = Mover(0.0, 0.0, 1.0 / TRUNK_SECONDS)
        self._cable_connected = False
        self._cache: dict[str, Value] | None = None  # values() is rebuilt only after a change

    @property
    def cable_connected(self) -> bool:
        return self._cable_connected

    @cable_connected.setter
    def cable_connected(self, value: bool) -> None:
        self._cable_connected = value
        self._cache = None

    def any_door_open(self) -> bool:
        return any(self.switches[f"Vehicle.Cabin.Door.{d}.IsOpen"] for d in DOORS)

    def actuator_paths(self) -> list[str]:
        return sorted([*self.switches, *self.movers, "Vehicle.Body.Trunk.Rear.IsOpen"])

    def request(self, path: str, value: Value, *, moving: bool) -> Value:
        """Set a target; returns the value accepted (clamped where the hardware stops)."""
        self._cache = None
        if path in self.movers:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise BodyRefusal(path, f"expects a number, got {value!r}")
            if path.endswith("Window.Position") and self.window_needs_closed_doors and self.any_door_open():
                raise BodyRefusal(path, "windows do not move while a door is open")
            mover = self.movers[path]
            leaf = ".".join(path.split(".Seat.", 1)[1].split(".")[2:]) if ".Seat." in path else ""
            low, high = SEAT_LIMITS.get(leaf, (-100.0, 100.0) if ".Mirrors." in path else (0.0, 100.0))
            mover.target = min(max(float(value), low), high)
            return type(value)(mover.target) if isinstance(value, int) else mover.target
        if path == "Vehicle.Body.Trunk.Rear.IsOpen":
            if value is True and moving:
                raise BodyRefusal(path, "the trunk does not open while the vehicle moves")
            if value is True and self.switches["Vehicle.Body.Trunk.Rear.IsLocked"]:
                self.switches["Vehicle.Body.Trunk.Rear.IsLocked"] = False
            self.trunk_open.target = 1.0 if value else 0.0
            return value
        if path not in self.switches:
            raise BodyRefusal(path, "not a body actuator of this vehicle")
        if path.endswith(".IsOpen") and value is True:
            if moving:
                raise BodyRefusal(path, "doors do not open while the vehicle moves")
            door_lock = path.replace(".IsOpen", ".IsLocked")
            self.switches[door_lock] = False  # opening from inside unlatches the lock
        if path.endswith(".IsLocked") and value is False and moving:
            raise BodyRefusal(path, "doors stay locked while the vehicle moves")
        self.switches[path] = value
        if path == "Vehicle.Body.Lights.LightSwitch":
            self.switches["Vehicle.Body.Lights.Beam.Low.IsOn"] = value == "BEAM"
        return value

    def step(self, dt: float) -> None:
        for mover in self.movers.values():
            if mover.value != mover.target:
                mover.step(dt)
                self._cache = None
        if self.trunk_open.value != self.trunk_open.target:
            self.trunk_open.step(dt)
            self._cache = None

    def values(self) -> dict[str, Value]:
        if self._cache is None:
            self._cache = self._build_values()
        return self._cache

    def _build_values(self) -> dict[str, Value]:
        out: dict[str, Value] = dict(self.switches)
        for path, mover in self.movers.items():
            if ".Seat." in path and not path.endswith("Recline"):
                out[path] = round(mover.value)
            elif path.endswith("Recline"):
                out[path] = round(mover.value, 1)
            else:
                out[path] = round(mover.value)
        for door in DOORS:
            out[f"Vehicle.Cabin.Door.{door}.Window.IsOpen"] = (
                self.movers[f"Vehicle.Cabin.Door.{door}.Window.Position"].value > 0.5
            )
        out["Vehicle.Body.Trunk.Rear.IsOpen"] = self.trunk_open.value > 0.05
        out["Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsChargingCableConnected"] = (
            self.cable_connected
        )
        return out
