"""kuksa.val.v2 semantics over the wire (and v1 feeders): KUKSA's documented behaviour and renkei's improvements."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from kuksa.val.v1 import types_pb2 as t1
from kuksa.val.v1 import val_pb2 as v1
from kuksa.val.v1 import val_pb2_grpc as v1_grpc
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2
from kuksa.val.v2 import val_pb2_grpc as v2_grpc

from renkei.api.grpc import GrpcServer
from renkei.broker import Broker, Field

pytestmark = pytest.mark.shared

SPEED = "Vehicle.Speed"
SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
FAN = "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


@pytest.fixture
async def stub(open_server: GrpcServer) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(open_server.address) as channel:
        yield v2_grpc.VALStub(channel)


def sid(path: str) -> t2.SignalID:
    return t2.SignalID(path=path)


async def test_get_values_keeps_request_order_and_empty_for_unset(stub: Any, broker: Broker) -> None:
    broker.publish({SPEED: 5.0})
    resp = await stub.GetValues(
        v2.GetValuesRequest(signal_ids=[sid(FAN), sid(SPEED), t2.SignalID(id=broker.signal(SPEED).id)])
    )
    assert [dp.HasField("value") for dp in resp.data_points] == [False, True, True]
    assert resp.data_points[1].value.float == 5.0


async def test_list_metadata_with_wildcards(stub: Any, broker: Broker) -> None:
    resp = await stub.ListMetadata(v2.ListMetadataRequest(root="Vehicle.Cabin.HVAC.Station.*.Driver.FanSpeed"))
    paths = [m.path for m in resp.metadata]
    assert FAN in paths and all(p.endswith(".Driver.FanSpeed") for p in paths) and len(paths) >= 2
    fan = next(m for m in resp.metadata if m.path == FAN)
    assert fan.data_type == t2.DATA_TYPE_UINT8 and fan.entry_type == t2.ENTRY_TYPE_ACTUATOR
    assert fan.min.uint32 == 0 and fan.max.uint32 == 100 and fan.id == broker.signal(FAN).id
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListMetadata(v2.ListMetadataRequest(root="Vehicle.Nothing"))
    assert err.value.code() is grpc.StatusCode.NOT_FOUND


async def test_subscribe_by_id(stub: Any, broker: Broker) -> None:
    ident = broker.signal(SPEED).id
    call = stub.SubscribeById(v2.SubscribeByIdRequest(signal_ids=[ident]))
    first = await asyncio.wait_for(call.read(), 5)
    assert list(first.entries) == [ident] and not first.entries[ident].HasField("value")
    broker.publish({SPEED: 9.5})
    update = await asyncio.wait_for(call.read(), 5)
    assert update.entries[ident].value.float == 9.5
    call.cancel()


async def test_buffer_size_drops_the_oldest(stub: Any, broker: Broker) -> None:
    call = stub.Subscribe(v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=2))
    await asyncio.wait_for(call.read(), 5)
    for i in range(2000):  # far more than the buffer and the transport hold
        broker.publish({SPEED: float(i)})
        if i % 200 == 0:
            await asyncio.sleep(0)
    seen: list[float] = []
    while True:
        try:
            reply = await asyncio.wait_for(call.read(), 0.5)
        except TimeoutError:
            break
        seen.append(reply.entries[SPEED].value.float)
    call.cancel()
    assert seen[-1] == 1999.0  # the newest always arrives
    assert len(seen) < 2000  # older ones were dropped, not queued without bound


async def test_min_sample_interval_merges_updates(stub: Any, broker: Broker) -> None:
    flt = t2.Filter(min_sample_interval=t2.SampleInterval(interval_ms=200))
    call = stub.Subscribe(v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=100, filter=flt))
    await asyncio.wait_for(call.read(), 5)
    broker.publish({SPEED: 1.0})
    first = await asyncio.wait_for(call.read(), 5)
    for i in range(2, 12):
        broker.publish({SPEED: float(i)})
        await asyncio.sleep(0.005)
    merged = await asyncio.wait_for(call.read(), 5)
    call.cancel()
    assert first.entries[SPEED].value.float == 1.0
    assert merged.entries[SPEED].value.float == 11.0  # the latest of the burst, once


async def test_batch_actuate_is_all_or_nothing_and_actuate_stream(stub: Any, broker: Broker) -> None:
    got: list[dict[str, Any]] = []

    async def ecu(values: dict[str, Any]) -> None:
        got.append(values)

    broker.provide([SEAT, FAN], ecu, name="cabin-ecu")
    bad = v2.BatchActuateRequest(
        actuate_requests=[
            v2.ActuateRequest(signal_id=sid(SEAT), value=t2.Value(uint32=100)),
            v2.ActuateRequest(signal_id=sid(FAN), value=t2.Value(uint32=900)),  # above 100
        ]
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.BatchActuate(bad)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT and FAN in (err.value.details() or "")
    assert got == [] and broker.get([SEAT], field=Field.TARGET)[SEAT] is None
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Actuate(v2.ActuateRequest(signal_id=sid(SPEED), value=t2.Value(float=1)))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "actuator" in (err.value.details() or "")

    async def requests() -> AsyncIterator[v2.ActuateRequest]:
        for value in (10, 20, 30):
            yield v2.ActuateRequest(signal_id=sid(FAN), value=t2.Value(uint32=value))

    await stub.ActuateStream(requests())
    assert got == [{FAN: 10}, {FAN: 20}, {FAN: 30}]


async def test_provider_stream_serves_actuation_and_release_is_announced(stub: Any, broker: Broker) -> None:
    provider = stub.OpenProviderStream()
    await provider.write(
        v2.OpenProviderStreamRequest(
            provide_actuation_request=v2.ProvideActuationRequest(actuator_identifiers=[sid(TEMP)])
        )
    )
    assert (await provider.read()).HasField("provide_actuation_response")
    ident = broker.signal(TEMP).id
    await provider.write(
        v2.OpenProviderStreamRequest(
            publish_values_request=v2.PublishValuesRequest(
                request_id=1, data_points={ident: t2.Datapoint(value=t2.Value(int32=21))}
            )
        )
    )
    watcher = stub.Subscribe(v2.SubscribeRequest(signal_paths=["Vehicle.Cabin.HVAC.Station.Row1.Driver"]))
    first = await asyncio.wait_for(watcher.read(), 5)
    assert first.entries[TEMP].value.int32 == 21  # branch subscription, current value first
    await stub.Actuate(v2.ActuateRequest(signal_id=sid(TEMP), value=t2.Value(int32=23)))
    request = await asyncio.wait_for(provider.read(), 5)
    actuation = request.batch_actuate_stream_request.actuate_requests[0]
    assert actuation.signal_id.id == ident and actuation.value.int32 == 23
    provider.cancel()  # the provider goes away
    gone = await asyncio.wait_for(watcher.read(), 5)
    assert TEMP in gone.entries and not gone.entries[TEMP].HasField("value")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Actuate(v2.ActuateRequest(signal_id=sid(TEMP), value=t2.Value(int32=22)))
    assert err.value.code() is grpc.StatusCode.UNAVAILABLE
    watcher.cancel()


async def test_server_info(stub: Any) -> None:
    info = await stub.GetServerInfo(v2.GetServerInfoRequest())
    assert info.name == "renkei" and info.version


async def test_provider_error_indication(stub: Any, broker: Broker) -> None:
    indication = v2.OpenProviderStreamRequest(
        provider_error_indication=v2.ProviderErrorIndication(provider_error=t2.CODE_NETWORK_ERROR)
    )
    early = stub.OpenProviderStream()
    await early.write(indication)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await asyncio.wait_for(early.read(), 5)
    assert err.value.code() is grpc.StatusCode.ABORTED  # nothing claimed yet
    ident = broker.signal(SPEED).id
    provider = stub.OpenProviderStream()
    await provider.write(
        v2.OpenProviderStreamRequest(
            provide_signal_request=v2.ProvideSignalRequest(signals_sample_intervals={ident: t2.SampleInterval()})
        )
    )
    await provider.read()
    broker.publish({SPEED: 30.0})
    watcher = stub.Subscribe(v2.SubscribeRequest(signal_paths=[SPEED]))
    await asyncio.wait_for(watcher.read(), 5)
    await provider.write(indication)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await asyncio.wait_for(provider.read(), 5)
    assert err.value.code() is grpc.StatusCode.UNAVAILABLE
    gone = await asyncio.wait_for(watcher.read(), 5)
    assert not gone.entries[SPEED].HasField("value") and broker.provider_of(SPEED) is None
    watcher.cancel()


async def test_provider_publishes_every_type_and_subscribers_get_them_exactly(stub: Any, broker: Broker) -> None:
    """The provider stream's fast reader and the subscription's byte writer, end to end."""
    values = {
        "Vehicle.ADAS.ABS.IsEngaged": ("bool", True),
        "Vehicle.CurrentLocation.Altitude": ("double", -12.345678901234),
        "Vehicle.Acceleration.Lateral": ("float", 0.5),
        "Vehicle.Chassis.SteeringWheel.Angle": ("int32", -300),
        "Vehicle.Powertrain.CombustionEngine.OilLifeRemaining": ("int32", -(2**31)),
        "Vehicle.Powertrain.Transmission.CurrentGear": ("int32", -1),
        "Vehicle.Cabin.Infotainment.HMI.CurrentLanguage": ("string", "日本語 / 简体中文"),
        "Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure": ("uint32", 65535),
        "Vehicle.Powertrain.CombustionEngine.DieselExhaustFluid.Range": ("uint32", 2**32 - 1),
        "Vehicle.OBD.DriveCycleStatus.DTCCount": ("uint32", 7),
    }
    array_path, bad_path, empty_path = "Vehicle.OBD.DTCList", FAN, SPEED
    paths = [*values, array_path, bad_path, empty_path]
    ids = {p: broker.signal(p).id for p in paths}
    provider = stub.OpenProviderStream()
    await provider.write(
        v2.OpenProviderStreamRequest(
            provide_signal_request=v2.ProvideSignalRequest(
                signals_sample_intervals={ids[p]: t2.SampleInterval(interval_ms=1) for p in paths}
            )
        )
    )
    assert (await asyncio.wait_for(provider.read(), 5)).HasField("provide_signal_response")
    watcher = stub.Subscribe(v2.SubscribeRequest(signal_paths=paths, buffer_size=100))
    await asyncio.wait_for(watcher.read(), 5)  # the current values (none yet)
    stamp = Timestamp(seconds=1_700_000_123, nanos=456_000_000)
    points = {ids[p]: t2.Datapoint(timestamp=stamp, value=t2.Value(**{f: v})) for p, (f, v) in values.items()}
    points[ids[array_path]] = t2.Datapoint(
        timestamp=stamp, value=t2.Value(string_array=t2.StringArray(values=["P0001"]))
    )
    points[ids[bad_path]] = t2.Datapoint(timestamp=stamp, value=t2.Value(uint32=250))  # above FanSpeed's max 100
    points[ids[empty_path]] = t2.Datapoint(timestamp=stamp)  # no value
    await provider.write(
        v2.OpenProviderStreamRequest(publish_values_request=v2.PublishValuesRequest(request_id=5, data_points=points))
    )
    reply = (await asyncio.wait_for(provider.read(), 5)).publish_values_response
    assert reply.request_id == 5 and set(reply.status) == {ids[bad_path], ids[empty_path]}
    assert "max" in reply.status[ids[bad_path]].message and "no value" in reply.status[ids[empty_path]].message
    # One value was refused, so the rest were published one by one: collect the updates.
    got = v2.SubscribeResponse()
    while set(got.entries) != {*values, array_path}:
        got.MergeFrom(await asyncio.wait_for(watcher.read(), 5))
    for path, (field, value) in values.items():
        dp = got.entries[path]
        # the broker keeps time as float seconds: exact to well under a microsecond here
        assert dp.timestamp.seconds == stamp.seconds and abs(dp.timestamp.nanos - stamp.nanos) < 1000
        if field == "float":
            assert dp.value.float == pytest.approx(value)
        else:
            assert getattr(dp.value, field) == value, path
    assert list(got.entries[array_path].value.string_array.values) == ["P0001"]
    current = broker.get([*values, array_path])
    assert current["Vehicle.Cabin.Infotainment.HMI.CurrentLanguage"].value == "日本語 / 简体中文"  # type: ignore[union-attr]
    assert current["Vehicle.Powertrain.CombustionEngine.OilLifeRemaining"].timestamp == 1_700_000_123.456  # type: ignore[union-attr]
    assert broker.get([FAN, SPEED]) == {FAN: None, SPEED: None}
    watcher.cancel()
    provider.cancel()


async def test_v1_streamed_update_feeds_values_and_reports_bad_requests(
    open_server: GrpcServer, broker: Broker
) -> None:
    """kuksa.val.v1 feeders: the fast reader for value updates, the generated message for the rest."""

    def update(path: str, point: t1.Datapoint, field: int = t1.FIELD_VALUE) -> v1.EntryUpdate:
        entry = t1.DataEntry(path=path, actuator_target=point) if field == t1.FIELD_ACTUATOR_TARGET else None
        return v1.EntryUpdate(entry=entry or t1.DataEntry(path=path, value=point), fields=[field])

    stamp = Timestamp(seconds=1_700_000_500, nanos=250_000_000)
    async with grpc.aio.insecure_channel(open_server.address) as channel:
        feed = v1_grpc.VALStub(channel).StreamedUpdate()
        await feed.write(
            v1.StreamedUpdateRequest(
                updates=[
                    update(SPEED, t1.Datapoint(timestamp=stamp, float=42.5)),
                    update("Vehicle.Chassis.SteeringWheel.Angle", t1.Datapoint(timestamp=stamp, int32=-90)),
                    update("Vehicle.Cabin.Infotainment.HMI.CurrentLanguage", t1.Datapoint(string="ja-JP")),
                ]
            )
        )
        await feed.write(  # one unknown path and one empty value: nothing of this request is applied
            v1.StreamedUpdateRequest(
                updates=[
                    update("Vehicle.Nope", t1.Datapoint(float=1.0)),
                    update("Vehicle.Acceleration.Lateral", t1.Datapoint(timestamp=stamp)),
                    update(SPEED, t1.Datapoint(float=99.0)),
                ]
            )
        )
        refused = await asyncio.wait_for(feed.read(), 5)
        assert [e.path for e in refused.errors] == ["Vehicle.Nope", "Vehicle.Acceleration.Lateral"]
        assert refused.error.code == 404 and refused.errors[1].error.code == 400
        await feed.write(
            v1.StreamedUpdateRequest(updates=[update(FAN, t1.Datapoint(uint32=50), t1.FIELD_ACTUATOR_TARGET)])
        )
        unavailable = await asyncio.wait_for(feed.read(), 5)
        assert [e.path for e in unavailable.errors] == [FAN] and unavailable.error.code == 503
        feed.cancel()
    got = broker.get([SPEED, "Vehicle.Chassis.SteeringWheel.Angle", "Vehicle.Cabin.Infotainment.HMI.CurrentLanguage"])
    assert [dp.value if dp else None for dp in got.values()] == [42.5, -90, "ja-JP"]
    assert got[SPEED].timestamp == pytest.approx(1_700_000_500.25)  # type: ignore[union-attr]
