"""A Velocitas vehicle app (velocitas-sdk 0.15.7, its own venv) against the renkei server.

The app runs as a separate process, speaks sdv.databroker.v1 and needs an MQTT
broker (Velocitas' native middleware connects to one at start), so the test starts
Mosquitto on a free port. The app subscribes, reacts and actuates; the tests see
the effect through the broker: once against an in-process server whose fan
provider records the request, and once against a real `renkei run` whose simulated
car speeds onto an expressway and whose simulated HVAC takes the new fan speed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.api.grpc import serve_grpc
from renkei.broker import Authenticator, Broker, Field
from renkei.client.grpc import GrpcClient
from renkei.settings import GrpcSettings

pytestmark = [pytest.mark.shared, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
APP = Path(__file__).with_name("velocitas_cabin_app.py")
SPEED = "Vehicle.Speed"
FAN = "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def velocitas_python() -> Path:
    """The .venv-velocitas interpreter, created by scripts/velocitas_env.sh on first use."""
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "velocitas_env.sh")], capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        pytest.fail(f"could not create the Velocitas venv:\n{done.stderr[-2000:]}")
    return REPO / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    program = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if program is None:
        pytest.fail("Mosquitto is missing: install the Debian package (apt-get install mosquitto)")
    port = free_port()
    conf = tmp_path_factory.mktemp("mosquitto") / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([program, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"mosquitto did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(5)


@pytest.fixture
async def grpc_address(broker: Broker) -> AsyncIterator[str]:
    # Velocitas' native middleware sends no token: the app runs against an insecure broker.
    srv = await serve_grpc(broker, Authenticator(None), GrpcSettings(host="127.0.0.1", port=0))
    yield srv.address
    await srv.stop(0.2)


class VelocitasApp:
    """The Velocitas app as a child process whose output the test reads line by line."""

    def __init__(self, python: Path, grpc_address: str, mqtt_port: int) -> None:
        self.python = python
        self.env = {
            **os.environ,
            "SDV_MIDDLEWARE_TYPE": "native",
            "SDV_VEHICLEDATABROKER_ADDRESS": f"grpc://{grpc_address}",
            "SDV_MQTT_ADDRESS": f"mqtt://127.0.0.1:{mqtt_port}",
        }
        self.output: list[str] = []
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> VelocitasApp:
        self.process = await asyncio.create_subprocess_exec(
            str(self.python), str(APP), env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()

    async def read_until(self, marker: str, within: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout

        async def scan() -> str:
            while True:
                line = (await stdout.readline()).decode()
                if not line:
                    raise AssertionError("the Velocitas app exited:\n" + "".join(self.output))
                self.output.append(line)
                if line.startswith(marker):
                    return line

        try:
            return await asyncio.wait_for(scan(), within)
        except TimeoutError:
            raise AssertionError(f"no {marker} within {within:.0f} s; app output:\n" + "".join(self.output)) from None


async def test_velocitas_app_subscribes_reacts_and_actuates(
    broker: Broker, grpc_address: str, mosquitto: int, velocitas_python: Path
) -> None:
    requests: list[dict[str, Any]] = []
    served = asyncio.Event()

    async def fan_ecu(values: dict[str, Any]) -> None:
        requests.append(values)
        broker.publish(values)  # the ECU reaches the target and reports it
        served.set()

    broker.provide([FAN], fan_ecu, name="fan-ecu")
    broker.publish({FAN: 20})
    async with VelocitasApp(velocitas_python, grpc_address, mosquitto) as app:
        await app.read_until("SUBSCRIBED", 60)
        for _ in range(200):  # the subscription is opened by a task after on_start returns
            if broker.stats().subscribers >= 1:
                break
            await asyncio.sleep(0.02)
        broker.publish({SPEED: 50.0})  # below the WHERE condition: no reaction
        await asyncio.sleep(0.3)
        assert requests == []
        broker.publish({SPEED: 120.0})
        await asyncio.wait_for(served.wait(), 20)
        await app.read_until("ACTUATED", 10)
    assert requests == [{FAN: 80}]
    assert broker.get([FAN], field=Field.TARGET)[FAN].value == 80  # type: ignore[union-attr]
    assert broker.get([FAN])[FAN].value == 80  # type: ignore[union-attr]


HIGHWAY = """
name: velocitas_highway
title: {en: Straight onto the expressway}
vehicle: byd_atto3
weather: {ambient_c: 20}
start: {soc_percent: 80}
route:
  - {lat: 39.7400, lon: 116.6000, limit_kmh: 120}
  - {lat: 39.3500, lon: 116.9700, limit_kmh: 120}
