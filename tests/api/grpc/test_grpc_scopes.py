"""The scope matrix: every RPC of the three services × read/actuate/provide × allowed/denied.

Each case runs a real call with a token scoped to exactly one right on the path
it touches, plus a token holding every right but on another branch. A call is
allowed exactly when the right it needs is granted (actuate and provide imply
read); a denial is PERMISSION_DENIED (in-band 403 / ACCESS_DENIED where the
protocol reports per entry) and never carries the signal's value.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from kuksa.val.v1 import types_pb2 as t1
from kuksa.val.v1 import val_pb2 as v1
from kuksa.val.v1 import val_pb2_grpc as v1_grpc
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2
from kuksa.val.v2 import val_pb2_grpc as v2_grpc

from renkei.api.grpc import GrpcServer
from renkei.api.grpc.stubs import sdv_broker as b1
from renkei.api.grpc.stubs import sdv_broker_grpc, sdv_collector_grpc
from renkei.api.grpc.stubs import sdv_collector as c1
from renkei.api.grpc.stubs import sdv_types as tsdv
from renkei.broker import Broker

pytestmark = pytest.mark.shared

SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"  # actuator, served by an in-process provider
FREE_ACTUATOR = "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Intensity"  # free actuator to claim
SECRET = 777  # the seat's value: must never appear in a denial
Outcome = str  # "ok" | "denied" | anything else (a bug)


@dataclass(frozen=True)
class Case:
    name: str
    needs: str | None  # read / actuate / provide; None: any valid token
    path: str
    call: Callable[[grpc.aio.Channel, list[tuple[str, str]], Broker], Awaitable[Outcome]]


def code_of(err: grpc.aio.AioRpcError) -> Outcome:
    if err.code() is grpc.StatusCode.PERMISSION_DENIED:
        assert str(SECRET) not in (err.details() or "")
        return "denied"
    return f"{err.code().name}: {err.details()}"


async def unary(coro: Awaitable[Any]) -> Outcome:
    try:
        await coro
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    return "ok"


async def first_of(stream: Any) -> Outcome:
    try:
        reply = await asyncio.wait_for(stream.read(), 5)
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    finally:
        stream.cancel()
    return "ok" if reply is not grpc.aio.EOF else "ended"


def sid(path: str) -> t2.SignalID:
    return t2.SignalID(path=path)


def seat_value() -> t2.Value:
    return t2.Value(uint32=500)


# -- kuksa.val.v2 ---------------------------------------------------------------------------
async def v2_get_value(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await unary(v2_grpc.VALStub(ch).GetValue(v2.GetValueRequest(signal_id=sid(SEAT)), metadata=md))


async def v2_get_values(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await unary(v2_grpc.VALStub(ch).GetValues(v2.GetValuesRequest(signal_ids=[sid(SEAT)]), metadata=md))


async def v2_subscribe(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await first_of(v2_grpc.VALStub(ch).Subscribe(v2.SubscribeRequest(signal_paths=[SEAT]), metadata=md))


async def v2_subscribe_by_id(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = v2.SubscribeByIdRequest(signal_ids=[b.signal(SEAT).id])
    return await first_of(v2_grpc.VALStub(ch).SubscribeById(req, metadata=md))


async def v2_list_metadata(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await unary(v2_grpc.VALStub(ch).ListMetadata(v2.ListMetadataRequest(root=SEAT), metadata=md))


async def v2_server_info(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await unary(v2_grpc.VALStub(ch).GetServerInfo(v2.GetServerInfoRequest(), metadata=md))


async def v2_actuate(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = v2.ActuateRequest(signal_id=sid(SEAT), value=seat_value())
    return await unary(v2_grpc.VALStub(ch).Actuate(req, metadata=md))


async def v2_batch_actuate(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = v2.BatchActuateRequest(actuate_requests=[v2.ActuateRequest(signal_id=sid(SEAT), value=seat_value())])
    return await unary(v2_grpc.VALStub(ch).BatchActuate(req, metadata=md))


async def v2_actuate_stream(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    async def requests() -> AsyncIterator[v2.ActuateRequest]:
        yield v2.ActuateRequest(signal_id=sid(SEAT), value=seat_value())

    return await unary(v2_grpc.VALStub(ch).ActuateStream(requests(), metadata=md))


async def v2_publish_value(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = v2.PublishValueRequest(signal_id=sid(SEAT), data_point=t2.Datapoint(value=seat_value()))
    return await unary(v2_grpc.VALStub(ch).PublishValue(req, metadata=md))


async def provider_stream(
    ch: grpc.aio.Channel, md: Any, first: v2.OpenProviderStreamRequest, then: Any = None
) -> Outcome:
    call = v2_grpc.VALStub(ch).OpenProviderStream(metadata=md)
    try:
        await call.write(first)
        reply = await asyncio.wait_for(call.read(), 5)
        if then is not None and reply is not grpc.aio.EOF:
            await call.write(then)
            try:
                extra = await asyncio.wait_for(call.read(), 0.3)
            except TimeoutError:
                extra = None  # no news is good news: PublishValues answers only on errors
            if extra is not None and extra is not grpc.aio.EOF and extra.HasField("publish_values_response"):
                return f"publish errors: {extra.publish_values_response}"
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    finally:
        call.cancel()
    return "ok" if reply is not grpc.aio.EOF else "ended"


async def v2_provide_actuation(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = v2.OpenProviderStreamRequest(
        provide_actuation_request=v2.ProvideActuationRequest(actuator_identifiers=[sid(FREE_ACTUATOR)])
    )
    return await provider_stream(ch, md, req)


async def v2_provide_signal(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    ident = b.signal(FREE_ACTUATOR).id
    req = v2.OpenProviderStreamRequest(
        provide_signal_request=v2.ProvideSignalRequest(signals_sample_intervals={ident: t2.SampleInterval()})
    )
    publish = v2.OpenProviderStreamRequest(
        publish_values_request=v2.PublishValuesRequest(
            request_id=1, data_points={ident: t2.Datapoint(value=t2.Value(uint32=10))}
        )
    )
    return await provider_stream(ch, md, req, publish)


# -- kuksa.val.v1 -----------------------------------------------------------------------------
def v1_outcome(resp: Any) -> Outcome:
    if not resp.errors:
        return "ok"
    err = resp.errors[0].error
    assert str(SECRET) not in err.message
    return "denied" if err.code == 403 else f"{err.code} {err.message}"


async def v1_get(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    try:
        resp = await v1_grpc.VALStub(ch).Get(
            v1.GetRequest(entries=[v1.EntryRequest(path=SEAT, view=t1.VIEW_ALL)]), metadata=md
        )
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    return v1_outcome(resp)


async def v1_set(ch: grpc.aio.Channel, md: Any, field: int, entry: t1.DataEntry) -> Outcome:
    try:
        resp = await v1_grpc.VALStub(ch).Set(
            v1.SetRequest(updates=[v1.EntryUpdate(entry=entry, fields=[field])]), metadata=md
        )
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    return v1_outcome(resp)


async def v1_set_value(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await v1_set(ch, md, t1.FIELD_VALUE, t1.DataEntry(path=SEAT, value=t1.Datapoint(uint32=5)))


async def v1_set_target(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    entry = t1.DataEntry(path=SEAT, actuator_target=t1.Datapoint(uint32=5))
    return await v1_set(ch, md, t1.FIELD_ACTUATOR_TARGET, entry)


async def v1_subscribe(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = v1.SubscribeRequest(entries=[v1.SubscribeEntry(path=SEAT, view=t1.VIEW_CURRENT_VALUE)])
    return await first_of(v1_grpc.VALStub(ch).Subscribe(req, metadata=md))


async def v1_server_info(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await unary(v1_grpc.VALStub(ch).GetServerInfo(v1.GetServerInfoRequest(), metadata=md))


# -- sdv.databroker.v1 ---------------------------------------------------------------------------
async def sdv_get(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    try:
        resp = await sdv_broker_grpc.BrokerStub(ch).GetDatapoints(
            b1.GetDatapointsRequest(datapoints=[SEAT]), metadata=md
        )
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    dp = resp.datapoints[SEAT]
    if dp.WhichOneof("value") == "failure_value":
        return "denied" if dp.failure_value == tsdv.Datapoint.ACCESS_DENIED else f"failure {dp.failure_value}"
    return "ok"


async def sdv_set(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = b1.SetDatapointsRequest(datapoints={SEAT: tsdv.Datapoint(uint32_value=600)})
    try:
        resp = await sdv_broker_grpc.BrokerStub(ch).SetDatapoints(req, metadata=md)
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    if not resp.errors:
        return "ok"
    return "denied" if resp.errors[SEAT] == tsdv.ACCESS_DENIED else f"error {dict(resp.errors)}"


async def sdv_subscribe(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    stream = sdv_broker_grpc.BrokerStub(ch).Subscribe(b1.SubscribeRequest(query=f"SELECT {SEAT}"), metadata=md)
    return await first_of(stream)


async def sdv_metadata(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    return await unary(sdv_broker_grpc.BrokerStub(ch).GetMetadata(b1.GetMetadataRequest(names=[SEAT]), metadata=md))


async def sdv_register(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = c1.RegisterDatapointsRequest(list=[c1.RegistrationMetadata(name=SEAT, data_type=tsdv.UINT16)])
    return await unary(sdv_collector_grpc.CollectorStub(ch).RegisterDatapoints(req, metadata=md))


async def sdv_update(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    req = c1.UpdateDatapointsRequest(datapoints={b.signal(SEAT).id: tsdv.Datapoint(uint32_value=5)})
    try:
        resp = await sdv_collector_grpc.CollectorStub(ch).UpdateDatapoints(req, metadata=md)
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    if not resp.errors:
        return "ok"
    return "denied" if list(resp.errors.values()) == [tsdv.ACCESS_DENIED] else f"error {dict(resp.errors)}"


async def sdv_stream(ch: grpc.aio.Channel, md: Any, b: Broker) -> Outcome:
    call = sdv_collector_grpc.CollectorStub(ch).StreamDatapoints(metadata=md)
    replies = []
    try:
        await call.write(c1.StreamDatapointsRequest(datapoints={b.signal(SEAT).id: tsdv.Datapoint(uint32_value=6)}))
        await call.done_writing()
        while (reply := await asyncio.wait_for(call.read(), 5)) is not grpc.aio.EOF:
            replies.append(reply)
    except grpc.aio.AioRpcError as err:
        return code_of(err)
    if not replies:
        return "ok"  # replies only carry errors
    return "denied" if list(replies[0].errors.values()) == [tsdv.ACCESS_DENIED] else f"error {replies}"


CASES = [
    Case("v2.GetValue", "read", SEAT, v2_get_value),
    Case("v2.GetValues", "read", SEAT, v2_get_values),
    Case("v2.Subscribe", "read", SEAT, v2_subscribe),
    Case("v2.SubscribeById", "read", SEAT, v2_subscribe_by_id),
    Case("v2.ListMetadata", "read", SEAT, v2_list_metadata),
    Case("v2.GetServerInfo", None, SEAT, v2_server_info),
    Case("v2.Actuate", "actuate", SEAT, v2_actuate),
    Case("v2.BatchActuate", "actuate", SEAT, v2_batch_actuate),
    Case("v2.ActuateStream", "actuate", SEAT, v2_actuate_stream),
    Case("v2.PublishValue", "provide", SEAT, v2_publish_value),
    Case("v2.OpenProviderStream/ProvideActuation", "provide", FREE_ACTUATOR, v2_provide_actuation),
    Case("v2.OpenProviderStream/ProvideSignal+PublishValues", "provide", FREE_ACTUATOR, v2_provide_signal),
    Case("v1.Get", "read", SEAT, v1_get),
    Case("v1.Set(value)", "provide", SEAT, v1_set_value),
    Case("v1.Set(actuator_target)", "actuate", SEAT, v1_set_target),
    Case("v1.Subscribe", "read", SEAT, v1_subscribe),
    Case("v1.GetServerInfo", None, SEAT, v1_server_info),
    Case("sdv.Broker.GetDatapoints", "read", SEAT, sdv_get),
    Case("sdv.Broker.SetDatapoints", "actuate", SEAT, sdv_set),
    Case("sdv.Broker.Subscribe", "read", SEAT, sdv_subscribe),
    Case("sdv.Broker.GetMetadata", "read", SEAT, sdv_metadata),
    Case("sdv.Collector.RegisterDatapoints", "provide", SEAT, sdv_register),
    Case("sdv.Collector.UpdateDatapoints", "provide", SEAT, sdv_update),
    Case("sdv.Collector.StreamDatapoints", "provide", SEAT, sdv_stream),
]
GRANTS = {"read": {"read"}, "actuate": {"read", "actuate"}, "provide": {"read", "provide"}}


def expected(case: Case, scope: str) -> Outcome:
    if case.needs is None:
        return "ok"
    if scope == "elsewhere":
        return "denied"
    return "ok" if case.needs in GRANTS[scope] else "denied"


@pytest.mark.parametrize("scope", ["read", "actuate", "provide", "elsewhere"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_scope_matrix(
    case: Case, scope: str, server: GrpcServer, broker: Broker, token: Callable[[str], str]
) -> None:
    async def accept(values: dict[str, Any]) -> None:
        return None

    broker.publish({SEAT: SECRET})
    broker.provide([SEAT], accept, name="seat-ecu")
    grant = f"{scope}:{case.path}"
    if scope == "elsewhere":
        grant = "read:Vehicle.Body actuate:Vehicle.Body provide:Vehicle.Body"
    md = [("authorization", f"Bearer {token(grant)}")]
    async with grpc.aio.insecure_channel(server.address) as channel:
        outcome = await case.call(channel, md, broker)
    assert outcome == expected(case, scope), f"{case.name} with scope {grant!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_every_rpc_needs_a_token(case: Case, server: GrpcServer, broker: Broker) -> None:
    async with grpc.aio.insecure_channel(server.address) as channel:
        outcome = await case.call(channel, [], broker)
    assert outcome.startswith("UNAUTHENTICATED"), outcome
