"""The default safety rules against the built-in catalog's real paths."""

from __future__ import annotations

import pytest

from renkei.broker import DEFAULT_RULES, Broker, BrokerError, ErrorCode
from renkei.vss import Value, load_default_catalog


def test_every_rule_targets_real_actuators() -> None:
    catalog = load_default_catalog()
    for rule in DEFAULT_RULES:
        assert catalog.match(rule.pattern), f"safety rule {rule.pattern} matches nothing in the catalog"


@pytest.mark.parametrize(
    ("path", "value", "refused"),
    [
        ("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", True, True),
        ("Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked", False, True),
        ("Vehicle.Body.Trunk.Rear.IsOpen", True, True),
        ("Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsFlapOpen", True, True),
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 50, False),  # windows may move
        ("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", True, False),
    ],
)
async def test_moving_vehicle_refuses_only_risky_actions(path: str, value: Value, refused: bool) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()

    async def confirm(values: dict[str, Value]) -> None:
        broker.publish(values)

    broker.provide(["Vehicle.Cabin", "Vehicle.Body", "Vehicle.Powertrain.TractionBattery.Charging"], confirm)
    broker.publish({"Vehicle.Speed": 60.0})
    if refused:
        with pytest.raises(BrokerError) as caught:
            await broker.actuate({path: value})
        assert caught.value.code is ErrorCode.FAILED_PRECONDITION
    else:
        await broker.actuate({path: value})
