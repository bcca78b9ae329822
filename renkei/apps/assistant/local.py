"""A car in this process for `renkei ask`, tests and benchmarks: a broker on the default
catalog and a stand-in vehicle that confirms every actuation at once.

The stand-in claims every actuator the assistant can touch (except the HMI signals the
assistant itself provides) and publishes each requested value as the current one, the
way a real adapter reports the position it reached.

    async with local_car({"Vehicle.Speed": 0.0}) as car:
        result = await ask(car.client, "open my window")
        car.changes    # [('Vehicle.Cabin.Door.Row1.DriverSide.Window.Position', 100)]
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vss import EntryType, Value, load_default_catalog

# Branches the stand-in vehicle serves; HMI assistant/profile signals are left to their apps.
VEHICLE_BRANCHES = ("Vehicle.Cabin", "Vehicle.Body", "Vehicle.Powertrain")
NOT_VEHICLE = "Vehicle.Cabin.Infotainment.HMI."

# A parked car on a mild day with half a battery: the state test sets start from.
PARKED: dict[str, Value] = {
    "Vehicle.Speed": 0.0,
    "Vehicle.IsMoving": False,
    "Vehicle.Exterior.AirTemperature": 12.0,
    "Vehicle.Cabin.HVAC.AmbientAirTemperature": 20.5,
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 64.0,
    "Vehicle.Powertrain.TractionBattery.Range": 312000,
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": False,
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsChargingCableConnected": True,
}


@dataclass
class LocalCar:
    broker: Broker
    client: InProcessClient
    changes: list[tuple[str, Value]] = field(default_factory=list)

    def reset_changes(self) -> None:
        self.changes.clear()


@contextlib.asynccontextmanager
async def local_car(state: Mapping[str, Value] | None = None) -> AsyncIterator[LocalCar]:
    broker = Broker(load_default_catalog())
    await broker.start()
    client = InProcessClient(broker, name="assistant")
    car = LocalCar(broker, client)

    async def confirm(values: dict[str, Value]) -> None:
        car.changes.extend(values.items())
        broker.publish(values)

    paths = [
        s.path
        for branch in VEHICLE_BRANCHES
        for s in broker.catalog.match(branch)
        if s.entry_type is EntryType.ACTUATOR and not s.path.startswith(NOT_VEHICLE)
    ]
    provider = broker.provide(paths, confirm, name="local-vehicle")
    initial = dict(PARKED)
    initial.update(state or {})
    broker.publish(initial)
    try:
        yield car
    finally:
        provider.close()
        await broker.stop()
