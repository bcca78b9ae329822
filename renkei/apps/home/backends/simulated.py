"""The built-in simulated home: the default, so the platform works with nothing else installed.

Living room, bedroom and porch lights, a thermostat that drifts towards its setpoint, a garage
door that takes a moment to move, and a plug. It answers commands like a real home would
(Home Assistant's services and states), including refusing what it does not know.

    home = SimulatedHome(HomeState())
    await home.execute(make_command("cover.garage_door", "open_cover"))   # opening → open
"""

from __future__ import annotations

import asyncio
import time

from renkei.apps.home.entities import Area, Entity, HomeCommand, HomeError, HomeState

AREAS = (
    Area("living_room", "Living room", {"zh-CN": "客厅", "ja": "リビング"}),
    Area("bedroom", "Bedroom", {"zh-CN": "卧室", "ja": "寝室"}),
    Area("entrance", "Entrance", {"zh-CN": "门口", "ja": "玄関"}),
    Area("garage", "Garage", {"zh-CN": "车库", "ja": "ガレージ"}),
)


def _devices() -> list[Entity]:
    light = {"brightness": 0, "rgb_color": [255, 214, 170], "supported_color_modes": ["rgb"]}
    return [
        Entity(
            "light.living_room",
            "Living room light",
            "off",
            "living_room",
            dict(light),
            {"zh-CN": "客厅灯", "ja": "リビングの照明"},
        ),
        Entity(
            "light.bedroom", "Bedroom light", "off", "bedroom", dict(light), {"zh-CN": "卧室灯", "ja": "寝室の照明"}
        ),
        Entity("light.porch", "Porch light", "off", "entrance", dict(light), {"zh-CN": "门廊灯", "ja": "玄関灯"}),
        Entity(
            "climate.home",
            "Thermostat",
            "heat",
            "living_room",
            {
                "temperature": 19.0,
                "current_temperature": 18.0,
                "hvac_modes": ["off", "heat", "cool", "auto"],
                "min_temp": 5,
                "max_temp": 35,
            },
            {"zh-CN": "恒温器", "ja": "サーモスタット"},
        ),
        Entity(
            "cover.garage_door",
            "Garage door",
            "closed",
            "garage",
            {"device_class": "garage"},
            {"zh-CN": "车库门", "ja": "ガレージのドア"},
        ),
        Entity("switch.plug", "Plug", "off", "living_room", {"power_w": 0.0}, {"zh-CN": "插座", "ja": "コンセント"}),
        Entity("scene.evening", "Evening", "unknown", None, {}, {"zh-CN": "傍晚", "ja": "夕方"}),
    ]


class SimulatedHome:
    name = "simulated"

    def __init__(self, state: HomeState, *, door_seconds: float = 1.0, drift_interval: float = 5.0) -> None:
        self.state = state
        self.door_seconds = door_seconds
        self.drift_interval = drift_interval
        self._moving: asyncio.Task[None] | None = None
        self.reachable = True
        for area in AREAS:
            state.areas[area.id] = area
        for entity in _devices():
            state.update(entity)

    def set_reachable(self, reachable: bool) -> None:
        """Simulate the home dropping off the network (and coming back)."""
        self.reachable = reachable
        self.state.set_online(reachable)

    async def run(self) -> None:
        self.state.set_online(self.reachable)
        try:
            while True:
                await asyncio.sleep(self.drift_interval)
                self._drift()
        finally:
            self.state.set_online(False)
            if self._moving is not None:
                self._moving.cancel()

    def _drift(self) -> None:
        # The room follows the thermostat's setpoint slowly, as a real one would.
        thermo = self.state.entities["climate.home"]
        attrs = dict(thermo.attributes)
        now, target = float(attrs["current_temperature"]), float(attrs["temperature"])
        heating = thermo.state in ("heat", "auto") and target > now
        cooling = thermo.state in ("cool", "auto") and target < now
        active = heating or cooling
        step = 0.1 if active else 0.0
        attrs["current_temperature"] = round(now + (step if target > now else -step), 1)
        self._set("climate.home", thermo.state, attrs)

    def _entity(self, entity_id: str) -> Entity:
        entity = self.state.entities.get(entity_id)
        if entity is None:
            raise HomeError("unknown-entity", f"{entity_id}: no such device in the simulated home")
        return entity

    def _set(self, entity_id: str, state: str, attributes: dict[str, object] | None = None) -> None:
        old = self._entity(entity_id)
        self.state.update(
            Entity(
                entity_id,
                old.name,
                state,
                old.area,
                dict(old.attributes if attributes is None else attributes),
                old.names,
                time.time(),
            )
        )

    async def execute(self, command: HomeCommand) -> None:
        if not self.reachable:
            raise HomeError("offline", "the simulated home is unreachable")
        entity = self._entity(command.entity_id)
        attrs = dict(entity.attributes)
        domain, service, data = command.domain, command.service, command.data
        if domain in ("light", "switch", "fan"):
            on = {"turn_on": True, "turn_off": False, "toggle": entity.state != "on"}[service]
            if domain == "light":
                if on:
                    if "brightness_pct" in data:
                        attrs["brightness"] = round(data["brightness_pct"] * 255 / 100)
                    elif "brightness" in data:
                        attrs["brightness"] = data["brightness"]
                    elif not attrs.get("brightness"):
                        attrs["brightness"] = 255
                    if "rgb_color" in data:
                        attrs["rgb_color"] = list(data["rgb_color"])
                    on = attrs["brightness"] > 0
                else:
                    attrs["brightness"] = 0
            if domain == "switch":
                attrs["power_w"] = 60.0 if on else 0.0
            self._set(command.entity_id, "on" if on else "off", attrs)
        elif domain == "climate":
            mode = entity.state
            if service == "set_temperature":
                attrs["temperature"] = data["temperature"]
                mode = data.get("hvac_mode", mode if mode != "off" else "heat")
            elif service == "set_hvac_mode":
                mode = data["hvac_mode"]
            else:
                mode = "heat" if service == "turn_on" else "off"
            self._set(command.entity_id, mode, attrs)
        elif domain == "cover":
            target = {"open_cover": "open", "close_cover": "closed"}.get(service)
            if self._moving is not None:
                self._moving.cancel()
                self._moving = None
            if target is None:  # stop
                if entity.state in ("opening", "closing"):
                    self._set(command.entity_id, "open")
                return
            if entity.state == target:
                return
            self._set(command.entity_id, "opening" if target == "open" else "closing")
            self._moving = asyncio.create_task(self._finish_move(command.entity_id, target))
        elif domain == "scene":
            # The evening scene: warm, dim lights in the living room and bedroom.
            for light in ("light.living_room", "light.bedroom"):
                lamp = dict(self._entity(light).attributes, brightness=90, rgb_color=[255, 180, 110])
                self._set(light, "on", lamp)
            self._set(command.entity_id, time.strftime("%Y-%m-%dT%H:%M:%S"))
        else:
            raise HomeError("unsupported", f"{command.entity_id}: the simulated home cannot {command.service}")

    async def _finish_move(self, entity_id: str, target: str) -> None:
        await asyncio.sleep(self.door_seconds)
        self._set(entity_id, target)
