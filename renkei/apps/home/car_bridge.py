"""The car on MQTT: it shows itself to the home by Home Assistant's discovery convention,
and takes the few commands a home may give it, through the car's own access rules.

Flow out: broker subscription (SOC, range, charging, cabin temperature, locks, location) →
latest values, coalesced → retained JSON on `<prefix>/<vehicle>/state` and `.../location`;
on every (re)connect the discovery configs are published again (retained) under
`<discovery_prefix>/<component>/<vehicle>/<key>/config`, with an availability topic and a
last will, so any Home Assistant on the same broker shows the car without configuration.

Flow in: `<prefix>/<vehicle>/cmd/<name>` (precondition ON|OFF, lock LOCK|UNLOCK, charge
START|STOP) → checked (topic, size, text, retained = old, JSON `issued_at` too old = stale)
→ `client.actuate(...)` with the app's own principal, so the broker's scopes and safety rules
decide → the result on `<prefix>/<vehicle>/event`. Refusals are told to the person.

    bridge = CarMqttBridge(client, link, settings.mqtt, notify=app.notify)
    await bridge.start()          # resolves signals, registers routes and discovery
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from renkei.apps.home.mqtt_link import MqttLink, MqttOffline
from renkei.apps.home.settings import MqttSettings
from renkei.client import BrokerError, ErrorCode, VehicleClient
from renkei.vss import Value

log = logging.getLogger(__name__)

SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed"
RANGE = "Vehicle.Powertrain.Range"
CHARGING = "Vehicle.Powertrain.TractionBattery.Charging.IsCharging"
CABIN_TEMPERATURE = "Vehicle.Cabin.HVAC.AmbientAirTemperature"
DRIVER_LOCK = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"
PRECONDITION = "Vehicle.Cabin.HVAC.IsAirConditioningActive"
START_STOP = "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging"
LATITUDE = "Vehicle.CurrentLocation.Latitude"
LONGITUDE = "Vehicle.CurrentLocation.Longitude"
VIN = "Vehicle.VehicleIdentification.VIN"
DOOR_LOCKS = "Vehicle.Cabin.Door.*.*.IsLocked"

STATE_KEYS = {SOC: "soc", RANGE: "range_km", CHARGING: "charging", CABIN_TEMPERATURE: "cabin_temperature",
              DRIVER_LOCK: "locked", PRECONDITION: "preconditioning"}  # fmt: skip
COMMANDS = {"precondition": ("ON", "OFF"), "lock": ("LOCK", "UNLOCK"), "charge": ("START", "STOP")}
MAX_COMMAND_AGE = 5.0  # seconds: a command stamped older than this is not carried out
MAX_INFLIGHT = 8

Notify = Callable[..., Awaitable[None]]


def vehicle_id_from(vin: object) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", str(vin or "")).strip("_").lower()[:40]
    return f"renkei_{text}" if text else "renkei_car"


class CarMqttBridge:
    def __init__(
        self,
        client: VehicleClient,
        link: MqttLink,
        settings: MqttSettings,
        *,
        notify: Notify | None = None,
        vehicle_id: str | None = None,
        name: str = "renkei car",
    ) -> None:
        self.client = client
        self.link = link
        self.settings = settings
        self.notify = notify
        self.vehicle_id = vehicle_id or settings.vehicle_id or "renkei_car"
        self.name = name
        self.values: dict[str, Value | None] = {}
        self.readable: list[str] = []
        self.lock_paths: list[str] = [DRIVER_LOCK]
        self.results: list[dict[str, Any]] = []  # recent command outcomes, newest last
        self._dirty = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    @property
    def base(self) -> str:
        return f"{self.settings.prefix}/{self.vehicle_id}"

    @property
    def availability_topic(self) -> str:
        return f"{self.base}/availability"

    async def start(self) -> None:
        if self.settings.vehicle_id is None:
            try:
                vin = (await self.client.get([VIN])).get(VIN)
                self.vehicle_id = vehicle_id_from(vin.value if vin else None)
            except BrokerError:
                pass
        for path in (*STATE_KEYS, LATITUDE, LONGITUDE):
            try:
                await self.client.metadata(path)
                self.readable.append(path)
            except BrokerError as err:
                log.info("the car does not share %s with the home: %s", path, err.message)
        try:
            found = [s.path for s in await self.client.metadata(DOOR_LOCKS)]
            self.lock_paths = found or self.lock_paths
        except BrokerError:
            pass
        self.link.route(f"{self.base}/cmd/+", self._on_command, max_payload=self.settings.max_payload)
        self.link.on_connect(self._announce)
        self._tasks = [
            asyncio.create_task(self._follow_car(), name="home-car-follow"),
            asyncio.create_task(self._publish_loop(), name="home-car-publish"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        for task in (*self._tasks, *self._inflight):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._inflight, return_exceptions=True)
        with contextlib.suppress(MqttOffline):
            await self.link.publish(self.availability_topic, "offline", retain=True)

    # -- car → home -----------------------------------------------------------------------
    async def _follow_car(self) -> None:
        if not self.readable:
            return
        backoff = 0.5
        while True:
            try:
                async with self.client.subscribe(self.readable, queue_size=64) as sub:
                    backoff = 0.5
                    async for batch in sub:
                        for path, dp in batch.items():
                            self.values[path] = dp.value if dp is not None else None
                        self._dirty.set()
            except BrokerError as err:
                log.warning("car subscription ended: %s; again in %.1f s", err, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    def state_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        for path, key in STATE_KEYS.items():
            value = self.values.get(path)
            if key == "range_km" and isinstance(value, int | float):
                value = round(value / 1000, 1)
            doc[key] = value
        return doc

    def location_document(self) -> dict[str, Any] | None:
        lat, lon = self.values.get(LATITUDE), self.values.get(LONGITUDE)
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            return None
        return {"latitude": lat, "longitude": lon, "gps_accuracy": 10}

    async def _publish_loop(self) -> None:
        # Coalesce: only the newest state is sent; while MQTT is away nothing piles up.
        while True:
            await self._dirty.wait()
            await self.link.connected.wait()
            self._dirty.clear()
            try:
                await self._publish_state()
            except MqttOffline:
                self._dirty.set()
            if self.settings.state_interval:
                await asyncio.sleep(self.settings.state_interval)

    async def _publish_state(self) -> None:
        await self.link.publish(f"{self.base}/state", json.dumps(self.state_document()), retain=True)
        location = self.location_document()
        if location is not None:
            await self.link.publish(f"{self.base}/location", json.dumps(location), retain=True)

    def discovery(self) -> dict[str, dict[str, Any]]:
        """Discovery topic → config for every entity the car shows in Home Assistant."""
        vid, base = self.vehicle_id, self.base
        device = {"identifiers": [vid], "name": self.name, "manufacturer": "renkei", "model": "renkei EV"}
        common = {"availability_topic": self.availability_topic, "device": device, "origin": {"name": "renkei"}}
        state = f"{base}/state"
        entities: dict[str, tuple[str, dict[str, Any]]] = {
            "soc": ("sensor", {"name": "Battery", "state_topic": state, "value_template": "{{ value_json.soc }}",
                               "unit_of_measurement": "%", "device_class": "battery", "state_class": "measurement"}),
            "range": ("sensor", {"name": "Range", "state_topic": state, "value_template": "{{ value_json.range_km }}",
                                 "unit_of_measurement": "km", "device_class": "distance",
                                 "state_class": "measurement"}),
            "charging": ("binary_sensor", {"name": "Charging", "state_topic": state, "device_class": "battery_charging",
                                           "value_template": "{{ 'ON' if value_json.charging else 'OFF' }}"}),
            "cabin_temperature": ("sensor", {"name": "Cabin temperature", "state_topic": state,
                                             "value_template": "{{ value_json.cabin_temperature }}",
                                             "unit_of_measurement": "°C", "device_class": "temperature",
                                             "state_class": "measurement"}),
            "location": ("device_tracker", {"name": "Location", "json_attributes_topic": f"{base}/location",
                                            "source_type": "gps"}),
            "precondition": ("switch", {"name": "Pre-conditioning", "state_topic": state,
                                        "command_topic": f"{base}/cmd/precondition",
                                        "value_template": "{{ 'ON' if value_json.preconditioning else 'OFF' }}",
                                        "icon": "mdi:car-defrost-front"}),
            "lock": ("lock", {"name": "Doors", "state_topic": state, "command_topic": f"{base}/cmd/lock",
                              "value_template": "{{ 'LOCKED' if value_json.locked else 'UNLOCKED' }}"}),
            "charge_start": ("button", {"name": "Start charging", "command_topic": f"{base}/cmd/charge",
                                        "payload_press": "START", "icon": "mdi:ev-station"}),
            "charge_stop": ("button", {"name": "Stop charging", "command_topic": f"{base}/cmd/charge",
                                       "payload_press": "STOP", "icon": "mdi:power-plug-off"}),
        }  # fmt: skip
        out: dict[str, dict[str, Any]] = {}
        for key, (component, config) in entities.items():
            topic = f"{self.settings.discovery_prefix}/{component}/{vid}/{key}/config"
            out[topic] = {**config, **common, "unique_id": f"{vid}_{key}", "object_id": f"{vid}_{key}"}
        return out

    async def _announce(self) -> None:
        for topic, config in self.discovery().items():
            await self.link.publish(topic, json.dumps(config), retain=True)
        if self._stopping:  # a stop raced the (re)connect: "offline" must stay the last word
            return
        await self.link.publish(self.availability_topic, "online", retain=True)
        await self._publish_state()

    # -- home → car -----------------------------------------------------------------------
    def _on_command(self, topic: str, payload: bytes, retained: bool) -> None:
        name = topic.rsplit("/", 1)[-1]
        if not topic.startswith(f"{self.base}/cmd/") or name not in COMMANDS:
            self._record(name[:40], "", "invalid", f"unknown command topic {topic[:120]!r}")
            return
        if retained:
            # A retained command was sent some time ago: never replayed.
            self._record(name, "", "stale", "retained command ignored (commands are never replayed)")
            return
        try:
            word, issued_at = _parse_command(payload)
        except ValueError as err:
            self._record(name, "", "invalid", str(err))
            return
        if word not in COMMANDS[name]:
            self._record(name, word[:20], "invalid", f"{name} takes {' or '.join(COMMANDS[name])}")
            return
        if issued_at is not None and time.time() - issued_at > MAX_COMMAND_AGE:
            age = time.time() - issued_at
            self._record(name, word, "stale", f"issued {age:.1f} s ago, older than {MAX_COMMAND_AGE:.0f} s")
            return
        if len(self._inflight) >= MAX_INFLIGHT:
            self._record(name, word, "busy", "too many commands in flight")
            return
        task = asyncio.get_running_loop().create_task(self._carry_out(name, word))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _carry_out(self, name: str, word: str) -> None:
        values: dict[str, Value]
        if name == "precondition":
            values = {PRECONDITION: word == "ON"}
        elif name == "lock":
            if word == "UNLOCK" and not self.settings.allow_unlock:
                await self._refuse(name, word, "denied", "unlocking the car from the home is not enabled")
                return
            values = dict.fromkeys(self.lock_paths, word == "LOCK")
        else:
            values = {START_STOP: word}
        try:
            await asyncio.wait_for(self.client.actuate(values), timeout=10.0)
        except BrokerError as err:
            result = {
                ErrorCode.PERMISSION_DENIED: "denied",
                ErrorCode.FAILED_PRECONDITION: "unsafe",
                ErrorCode.UNAVAILABLE: "unavailable",
            }.get(err.code, "failed")
            await self._refuse(name, word, result, str(err))
            return
        except TimeoutError:
            await self._refuse(name, word, "failed", "the car did not answer in time")
            return
        self._record(name, word, "ok", "")

    async def _refuse(self, name: str, word: str, result: str, reason: str) -> None:
        self._record(name, word, result, reason)
        if self.notify is not None:
            await self.notify("home.car_command_refused", "warning", command=f"{name} {word}", reason=reason)

    def _record(self, name: str, word: str, result: str, reason: str) -> None:
        entry = {"command": name, "payload": word, "result": result, "reason": reason, "at": time.time()}
        self.results = [*self.results[-99:], entry]
        if result != "ok":
            log.warning("home command %s %s: %s (%s)", name, word, result, reason)
        if self.link.online:
            task = asyncio.get_running_loop().create_task(self._publish_event(entry))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _publish_event(self, entry: dict[str, Any]) -> None:
        with contextlib.suppress(MqttOffline):
            await self.link.publish(f"{self.base}/event", json.dumps(entry), retain=False)


def _parse_command(payload: bytes) -> tuple[str, float | None]:
    """`LOCK`, or JSON `{"command": "LOCK", "issued_at": 1700000000.0}`."""
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("the payload is not UTF-8 text") from None
    if not text:
        raise ValueError("the payload is empty")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"malformed JSON: {err.msg} at position {err.pos}") from None
        if not isinstance(data, dict) or not isinstance(data.get("command"), str):
            raise ValueError('a JSON command needs a "command" text field')
        issued = data.get("issued_at")
        if issued is not None and (isinstance(issued, bool) or not isinstance(issued, int | float)):
            raise ValueError('"issued_at" must be a UNIX time in seconds')
        return data["command"].strip().upper(), None if issued is None else float(issued)
    if len(text) > 32:
        raise ValueError(f"the payload of {len(text)} characters is not a command")
    return text.upper(), None
