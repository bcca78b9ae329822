"""Fixtures for the home app: a broker with the VSS 6.0 catalog, a stand-in vehicle that
provides the actuators the home may touch, the home app's limited client, and a real
Mosquitto on a free loopback port.

Until renkei/vss/data/default.json exists the catalog is built from ../shared (VSS 6.0
export + the platform overlay), so tests using `home_catalog` are marked `shared`.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.broker import Broker, Principal
from renkei.client import InProcessClient
from renkei.vss import Catalog, Value

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
# The scope `renkei run` gives the home app (renkei/runtime.py COMPONENT_SCOPES["home"]).
HOME_SCOPE = (
    "read actuate:Vehicle.Cabin.HVAC actuate:Vehicle.Cabin.Door "
    "actuate:Vehicle.Powertrain.TractionBattery.Charging provide:Vehicle.Cabin.Infotainment.HMI.Notification"
)
VEHICLE_ACTUATORS = (
    "Vehicle.Cabin.HVAC.IsAirConditioningActive",
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
    "Vehicle.Cabin.Door.*.*.IsLocked",
    "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging",
)
CAR_STATE: dict[str, Value] = {
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 72.5,
    "Vehicle.Powertrain.Range": 310_000,
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": False,
    "Vehicle.Cabin.HVAC.AmbientAirTemperature": 18.5,
    "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": True,
    "Vehicle.Cabin.HVAC.IsAirConditioningActive": False,
    "Vehicle.CurrentLocation.Latitude": 35.70,
    "Vehicle.CurrentLocation.Longitude": 139.70,
    "Vehicle.Speed": 0.0,
}


@pytest.fixture(scope="session")
def home_catalog() -> Catalog:
    try:
        from renkei.vss import load_default_catalog

        return load_default_catalog()
    except Exception:
        if not (SHARED / "vss").is_dir():
            pytest.fail(f"no default catalog and no shared VSS data at {SHARED}")
        return Catalog.from_files(
            [SHARED / "vss" / "vss_release_6.0.json"], [REPO / "renkei" / "vss" / "data" / "platform.vspec"]
        )


@pytest.fixture
async def broker(home_catalog: Catalog) -> AsyncIterator[Broker]:
    b = Broker(home_catalog)
    await b.start()
    yield b
    await b.stop()


class Vehicle:
    """A stand-in for the vehicle adapter: it provides actuators and confirms what it is asked."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.requests: list[dict[str, Value]] = []

    async def on_actuate(self, values: dict[str, Value]) -> None:
        self.requests.append(dict(values))
        self.broker.publish(values)


@pytest.fixture
async def vehicle(broker: Broker) -> AsyncIterator[Vehicle]:
    v = Vehicle(broker)
    provider = broker.provide(VEHICLE_ACTUATORS, v.on_actuate, name="test-vehicle")
    broker.publish(CAR_STATE)
    yield v
    provider.close()


@pytest.fixture
def home_client(broker: Broker) -> InProcessClient:
    return InProcessClient(broker, principal=Principal.from_scope_string(HOME_SCOPE, subject="home"), name="home")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """A real Mosquitto (Debian package `mosquitto`) on a loopback port; restartable."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_packet_size 1048576\nlog_dest none\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = subprocess.Popen([binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.proc = None


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    if not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()):
        pytest.fail("mosquitto is not installed: apt-get install mosquitto (scripts/system-deps.sh)")
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


async def wait_for(predicate: Any, within: float = 5.0, interval: float = 0.02) -> None:
    """Poll until `predicate()` is true; fail with its last value otherwise."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


@pytest.fixture
def until() -> Any:
    return wait_for


@pytest.fixture
def short_socket() -> Iterator[Path]:
    # Unix socket paths are limited to about 100 bytes; pytest's tmp paths can be longer.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rk-home-") as tmp:
        yield Path(tmp) / "home.sock"


# -- a real Home Assistant 2024.3.3 (slow tests) -----------------------------------------------------
HA_USER, HA_PASSWORD = "renkei", "renkei-test-password"
HA_CONFIGURATION = (Path(__file__).parent / "homeassistant_configuration.yaml").read_text


