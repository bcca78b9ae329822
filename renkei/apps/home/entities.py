"""The home as the app sees it, whatever the back end: areas, entities, commands.

Entity ids and services follow Home Assistant's vocabulary (`light.living_room`,
`climate.set_temperature`), so the simulated home, MQTT devices and a real Home Assistant
look the same to the car, the CLI and the automations.

    >>> cmd = parse_state("light.living_room", "40%")
    >>> cmd.service, cmd.data
    ('turn_on', {'brightness_pct': 40})
    >>> parse_state("climate.home", "21.5").data
    {'temperature': 21.5}
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENTITY_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]{1,64}$")
DOMAINS = ("light", "switch", "climate", "cover", "lock", "scene", "script", "fan", "sensor", "binary_sensor")
HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
# Services each domain accepts (Home Assistant names), and the data keys each may carry.
SERVICES: dict[str, dict[str, tuple[str, ...]]] = {
    "light": {
        "turn_on": ("brightness_pct", "brightness", "rgb_color", "color_temp_kelvin"),
        "turn_off": (),
        "toggle": (),
    },
    "switch": {"turn_on": (), "turn_off": (), "toggle": ()},
    "fan": {"turn_on": ("percentage",), "turn_off": (), "toggle": ()},
    "climate": {
        "set_temperature": ("temperature", "hvac_mode"),
        "set_hvac_mode": ("hvac_mode",),
        "turn_on": (),
        "turn_off": (),
    },
    "cover": {"open_cover": (), "close_cover": (), "stop_cover": ()},
    "lock": {"lock": (), "unlock": ()},
    "scene": {"turn_on": ()},
    "script": {"turn_on": ()},
}
# Commands that move something people stand next to: never replayed late.
UNSAFE_DOMAINS = frozenset({"cover", "lock"})
MAX_TEXT = 256


class HomeError(Exception):
    """A home request that cannot be done; `code` is stable for programs, the text for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # unknown-entity, bad-state, unsupported, offline, stale, failed, denied


@dataclass
class Area:
    id: str
    name: str
    names: dict[str, str] = field(default_factory=dict)  # translations by language

    def label(self, lang: str) -> str:
        return self.names.get(lang) or self.name

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "names": dict(self.names)}


@dataclass
class Entity:
    entity_id: str
    name: str
    state: str
    area: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    last_changed: float = field(default_factory=time.time)

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]

    def label(self, lang: str) -> str:
        return self.names.get(lang) or self.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "name": self.name,
            "names": dict(self.names),
            "state": self.state,
            "area": self.area,
            "attributes": dict(self.attributes),
            "last_changed": self.last_changed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entity:
        return cls(
            entity_id=str(data["entity_id"]),
            name=str(data.get("name", "")),
            state=str(data.get("state", "")),
            area=data.get("area"),
            attributes=dict(data.get("attributes") or {}),
            names=dict(data.get("names") or {}),
            last_changed=float(data.get("last_changed", 0.0)),
        )


@dataclass
class HomeCommand:
    """One service call on one entity, stamped with when the person (or automation) asked."""

    entity_id: str
    service: str
    data: dict[str, Any] = field(default_factory=dict)
    issued_at: float = field(default_factory=time.time)
    source: str = "car"

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]

    @property
    def unsafe(self) -> bool:
        return self.domain in UNSAFE_DOMAINS

    def describe(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.data.items())
        return f"{self.domain}.{self.service} {self.entity_id}{extra}"


def check_entity_id(entity_id: object) -> str:
    if not isinstance(entity_id, str) or not ENTITY_ID.match(entity_id):
        shown = repr(entity_id)[:80]
        raise HomeError("bad-entity", f"{shown} is not an entity id (expected domain.name, e.g. light.living_room)")
    return entity_id


def make_command(
    entity_id: str,
    service: str,
    data: Mapping[str, Any] | None = None,
    *,
    source: str = "car",
    issued_at: float | None = None,
) -> HomeCommand:
    """A validated command: the domain must know the service and every data key."""
    check_entity_id(entity_id)
    domain = entity_id.split(".", 1)[0]
    services = SERVICES.get(domain)
    if services is None:
        raise HomeError("unsupported", f"{entity_id}: the {domain!r} domain cannot be commanded")
    if service not in services:
        raise HomeError(
            "unsupported", f"{entity_id}: {domain} has no service {service!r} (use {', '.join(sorted(services))})"
        )
    clean: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if key not in services[service]:
            allowed = ", ".join(services[service]) or "none"
            raise HomeError("bad-state", f"{entity_id}: {domain}.{service} takes no {key!r} (allowed: {allowed})")
        clean[key] = _check_value(entity_id, key, value)
    return HomeCommand(entity_id, service, clean, time.time() if issued_at is None else issued_at, source)


