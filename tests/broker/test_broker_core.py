"""Datapoints, batches, change types, actuation and providers."""

from __future__ import annotations

import asyncio

import pytest

from renkei.broker import Broker, BrokerError, ErrorCode, Field
from renkei.vss import Value


async def test_publish_and_get_batches_atomically(broker: Broker) -> None:
    broker.publish({"Vehicle.Speed": 10, "Vehicle.IsMoving": True}, timestamp=100.0)
    got = broker.get(["Vehicle.Speed", "Vehicle.IsMoving", "Vehicle.Cabin.Fan"])
    assert got["Vehicle.Speed"] == (10.0, 100.0)
    assert got["Vehicle.IsMoving"] == (True, 100.0)
    assert got["Vehicle.Cabin.Fan"] is None
    # one bad entry: nothing of the batch is applied
    with pytest.raises(BrokerError) as caught:
        broker.publish({"Vehicle.Speed": 20, "Vehicle.IsMoving": "yes"})
    assert (caught.value.code, caught.value.path) == (ErrorCode.INVALID_ARGUMENT, "Vehicle.IsMoving")
    assert broker.get(["Vehicle.Speed"])["Vehicle.Speed"].value == 10.0  # type: ignore[union-attr]


async def test_get_accepts_branches_and_wildcards(broker: Broker) -> None:
    broker.publish({"Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": False})
    got = broker.get(["Vehicle.Cabin.Door.*.*.IsOpen"])
    assert set(got) == {"Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", "Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen"}


@pytest.mark.parametrize(
    ("values", "code", "path"),
    [
        ({"Vehicle.Sped": 1.0}, ErrorCode.NOT_FOUND, "Vehicle.Sped"),
        ({"Vehicle.Speed": 301}, ErrorCode.INVALID_ARGUMENT, "Vehicle.Speed"),
        ({"Vehicle.Speed": float("nan")}, ErrorCode.INVALID_ARGUMENT, "Vehicle.Speed"),
        ({"Vehicle.Cabin.Mode": "TURBO"}, ErrorCode.INVALID_ARGUMENT, "Vehicle.Cabin.Mode"),
        ({"Vehicle.Tags": ["a", 2]}, ErrorCode.INVALID_ARGUMENT, "Vehicle.Tags"),
        ({"Vehicle." + "Deep." * 300 + "Leaf": 1}, ErrorCode.NOT_FOUND, "Vehicle." + ("Deep." * 300)[:248]),
    ],
)
async def test_bad_writes_name_path_and_rule(
    broker: Broker, values: dict[str, Value], code: ErrorCode, path: str
) -> None:
    with pytest.raises(BrokerError) as caught:
        broker.publish(values)
    assert caught.value.code is code
    assert caught.value.path == path


async def test_hostile_keys_and_batches(broker: Broker) -> None:
    with pytest.raises(BrokerError) as caught:
        broker.publish({42: 1.0})  # type: ignore[dict-item]
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
    with pytest.raises(BrokerError, match="exceeds the limit"):
        broker.publish({f"Vehicle.X{i}": 1 for i in range(100_001)})
    with pytest.raises(BrokerError, match="empty segment 2") as caught:
        broker.get(["Vehicle..Speed"])
    assert caught.value.rule == "pattern"