class HomeAssistant:
    def __init__(self, url: str, token: str, proc: subprocess.Popen[bytes], config: Path, mqtt_port: int) -> None:
        self.url, self.token, self.proc, self.config, self.mqtt_port = url, token, proc, config, mqtt_port

    def rest(self) -> Any:
        import httpx

        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def ws(self, *messages: dict[str, Any]) -> list[Any]:
        """Send WebSocket commands (ids added) and return their results in order."""
        import json

        from websockets.sync.client import connect

        out = []
        with connect(self.url.replace("http", "ws", 1) + "/api/websocket") as ws:
            ws.recv()
            ws.send(json.dumps({"type": "auth", "access_token": self.token}))
            assert json.loads(ws.recv())["type"] == "auth_ok"
            for ident, message in enumerate(messages, 1):
                ws.send(json.dumps({**message, "id": ident}))
                while True:
                    reply = json.loads(ws.recv())
                    if reply.get("id") == ident and reply.get("type") == "result":
                        assert reply["success"], reply
                        out.append(reply["result"])
                        break
        return out


def _ha_venv() -> Path:
    hass = REPO / ".venv-homeassistant" / "bin" / "hass"
    if not (REPO / ".venv-homeassistant" / ".renkei-ready-2024.3.3").exists():
        subprocess.run(["bash", str(REPO / "scripts" / "homeassistant_env.sh")], check=True, timeout=1500)
    return hass


def _login(url: str) -> str:
    """The real login flow, then a long-lived access token over the WebSocket API."""
    import json

    import httpx
    from websockets.sync.client import connect

    client_id = url + "/"
    with httpx.Client(base_url=url, timeout=10) as http:
        flow = http.post(
            "/auth/login_flow",
            json={"client_id": client_id, "handler": ["homeassistant", None], "redirect_uri": client_id},
        ).json()
        done = http.post(
            f"/auth/login_flow/{flow['flow_id']}",
            json={"client_id": client_id, "username": HA_USER, "password": HA_PASSWORD},
        ).json()
        tokens = http.post(
            "/auth/token", data={"grant_type": "authorization_code", "code": done["result"], "client_id": client_id}
        ).json()
    with connect(url.replace("http", "ws", 1) + "/api/websocket") as ws:
        ws.recv()
        ws.send(json.dumps({"type": "auth", "access_token": tokens["access_token"]}))
        ws.recv()
        ws.send(json.dumps({"id": 1, "type": "auth/long_lived_access_token", "client_name": "renkei", "lifespan": 1}))
        return str(json.loads(ws.recv())["result"])


@pytest.fixture(scope="session")
def ha_mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    broker = Mosquitto(tmp_path_factory.mktemp("ha-mqtt"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory, ha_mosquitto: Mosquitto) -> Iterator[HomeAssistant]:
    import json
    import urllib.error
    import urllib.request

    hass = _ha_venv()
    config = tmp_path_factory.mktemp("ha-config")
    port = free_port()
    (config / "configuration.yaml").write_text(HA_CONFIGURATION().replace("@PORT@", str(port)))
    # The MQTT integration is set up through a config entry (YAML broker settings were removed).
    entry = {"entry_id": "renkeimqtt" + "0" * 22, "version": 1, "minor_version": 1, "domain": "mqtt",
             "title": "Mosquitto", "data": {"broker": "127.0.0.1", "port": ha_mosquitto.port, "discovery": True},
             "options": {}, "pref_disable_new_entities": False, "pref_disable_polling": False, "source": "user",
             "unique_id": None, "disabled_by": None}  # fmt: skip
    (config / ".storage").mkdir()
    (config / ".storage" / "core.config_entries").write_text(
        json.dumps({"version": 1, "minor_version": 2, "key": "core.config_entries", "data": {"entries": [entry]}})
    )
    subprocess.run(
        [str(hass), "--script", "auth", "-c", str(config), "add", HA_USER, HA_PASSWORD], check=True, timeout=120
    )
    log = (config / "hass.out").open("wb")
    proc = subprocess.Popen([str(hass), "-c", str(config), "--skip-pip"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"Home Assistant exited; see {config / 'hass.out'}")
        try:
            urllib.request.urlopen(url + "/api/", timeout=2)
        except urllib.error.HTTPError as err:
            if err.code == 401:  # up, and asking for a token
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError(f"Home Assistant did not start within 240 s; see {config / 'hass.out'}")
        time.sleep(0.5)
    ha = HomeAssistant(url, _login(url), proc, config, ha_mosquitto.port)
    area = ha.ws({"type": "config/area_registry/create", "name": "Living room"})[0]
    ha.ws({"type": "config/entity_registry/update", "entity_id": "light.living_room", "area_id": area["area_id"]})
    yield ha
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
