"""A Velocitas vehicle app (velocitas-sdk 0.15.7, its own venv) against the renkei server.

The app runs as a separate process, speaks sdv.databroker.v1 and needs an MQTT
broker (Velocitas' native middleware connects to one at start), so the test starts
Mosquitto on a free port. The app subscribes, reacts and actuates; the test sees
the effect through the broker: its in-process provider of the fan receives the
request and the target value changes.
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
    env = {
        **os.environ,
        "SDV_MIDDLEWARE_TYPE": "native",
        "SDV_VEHICLEDATABROKER_ADDRESS": f"grpc://{grpc_address}",
        "SDV_MQTT_ADDRESS": f"mqtt://127.0.0.1:{mosquitto}",
    }
    app = await asyncio.create_subprocess_exec(
        str(velocitas_python), str(APP), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output: list[str] = []

    async def read_until(marker: str) -> None:
        assert app.stdout is not None
        while True:
            line = (await app.stdout.readline()).decode()
            if not line:
                raise AssertionError("the Velocitas app exited:\n" + "".join(output))
            output.append(line)
            if line.startswith(marker):
                return

    try:
        await asyncio.wait_for(read_until("SUBSCRIBED"), 60)
        for _ in range(200):  # the subscription is opened by a task after on_start returns
            if broker.stats().subscribers >= 1:
                break
            await asyncio.sleep(0.02)
        broker.publish({SPEED: 50.0})  # below the WHERE condition: no reaction
        await asyncio.sleep(0.3)
        assert requests == []
        broker.publish({SPEED: 120.0})
        await asyncio.wait_for(served.wait(), 20)
        await asyncio.wait_for(read_until("ACTUATED"), 10)
    except (TimeoutError, AssertionError):
        app.terminate()
        rest = await app.stdout.read() if app.stdout else b""
        raise AssertionError("Velocitas app output:\n" + "".join(output) + rest.decode()[-3000:]) from None
    finally:
        if app.returncode is None:
            app.terminate()
            await app.wait()
    assert requests == [{FAN: 80}]
    assert broker.get([FAN], field=Field.TARGET)[FAN].value == 80  # type: ignore[union-attr]
    assert broker.get([FAN])[FAN].value == 80  # type: ignore[union-attr]


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
