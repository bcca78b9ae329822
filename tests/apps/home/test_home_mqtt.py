"""The car on a real Mosquitto: Home Assistant discovery, retained state, commands from the
home through the car's access rules, hostile input, and a broker restart mid-session."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from renkei.apps.home import HomeApp, HomeSettings, MqttSettings
from renkei.broker import Broker, Principal
from renkei.client import InProcessClient

CAR = "test_car"
BASE = f"renkei/{CAR}"
NOTIFICATION = "Vehicle.Cabin.Infotainment.HMI.Notification"


class Watcher:
    """A plain MQTT client standing in for Home Assistant: records what it sees, sends commands."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.seen: list[tuple[str, bytes, bool]] = []

    def last(self, topic: str) -> Any:
        for t, payload, _ in reversed(self.seen):
            if t == topic:
                return json.loads(payload) if payload[:1] in (b"{", b"[") else payload.decode()
        return None

    def all(self, topic: str) -> list[Any]:
        return [json.loads(p) for t, p, _ in self.seen if t == topic]


@contextlib.asynccontextmanager
async def watcher(port: int, *topics: str) -> AsyncIterator[Watcher]:
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"watcher-{time.monotonic_ns()}") as client:
        w = Watcher(client)
        for topic in topics:
            await client.subscribe(topic, qos=1)

        async def collect() -> None:
            async for message in client.messages:
                payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
                w.seen.append((str(message.topic), payload, bool(message.retain)))

        task = asyncio.create_task(collect())
        try:
            yield w
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def mqtt_settings(port: int, **extra: Any) -> HomeSettings:
    return HomeSettings(
        mqtt=MqttSettings(enabled=True, port=port, vehicle_id=CAR, state_interval=0.0, **extra),
        automations_enabled=False,
        service_socket=None,
        reconnect_min=0.1,
        reconnect_max=0.5,
    )


@pytest.fixture
async def car_app(home_client: InProcessClient, vehicle: Any, mosquitto: Any, until: Any) -> AsyncIterator[HomeApp]:
    app = HomeApp(home_client, mqtt_settings(mosquitto.port))
    await app.start()
    assert app.mqtt is not None
    await until(lambda: app.mqtt is not None and app.mqtt.online)
    yield app
    await app.stop()


async def test_car_appears_by_discovery_with_retained_state(car_app: HomeApp, mosquitto: Any, until: Any) -> None:
    # A client that connects afterwards still gets everything: it is retained.
    async with watcher(mosquitto.port, "homeassistant/#", f"{BASE}/#") as ha:
        await until(lambda: ha.last(f"{BASE}/state") is not None and ha.last(f"{BASE}/location") is not None)
        configs = {t: json.loads(p) for t, p, _ in ha.seen if t.startswith("homeassistant/") and p}
        assert all(retained for t, _, retained in ha.seen if t.startswith("homeassistant/"))
        components = {t.split("/")[1] for t in configs}
        assert {"sensor", "binary_sensor", "device_tracker", "switch", "lock", "button"} <= components
        soc = configs[f"homeassistant/sensor/{CAR}/soc/config"]
        assert soc["device_class"] == "battery" and soc["unique_id"] == f"{CAR}_soc"
        assert soc["device"]["identifiers"] == [CAR] and soc["availability_topic"] == f"{BASE}/availability"
        tracker = configs[f"homeassistant/device_tracker/{CAR}/location/config"]
        assert tracker["json_attributes_topic"] == f"{BASE}/location" and tracker["source_type"] == "gps"
        assert ha.last(f"{BASE}/availability") == "online"
        state = ha.last(f"{BASE}/state")
        assert state == {"soc": 72.5, "range_km": 310.0, "charging": False, "cabin_temperature": 18.5,
                         "locked": True, "preconditioning": False}  # fmt: skip
        assert ha.last(f"{BASE}/location")["latitude"] == pytest.approx(35.70)


async def test_car_state_follows_the_vehicle(car_app: HomeApp, broker: Broker, mosquitto: Any, until: Any) -> None:
    async with watcher(mosquitto.port, f"{BASE}/state") as ha:
        await until(lambda: ha.last(f"{BASE}/state") is not None)
        broker.publish({"Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 55.0,
                        "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": True})  # fmt: skip
        await until(lambda: (ha.last(f"{BASE}/state") or {}).get("soc") == 55.0)
        assert ha.last(f"{BASE}/state")["charging"] is True