async def test_onchange_skips_repeats_continuous_does_not(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Speed", "Vehicle.Odometer"])
    for _ in range(3):
        broker.publish({"Vehicle.Speed": 5.0, "Vehicle.Odometer": 1.0})
    batches = [sub.get_nowait() for _ in range(3)]
    assert batches[0] is not None and set(batches[0]) == {"Vehicle.Speed", "Vehicle.Odometer"}
    assert batches[1] is not None and set(batches[1]) == {"Vehicle.Odometer"}
    assert batches[2] is not None and set(batches[2]) == {"Vehicle.Odometer"}
    assert sub.get_nowait() is None


async def test_attribute_defaults_are_current_values(broker: Broker) -> None:
    assert broker.get(["Vehicle.VIN"])["Vehicle.VIN"].value == "LSVTEST0000000001"  # type: ignore[union-attr]


async def test_actuation_goes_to_the_provider_and_both_values_are_observable(broker: Broker) -> None:
    requests: list[dict[str, Value]] = []

    async def confirm(values: dict[str, Value]) -> None:
        requests.append(values)
        await asyncio.sleep(0)
        broker.publish(values)

    targets = broker.subscribe(["Vehicle.Cabin"], field=Field.TARGET)
    provider = broker.provide(["Vehicle.Cabin.Temperature", "Vehicle.Cabin.Fan"], confirm, name="hvac")
    await broker.actuate({"Vehicle.Cabin.Temperature": 22, "Vehicle.Cabin.Fan": 40})
    assert requests == [{"Vehicle.Cabin.Temperature": 22.0, "Vehicle.Cabin.Fan": 40}]
    assert broker.get(["Vehicle.Cabin.Temperature"], field=Field.TARGET)["Vehicle.Cabin.Temperature"].value == 22.0  # type: ignore[union-attr]
    assert broker.get(["Vehicle.Cabin.Temperature"])["Vehicle.Cabin.Temperature"].value == 22.0  # type: ignore[union-attr]
    batch = await anext(targets)
    assert batch["Vehicle.Cabin.Fan"].value == 40
    provider.close()
    assert broker.stats().providers == 0


async def test_actuation_errors(broker: Broker) -> None:
    with pytest.raises(BrokerError) as caught:
        await broker.actuate({"Vehicle.Cabin.Fan": 10})
    assert caught.value.code is ErrorCode.UNAVAILABLE
    with pytest.raises(BrokerError) as caught:
        await broker.actuate({"Vehicle.Speed": 10})
    assert (caught.value.code, caught.value.rule) == (ErrorCode.INVALID_ARGUMENT, "not-actuator")


async def test_batch_actuation_is_all_or_nothing(broker: Broker) -> None:
    seen: list[dict[str, Value]] = []

    async def record(values: dict[str, Value]) -> None:
        seen.append(values)

    broker.provide(["Vehicle.Cabin.Fan"], record)
    # Temperature has no provider: the Fan request must not be sent either
    with pytest.raises(BrokerError) as caught:
        await broker.actuate({"Vehicle.Cabin.Fan": 10, "Vehicle.Cabin.Temperature": 20})
    assert (caught.value.code, caught.value.path) == (ErrorCode.UNAVAILABLE, "Vehicle.Cabin.Temperature")
    with pytest.raises(BrokerError):
        await broker.actuate({"Vehicle.Cabin.Fan": 10, "Vehicle.Cabin.Mode": "TURBO"})
    assert seen == []
    assert broker.get(["Vehicle.Cabin.Fan"], field=Field.TARGET)["Vehicle.Cabin.Fan"] is None


async def test_claims_are_exclusive_and_released(broker: Broker) -> None:
    first = broker.provide(["Vehicle.Cabin.Door"])
    with pytest.raises(BrokerError) as caught:
        broker.provide(["Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen"])
    assert caught.value.code is ErrorCode.ALREADY_EXISTS
    first.close()
    broker.provide(["Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen"])


async def test_provider_leaving_tells_subscribers_values_are_gone(broker: Broker) -> None:
    provider = broker.provide(["Vehicle.Speed"])
    broker.publish({"Vehicle.Speed": 30})
    sub = broker.subscribe(["Vehicle.Speed"])
    assert (await anext(sub))["Vehicle.Speed"].value == 30.0
    provider.close()
    gone = await asyncio.wait_for(anext(sub), 1)
    assert gone["Vehicle.Speed"].value is None


async def test_failing_provider_is_reported_as_unavailable(broker: Broker) -> None:
    async def broken(values: dict[str, Value]) -> None:
        raise RuntimeError("motor stalled")

    broker.provide(["Vehicle.Cabin.Fan"], broken, name="fan-ecu")
    with pytest.raises(BrokerError, match="fan-ecu failed: motor stalled") as caught:
        await broker.actuate({"Vehicle.Cabin.Fan": 10})
    assert caught.value.code is ErrorCode.UNAVAILABLE


async def test_safety_rules_refuse_doors_while_moving(broker: Broker) -> None:
    async def ok(values: dict[str, Value]) -> None:
        broker.publish(values)

    broker.provide(["Vehicle.Cabin.Door"], ok)
    broker.publish({"Vehicle.Speed": 40})
    with pytest.raises(BrokerError) as caught:
        await broker.actuate({"Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": True})
    assert caught.value.code is ErrorCode.FAILED_PRECONDITION
    assert "while the vehicle moves" in caught.value.message
    await broker.actuate({"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": True})  # locking is always fine
    broker.publish({"Vehicle.Speed": 0})
    await broker.actuate({"Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": True})


async def test_threadsafe_publish(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Odometer"], queue_size=10_000)

    def feeder() -> None:
        for i in range(500):
            broker.publish_threadsafe({"Vehicle.Odometer": float(i)}).result(timeout=5)

    await asyncio.gather(asyncio.to_thread(feeder), asyncio.to_thread(feeder))
    values = []
    while (batch := sub.get_nowait()) is not None:
        values.append(batch["Vehicle.Odometer"].value)
    assert len(values) == 1000
    bad = broker.publish_threadsafe({"Vehicle.Odometer": "far"})
    with pytest.raises(BrokerError):
        bad.result(timeout=1)


async def test_stop_ends_streams_with_unavailable(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Speed"])
    waiting = asyncio.create_task(anext(sub))
    await asyncio.sleep(0)
    await broker.stop()
    with pytest.raises(BrokerError) as caught:
        await asyncio.wait_for(waiting, 1)
    assert caught.value.code is ErrorCode.UNAVAILABLE
