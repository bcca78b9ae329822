"""Hostile and malformed input: every one gets a clear status naming what was wrong, none
takes the server down (each test ends by checking the server still answers)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2
from kuksa.val.v2 import val_pb2_grpc as v2_grpc

from renkei.api.grpc import GrpcServer
from renkei.api.grpc.stubs import sdv_broker as b1
from renkei.api.grpc.stubs import sdv_broker_grpc
from renkei.broker import Broker, TokenIssuer

pytestmark = pytest.mark.shared

SPEED = "Vehicle.Speed"
FAN = "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed"
SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"


@pytest.fixture
async def stub(server: GrpcServer) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(server.address, options=[("grpc.max_send_message_length", 64 << 20)]) as ch:
        yield v2_grpc.VALStub(ch)


def bearer(tok: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {tok}")]


async def status_of(call: Any) -> tuple[grpc.StatusCode, str]:
    try:
        await call
    except grpc.aio.AioRpcError as err:
        return err.code(), err.details() or ""
    return grpc.StatusCode.OK, ""


async def still_serving(stub: Any, token: Callable[[str], str]) -> None:
    info = await stub.GetServerInfo(v2.GetServerInfoRequest(), metadata=bearer(token("read")))
    assert info.name == "renkei"


@pytest.mark.parametrize(
    ("path", "code", "says"),
    [
        ("Vehicle." + "A" * 100_000, grpc.StatusCode.INVALID_ARGUMENT, "exceeds 1000"),
        ("", grpc.StatusCode.INVALID_ARGUMENT, "empty path"),
        ("Vehicle.Speed\x00; DROP", grpc.StatusCode.NOT_FOUND, "no such signal"),
        ("Vehicle.Spee", grpc.StatusCode.NOT_FOUND, "Vehicle.Spee"),
        ("Vehicle.Cabin", grpc.StatusCode.NOT_FOUND, "Vehicle.Cabin"),  # a branch is not one signal
    ],
)
async def test_bad_paths(stub: Any, token: Callable[[str], str], path: str, code: grpc.StatusCode, says: str) -> None:
    got = await status_of(
        stub.GetValue(v2.GetValueRequest(signal_id=t2.SignalID(path=path)), metadata=bearer(token("read")))
    )
    assert got[0] is code and says in got[1]
    await still_serving(stub, token)


async def test_bad_patterns_in_subscribe(stub: Any, token: Callable[[str], str]) -> None:
    for pattern, code in [
        ("Vehicle.**.**.*..", grpc.StatusCode.INVALID_ARGUMENT),
        ("Nothing.*", grpc.StatusCode.NOT_FOUND),
    ]:
        call = stub.Subscribe(v2.SubscribeRequest(signal_paths=[pattern]), metadata=bearer(token("read")))
        got = await status_of(call.read())
        assert got[0] is code, (pattern, got)
    await still_serving(stub, token)


@pytest.mark.parametrize(
    ("value", "path", "says"),
    [
        (t2.Value(string="fast"), SPEED, "not a number"),
        (t2.Value(bool=True), FAN, "not an integer"),
        (t2.Value(float=math.nan), SPEED, "finite"),
        (t2.Value(double=math.inf), SPEED, "finite"),
        (t2.Value(uint32=101), FAN, "maximum"),
        (t2.Value(int32=-1), FAN, "does not fit in uint8"),
        (t2.Value(), SPEED, "carries no value"),
        (t2.Value(string_array=t2.StringArray(values=["a"])), SPEED, "not a number"),
    ],
)
async def test_bad_values(stub: Any, token: Callable[[str], str], value: t2.Value, path: str, says: str) -> None:
    req = v2.PublishValueRequest(signal_id=t2.SignalID(path=path), data_point=t2.Datapoint(value=value))
    got = await status_of(stub.PublishValue(req, metadata=bearer(token("provide"))))
    assert got[0] is grpc.StatusCode.INVALID_ARGUMENT and says in got[1], got
    await still_serving(stub, token)


async def test_oversized_batches(stub: Any, token: Callable[[str], str]) -> None:
    many = [t2.SignalID(path=SPEED)] * 10_001
    got = await status_of(stub.GetValues(v2.GetValuesRequest(signal_ids=many), metadata=bearer(token("read"))))
    assert got[0] is grpc.StatusCode.INVALID_ARGUMENT and "10001" in got[1]
    huge = v2.PublishValueRequest(
        signal_id=t2.SignalID(path="Vehicle.Cabin.Infotainment.Media.Played.Album"),
        data_point=t2.Datapoint(value=t2.Value(string="x" * (20 << 20))),
    )
    got = await status_of(stub.PublishValue(huge, metadata=bearer(token("provide"))))
    assert got[0] is grpc.StatusCode.RESOURCE_EXHAUSTED
    got = await status_of(
        stub.Subscribe(
            v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=5000), metadata=bearer(token("read"))
        ).read()
    )
    assert got[0] is grpc.StatusCode.INVALID_ARGUMENT and "buffer_size" in got[1]
    await still_serving(stub, token)


async def test_signal_ids_that_name_nothing(stub: Any, token: Callable[[str], str]) -> None:
    md = bearer(token("read"))
    got = await status_of(stub.GetValue(v2.GetValueRequest(signal_id=t2.SignalID()), metadata=md))
    assert got[0] is grpc.StatusCode.INVALID_ARGUMENT and "neither a path nor an id" in got[1]
    got = await status_of(stub.GetValue(v2.GetValueRequest(signal_id=t2.SignalID(id=987654)), metadata=md))
    assert got[0] is grpc.StatusCode.NOT_FOUND and "987654" in got[1]
    await still_serving(stub, token)


@pytest.mark.parametrize(
    "metadata",
    [
        [("authorization", "Basic dXNlcjpwYXNz")],
        [("authorization", "Bearer")],
        [("authorization", "Bearer " + "x" * 7_000)],  # under gRPC's 8 KiB soft limit
        [("authorization", "Bearer not.a.jwt")],
        [("authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzY29wZSI6InJlYWQifQ.")],  # alg none
        [("authorization-bin", b"\x00\xff")],
        [("x-something", "else")],
    ],
)
async def test_garbage_metadata_is_unauthenticated(stub: Any, token: Callable[[str], str], metadata: Any) -> None:
    got = await status_of(stub.GetServerInfo(v2.GetServerInfoRequest(), metadata=metadata))
    assert got[0] is grpc.StatusCode.UNAUTHENTICATED, got
    await still_serving(stub, token)


async def test_metadata_beyond_grpc_limits_is_refused_by_grpc(stub: Any, token: Callable[[str], str]) -> None:
    got = await status_of(stub.GetServerInfo(v2.GetServerInfoRequest(), metadata=bearer("x" * 20_000)))
    assert got[0] is grpc.StatusCode.RESOURCE_EXHAUSTED
    await still_serving(stub, token)


async def test_forged_expired_and_foreign_tokens(stub: Any, issuer: TokenIssuer, token: Callable[[str], str]) -> None:
    forger = TokenIssuer(ec.generate_private_key(ec.SECP256R1()))
    other_audience = TokenIssuer(issuer._key, audience="someone.else")
    cases = {
        "signature": forger.issue("read provide actuate"),
        "expired": issuer.issue("read", ttl=-3600),
        "not meant for this broker": other_audience.issue("read"),
    }
    for says, tok in cases.items():
        got = await status_of(
            stub.GetValue(v2.GetValueRequest(signal_id=t2.SignalID(path=SPEED)), metadata=bearer(tok))
        )
        assert got[0] is grpc.StatusCode.UNAUTHENTICATED and says in got[1], (says, got)
    await still_serving(stub, token)


async def test_denied_reads_do_not_leak_values(stub: Any, broker: Broker, token: Callable[[str], str]) -> None:
    broker.publish({SPEED: 123.456})
    got = await status_of(
        stub.GetValue(
            v2.GetValueRequest(signal_id=t2.SignalID(path=SPEED)), metadata=bearer(token("read:Vehicle.Body"))
        )
    )
    assert got[0] is grpc.StatusCode.PERMISSION_DENIED and "123.456" not in got[1]
    listed = await stub.ListMetadata(
        v2.ListMetadataRequest(root="Vehicle"), metadata=bearer(token("read:Vehicle.Body"))
    )
    assert listed.metadata and all(m.path.startswith("Vehicle.Body") for m in listed.metadata)


async def test_provider_stream_misuse(stub: Any, broker: Broker, token: Callable[[str], str]) -> None:
    md = bearer(token("provide"))
    speed_id = broker.signal(SPEED).id

    async def first_reply(*requests: v2.OpenProviderStreamRequest) -> tuple[grpc.StatusCode, str]:
        call = stub.OpenProviderStream(metadata=md)
        try:
            for req in requests:
                await call.write(req)
            for _ in requests:
                await asyncio.wait_for(call.read(), 5)
        except grpc.aio.AioRpcError as err:
            return err.code(), err.details() or ""
        finally:
            call.cancel()
        return grpc.StatusCode.OK, ""

    publish = v2.OpenProviderStreamRequest(
        publish_values_request=v2.PublishValuesRequest(data_points={speed_id: t2.Datapoint(value=t2.Value(float=1))})
    )
    got = await first_reply(publish)
    assert got[0] is grpc.StatusCode.ABORTED and "claim" in got[1]
    got = await first_reply(v2.OpenProviderStreamRequest())
    assert got[0] is grpc.StatusCode.INVALID_ARGUMENT and "no action" in got[1]
    broker.provide([SEAT], name="seat-ecu")
    claim = v2.OpenProviderStreamRequest(
        provide_actuation_request=v2.ProvideActuationRequest(actuator_identifiers=[t2.SignalID(path=SEAT)])
    )
    got = await first_reply(claim)
    assert got[0] is grpc.StatusCode.ALREADY_EXISTS and "seat-ecu" in got[1]
    not_actuator = v2.OpenProviderStreamRequest(
        provide_actuation_request=v2.ProvideActuationRequest(actuator_identifiers=[t2.SignalID(path=SPEED)])
    )
    got = await first_reply(not_actuator)
    assert got[0] is grpc.StatusCode.INVALID_ARGUMENT and "not an actuator" in got[1]
    # per-signal errors in PublishValues: the good value lands, the bad one is reported
    fan_id = broker.signal(FAN).id
    call = stub.OpenProviderStream(metadata=md)
    await call.write(
        v2.OpenProviderStreamRequest(
            provide_signal_request=v2.ProvideSignalRequest(
                signals_sample_intervals={speed_id: t2.SampleInterval(), fan_id: t2.SampleInterval()}
            )
        )
    )
    await call.read()
    await call.write(
        v2.OpenProviderStreamRequest(
            publish_values_request=v2.PublishValuesRequest(
                request_id=7,
                data_points={
                    speed_id: t2.Datapoint(value=t2.Value(float=42)),
                    fan_id: t2.Datapoint(value=t2.Value(uint32=250)),
                },
            )
        )
    )
    reply = await asyncio.wait_for(call.read(), 5)
    call.cancel()
    assert reply.publish_values_response.request_id == 7
    assert set(reply.publish_values_response.status) == {fan_id}
    assert reply.publish_values_response.status[fan_id].code == t2.ERROR_CODE_INVALID_ARGUMENT
    assert broker.get([SPEED])[SPEED].value == 42.0  # type: ignore[union-attr]
    await still_serving(stub, token)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("DROP TABLE signals", "SELECT"),
        ("SELECT ", "SELECT"),
        ("SELECT Vehicle.Speed WHERE Vehicle.Speed >> 3", "not a number"),
        ("SELECT Vehicle.Speed WHERE speed", "condition"),
        ("SELECT Vehicle.Speed WHERE Vehicle.Speed > nan", "finite"),
        ("SELECT Vehicle.Speed WHERE Vehicle.Speed > banana", "number"),
        ("SELECT " + ", ".join(["Vehicle.Speed"] * 2000), "exceeds"),
        ("SELECT Vehicle.Nope", "Vehicle.Nope"),
    ],
)
async def test_bad_sdv_queries(server: GrpcServer, token: Callable[[str], str], query: str, says: str) -> None:
    async with grpc.aio.insecure_channel(server.address) as ch:
        call = sdv_broker_grpc.BrokerStub(ch).Subscribe(
            b1.SubscribeRequest(query=query), metadata=bearer(token("read"))
        )
        got = await status_of(call.read())
    assert got[0] in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND) and says in got[1], got
