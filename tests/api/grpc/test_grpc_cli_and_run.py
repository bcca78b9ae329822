"""kuksa-client's command-line client, and kuksa-client against a real `renkei run` process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from kuksa_client.grpc import Datapoint as KDatapoint
from kuksa_client.grpc.aio import VSSClient

from renkei.api.grpc import GrpcServer
from renkei.broker import Broker
from renkei.client.grpc import GrpcClient

pytestmark = pytest.mark.shared

SPEED = "Vehicle.Speed"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
KUKSA_CLI = Path(sys.executable).with_name("kuksa-client")


async def kuksa_cli(address: str, commands: list[str], token: str | None = None) -> str:
    """Drive the interactive kuksa-client CLI through its standard input."""
    args = [str(KUKSA_CLI), f"grpc://{address}"]
    if token:
        args[1:1] = ["--token_or_tokenfile", token]
    proc = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(("\n".join([*commands, "quit"]) + "\n").encode()), 60)
    return ANSI.sub("", out.decode())


def json_blocks(text: str) -> list[Any]:
    """The JSON documents the CLI printed, in order."""
    blocks, depth, start = [], 0, -1
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                with contextlib.suppress(ValueError):  # not every {...} the CLI prints is JSON
                    blocks.append(json.loads(text[start : i + 1]))
    return blocks


async def test_kuksa_cli_get_set_metadata_with_token(
    server: GrpcServer, broker: Broker, token: Callable[[str], str]
) -> None:
    broker.publish({SPEED: 42.5})
    out = await kuksa_cli(
        server.address,
        [f"getValue {SPEED}", f"setValue {SPEED} 77.5", f"getValue {SPEED}", f"getMetaData {SPEED}"],
        token=token("read provide:Vehicle.Speed"),
    )
    docs = json_blocks(out)
    values = [d["value"]["value"] for d in docs if "value" in d]
    assert values == [42.5, 77.5], out
    assert any(d.get("metadata", {}).get("unit") == "km/h" for d in docs), out
    assert broker.get([SPEED])[SPEED].value == 77.5  # type: ignore[union-attr]


async def test_kuksa_cli_without_token_is_told_why(server: GrpcServer, broker: Broker) -> None:
    broker.publish({SPEED: 1.0})
    out = await kuksa_cli(server.address, [f"getValue {SPEED}"])
    docs = json_blocks(out)
    assert docs and docs[0]["error"]["code"] == 16, out  # UNAUTHENTICATED
    assert "Bearer" in docs[0]["error"]["message"]


@pytest.fixture
async def renkei_run(tmp_path: Path, renkei_platform: Any) -> AsyncIterator[tuple[str, str]]:
    """A real `renkei run` (secure) on free ports; yields (gRPC address, the CLI token)."""
    async with renkei_platform(tmp_path / "data") as run:
        assert run.token, "a secure renkei run writes a CLI token"
        yield run.grpc, run.token


@pytest.mark.slow
async def test_kuksa_client_against_renkei_run(renkei_run: tuple[str, str]) -> None:
    address, token = renkei_run
    host, port = address.rsplit(":", 1)
    async with VSSClient(host, int(port), token=token) as kc:
        md = await kc.get_metadata([SPEED])
        assert md[SPEED].unit == "km/h"
        stream = kc.subscribe_current_values([SPEED])
        first = await asyncio.wait_for(anext(stream), 10)
        assert SPEED in first
        await stream.aclose()
        await kc.set_current_values({"Vehicle.Cabin.Infotainment.Media.Volume": KDatapoint(30)})
        got = await kc.get_current_values(["Vehicle.Cabin.Infotainment.Media.Volume"])
        assert got["Vehicle.Cabin.Infotainment.Media.Volume"].value == 30
    async with GrpcClient(address, token=token) as client:
        signals = await client.metadata("Vehicle.Cabin.HVAC.Station.Row1.Driver.*")
        assert signals
    out = await kuksa_cli(address, [f"getMetaData {SPEED}"], token=token)
    assert any(d.get("metadata", {}).get("unit") == "km/h" for d in json_blocks(out)), out