async def test_commands_from_the_home_reach_the_car(car_app: HomeApp, vehicle: Any, mosquitto: Any, until: Any) -> None:
    async with watcher(mosquitto.port, f"{BASE}/state", f"{BASE}/event") as ha:
        await ha.client.publish(f"{BASE}/cmd/precondition", "ON", qos=1)
        await until(lambda: {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True} in vehicle.requests)
        await until(lambda: (ha.last(f"{BASE}/state") or {}).get("preconditioning") is True)
        await ha.client.publish(f"{BASE}/cmd/lock", "LOCK", qos=1)
        await until(lambda: any("Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked" in r for r in vehicle.requests))
        await ha.client.publish(f"{BASE}/cmd/charge", json.dumps({"command": "start", "issued_at": time.time()}))
        await until(
            lambda: {"Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging": "START"} in vehicle.requests
        )
        await until(lambda: len([e for e in ha.all(f"{BASE}/event") if e["result"] == "ok"]) == 3)


async def test_hostile_mqtt_input_is_refused(
    car_app: HomeApp, vehicle: Any, broker: Broker, mosquitto: Any, until: Any
) -> None:
    async with watcher(mosquitto.port, f"{BASE}/event") as ha:
        send = ha.client.publish
        await send(f"{BASE}/cmd/charge", '{"command": ', qos=1)  # malformed JSON
        await send(f"{BASE}/cmd/charge", b"\xff\xfe\x00", qos=1)  # not text
        await send(f"{BASE}/cmd/lock", "OPEN SESAME", qos=1)  # not a lock word
        await send(f"{BASE}/cmd/open_trunk", "NOW", qos=1)  # not a command we take
        await send(f"{BASE}/cmd/lock", b"L" * 300_000, qos=1)  # huge
        await send(f"{BASE}/cmd/lock", "UNLOCK", qos=1)  # unlocking from the home is off by default
        await send(f"{BASE}/cmd/lock", json.dumps({"command": "LOCK", "issued_at": time.time() - 60}), qos=1)  # stale
        await send(f"{BASE}/cmd/charge", json.dumps({"command": "START", "issued_at": "yesterday"}), qos=1)
        await send(f"other/{CAR}/cmd/lock", "LOCK", qos=1)  # outside our prefix
        await send("renkei/someone_else/cmd/lock", "LOCK", qos=1)  # another car
        await until(lambda: len(ha.all(f"{BASE}/event")) >= 7)  # the huge one is dropped unread
        await asyncio.sleep(0.3)
        results = [(e["command"], e["result"]) for e in ha.all(f"{BASE}/event")]
        assert results.count(("charge", "invalid")) == 3
        assert ("lock", "invalid") in results and ("open_trunk", "invalid") in results
        assert ("lock", "denied") in results and ("lock", "stale") in results
        reasons = " ".join(e["reason"] for e in ha.all(f"{BASE}/event"))
        assert "malformed JSON" in reasons and "not UTF-8" in reasons and "UNIX time" in reasons
        assert car_app.mqtt is not None and car_app.mqtt.oversized == 1
        assert vehicle.requests == []  # nothing reached the car
        # the person is told about the refused unlock
        note = broker.get([NOTIFICATION])[NOTIFICATION]
        assert note is not None and "refused" in json.loads(str(note.value))["body"]["en"]


async def test_retained_commands_are_never_replayed(
    home_client: InProcessClient, vehicle: Any, mosquitto: Any, until: Any
) -> None:
    # Someone left a retained command on the broker; the car must not act on it when it connects.
    async with watcher(mosquitto.port, f"{BASE}/event") as ha:
        await ha.client.publish(f"{BASE}/cmd/precondition", "ON", qos=1, retain=True)
        app = HomeApp(home_client, mqtt_settings(mosquitto.port))
        await app.start()
        try:
            await until(lambda: bool(ha.all(f"{BASE}/event")))
            assert ha.all(f"{BASE}/event")[0]["result"] == "stale"
            assert "never replayed" in ha.all(f"{BASE}/event")[0]["reason"]
            assert vehicle.requests == []
        finally:
            await ha.client.publish(f"{BASE}/cmd/precondition", b"", qos=1, retain=True)
            await app.stop()