def _check_value(entity_id: str, key: str, value: Any) -> Any:
    def number(lo: float, hi: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise HomeError("bad-state", f"{entity_id}: {key} must be a number from {lo:g} to {hi:g}, not {value!r}")
        return value

    if key == "brightness_pct" or key == "percentage":
        return int(number(0, 100))
    if key == "brightness":
        return int(number(0, 255))
    if key == "temperature":
        return float(number(5, 35))
    if key == "color_temp_kelvin":
        return int(number(1000, 12000))
    if key == "hvac_mode":
        if value not in HVAC_MODES:
            raise HomeError(
                "bad-state", f"{entity_id}: hvac_mode must be one of {', '.join(HVAC_MODES)}, not {value!r}"
            )
        return value
    if key == "rgb_color":
        if (
            not isinstance(value, list | tuple)
            or len(value) != 3
            or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value)
        ):
            raise HomeError("bad-state", f"{entity_id}: rgb_color must be three integers 0-255, not {value!r}")
        return list(value)
    raise HomeError("bad-state", f"{entity_id}: unknown field {key!r}")


_WORDS: dict[str, dict[str, str]] = {
    "light": {"on": "turn_on", "off": "turn_off", "toggle": "toggle"},
    "switch": {"on": "turn_on", "off": "turn_off", "toggle": "toggle"},
    "fan": {"on": "turn_on", "off": "turn_off", "toggle": "toggle"},
    "climate": {"on": "turn_on", "off": "turn_off"},
    "cover": {"open": "open_cover", "close": "close_cover", "closed": "close_cover", "stop": "stop_cover"},
    "lock": {"lock": "lock", "locked": "lock", "unlock": "unlock", "unlocked": "unlock"},
    "scene": {"on": "turn_on", "activate": "turn_on"},
    "script": {"on": "turn_on", "run": "turn_on"},
}


def parse_state(entity_id: str, state: str, *, source: str = "cli") -> HomeCommand:
    """`renkei home set ENTITY STATE`: a person's words for a state, made into a service call.

    on/off/toggle; a light takes `40%` (brightness) or `#ff8800` (colour); a thermostat takes a
    setpoint in °C (`21.5`) or a mode (`heat`); a cover open/close/stop; a lock lock/unlock.
    """
    check_entity_id(entity_id)
    if not isinstance(state, str) or not state.strip() or len(state) > MAX_TEXT:
        raise HomeError("bad-state", f"{entity_id}: give a state such as on, off, 40%, 21.5, open or lock")
    domain = entity_id.split(".", 1)[0]
    word = state.strip().lower()
    words = _WORDS.get(domain)
    if words is None:
        raise HomeError("unsupported", f"{entity_id}: the {domain!r} domain cannot be commanded")
    if word in words:
        return make_command(entity_id, words[word], source=source)
    if domain == "light" and re.fullmatch(r"\d{1,3}%", word):
        return make_command(entity_id, "turn_on", {"brightness_pct": int(word[:-1])}, source=source)
    if domain == "light" and re.fullmatch(r"#[0-9a-f]{6}", word):
        rgb = [int(word[i : i + 2], 16) for i in (1, 3, 5)]
        return make_command(entity_id, "turn_on", {"rgb_color": rgb}, source=source)
    if domain == "fan" and re.fullmatch(r"\d{1,3}%", word):
        return make_command(entity_id, "turn_on", {"percentage": int(word[:-1])}, source=source)
    if domain == "climate":
        if word in HVAC_MODES:
            return make_command(entity_id, "set_hvac_mode", {"hvac_mode": word}, source=source)
        number = word.removesuffix("°c").removesuffix("c")
        if re.fullmatch(r"-?\d{1,3}(\.\d{1,2})?", number):
            return make_command(entity_id, "set_temperature", {"temperature": float(number)}, source=source)
    hint = ", ".join(words) + (
        ", N% or #rrggbb" if domain == "light" else ", a setpoint or a mode" if domain == "climate" else ""
    )
    raise HomeError("bad-state", f"{entity_id}: {state[:40]!r} is not a state for {domain} (use {hint})")


class HomeState:
    """The live picture of the home: back ends write it, the app, CLI and automations read it.

    Watchers get every entity change through a bounded queue (oldest dropped first), so a
    slow reader never holds up the home or the car.
    """

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.areas: dict[str, Area] = {}
        self.online = False
        self._watchers: set[asyncio.Queue[dict[str, Any]]] = set()

    def update(self, entity: Entity) -> None:
        old = self.entities.get(entity.entity_id)
        if old is not None and old.state == entity.state and old.attributes == entity.attributes:
            return
        self.entities[entity.entity_id] = entity
        self._emit({"event": "state", "entity": entity.as_dict()})

    def remove(self, entity_id: str) -> None:
        if self.entities.pop(entity_id, None) is not None:
            self._emit({"event": "removed", "entity_id": entity_id})

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self._emit({"event": "online" if online else "offline"})

    def report(self, key: str, **values: Any) -> None:
        """A back end has something to tell the person (a message key in messages.py)."""
        self._emit({"event": "problem", "key": key, "values": values})

    def watch(self, size: int = 256) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(size)
        self._watchers.add(queue)
        return queue

    def unwatch(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._watchers.discard(queue)

    def _emit(self, event: dict[str, Any]) -> None:
        for queue in self._watchers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def snapshot(self) -> dict[str, Any]:
        return {
            "online": self.online,
            "areas": [a.as_dict() for a in self.areas.values()],
            "entities": [e.as_dict() for e in sorted(self.entities.values(), key=lambda e: e.entity_id)],
        }
