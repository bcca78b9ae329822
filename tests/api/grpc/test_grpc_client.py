"""GrpcClient: the VehicleClient protocol over kuksa.val.v2, against the renkei server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest

from renkei.api.grpc import GrpcServer, serve_grpc
from renkei.broker import Authenticator, Broker, BrokerError, ErrorCode, Field
from renkei.client import VehicleClient
from renkei.client.grpc import GrpcClient
from renkei.settings import GrpcSettings

pytestmark = pytest.mark.shared

SPEED = "Vehicle.Speed"
SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
FAN = "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed"


async def wait_for(check: Callable[[], bool]) -> None:
    """Poll a condition the server changes on its own schedule (at most 5 s)."""
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not become true within 5 s")


async def test_it_is_a_vehicle_client(server: GrpcServer, token: Callable[[str], str]) -> None:
    async with GrpcClient(server.address, token=token("read")) as client:
        assert isinstance(client, VehicleClient)


async def test_publish_get_metadata_round_trip(server: GrpcServer, broker: Broker, token: Callable[[str], str]) -> None:
    async with GrpcClient(server.address, token=token("provide")) as client:
        await client.publish({SPEED: 12})  # int widened to float, as in-process
        await client.publish({SPEED: 30.5, "Vehicle.TraveledDistance": 1000.0})  # atomic batch
        await client.publish({SPEED: 31.0}, timestamp=1_700_000_000.25)
        got = await client.get([SPEED, "Vehicle.Cabin.HVAC.Station.Row1"])
        signals = await client.metadata("Vehicle.Cabin.HVAC.Station.Row1.Driver.*")
    assert got[SPEED] is not None and got[SPEED].value == 31.0
    assert got[SPEED].timestamp == pytest.approx(1_700_000_000.25)
    assert FAN in got and got[FAN] is None
    assert broker.get(["Vehicle.TraveledDistance"])["Vehicle.TraveledDistance"].value == 1000.0  # type: ignore[union-attr]
    fan = next(s for s in signals if s.path == FAN)
    assert (fan.datatype, fan.min, fan.max) == ("uint8", 0, 100)


async def test_bad_values_fail_with_the_rule_before_sending(server: GrpcServer, token: Callable[[str], str]) -> None:
    async with GrpcClient(server.address, token=token("provide")) as client:
        with pytest.raises(BrokerError) as err:
            await client.publish({FAN: 101})
        assert err.value.code is ErrorCode.INVALID_ARGUMENT and err.value.path == FAN
        with pytest.raises(BrokerError) as err:
            await client.publish({"Vehicle.Nope": 1})
        assert err.value.code is ErrorCode.NOT_FOUND


async def test_provider_and_app_over_grpc(server: GrpcServer, broker: Broker, token: Callable[[str], str]) -> None:
    received: list[dict[str, Any]] = []

    async def move_seat(values: dict[str, Any]) -> None:
        received.append(values)

    async with (
        GrpcClient(server.address, token=token(f"provide:{SEAT}")) as seat_ecu,
        GrpcClient(server.address, token=token(f"actuate:{SEAT}")) as app,
    ):
        provider = await seat_ecu.provide([SEAT], move_seat)
        assert provider.paths == (SEAT,)
        async with app.subscribe([SEAT], field=Field.TARGET) as targets:
            await app.actuate({SEAT: 250})
            await wait_for(lambda: received == [{SEAT: 250}])
            first = await asyncio.wait_for(anext(aiter(targets)), 5)
            assert first[SEAT].value == 250
        assert (await app.get([SEAT], Field.TARGET))[SEAT].value == 250  # type: ignore[union-attr]
        await seat_ecu.publish({SEAT: 250})
        async with app.subscribe([SEAT]) as updates:
            stream = aiter(updates)
            assert (await asyncio.wait_for(anext(stream), 5))[SEAT].value == 250
            provider.close()  # the ECU goes away: claim released, subscribers told
            gone = await asyncio.wait_for(anext(stream), 5)
            assert gone[SEAT].value is None
        await wait_for(lambda: broker.provider_of(SEAT) is None)
        with pytest.raises(BrokerError) as err:
            await app.actuate({SEAT: 300})
        assert err.value.code is ErrorCode.UNAVAILABLE


async def test_subscribers_get_unavailable_when_the_server_stops(broker: Broker, token: Callable[[str], str]) -> None:
    srv = await serve_grpc(broker, Authenticator(None), GrpcSettings(port=0))
    async with GrpcClient(srv.address) as client:
        broker.publish({SPEED: 1.0})
        updates = client.subscribe([SPEED])
        stream = aiter(updates)
        await asyncio.wait_for(anext(stream), 5)
        await srv.stop(0.5)
        with pytest.raises(BrokerError) as err:
            await asyncio.wait_for(anext(stream), 5)
    assert err.value.code is ErrorCode.UNAVAILABLE


async def test_connect_to_nothing_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = GrpcClient(f"127.0.0.1:{port}")
    with pytest.raises(BrokerError) as err:
        await client.connect()
    assert err.value.code is ErrorCode.UNAVAILABLE
    assert str(port) in err.value.message


async def test_wrong_token_is_unauthenticated(server: GrpcServer) -> None:
    with pytest.raises(BrokerError) as err:
        await GrpcClient(server.address, token="garbage").connect()
    assert err.value.code is ErrorCode.UNAUTHENTICATED
