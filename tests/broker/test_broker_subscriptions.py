"""Subscriptions: initial values, patterns, bounded queues, throttling, isolation."""

from __future__ import annotations

import asyncio
import time

import pytest

from renkei.broker import Broker, BrokerError, ErrorCode


async def test_new_subscription_first_receives_current_values(broker: Broker) -> None:
    broker.publish({"Vehicle.Speed": 12, "Vehicle.Cabin.Fan": 3})
    async with broker.subscribe(["Vehicle.Speed", "Vehicle.Cabin.*"]) as sub:
        first = await anext(sub)
        assert {p: d.value for p, d in first.items()} == {"Vehicle.Speed": 12.0, "Vehicle.Cabin.Fan": 3}
        broker.publish({"Vehicle.Cabin.Fan": 4, "Vehicle.IsMoving": True})
        second = await anext(sub)
        assert {p: d.value for p, d in second.items()} == {"Vehicle.Cabin.Fan": 4}
    assert broker.stats().subscribers == 0


async def test_wildcard_and_branch_subscriptions(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Cabin.Door.**.IsLocked"])
    broker.publish(
        {"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": True, "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": False}
    )
    assert set(await anext(sub)) == {"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"}


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("Vehicle.Nothing", ErrorCode.NOT_FOUND),
        ("Vehicle.*.Nothing", ErrorCode.NOT_FOUND),
        ("Vehicle..", ErrorCode.INVALID_ARGUMENT),
    ],
)
async def test_bad_subscriptions(broker: Broker, pattern: str, code: ErrorCode) -> None:
    with pytest.raises(BrokerError) as caught:
        broker.subscribe([pattern])
    assert caught.value.code is code


@pytest.mark.parametrize(("size", "interval"), [(0, 0.0), (10, -1.0), (10, float("nan"))])
async def test_bad_subscription_options(broker: Broker, size: int, interval: float) -> None:
    with pytest.raises(BrokerError) as caught:
        broker.subscribe(["Vehicle.Speed"], queue_size=size, min_interval=interval)
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT


async def test_full_queue_drops_oldest_and_counts(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Odometer"], queue_size=3, name="slow-app")
    for i in range(10):
        broker.publish({"Vehicle.Odometer": float(i)})
    kept = [sub.get_nowait() for _ in range(3)]
    assert [b["Vehicle.Odometer"].value for b in kept if b] == [7.0, 8.0, 9.0]
    assert sub.dropped == 7
    assert broker.stats().dropped == {"slow-app": 7}


async def test_a_stuck_subscriber_never_delays_publishers_or_others(broker: Broker) -> None:
    stuck = broker.subscribe(["Vehicle.Odometer"], queue_size=8)  # never read
    lively = broker.subscribe(["Vehicle.Odometer"], queue_size=100_000)
    received: list[float] = []

    async def consume() -> None:
        async for batch in lively:
            received.append(batch["Vehicle.Odometer"].value)  # type: ignore[arg-type]
            if len(received) == 20_000:
                return

    consumer = asyncio.create_task(consume())
    started = time.perf_counter()
    for i in range(20_000):
        broker.publish({"Vehicle.Odometer": float(i)})
        if i % 100 == 0:
            await asyncio.sleep(0)
    publish_time = time.perf_counter() - started
    await asyncio.wait_for(consumer, 5)
    assert received == [float(i) for i in range(20_000)]
    assert stuck.dropped == 20_000 - 8
    # Bounded work per publish: the stuck queue never grows past its size.
    assert len(stuck._queue) == 8
    assert publish_time < 5  # generous: only guards against blocking, not a speed goal


async def test_min_interval_merges_to_latest_values(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Odometer", "Vehicle.Speed"], min_interval=0.05)
    broker.publish({"Vehicle.Odometer": 0.0})
    first = await anext(sub)
    assert first["Vehicle.Odometer"].value == 0.0
    for i in range(1, 50):
        broker.publish({"Vehicle.Odometer": float(i)})
    broker.publish({"Vehicle.Speed": 7})
    assert sub.get_nowait() is None  # held back until the interval has passed
    merged = await asyncio.wait_for(anext(sub), 1)
    assert merged["Vehicle.Odometer"].value == 49.0 and merged["Vehicle.Speed"].value == 7.0


async def test_many_concurrent_subscribers_and_publishers(broker: Broker) -> None:
    subs = [broker.subscribe(["Vehicle"], queue_size=10_000) for _ in range(50)]

    async def publisher(offset: int) -> None:
        for i in range(200):
            broker.publish({"Vehicle.Odometer": float(offset + i)})
            await asyncio.sleep(0)

    await asyncio.gather(*(publisher(k * 1000) for k in range(5)))
    for sub in subs:
        seen = []
        while (batch := sub.get_nowait()) is not None:
            seen.extend(d.value for p, d in batch.items() if p == "Vehicle.Odometer")
        assert len(seen) == 1000 and sub.dropped == 0
    for sub in subs:
        sub.close()
    assert broker.stats().subscribers == 0


async def test_closing_wakes_a_waiting_consumer(broker: Broker) -> None:
    sub = broker.subscribe(["Vehicle.Speed"])
    waiter = asyncio.create_task(anext(sub))
    await asyncio.sleep(0)
    sub.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiter, 1)
