"""MQTT home back end: the home's devices as they announce themselves by discovery.

Devices (zigbee2mqtt, Tasmota, ESPHome, ...) publish Home Assistant discovery configs under
`<discovery_prefix>/<component>/[<node>/]<object>/config`; this back end reads the lights,
switches, fans, covers, locks and thermostats among them, follows their state topics and
sends commands to their command topics. Configs are checked before use: JSON objects only,
bounded size and count, concrete topics (no wildcards), and never the car's own entities.

    home = MqttHome(state, link, settings.mqtt)     # link: the app's MqttLink
    await home.execute(make_command("light.kitchen", "turn_on", {"brightness_pct": 50}))
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from renkei.apps.home.entities import Area, Entity, HomeCommand, HomeError, HomeState
from renkei.apps.home.mqtt_link import MqttLink, MqttOffline
from renkei.apps.home.settings import MqttSettings

log = logging.getLogger(__name__)

COMPONENTS = ("light", "switch", "fan", "cover", "lock", "climate")
MAX_CONFIG = 64 * 1024
MAX_ENTITIES = 500
# Home Assistant's abbreviations for the discovery keys this back end reads.
ABBREVIATIONS = {
    "cmd_t": "command_topic", "stat_t": "state_topic", "uniq_id": "unique_id", "obj_id": "object_id",
    "pl_on": "payload_on", "pl_off": "payload_off", "pl_open": "payload_open", "pl_cls": "payload_close",
    "pl_stop": "payload_stop", "pl_lock": "payload_lock", "pl_unlk": "payload_unlock", "stat_open": "state_open",
    "stat_clsd": "state_closed", "stat_locked": "state_locked", "stat_unlocked": "state_unlocked",
    "temp_cmd_t": "temperature_command_topic", "temp_stat_t": "temperature_state_topic",
    "mode_cmd_t": "mode_command_topic", "mode_stat_t": "mode_state_topic", "curr_temp_t": "current_temperature_topic",
    "bri_cmd_t": "brightness_command_topic", "bri_stat_t": "brightness_state_topic", "bri_scl": "brightness_scale",
    "dev": "device", "sa": "suggested_area", "schema": "schema", "name": "name", "modes": "modes",
}  # fmt: skip
_TOPIC = re.compile(r"^[^#+\x00]{1,256}$")


@dataclass
class _Device:
    entity_id: str
    component: str
    config: dict[str, Any]
    state_topics: set[str] = field(default_factory=set)


def _expand(raw: dict[str, Any]) -> dict[str, Any]:
    base = raw.get("~")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        full = ABBREVIATIONS.get(key, key)
        if isinstance(value, str) and isinstance(base, str) and full.endswith("_topic"):
            value = value.replace("~", base) if value.startswith("~") or value.endswith("~") else value
        if full == "device" and isinstance(value, dict):
            value = {ABBREVIATIONS.get(k, k): v for k, v in value.items()}
        out[full] = value
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")[:64] or "device"


class MqttHome:
    name = "mqtt"

    def __init__(self, state: HomeState, link: MqttLink, settings: MqttSettings) -> None:
        self.state = state
        self.link = link
        self.settings = settings
        self.devices: dict[str, _Device] = {}
        self.rejected: list[str] = []  # why configs were refused (newest last)
        self._routes: set[str] = set()
        link.on_state(self.state.set_online)
        prefix = settings.discovery_prefix
        link.route(f"{prefix}/+/+/config", self._on_config, max_payload=MAX_CONFIG)
        link.route(f"{prefix}/+/+/+/config", self._on_config, max_payload=MAX_CONFIG)

    async def run(self) -> None:
        self.state.set_online(self.link.online)
        await asyncio.Event().wait()  # the app's MqttLink does the connecting

    def _reject(self, topic: str, why: str) -> None:
        self.rejected = [*self.rejected[-49:], f"{topic[:120]}: {why}"]
        log.warning("ignored MQTT discovery config %s: %s", topic[:120], why)

    def _on_config(self, topic: str, payload: bytes, retained: bool) -> None:
        parts = topic.split("/")[len(self.settings.discovery_prefix.split("/")) :]
        component, object_id = parts[0], parts[-2]
        if component not in COMPONENTS:
            return  # sensors and the like are not commanded from the car
        existing = next((d for d in self.devices.values() if d.config.get("_topic") == topic), None)
        if not payload:
            if existing is not None:
                self.devices.pop(existing.entity_id, None)
                self.state.remove(existing.entity_id)
            return
        try:
            raw = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            self._reject(topic, f"not JSON ({err})")
            return
        if not isinstance(raw, dict):
            self._reject(topic, "a discovery config must be a JSON object")
            return
        config = _expand(raw)
        topics = [k for k in config if k.endswith("_topic")]
        for key in topics:
            if not isinstance(config[key], str) or not _TOPIC.match(config[key]):
                self._reject(topic, f"{key} must be a concrete topic (no wildcards), not {str(config[key])[:60]!r}")
                return
        if any(str(config[k]).startswith(f"{self.settings.prefix}/") for k in topics):
            return  # the car's own entities (or someone imitating them): never treated as home devices
        command_keys = (
            ("temperature_command_topic", "mode_command_topic") if component == "climate" else ("command_topic",)
        )
        if not any(k in config for k in command_keys):
            self._reject(topic, f"a {component} needs {' or '.join(command_keys)}")
            return
        ident = config.get("object_id") or object_id
        entity_id = f"{component}.{_slug(str(ident))}"
        if existing is None and entity_id not in self.devices and len(self.devices) >= MAX_ENTITIES:
            self._reject(topic, f"more than {MAX_ENTITIES} devices")
            return
        config["_topic"] = topic
        device = _Device(entity_id, component, config)
        self.devices[entity_id] = device
        device_info = config.get("device") if isinstance(config.get("device"), dict) else {}
        area_name = device_info.get("suggested_area") if isinstance(device_info, dict) else None
        area = None
        if isinstance(area_name, str) and area_name:
            area = _slug(area_name)
            self.state.areas.setdefault(area, Area(area, area_name[:64]))
        name = config.get("name") if isinstance(config.get("name"), str) else None
        initial = (
            "unknown" if self._has_state(device) else ("off" if component in ("light", "switch", "fan") else "unknown")
        )
        old = self.state.entities.get(entity_id)
        self.state.update(
            Entity(
                entity_id,
                (name or str(ident))[:80],
                old.state if old else initial,
                area,
                dict(old.attributes) if old else {},
            )
        )
        for key in ("state_topic", "brightness_state_topic", "temperature_state_topic", "mode_state_topic",
                    "current_temperature_topic"):  # fmt: skip
            if key in config:
                device.state_topics.add(config[key])
                self._follow(config[key])

    def _has_state(self, device: _Device) -> bool:
        return any(k in device.config for k in ("state_topic", "mode_state_topic"))

    def _follow(self, topic: str) -> None:
        if topic in self._routes:
            return
        self._routes.add(topic)
        self.link.route(topic, self._on_state)

    def _on_state(self, topic: str, payload: bytes, retained: bool) -> None:
        text = payload.decode("utf-8", errors="replace").strip()
        for device in list(self.devices.values()):
            if topic in device.state_topics:
                self._apply(device, topic, text)

    def _apply(self, device: _Device, topic: str, text: str) -> None:
        entity = self.state.entities.get(device.entity_id)
        if entity is None:
            return
        c = device.config
        state, attrs = entity.state, dict(entity.attributes)
        if device.component in ("light", "switch", "fan") and topic == c.get("state_topic"):
            if c.get("schema") == "json":
                try:
                    data = json.loads(text)
                except json.JSONDecodeError:
                    return
                if not isinstance(data, dict):
                    return
                state = "on" if str(data.get("state", "")).upper() == "ON" else "off"
                if isinstance(data.get("brightness"), int | float):
                    attrs["brightness"] = int(data["brightness"])
            else:
                state = (
                    "on"
                    if text == c.get("payload_on", "ON")
                    else "off"
                    if text == c.get("payload_off", "OFF")
                    else state
                )
        elif device.component == "light" and topic == c.get("brightness_state_topic"):
            try:
                scale = float(c.get("brightness_scale", 255))
                attrs["brightness"] = round(float(text) * 255 / scale)
            except (TypeError, ValueError, ZeroDivisionError):
                return
        elif device.component == "cover":
            mapping = {c.get("state_open", "open"): "open", c.get("state_closed", "closed"): "closed",
                       "opening": "opening", "closing": "closing"}  # fmt: skip
            state = mapping.get(text, state)
        elif device.component == "lock":
            mapping = {c.get("state_locked", "LOCKED"): "locked", c.get("state_unlocked", "UNLOCKED"): "unlocked"}
            state = mapping.get(text, state)
        elif device.component == "climate":
            if topic == c.get("mode_state_topic") and text in (
                "off",
                "heat",
                "cool",
                "auto",
                "heat_cool",
                "dry",
                "fan_only",
            ):
                state = text
            else:
                try:
                    number = float(text)
                except ValueError:
                    return
                key = "temperature" if topic == c.get("temperature_state_topic") else "current_temperature"
                attrs[key] = number
        self.state.update(Entity(entity.entity_id, entity.name, state, entity.area, attrs, entity.names, time.time()))

    async def execute(self, command: HomeCommand) -> None:
        device = self.devices.get(command.entity_id)
        if device is None:
            raise HomeError("unknown-entity", f"{command.entity_id}: no such device on MQTT")
        c, service, data = device.config, command.service, command.data
        entity = self.state.entities.get(command.entity_id)
        messages: list[tuple[str, str]] = []
        if device.component in ("light", "switch", "fan"):
            on = service == "turn_on" or (service == "toggle" and (entity is None or entity.state != "on"))
            if c.get("schema") == "json":
                body: dict[str, Any] = {"state": "ON" if on else "OFF"}
                if "brightness_pct" in data:
                    body["brightness"] = round(data["brightness_pct"] * 255 / 100)
                if "rgb_color" in data:
                    r, g, b = data["rgb_color"]
                    body["color"] = {"r": r, "g": g, "b": b}
                messages.append((c["command_topic"], json.dumps(body)))
            else:
                messages.append(
                    (c["command_topic"], str(c.get("payload_on", "ON") if on else c.get("payload_off", "OFF")))
                )
                if on and "brightness_pct" in data and "brightness_command_topic" in c:
                    scale = float(c.get("brightness_scale", 255))
                    messages.append((c["brightness_command_topic"], str(round(data["brightness_pct"] * scale / 100))))
        elif device.component == "cover":
            key = {"open_cover": ("payload_open", "OPEN"), "close_cover": ("payload_close", "CLOSE"),
                   "stop_cover": ("payload_stop", "STOP")}[service]  # fmt: skip
            messages.append((c["command_topic"], str(c.get(key[0], key[1]))))
        elif device.component == "lock":
            key = ("payload_lock", "LOCK") if service == "lock" else ("payload_unlock", "UNLOCK")
            messages.append((c["command_topic"], str(c.get(key[0], key[1]))))
        elif device.component == "climate":
            if "hvac_mode" in data and "mode_command_topic" in c:
                messages.append((c["mode_command_topic"], data["hvac_mode"]))
            elif service in ("turn_on", "turn_off") and "mode_command_topic" in c:
                messages.append((c["mode_command_topic"], "heat" if service == "turn_on" else "off"))
            if "temperature" in data:
                if "temperature_command_topic" not in c:
                    raise HomeError("unsupported", f"{command.entity_id}: this thermostat takes no setpoint")
                messages.append((c["temperature_command_topic"], f"{data['temperature']:g}"))
        if not messages:
            raise HomeError("unsupported", f"{command.entity_id}: cannot {service} over MQTT")
        try:
            for topic, payload in messages:
                await self.link.publish(topic, payload)
        except MqttOffline as err:
            raise HomeError("offline", str(err)) from None