async def test_commands_without_authority_are_refused_by_the_broker(
    broker: Broker, vehicle: Any, mosquitto: Any, until: Any
) -> None:
    # A home principal that may read and precondition, but not touch charging or doors.
    weak = Principal.from_scope_string(
        "read actuate:Vehicle.Cabin.HVAC provide:Vehicle.Cabin.Infotainment.HMI.Notification", subject="home"
    )
    app = HomeApp(InProcessClient(broker, principal=weak), mqtt_settings(mosquitto.port, allow_unlock=True))
    await app.start()
    try:
        async with watcher(mosquitto.port, f"{BASE}/event") as ha:
            await until(lambda: app.mqtt is not None and app.mqtt.online)
            await ha.client.publish(f"{BASE}/cmd/charge", "START", qos=1)
            await ha.client.publish(f"{BASE}/cmd/lock", "UNLOCK", qos=1)
            await ha.client.publish(f"{BASE}/cmd/precondition", "ON", qos=1)
            await until(lambda: len(ha.all(f"{BASE}/event")) >= 3)
            outcome = {e["command"]: e for e in ha.all(f"{BASE}/event")}
            assert outcome["charge"]["result"] == "denied" and "does not grant 'actuate'" in outcome["charge"]["reason"]
            assert outcome["lock"]["result"] == "denied"
            assert outcome["precondition"]["result"] == "ok"
            assert vehicle.requests == [{"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}]
    finally:
        await app.stop()


async def test_safety_rules_apply_to_home_commands(
    car_app: HomeApp, broker: Broker, vehicle: Any, mosquitto: Any, until: Any
) -> None:
    car_app.settings.mqtt.allow_unlock = True
    broker.publish({"Vehicle.Speed": 60.0})
    async with watcher(mosquitto.port, f"{BASE}/event") as ha:
        await ha.client.publish(f"{BASE}/cmd/lock", "UNLOCK", qos=1)
        await until(lambda: bool(ha.all(f"{BASE}/event")))
        event = ha.all(f"{BASE}/event")[0]
        assert event["result"] == "unsafe" and "moves" in event["reason"]
    assert vehicle.requests == []


async def test_broker_restart_mid_session(car_app: HomeApp, broker: Broker, mosquitto: Any, until: Any) -> None:
    link = car_app.mqtt
    assert link is not None and link.connects == 1
    mosquitto.stop()
    await until(lambda: not link.online)
    broker.publish({"Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 41.0})  # while MQTT is away
    await asyncio.sleep(0.3)
    mosquitto.start()  # same port, empty (no persistence): nothing retained survives
    await until(lambda: link.online, within=10)
    assert link.connects == 2 and link.last_reconnect_seconds is not None
    async with watcher(mosquitto.port, "homeassistant/#", f"{BASE}/#") as ha:
        # discovery and the newest state were published again after the reconnect
        await until(lambda: (ha.last(f"{BASE}/state") or {}).get("soc") == 41.0)
        await until(lambda: ha.last(f"homeassistant/sensor/{CAR}/soc/config") is not None)
        assert ha.last(f"{BASE}/availability") == "online"


async def test_last_will_marks_the_car_offline(
    home_client: InProcessClient, vehicle: Any, mosquitto: Any, until: Any
) -> None:
    app = HomeApp(home_client, mqtt_settings(mosquitto.port))
    await app.start()
    await until(lambda: app.mqtt is not None and app.mqtt.online)
    await app.stop()  # a clean stop says offline itself
    async with watcher(mosquitto.port, f"{BASE}/availability") as ha:
        await until(lambda: ha.last(f"{BASE}/availability") == "offline")


@contextlib.asynccontextmanager
async def mqtt_device(port: int) -> AsyncIterator[Watcher]:
    """A stand-in MQTT device (like zigbee2mqtt): announces itself and echoes commands as state."""
    async with watcher(port, "zigbee/+/set") as dev:
        configs = {
            "homeassistant/light/kitchen/config": {"name": "Kitchen", "schema": "json", "~": "zigbee/kitchen",
                                                   "cmd_t": "~/set", "stat_t": "~", "dev": {"sa": "Kitchen"}},
            "homeassistant/switch/z/kettle/config": {"name": "Kettle", "command_topic": "zigbee/kettle/set",
                                                     "state_topic": "zigbee/kettle"},
            "homeassistant/cover/garage/config": {"name": "Garage", "command_topic": "zigbee/garage/set",
                                                  "state_topic": "zigbee/garage"},
            # hostile or foreign configs: none may become a home device
            "homeassistant/light/evil/config": {"name": "Evil", "command_topic": "zigbee/#"},
            "homeassistant/light/array/config": [1, 2, 3],
            "homeassistant/switch/broken/config": "{not json",
            "homeassistant/switch/nocmd/config": {"name": "No command", "state_topic": "zigbee/nocmd"},
            "homeassistant/switch/fake_car/config": {"name": "Car", "command_topic": f"{BASE}/cmd/lock"},
        }  # fmt: skip
        for topic, config in configs.items():
            payload = config if isinstance(config, str) else json.dumps(config)
            await dev.client.publish(topic, payload, qos=1, retain=True)
        await dev.client.publish("zigbee/kitchen", json.dumps({"state": "OFF"}), qos=1, retain=True)
        await dev.client.publish("zigbee/garage", "closed", qos=1, retain=True)
        yield dev
        for topic in configs:
            await dev.client.publish(topic, b"", qos=1, retain=True)


async def test_mqtt_back_end_controls_discovered_devices(
    home_client: InProcessClient, vehicle: Any, mosquitto: Any, until: Any
) -> None:
    async with mqtt_device(mosquitto.port) as dev:
        settings = mqtt_settings(mosquitto.port)
        settings.backend = "mqtt"
        app = HomeApp(home_client, settings)
        await app.start()
        try:
            await until(lambda: {"light.kitchen", "switch.kettle", "cover.garage"} <= set(app.state.entities))
            await asyncio.sleep(0.2)
            assert set(app.state.entities) == {"light.kitchen", "switch.kettle", "cover.garage"}
            assert app.state.entities["light.kitchen"].area == "kitchen"
            assert app.state.entities["cover.garage"].state == "closed"
            assert len(app.backend.rejected) == 4  # type: ignore[attr-defined]
            await app.command(app_command("light.kitchen", "turn_on", {"brightness_pct": 50}))
            await until(lambda: dev.last("zigbee/kitchen/set") is not None)
            assert dev.last("zigbee/kitchen/set") == {"state": "ON", "brightness": 128}
            # the device reports back; the home app follows
            await dev.client.publish("zigbee/kitchen", json.dumps({"state": "ON", "brightness": 128}), qos=1)
            await until(lambda: app.state.entities["light.kitchen"].state == "on")
            assert app.state.entities["light.kitchen"].attributes["brightness"] == 128
            await app.command(app_command("cover.garage", "open_cover"))
            await until(lambda: dev.last("zigbee/garage/set") == "OPEN")
            # a device that withdraws its config vanishes from the home
            await dev.client.publish("homeassistant/switch/z/kettle/config", b"", qos=1, retain=True)
            await until(lambda: "switch.kettle" not in app.state.entities)
        finally:
            await app.stop()


def app_command(entity: str, service: str, data: dict[str, Any] | None = None) -> Any:
    from renkei.apps.home import make_command

    return make_command(entity, service, data)


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1, made fresh for the test."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(name("renkei test CA")).issuer_name(name("renkei test CA"))
        .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    server = (
        x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(2).not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    return paths


async def test_tls_and_credentials(home_client: InProcessClient, vehicle: Any, tmp_path: Path, until: Any) -> None:
    import getpass
    import shutil
    import subprocess

    from renkei.apps.home.devhome import LocalMosquitto

    ca, cert, key = _certificates(tmp_path)
    passwords = tmp_path / "passwords"
    passwd = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    await asyncio.to_thread(subprocess.run, [passwd, "-c", "-b", str(passwords), "car", "s3cret"], check=True)
    broker = LocalMosquitto(tmp_path)
    # Started as root, mosquitto would drop to user "mosquitto", which cannot read pytest's private tmp dir.
    broker.conf.write_text(
        f"user {getpass.getuser()}\n"
        f"listener {broker.port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n"
        f"allow_anonymous false\npassword_file {passwords}\npersistence false\nlog_dest none\n"
    )
    with broker:
        good = mqtt_settings(broker.port, tls=True, ca_file=ca, username="car", password="s3cret")
        app = HomeApp(home_client, good)
        await app.start()
        try:
            await until(lambda: app.mqtt is not None and app.mqtt.online)
        finally:
            await app.stop()
        for wrong, why in (
            ({"tls": True, "ca_file": ca, "username": "car", "password": "guess"}, "Not authorized"),
            ({"tls": True, "username": "car", "password": "s3cret"}, "CERTIFICATE_VERIFY_FAILED"),  # untrusted CA
            ({"username": "car", "password": "s3cret"}, "timed out"),  # plain MQTT to a TLS listener
        ):
            app = HomeApp(home_client, mqtt_settings(broker.port, **wrong))
            await app.start()
            try:
                assert app.mqtt is not None
                # Plain MQTT to a TLS listener fails only when the client's own 5 s connect timeout fires.
                await until(lambda: bool(app.mqtt and app.mqtt.last_error), within=15.0)  # noqa: B023
                assert not app.mqtt.online and why in app.mqtt.last_error
            finally:
                await app.stop()
