"""Voice to home: the assistant's home-domain requests, carried out by the home app.

The assistant and the home app never import each other; they meet on a signal. The assistant
publishes each answer on `Vehicle.Cabin.Infotainment.HMI.AssistantReply` as JSON, with a
`home` list in Home Assistant's intent vocabulary (`HassTurnOn`, `HassLightSet`,
`HassClimateSetTemperature` …, slots `name`, `area`, `domain`, `entity_id`, `brightness`,
`temperature` …). This module follows that signal, resolves each intent to entities of
whatever home is connected (by entity id, by name in any language, by area, or the only one of
its kind), and sends the commands. A reply is acted on once (by id), only while fresh (never
a reply left over from before the app started), and failures are told to the person.

    link = AssistantHomeLink(client, app)
    await link.start()
    resolve_intent(app.state, "HassTurnOn", {"area": "living room", "domain": "light"})
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from renkei.apps.home.entities import Entity, HomeCommand, HomeError, HomeState, make_command
from renkei.client import BrokerError, VehicleClient

if TYPE_CHECKING:
    from renkei.apps.home.app import HomeApp

log = logging.getLogger(__name__)

REPLY = "Vehicle.Cabin.Infotainment.HMI.AssistantReply"
MAX_REPLY_AGE = 10.0  # seconds: an older request is not acted on (a garage door must not move late)
MAX_REPLY_BYTES = 16 * 1024  # an answer with home requests is small; a huge one is not read
_ON_OFF = {
    "cover": ("open_cover", "close_cover"),
    "lock": ("lock", "unlock"),  # "turn on the lock" locks it, as in Home Assistant
    "scene": ("turn_on", None),
    "script": ("turn_on", None),
}


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _area_matches(state: HomeState, entity: Entity, area: str) -> bool:
    if entity.area is None:
        return False
    if _same(entity.area.replace("_", " "), area.replace("_", " ")):
        return True
    known = state.areas.get(entity.area)
    return known is not None and (_same(known.name, area) or any(_same(n, area) for n in known.names.values()))


def find_targets(state: HomeState, slots: Mapping[str, Any]) -> list[Entity]:
    """The entities a request means: by id, by name (any language), by area, or the only one of a domain."""
    domain = slots.get("domain") if isinstance(slots.get("domain"), str) else None
    entity_id, name, area = slots.get("entity_id"), slots.get("name"), slots.get("area")
    entities = list(state.entities.values())
    if isinstance(entity_id, str) and entity_id in state.entities:
        return [state.entities[entity_id]]
    if isinstance(entity_id, str) and domain is None:
        domain = entity_id.split(".", 1)[0]
    if isinstance(name, str) and name:
        named = [e for e in entities if _same(e.name, name) or any(_same(n, name) for n in e.names.values())]
        if named:
            return named
    if isinstance(area, str) and area:
        in_area = [e for e in entities if _area_matches(state, e, area) and (domain is None or e.domain == domain)]
        if in_area:
            return in_area
    if domain is not None:
        of_kind = [e for e in entities if e.domain == domain]
        if len(of_kind) == 1:
            return of_kind
    wanted = entity_id or name or (f"{domain} in {area}" if area else domain) or "a device"
    raise HomeError("unknown-entity", f"no device in the home matches {str(wanted)[:80]!r}")


# Home Assistant's HassLightSet names colours in English (its intents' `color` list); a light
# takes them as RGB. "#rrggbb" is accepted too.
LIGHT_COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "red": (255, 0, 0),
    "orange": (255, 128, 0),
    "yellow": (255, 215, 0),
    "green": (0, 255, 0),
    "cyan": (0, 255, 255),
    "blue": (0, 0, 255),
    "lightblue": (135, 206, 235),
    "purple": (128, 0, 255),
    "pink": (255, 105, 180),
    "warm white": (255, 180, 107),
}


def light_colour(value: object) -> list[int]:
    """RGB for a colour slot ("red", "light blue", "#ff8800"), or HomeError naming it."""
    word = str(value).strip().lower()[:40]
    if re.fullmatch(r"#[0-9a-f]{6}", word):
        return [int(word[i : i + 2], 16) for i in (1, 3, 5)]
    rgb = LIGHT_COLOURS.get(word) or LIGHT_COLOURS.get(word.replace(" ", ""))
    if rgb is None:
        raise HomeError("bad-state", f"a light cannot take the colour {word!r}: say one of {', '.join(LIGHT_COLOURS)}")
    return list(rgb)


def resolve_intent(
    state: HomeState, intent: str, slots: Mapping[str, Any], *, source: str = "assistant"
) -> list[HomeCommand]:
    """Home Assistant intent + slots → commands on the connected home (HomeError if it cannot)."""
    targets = find_targets(state, slots)
    commands: list[HomeCommand] = []
    for entity in targets:
        domain = entity.domain
        if intent in ("HassTurnOn", "HassTurnOff"):
            on = intent == "HassTurnOn"
            services = _ON_OFF.get(domain, ("turn_on", "turn_off"))
            service = services[0] if on else services[1]
            if service is None:
                raise HomeError("unsupported", f"{entity.entity_id}: a {domain} cannot be turned off")
            commands.append(make_command(entity.entity_id, service, source=source))
        elif intent == "HassLightSet":
            data: dict[str, Any] = {}
            if isinstance(slots.get("brightness"), int | float):
                data["brightness_pct"] = int(slots["brightness"])
            if slots.get("color") is not None:
                data["rgb_color"] = light_colour(slots["color"])
            if domain != "light":
                continue
            commands.append(make_command(entity.entity_id, "turn_on", data, source=source))
        elif intent == "HassClimateSetTemperature":
            if domain != "climate":
                continue
            temperature = slots.get("temperature")
            if isinstance(temperature, str):
                temperature = float(temperature)
            commands.append(
                make_command(entity.entity_id, "set_temperature", {"temperature": temperature}, source=source)
            )
        elif intent == "HassFanSetSpeed" and domain == "fan":
            commands.append(
                make_command(entity.entity_id, "turn_on", {"percentage": slots.get("percentage")}, source=source)
            )
        elif intent == "HassSetPosition" and domain == "cover":
            position = slots.get("position")
            if position not in (0, 100):
                raise HomeError("unsupported", f"{entity.entity_id}: only fully open (100) or closed (0)")
            commands.append(
                make_command(entity.entity_id, "open_cover" if position == 100 else "close_cover", source=source)
            )
        elif intent in ("HassGetState", "HassClimateGetTemperature"):
            continue  # questions: the assistant answers them; nothing to do in the home
        else:
            raise HomeError("unsupported", f"the home app does not carry out {intent[:40]}")
    return commands


class AssistantHomeLink:
    def __init__(self, client: VehicleClient, app: HomeApp) -> None:
        self.client = client
        self.app = app
        self.started_at = time.time()
        self.done: list[dict[str, Any]] = []  # outcomes, newest last
        self._seen: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._work: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            await self.client.metadata(REPLY)
        except BrokerError as err:
            log.info("voice requests for the home are off: %s", err.message)
            return
        self.started_at = time.time()
        self._task = asyncio.create_task(self._follow(), name="home-assistant-link")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._work) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _follow(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with self.client.subscribe([REPLY], queue_size=32) as sub:
                    backoff = 0.5
                    async for batch in sub:
                        dp = batch.get(REPLY)
                        if dp is not None and isinstance(dp.value, str):
                            self.on_reply(dp.value, dp.timestamp)
            except BrokerError as err:
                log.warning("assistant replies not followed: %s", err)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    def on_reply(self, text: str, timestamp: float) -> None:
        if timestamp < self.started_at or time.time() - timestamp > MAX_REPLY_AGE:
            return  # from before we started, or too late to act on
        if len(text) > MAX_REPLY_BYTES:
            return
        try:
            reply = json.loads(text)
        except ValueError:
            return
        if not isinstance(reply, dict) or not isinstance(reply.get("home"), list) or not reply["home"]:
            return
        ident = str(reply.get("id", ""))[:64] or f"{timestamp}"
        if ident in self._seen:
            return
        self._seen.add(ident)
        if len(self._seen) > 1000:
            self._seen = set(list(self._seen)[-500:])
        task = asyncio.get_running_loop().create_task(self._carry_out(ident, reply["home"][:10], timestamp))
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _carry_out(self, ident: str, items: list[Any], timestamp: float) -> None:
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("intent"), str):
                continue
            raw_slots = item.get("slots")
            slots: dict[str, Any] = raw_slots if isinstance(raw_slots, dict) else {}
            outcome: dict[str, Any] = {"id": ident, "intent": item["intent"], "slots": slots, "ok": True}
            try:
                commands = resolve_intent(self.app.state, item["intent"], slots)
                for command in commands:
                    command.issued_at = timestamp  # the person's words are the moment of asking
                    await self.app.command(command)
                outcome["commands"] = [c.describe() for c in commands]
            except (HomeError, ValueError, TypeError) as err:
                outcome.update(ok=False, error=str(err))
                await self.app.notify(
                    "home.failed", "warning", command=str(item.get("text") or item["intent"])[:80], reason=str(err)
                )
            self.done = [*self.done[-49:], outcome]