legs:
  - {kind: route}
"""


async def test_velocitas_app_against_renkei_run_on_the_simulated_car(
    tmp_path: Path, renkei_platform: Any, mosquitto: int, velocitas_python: Path
) -> None:
    """The whole platform as users start it: `renkei run` drives the simulated car onto the expressway.

    Velocitas' native middleware sends no token, so this platform runs with
    --insecure; the secure default refuses token-less clients (test_kuksa_cli_without_token_is_told_why).
    """
    scenario = tmp_path / "highway.yaml"
    scenario.write_text(HIGHWAY)
    platform = renkei_platform(tmp_path / "data", "--insecure", "--scenario", str(scenario), "--speed", "4")
    async with platform as run, GrpcClient(run.grpc) as car:
        await car.actuate({FAN: 20})  # the simulator's HVAC is the fan's provider
        for _ in range(100):
            if (now := (await car.get([FAN]))[FAN]) is not None and now.value == 20:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the simulated HVAC did not take fan 20:\n" + run.output()[-2000:])
        async with VelocitasApp(velocitas_python, run.grpc, mosquitto) as app:
            await app.read_until("SUBSCRIBED", 60)
            line = await app.read_until("ACTUATED", 60)  # the car passes 100 km/h on its own
            assert float(line.rsplit("=", 1)[1]) > 100
        target = (await car.get([FAN], field=Field.TARGET))[FAN]
        assert target is not None and target.value == 80
        for _ in range(100):  # the simulator reports the new fan speed as the current value
            if (now := (await car.get([FAN]))[FAN]) is not None and now.value == 80:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the simulated HVAC did not reach fan 80")


_SHAPE = """
import json, sys, importlib
out = {}
for name in sys.argv[2:]:
    fd = importlib.import_module(sys.argv[1] + name + "_pb2").DESCRIPTOR
    def walk(msg, prefix):
        def shape(f):
            repeated = f.is_repeated if hasattr(f, "is_repeated") else f.label == 3
            kind = f.message_type.full_name if f.message_type else f.enum_type.full_name if f.enum_type else ""
            return (f.name, f.number, f.type, repeated, kind)
        out[prefix + msg.name] = sorted(shape(f) for f in msg.fields)
        for nested in msg.nested_types:
            walk(nested, prefix + msg.name + ".")
    for msg in fd.message_types_by_name.values():
        walk(msg, fd.package + ".")
    for enum in fd.enum_types_by_name.values():
        out[fd.package + "." + enum.name] = sorted((v.name, v.number) for v in enum.values)
    for svc in fd.services_by_name.values():
        rpcs = [(m.name, m.input_type.full_name, m.output_type.full_name) for m in svc.methods]
        out[fd.package + "." + svc.name] = sorted(rpcs)
print(json.dumps(out, sort_keys=True))
"""


def test_our_sdv_protocol_matches_the_velocitas_sdk_wire_format(velocitas_python: Path) -> None:
    """Every message, field number, type, enum value and RPC equals the one velocitas-sdk was built with."""
    names = ["types", "broker", "collector"]
    theirs = subprocess.run(
        [str(velocitas_python), "-c", _SHAPE, "velocitas_sdk.proto.", *names],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ours = subprocess.run(
        [sys.executable, "-c", _SHAPE, "renkei.api.grpc.generated.sdv.databroker.v1.", *names],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    assert json.loads(ours) == json.loads(theirs)
