"""The whole chain on a bus: car → emitter → CAN frames → adapter → broker → app → CAN → car.

The same small app — lock every door once the car drives faster than 15 km/h —
runs unchanged on a Volkswagen ID.4 (MEB DBC) and a GWM Haval H6 (GWM DBC).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import can
import pytest

from renkei.broker import Broker
from renkei.client import BrokerError, ErrorCode, InProcessClient, VehicleClient
from renkei.vehicle.can import CanAdapter, CanEmitter, load_vehicle_mapping, open_bus
from renkei.vss import Catalog

DOORS = [
    f"Vehicle.Cabin.Door.{row}.{side}.IsLocked" for row in ("Row1", "Row2") for side in ("DriverSide", "PassengerSide")
]


async def door_auto_lock(client: VehicleClient, *, lock_above_kmh: float = 15.0) -> None:
    """A vehicle app that knows nothing about CAN or brands: only VSS signals."""
    locked: dict[str, object] = {}
    async with client.subscribe(["Vehicle.Speed", *DOORS]) as sub:
        async for changes in sub:
            for path, dp in changes.items():
                if path in DOORS and dp is not None:
                    locked[path] = dp.value
            speed = changes.get("Vehicle.Speed")
            if speed is None or not isinstance(speed.value, int | float) or speed.value <= lock_above_kmh:
                continue
            unlocked = [door for door in DOORS if locked.get(door) is not True]
            if unlocked:
                await client.actuate({door: True for door in unlocked})


@dataclass
class Rig:
    car: InProcessClient  # the simulated car's own broker (what its ECUs know)
    platform: InProcessClient  # the platform broker the apps use
    adapter: CanAdapter
    emitter: CanEmitter


@contextlib.asynccontextmanager
async def rig(model: str, catalog: Catalog, channel: str) -> AsyncIterator[Rig]:
    car = InProcessClient(Broker(catalog), name="car")
    platform = InProcessClient(Broker(catalog), name="platform")
    mapping = load_vehicle_mapping(model, catalog)
    car_bus = open_bus(channel, "virtual", fd=True)
    emitter = CanEmitter(car, mapping, car_bus)
    adapter = CanAdapter(
        platform,
        load_vehicle_mapping(model, catalog),
        lambda: open_bus(channel, "virtual", fd=True),
        reconnect_delay=0.05,
    )
    stop = asyncio.Event()
    tasks = [asyncio.create_task(emitter.run(stop)), asyncio.create_task(adapter.run(stop))]
    await asyncio.wait_for(adapter.connected.wait(), 5)
    try:
        yield Rig(car, platform, adapter, emitter)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        car_bus.shutdown()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def values(client: VehicleClient, paths: list[str]) -> dict[str, object]:
    got = await client.get(paths)
    return {p: (dp.value if dp is not None else None) for p, dp in got.items()}


@pytest.mark.parametrize("model", ["vw_id4", "gwm_haval_h6"])
async def test_the_same_app_auto_locks_doors_on_two_brands(model: str, catalog: Catalog, channel: str) -> None:
    async with rig(model, catalog, channel) as r:
        app = asyncio.create_task(door_auto_lock(r.platform))
        await r.car.publish({"Vehicle.Speed": 5.0, **{door: False for door in DOORS}})

        async def slow_and_unlocked() -> bool:
            now = await values(r.platform, ["Vehicle.Speed", *DOORS])
            return now["Vehicle.Speed"] == pytest.approx(5.0, abs=0.1) and all(now[d] is False for d in DOORS)

        await eventually(slow_and_unlocked)
        await asyncio.sleep(0.1)
        assert all(v is False for v in (await values(r.car, DOORS)).values()), "locked below the threshold"

        await r.car.publish({"Vehicle.Speed": 32.0})

        async def locked_everywhere() -> bool:
            car_side = await values(r.car, DOORS)
            platform_side = await values(r.platform, DOORS)
            return all(v is True for v in (*car_side.values(), *platform_side.values()))

        await eventually(locked_everywhere)
        assert r.adapter.stats.frames_sent >= 1  # the command went out as a CAN frame
        assert r.adapter.stats.publish_errors == 0
        app.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app


async def test_sensor_values_cross_the_bus_on_vw(catalog: Catalog, channel: str) -> None:
    async with rig("vw_id4", catalog, channel) as r:
        await r.car.publish(
            {
                "Vehicle.Speed": 88.25,
                "Vehicle.Chassis.SteeringWheel.Angle": -45,
                "Vehicle.Powertrain.Transmission.CurrentGear": -1,
                "Vehicle.Cabin.Door.Row2.PassengerSide.IsOpen": True,
                "Vehicle.Body.Lights.Brake.IsActive": "ACTIVE",
            }
        )

        async def arrived() -> bool:
            now = await values(
                r.platform,
                [
                    "Vehicle.Speed",
                    "Vehicle.Chassis.SteeringWheel.Angle",
                    "Vehicle.Powertrain.Transmission.CurrentGear",
                    "Vehicle.Cabin.Door.Row2.PassengerSide.IsOpen",
                    "Vehicle.Body.Lights.Brake.IsActive",
                ],
            )
            return list(now.values()) == [88.25, -45, -1, True, "ACTIVE"]

        await eventually(arrived)


async def test_tesla_multiplexed_belts_mirrors_and_a_headlight_request(catalog: Catalog, channel: str) -> None:
    async with rig("tesla_model3", catalog, channel) as r:
        await r.car.publish(
            {
                "Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted": True,  # multiplexed frame, variant 0
                "Vehicle.Body.Mirrors.DriverSide.Pan": -20,  # KUKSA's own example formula
                "Vehicle.Body.Lights.Beam.Low.IsOn": False,
                "Vehicle.Powertrain.Transmission.CurrentGear": -1,
            }
        )
        paths = [
            "Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted",
            "Vehicle.Body.Mirrors.DriverSide.Pan",
            "Vehicle.Body.Lights.Beam.Low.IsOn",
            "Vehicle.Powertrain.Transmission.CurrentGear",
        ]

        async def arrived() -> bool:
            return list((await values(r.platform, paths)).values()) == [True, -20, False, -1]

        await eventually(arrived)
        # the app asks for headlights; the request leaves as DAS_bodyControls, the lamp status comes back
        await r.platform.actuate({"Vehicle.Body.Lights.Beam.Low.IsOn": True})
        await eventually(lambda: _value_is(r.platform, "Vehicle.Body.Lights.Beam.Low.IsOn", True))
        # this model's DBC has no door lock: the door app's request is refused, not lost
        with pytest.raises(BrokerError) as caught:
            await r.platform.actuate({DOORS[0]: True})
        assert caught.value.code is ErrorCode.UNAVAILABLE


async def test_an_unmappable_command_is_refused_not_sent(catalog: Catalog, channel: str) -> None:
    async with rig("gwm_haval_h6", catalog, channel) as r:
        with pytest.raises(BrokerError) as caught:
            await r.platform.actuate({"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": False})
        assert caught.value.code is ErrorCode.INVALID_ARGUMENT
        assert "vss2dbc" in caught.value.rule
        assert r.adapter.stats.frames_sent == 0


async def test_a_bus_that_disappears_is_counted_and_reopened(catalog: Catalog, channel: str) -> None:
    async with rig("vw_id4", catalog, channel) as r:
        bus = r.adapter.bus
        assert bus is not None
        bus.shutdown()  # the interface vanishes under the adapter
        await eventually(lambda: _true(r.adapter.stats.bus_errors >= 1))
        await eventually(
            lambda: _true(r.adapter.bus is not None and r.adapter.bus is not bus and r.adapter.connected.is_set())
        )
        assert r.adapter.stats.reconnects >= 1
        # and traffic flows again after the reconnect
        await r.car.publish({"Vehicle.Speed": 12.5})
        await eventually(lambda: _value_is(r.platform, "Vehicle.Speed", 12.5))


async def test_opening_a_missing_interface_is_counted_and_retried(catalog: Catalog) -> None:
    platform = InProcessClient(Broker(catalog))
    attempts = 0

    def factory() -> can.BusABC:
        nonlocal attempts
        attempts += 1
        raise ConnectionError("cannot open CAN interface 'socketcan' channel 'can9': no such device")

    adapter = CanAdapter(platform, load_vehicle_mapping("vw_id4", catalog), factory, reconnect_delay=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.run(stop))
    await eventually(lambda: _true(attempts >= 3))
    stop.set()
    stats = await asyncio.wait_for(task, 5)
    assert stats.bus_errors >= 3


async def _true(value: bool) -> bool:
    return value


async def _value_is(client: VehicleClient, path: str, expected: object) -> bool:
    return (await values(client, [path]))[path] == expected


def _vcan_unavailable() -> str | None:
    try:
        socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW).close()  # type: ignore[attr-defined]
    except (OSError, AttributeError) as err:
        return f"the kernel has no CAN sockets (AF_CAN: {err}); SocketCAN/vcan cannot run here"
    if subprocess.run(["ip", "link", "show", "vcan0"], capture_output=True).returncode != 0:
        made = subprocess.run(["ip", "link", "add", "dev", "vcan0", "type", "vcan"], capture_output=True, text=True)
        if made.returncode != 0:
            return f"no vcan0 and `ip link add dev vcan0 type vcan` failed: {made.stderr.strip()}"
        subprocess.run(["ip", "link", "set", "up", "vcan0"], capture_output=True)
    return None


@pytest.mark.skipif(_vcan_unavailable() is not None, reason=_vcan_unavailable() or "")
async def test_socketcan_vcan_carries_the_chain(catalog: Catalog) -> None:
    platform = InProcessClient(Broker(catalog))
    mapping = load_vehicle_mapping("gwm_haval_h6", catalog)
    adapter = CanAdapter(platform, mapping, lambda: open_bus("vcan0", "socketcan", fd=True))
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.run(stop))
    await asyncio.wait_for(adapter.connected.wait(), 5)
    sender = open_bus("vcan0", "socketcan", fd=True)
    message = mapping.db.get_message_by_name("DOOR_DRIVER")
    data = message.encode({s.name: 0 for s in message.signals} | {"DOOR_DRIVER_OPEN": 1}, strict=False)
    sender.send(can.Message(arbitration_id=message.frame_id, data=data, is_extended_id=False, is_fd=True))
    await eventually(lambda: _value_is(platform, "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", True))
    stop.set()
    await task
    sender.shutdown()


async def test_the_emitter_repeats_frames_cyclically_like_ecus(catalog: Catalog, channel: str) -> None:
    car = InProcessClient(Broker(catalog))
    mapping = load_vehicle_mapping("vw_id4", catalog)
    bus = open_bus(channel, "virtual", fd=True)
    listener = open_bus(channel, "virtual", fd=True)
    emitter = CanEmitter(car, mapping, bus, period=0.02, apply_commands=False)
    stop = asyncio.Event()
    task = asyncio.create_task(emitter.run(stop))
    await asyncio.sleep(0.05)
    await car.publish({"Vehicle.Speed": 64.0})
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 5)
    speed_frames = []
    while (msg := listener.recv(0)) is not None:
        if msg.arbitration_id == 0xFD:
            speed_frames.append(msg)
    bus.shutdown()
    listener.shutdown()
    assert len(speed_frames) >= 5  # one on change, then every 20 ms
    decoded = {mapping.db.decode_message(0xFD, m.data)["ESP_v_Signal"] for m in speed_frames}
    assert decoded == {64.0}
