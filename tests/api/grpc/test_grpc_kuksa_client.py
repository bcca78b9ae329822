"""kuksa-client (PyPI) against the renkei gRPC face: the aio and sync VSSClient.

Each test starts a server in-process on a free port; the sync client runs in a
worker thread so the server's event loop keeps serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from kuksa_client.grpc import Datapoint as KDatapoint
from kuksa_client.grpc import DataType, EntryType, MetadataField, VSSClientError
from kuksa_client.grpc import VSSClient as SyncClient
from kuksa_client.grpc.aio import VSSClient

from renkei.api.grpc import GrpcServer
from renkei.broker import Broker, Field

pytestmark = pytest.mark.shared

SPEED = "Vehicle.Speed"
SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
FAN = "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed"


def client(server: GrpcServer, token: str | None = None) -> VSSClient:
    return VSSClient("127.0.0.1", server.port, token=token)


async def test_get_and_set_current_values_with_a_token(
    server: GrpcServer, broker: Broker, token: Callable[[str], str]
) -> None:
    async with client(server, token("provide:Vehicle.Speed read")) as kc:
        await kc.set_current_values({SPEED: KDatapoint(87.5)})
        assert broker.get([SPEED])[SPEED].value == 87.5  # type: ignore[union-attr]
        values = await kc.get_current_values([SPEED, "Vehicle.TraveledDistance"])
    assert values[SPEED].value == 87.5
    assert values["Vehicle.TraveledDistance"] is None  # no value yet


async def test_metadata_matches_the_catalog(server: GrpcServer, token: Callable[[str], str]) -> None:
    async with client(server, token("read")) as kc:
        md = await kc.get_metadata([SPEED, SEAT])
        unit = await kc.get_metadata([SPEED], MetadataField.UNIT)
    assert md[SPEED].data_type is DataType.FLOAT
    assert md[SPEED].entry_type is EntryType.SENSOR
    assert md[SPEED].unit == "km/h"
    assert md[SEAT].entry_type is EntryType.ACTUATOR
    assert md[SEAT].value_restriction is not None and md[SEAT].value_restriction.min == 0
    assert unit[SPEED].unit == "km/h"


async def test_subscribe_current_values_gets_initial_then_updates(
    server: GrpcServer, broker: Broker, token: Callable[[str], str]
) -> None:
    broker.publish({SPEED: 10.0})
    async with client(server, token("read")) as kc:
        stream = kc.subscribe_current_values([SPEED, "Vehicle.TraveledDistance"])
        first = await asyncio.wait_for(anext(stream), 5)
        assert first[SPEED].value == 10.0
        assert first["Vehicle.TraveledDistance"].value is None  # KUKSA: every path at once
        broker.publish({SPEED: 11.0})
        update = await asyncio.wait_for(anext(stream), 5)
        assert update[SPEED].value == 11.0
        await stream.aclose()


async def test_subscribe_accepts_a_branch(server: GrpcServer, broker: Broker, token: Callable[[str], str]) -> None:
    async with client(server, token("read")) as kc:
        stream = kc.subscribe_current_values(["Vehicle.Cabin.HVAC.Station.Row1"])
        first = await asyncio.wait_for(anext(stream), 5)
        assert TEMP in first and len(first) > 3
        await stream.aclose()


async def test_target_values_reach_a_v2_provider_and_subscribers(
    server: GrpcServer, broker: Broker, token: Callable[[str], str]
) -> None:
    """A provider (v2 OpenProviderStream via kuksa-client) receives set_target_values of another client."""
    async with (
        client(server, token(f"provide:{SEAT}")) as provider,
        client(server, token(f"actuate:{SEAT}")) as app,
    ):
        requests = provider.subscribe_target_values([SEAT])
        got = asyncio.ensure_future(anext(requests))
        for _ in range(50):  # the claim is made once the provider stream is open
            if broker.provider_of(SEAT) is not None:
                break
            await asyncio.sleep(0.02)
        watcher = app.subscribe_target_values  # noqa: F841 - same API, not used here
        await app.set_target_values({SEAT: KDatapoint(420)})
        request = await asyncio.wait_for(got, 5)
        assert request[SEAT].value == 420
        assert broker.get([SEAT], field=Field.TARGET)[SEAT].value == 420  # type: ignore[union-attr]
        targets = await app.get_target_values([SEAT])
        assert targets[SEAT].value == 420
        await requests.aclose()
    # the provider left: its claim is gone at once
    for _ in range(50):
        if broker.provider_of(SEAT) is None:
            break
        await asyncio.sleep(0.02)
    assert broker.provider_of(SEAT) is None


async def test_set_target_without_provider_is_unavailable(server: GrpcServer, token: Callable[[str], str]) -> None:
    async with client(server, token(f"actuate:{SEAT}")) as app:
        with pytest.raises(VSSClientError) as err:
            await app.set_target_values({SEAT: KDatapoint(100)})
    assert err.value.error["code"] == 503 or "provider" in str(err.value)


async def test_bad_values_are_refused_with_the_rule(server: GrpcServer, token: Callable[[str], str]) -> None:
    async with client(server, token("provide")) as kc:
        with pytest.raises(VSSClientError) as err:
            await kc.set_current_values({FAN: KDatapoint(150)})  # uint8, VSS max 100
    assert err.value.error["code"] == 3  # INVALID_ARGUMENT
    assert "100" in err.value.error["message"]


async def test_authorize_with_a_token_then_read(
    server: GrpcServer, broker: Broker, token: Callable[[str], str]
) -> None:
    broker.publish({SPEED: 3.0})
    async with client(server) as kc:  # no token at connect: GetServerInfo says UNAUTHENTICATED, tolerated
        with pytest.raises(VSSClientError):
            await kc.get_current_values([SPEED])
        assert await kc.authorize(token("read")) == "Authenticated"
        assert (await kc.get_current_values([SPEED]))[SPEED].value == 3.0
        with pytest.raises(VSSClientError):
            await kc.authorize("not-a-jwt")


async def test_sync_client_in_a_thread(server: GrpcServer, broker: Broker, token: Callable[[str], str]) -> None:
    tok = token("provide:Vehicle.Speed read")

    def work() -> float:
        with SyncClient("127.0.0.1", server.port, token=tok) as kc:
            kc.set_current_values({SPEED: KDatapoint(55.0)})
            md = kc.get_metadata([SPEED])
            assert md[SPEED].unit == "km/h"
            sub = kc.subscribe_current_values([SPEED])
            first = next(iter(sub))
            return float(first[SPEED].value)

    assert await asyncio.to_thread(work) == 55.0
    assert broker.get([SPEED])[SPEED].value == 55.0  # type: ignore[union-attr]
