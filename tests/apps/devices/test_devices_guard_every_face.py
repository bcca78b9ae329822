"""A paired device's limits hold on every face: here over gRPC, on the platform the runtime builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.api.grpc import serve_grpc
from renkei.broker import BrokerError, ErrorCode
from renkei.client.grpc import GrpcClient
from renkei.runtime import build_platform
from renkei.settings import load_settings
from renkei.vss import Value

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
SCOPE = "read actuate:Vehicle.Cabin"


async def test_a_phone_cannot_open_a_window_over_grpc_while_moving(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    settings.grpc.port = 0
    platform = await build_platform(settings)
    broker = platform.broker

    async def confirm(values: dict[str, Value]) -> None:
        broker.publish(values)

    broker.provide(["Vehicle.Cabin.Door"], confirm, name="body-ecu")
    broker.publish({"Vehicle.Speed": 50.0, WINDOW: 0})
    server = await serve_grpc(broker, platform.auth, settings.grpc)
    phone = platform.issuer.issue(SCOPE, subject="phone", extra={"device": "phone-1", "role": "driver"})
    cabin = platform.issuer.issue(SCOPE, subject="cabin-panel")
    try:
        async with GrpcClient(server.address, token=phone) as client:
            with pytest.raises(BrokerError) as caught:
                await client.actuate({WINDOW: 40})
            assert caught.value.code is ErrorCode.FAILED_PRECONDITION
            assert "while the vehicle moves" in caught.value.message
            await client.actuate({WINDOW: 0})  # closing is always allowed
        async with GrpcClient(server.address, token=cabin) as client:
            await client.actuate({WINDOW: 40})  # the cabin's own switch may open it
        assert broker.current_value(WINDOW) == 40
        broker.publish({"Vehicle.Speed": 0.0})
        async with GrpcClient(server.address, token=phone) as client:
            await client.actuate({WINDOW: 60})  # parked: the phone may open it too
        assert broker.current_value(WINDOW) == 60
    finally:
        await server.stop(0.5)
        await broker.stop()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("Vehicle.Cabin.Infotainment.HMI.AssistantRequest", "assistant"),
        ("Vehicle.Cabin.Infotainment.HMI.SceneRequest", "scenes"),
        ("Vehicle.Cabin.Infotainment.HMI.SuggestionResponse", "suggestions"),
    ],
)
async def test_a_phone_cannot_make_the_cars_apps_act_for_it(tmp_path: Path, path: str, reason: str) -> None:
    """The assistant, scenes and suggestions act with their own rights: a device's limits would not hold."""
    settings = load_settings(data_dir=tmp_path)
    settings.grpc.port = 0
    platform = await build_platform(settings)
    broker = platform.broker
    served: list[dict[str, Value]] = []

    async def app(values: dict[str, Value]) -> None:
        served.append(values)

    broker.provide([path], app, name="car-app")
    server = await serve_grpc(broker, platform.auth, settings.grpc)
    phone = platform.issuer.issue(SCOPE, subject="phone", extra={"device": "phone-1", "role": "driver"})
    cabin = platform.issuer.issue(SCOPE, subject="cabin-panel")
    request = '{"id": "1", "text": "open my window"}'
    try:
        async with GrpcClient(server.address, token=phone) as client:
            with pytest.raises(BrokerError) as caught:
                await client.actuate({path: request})
            assert caught.value.code is ErrorCode.FAILED_PRECONDITION
            assert "paired device" in caught.value.message and reason in caught.value.message
        assert served == []
        async with GrpcClient(server.address, token=cabin) as client:
            await client.actuate({path: request})  # the in-car screen is not a device
        assert served == [{path: request}]
    finally:
        await server.stop(0.5)
        await broker.stop()
