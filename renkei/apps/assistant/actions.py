"""Commands → signal changes: where "my window" becomes a VSS path and a value.

Flow: a `Command` from understanding.py, the seat the voice came from and the
conversation so far → `plan` reads the current values it needs through the
client and returns a `Plan` (the signal changes, or a question answered, or a
refusal with its reason) → `Assistant` (assistant.py) checks scopes and actuates.

    plan = await planner.plan(Command("Window", {"state": "open", "zone": "mine"}, ""), seat="passenger")
    plan.changes   # {'Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position': 100}

Conventions (also in docs/assistant.md): window position 0 = closed, 100 = fully
open; seat heating levels 1/2/3 = 33/67/100 % (ventilation is negative); fan
levels 0–10 = 0–100 %; a command with no zone acts on the speaker's seat, except
ambient light (all zones) and cabin-wide switches (A/C, defrost …).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from renkei.apps.assistant import replies
from renkei.apps.assistant.settings import SEATS, AssistantSettings
from renkei.apps.assistant.understanding import Command
from renkei.client import VehicleClient
from renkei.vss import Value

HVAC = "Vehicle.Cabin.HVAC"
STATION = {
    "driver": f"{HVAC}.Station.Row1.Driver",
    "passenger": f"{HVAC}.Station.Row1.Passenger",
    "rear-left": f"{HVAC}.Station.Row2.Driver",
    "rear-right": f"{HVAC}.Station.Row2.Passenger",
}
SEAT = {
    "driver": "Vehicle.Cabin.Seat.Row1.DriverSide",
    "passenger": "Vehicle.Cabin.Seat.Row1.PassengerSide",
    "rear-left": "Vehicle.Cabin.Seat.Row2.DriverSide",
    "rear-right": "Vehicle.Cabin.Seat.Row2.PassengerSide",
}
DOOR = {
    "driver": "Vehicle.Cabin.Door.Row1.DriverSide",
    "passenger": "Vehicle.Cabin.Door.Row1.PassengerSide",
    "rear-left": "Vehicle.Cabin.Door.Row2.DriverSide",
    "rear-right": "Vehicle.Cabin.Door.Row2.PassengerSide",
}
AMBIENT = {
    "driver": "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide",
    "passenger": "Vehicle.Cabin.Light.AmbientLight.Row1.PassengerSide",
    "rear-left": "Vehicle.Cabin.Light.AmbientLight.Row2.DriverSide",
    "rear-right": "Vehicle.Cabin.Light.AmbientLight.Row2.PassengerSide",
}
GLOBAL_SWITCHES = {
    "ac": f"{HVAC}.IsAirConditioningActive",
    "front_defrost": f"{HVAC}.IsFrontDefrosterActive",
    "rear_defrost": f"{HVAC}.IsRearDefrosterActive",
    "recirculation": f"{HVAC}.IsRecirculationActive",
    "dome_light": "Vehicle.Cabin.Light.IsDomeOn",
    "headlights": "Vehicle.Body.Lights.Beam.Low.IsOn",
    "high_beam": "Vehicle.Body.Lights.Beam.High.IsOn",
    "hazard": "Vehicle.Body.Lights.Hazard.IsSignaling",
    "fog_lights": "Vehicle.Body.Lights.Fog.Front.IsOn",
}
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
CHARGING = "Vehicle.Powertrain.TractionBattery.Charging"
CHARGE_LIMIT = f"{CHARGING}.ChargeLimit"
START_STOP = f"{CHARGING}.StartStopCharging"
CABLE = f"{CHARGING}.ChargingPort.AnyPosition.IsChargingCableConnected"
DESTINATION_LAT = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude"
DESTINATION_LON = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude"
TRUNK = {"rear": "Vehicle.Body.Trunk.Rear.IsOpen", "front": "Vehicle.Body.Trunk.Front.IsOpen"}
SUNROOF = "Vehicle.Cabin.Sunroof.Switch"
SPEED = "Vehicle.Speed"
IS_MOVING = "Vehicle.IsMoving"

ZONE_SEATS: dict[str, tuple[str, ...]] = {
    "driver": ("driver",),
    "passenger": ("passenger",),
    "rear_left": ("rear-left",),
    "rear_right": ("rear-right",),
    "rear": ("rear-left", "rear-right"),
    "front": ("driver", "passenger"),
    "all": SEATS,
    "left": ("driver", "rear-left"),  # "both windows on the left"
    "right": ("passenger", "rear-right"),
}
HEAT_PERCENT = {0: 0, 1: 33, 2: 67, 3: 100}
SEAT_STEP_MM = 20
FAN_STEP = 10
VOLUME_STEP = 10
WINDOW_STEP = 20
# Used when the car has not reported a value yet, so a relative command still does something sane.
FALLBACK: dict[str, float] = {"temperature": 22.0, "fan": 30, "volume": 30, "seat_position": 250, "window": 0}


@dataclass
class Plan:
    """What one command does: signal changes and what to say, or a refusal."""

    changes: dict[str, Value] = field(default_factory=dict)
    reply: str = ""
    refusal: str = ""  # non-empty: say this instead, change nothing
    reads: tuple[str, ...] = ()  # paths a question read (scope-checked like writes)
    memory: Command | None = None  # what a follow-up ("warmer", "the passenger too") refers to
    seats: tuple[str, ...] = ()


@dataclass
class Conversation:
    """What a follow-up may refer to, per seat; forgotten after `follow_up_seconds`."""

    last: Command | None = None
    seats: tuple[str, ...] = ()
    at: float = 0.0
    muted_volume: int | None = None

    def recent(self, window: float) -> Command | None:
        if self.last is None or time.monotonic() - self.at > window:
            return None
        return self.last


# A follow-up that names its thing ("the rear windows too") repeats only a last command about it.
_FOLLOW_INTENTS: dict[str, frozenset[str]] = {
    "window": frozenset({"SetWindow", "Window"}),
    "temperature": frozenset({"SetTemperature", "AdjustTemperature"}),
    "fan": frozenset({"SetFan", "AdjustFan"}),
    "seat_heating": frozenset({"SetSeatHeating", "AdjustSeatHeating", "Switch"}),
    "seat_ventilation": frozenset({"SetSeatHeating", "Switch"}),
    "seat": frozenset({"SetSeatHeating", "AdjustSeatHeating", "SeatMove", "Switch"}),
}


def _follows(last: Command, thing: str) -> bool:
    if last.intent not in _FOLLOW_INTENTS.get(thing, frozenset()):
        return False
    if last.intent == "Switch":
        return last.slots.get("device") in ("seat_heating", "seat_ventilation")
    return True


def _same_way(last: Command, act: str) -> bool:
    """Whether the last command opened or switched on (act "open"), or closed / switched off."""
    state = str(last.slots.get("state", "")).lower()
    if last.intent == "SetWindow":
        opened = float(last.slots.get("percent", 0)) > 0
    elif last.intent == "AdjustFan":
        opened = last.slots.get("direction") != "off"
    elif state in ("open", "on", "start", "unlock"):
        opened = True
    elif state in ("close", "off", "stop", "lock"):
        opened = False
    else:
        return False
    return opened == (act == "open")


def _int(value: Any) -> int:
    return round(float(value))


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _steps(cmd: Command) -> int:
    """How many steps a relative command moves ("the fan down two notches"): 1 to 5."""
    return int(_clamp(_int(cmd.slots.get("steps", 1)), 1, 5))


class Planner:
    def __init__(self, client: VehicleClient, settings: AssistantSettings) -> None:
        self.client = client
        self.settings = settings

    async def _values(self, paths: Sequence[str]) -> dict[str, Value | None]:
        try:
            got = await self.client.get(paths)
        except Exception:
            return dict.fromkeys(paths)
        return {p: (dp.value if dp is not None else None) for p, dp in got.items()}

    async def _value(self, path: str) -> Value | None:
        return (await self._values([path])).get(path)

    async def moving(self) -> bool:
        values = await self._values([SPEED, IS_MOVING])
        speed = values.get(SPEED)
        if isinstance(speed, int | float) and not isinstance(speed, bool) and abs(speed) > 3.0:
            return True
        return values.get(IS_MOVING) is True

    def seats_for(self, slots: Mapping[str, Any], seat: str, default: Sequence[str] | None = None) -> tuple[str, ...]:
        chosen = self._zone_seats(slots, seat, default)
        if slots.get("except"):
            # "every window except mine": the zone without the seats of the one left out
            left_out = self._zone_seats({"zone": slots["except"]}, seat, None)
            chosen = tuple(s for s in chosen if s not in left_out)
        return chosen

    def _zone_seats(self, slots: Mapping[str, Any], seat: str, default: Sequence[str] | None) -> tuple[str, ...]:
        zone = slots.get("zone")
        if zone == "mine" or (zone is None and default is None):
            return (seat,)
        if zone is None:
            return tuple(default or (seat,))
        if zone == "row_here":
            # "both of us": the speaker's row
            return ZONE_SEATS["rear"] if seat.startswith("rear") else ZONE_SEATS["front"]
        if zone == "other":
            # "the other side": the seat beside the speaker's
            return ({"driver": "passenger", "passenger": "driver", "rear-left": "rear-right"}.get(seat, "rear-left"),)
        if zone == "rear_here":
            # "it's cold back here": from a rear seat that is the speaker's own seat; from the
            # front it reports on the people in the back.
            return (seat,) if seat.startswith("rear") else ZONE_SEATS["rear"]
        return ZONE_SEATS.get(str(zone), (seat,))

    async def plan(
        self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Sequence[str] | None = None
    ) -> Plan:
        handler = getattr(self, f"_plan_{cmd.intent}", None)
        if handler is None:
            return Plan(refusal=replies.say("not_understood", lang))
        try:
            result: Plan = await handler(cmd, seat, lang, convo, tuple(seats) if seats else None)
        except (KeyError, TypeError, ValueError):
            # A template that leaves out a value its intent needs: say so rather than fail.
            return Plan(refusal=replies.say("not_understood", lang))
        return result

    # -- climate ----------------------------------------------------------------------------
    async def _plan_SetTemperature(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        value = float(cmd.slots["temperature"])
        changes: dict[str, Value] = {f"{STATION[s]}.Temperature": value for s in chosen}
        reply = replies.say("temp_set", lang, zones=replies.seat_names(chosen, lang), value=replies.number(value))
        return Plan(changes, reply, memory=cmd, seats=chosen)

    async def _plan_AdjustTemperature(
        self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any
    ) -> Plan:
        if seats is None and "zone" not in cmd.slots:
            last = convo.recent(self.settings.follow_up_seconds)
            if last is not None and last.intent in ("SetTemperature", "AdjustTemperature"):
                seats = convo.seats
        chosen = seats or self.seats_for(cmd.slots, seat)
        step = float(cmd.slots.get("delta") or self.settings.temperature_step)
        sign = 1 if cmd.slots.get("direction") == "up" else -1
        paths = [f"{STATION[s]}.Temperature" for s in chosen]
        now = await self._values(paths)
        targets: dict[str, float] = {}
        for path in paths:
            current = now.get(path)
            base = float(current) if isinstance(current, int | float) else FALLBACK["temperature"]
            targets[path] = _clamp(base + sign * step, 16.0, 32.0)
        changes: dict[str, Value] = dict(targets)
        first = next(iter(targets.values()))
        reply = replies.say("temp_set", lang, zones=replies.seat_names(chosen, lang), value=replies.number(first))
        return Plan(changes, reply, memory=cmd, seats=chosen)

    async def _plan_SetFan(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        value = _int(cmd.slots["percent"]) if "percent" in cmd.slots else _int(cmd.slots["fan_level"]) * 10
        value = int(_clamp(value, 0, 100))
        changes: dict[str, Value] = {f"{STATION[s]}.FanSpeed": value for s in chosen}
        reply = replies.say("fan_set", lang, zones=replies.seat_names(chosen, lang), value=value)
        return Plan(changes, reply, memory=cmd, seats=chosen)

    async def _plan_AdjustFan(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        if cmd.slots.get("direction") == "off":
            off: dict[str, Value] = {f"{STATION[s]}.FanSpeed": 0 for s in chosen}
            return Plan(
                off, replies.say("fan_set", lang, zones=replies.seat_names(chosen, lang), value=0), seats=chosen
            )
        sign = 1 if cmd.slots.get("direction") == "up" else -1
        paths = [f"{STATION[s]}.FanSpeed" for s in chosen]
        now = await self._values(paths)
        changes: dict[str, Value] = {}
        for path in paths:
            current = now.get(path)
            base = float(current) if isinstance(current, int | float) else FALLBACK["fan"]
            changes[path] = int(_clamp(base + sign * FAN_STEP * _steps(cmd), 0, 100))
        reply = replies.say("fan_set", lang, zones=replies.seat_names(chosen, lang), value=next(iter(changes.values())))
        return Plan(changes, reply, memory=cmd, seats=chosen)

    # -- switches -----------------------------------------------------------------------------
    async def _plan_Switch(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        device = str(cmd.slots.get("device"))
        on = cmd.slots.get("state") == "on"
        zone = cmd.slots.get("zone")
        if device == "front_defrost" and zone in ("rear", "rear_here"):
            device = "rear_defrost"  # "the rear defroster": the zone words name the rear window
        key = "switch_on" if on else "switch_off"
        if device in GLOBAL_SWITCHES:
            changes: dict[str, Value] = {GLOBAL_SWITCHES[device]: on}
            return Plan(changes, replies.say(key, lang, device=replies.device_name(device, lang)), memory=cmd)
        if device == "ambient_light":
            chosen = seats or self.seats_for(cmd.slots, seat, default=SEATS)
            changes = {f"{AMBIENT[s]}.IsLightOn": on for s in chosen}
            return Plan(changes, replies.say(key, lang, device=replies.device_name(device, lang)), memory=cmd)
        chosen = seats or self.seats_for(cmd.slots, seat)
        if device == "seat_heating":
            value = HEAT_PERCENT[2] if on else 0
        elif device == "seat_ventilation":
            value = -HEAT_PERCENT[2] if on else 0
        else:
            return Plan(refusal=replies.say("not_understood", lang))
        changes = {f"{SEAT[s]}.HeatingCooling": value for s in chosen}
        name = replies.device_name(device, lang)
        zones = replies.seat_names(chosen, lang)
        sep = {"en": " ", "ja": "の"}.get(lang, "")
        text = replies.say(key, lang, device=f"{zones}{sep}{name if lang != 'en' else name.lower()}")
        return Plan(changes, text, memory=cmd, seats=chosen)

    async def _plan_SetSeatHeating(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        level = int(_clamp(_int(cmd.slots.get("heat_level", 2)), 0, 3))
        # Ventilation is the negative side of the same signal ("seat cooling to 2" = -67 %).
        sign = -1 if cmd.slots.get("mode") == "cool" else 1
        changes: dict[str, Value] = {f"{SEAT[s]}.HeatingCooling": sign * HEAT_PERCENT[level] for s in chosen}
        key = "seat_vent_set" if sign < 0 else "seat_heat_set"
        reply = replies.say(key, lang, zones=replies.seat_names(chosen, lang), value=level)
        remembered = {"heat_level": level, **({"mode": "cool"} if sign < 0 else {})}
        return Plan(changes, reply, memory=Command("SetSeatHeating", remembered, cmd.text), seats=chosen)

    async def _plan_AdjustSeatHeating(
        self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any
    ) -> Plan:
        """ "Turn my seat heater up": one level from where each seat is now (off counts as 0)."""
        chosen = seats or self.seats_for(cmd.slots, seat)
        step = 1 if cmd.slots.get("direction") == "up" else -1
        paths = [f"{SEAT[s]}.HeatingCooling" for s in chosen]
        now = await self._values(paths)
        changes: dict[str, Value] = {}
        level = 0
        for path in paths:
            current = now.get(path)
            heating = max(0.0, float(current)) if isinstance(current, int | float) else 0.0
            level = int(_clamp(round(heating / (100 / 3)) + step * _steps(cmd), 0, 3))
            changes[path] = HEAT_PERCENT[level]
        reply = replies.say("seat_heat_set", lang, zones=replies.seat_names(chosen, lang), value=level)
        return Plan(changes, reply, memory=Command("SetSeatHeating", {"heat_level": level}, cmd.text), seats=chosen)

    async def _plan_SeatMove(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        if "driver" in chosen and await self.moving():
            return Plan(refusal=replies.say("refused_moving", lang, reason=replies.reason("seat_moving", lang)))
        sign = 1 if cmd.slots.get("direction") == "forward" else -1
        paths = [f"{SEAT[s]}.Position" for s in chosen]
        now = await self._values(paths)
        changes: dict[str, Value] = {}
        for path in paths:
            current = now.get(path)
            base = float(current) if isinstance(current, int | float) else FALLBACK["seat_position"]
            # VSS: Position 0 is the front-most position, so forward lowers it.
            changes[path] = int(_clamp(base - sign * SEAT_STEP_MM * _steps(cmd), 0, 65535))
        return Plan(
            changes, replies.say("seat_moved", lang, zones=replies.seat_names(chosen, lang)), memory=cmd, seats=chosen
        )

    # -- body -----------------------------------------------------------------------------------
    async def _plan_SetWindow(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        value = int(_clamp(_int(cmd.slots["percent"]), 0, 100))
        changes: dict[str, Value] = {f"{DOOR[s]}.Window.Position": value for s in chosen}
        reply = replies.say("window_set", lang, zones=replies.seat_names(chosen, lang), value=value)
        return Plan(changes, reply, memory=Command("SetWindow", {"percent": value}, cmd.text), seats=chosen)

    async def _plan_Window(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        opening = cmd.slots.get("state") == "open"
        changes: dict[str, Value] = {f"{DOOR[s]}.Window.Position": 100 if opening else 0 for s in chosen}
        key = "window_open" if opening else "window_close"
        memory = Command("SetWindow", {"percent": 100 if opening else 0}, cmd.text)
        return Plan(
            changes, replies.say(key, lang, zones=replies.seat_names(chosen, lang)), memory=memory, seats=chosen
        )

    async def _plan_Lock(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        lock = cmd.slots.get("state") == "lock"
        changes: dict[str, Value] = {f"{DOOR[s]}.IsLocked": lock for s in SEATS}
        return Plan(changes, replies.say("locked" if lock else "unlocked", lang))

    async def _plan_Door(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat)
        opening = cmd.slots.get("state") == "open"
        changes: dict[str, Value] = {f"{DOOR[s]}.IsOpen": opening for s in chosen}
        key = "door_open" if opening else "door_close"
        return Plan(changes, replies.say(key, lang, zones=replies.seat_names(chosen, lang)), seats=chosen)

    async def _plan_Trunk(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        opening = cmd.slots.get("state") == "open"
        path = TRUNK.get(str(cmd.slots.get("trunk", "rear")), TRUNK["rear"])
        return Plan({path: opening}, replies.say("trunk_open" if opening else "trunk_close", lang), memory=cmd)

    async def _plan_SetAmbientColor(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        chosen = seats or self.seats_for(cmd.slots, seat, default=SEATS)
        color = str(cmd.slots["color"])
        changes: dict[str, Value] = {}
        for s in chosen:
            changes[f"{AMBIENT[s]}.Color"] = color
            changes[f"{AMBIENT[s]}.IsLightOn"] = True
        return Plan(changes, replies.say("ambient_color", lang, value=replies.color_name(color, lang)), seats=chosen)

    async def _plan_Sunroof(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        state = str(cmd.slots.get("state", "OPEN"))
        key = {"OPEN": "sunroof_open", "CLOSE": "sunroof_close"}.get(state, "sunroof_tilt")
        return Plan({SUNROOF: state}, replies.say(key, lang), memory=cmd)

    # -- media ---------------------------------------------------------------------------------
    async def _plan_SetVolume(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        value = int(_clamp(_int(cmd.slots["percent"]), 0, 100))
        return Plan({VOLUME: value}, replies.say("volume_set", lang, value=value), memory=cmd)

    async def _plan_AdjustVolume(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        current = await self._value(VOLUME)
        base = float(current) if isinstance(current, int | float) else FALLBACK["volume"]
        sign = 1 if cmd.slots.get("direction") == "up" else -1
        value = int(_clamp(base + sign * VOLUME_STEP * _steps(cmd), 0, 100))
        return Plan({VOLUME: value}, replies.say("volume_set", lang, value=value), memory=cmd)

    async def _plan_Mute(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        if cmd.slots.get("state") == "mute":
            current = await self._value(VOLUME)
            if isinstance(current, int) and current > 0:
                convo.muted_volume = current
            return Plan({VOLUME: 0}, replies.say("muted", lang))
        value = convo.muted_volume or int(FALLBACK["volume"])
        return Plan({VOLUME: value}, replies.say("volume_set", lang, value=value))

    # -- energy -------------------------------------------------------------------------------------
    async def _plan_SetChargeLimit(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        value = int(_clamp(_int(cmd.slots["percent"]), 0, 100))
        return Plan({CHARGE_LIMIT: value}, replies.say("charge_limit", lang, value=value))

    async def _plan_Charging(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        start = cmd.slots.get("state") == "start"
        if start and await self._value(CABLE) is False:
            return Plan(refusal=replies.say("refused_state", lang, reason=replies.reason("no_cable", lang)))
        return Plan(
            {START_STOP: "START" if start else "STOP"},
            replies.say("charging_start" if start else "charging_stop", lang),
        )

    # -- navigation ----------------------------------------------------------------------------------
    async def _plan_Navigate(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        place = str(cmd.slots.get("place"))
        where = self.settings.places.get(place)
        name = replies.place_name(place, lang)
        if where is None:
            return Plan(refusal=replies.say("refused_state", lang, reason=name))
        changes: dict[str, Value] = {DESTINATION_LAT: float(where[0]), DESTINATION_LON: float(where[1])}
        return Plan(changes, replies.say("navigate", lang, value=name))

    # -- questions ---------------------------------------------------------------------------------------
    async def _plan_Query(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        what = str(cmd.slots.get("what"))
        unknown = replies.say("unknown_value", lang)
        if what == "range":
            paths: tuple[str, ...] = ("Vehicle.Powertrain.TractionBattery.Range", "Vehicle.Powertrain.Range")
            values = await self._values(paths)
            metres = next((v for v in values.values() if isinstance(v, int | float)), None)
            text = unknown if metres is None else replies.say("range", lang, value=round(float(metres) / 1000))
            return Plan(reply=text, reads=paths)
        if what == "battery":
            paths = (
                "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed",
                "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
            )
            values = await self._values(paths)
            soc = next((v for v in values.values() if isinstance(v, int | float)), None)
            text = unknown if soc is None else replies.say("battery", lang, value=round(float(soc)))
            return Plan(reply=text, reads=paths)
        if what in ("cabin_temperature", "outside_temperature"):
            path = f"{HVAC}.AmbientAirTemperature" if what == "cabin_temperature" else "Vehicle.Exterior.AirTemperature"
            value = await self._value(path)
            if not isinstance(value, int | float):
                return Plan(reply=unknown, reads=(path,))
            return Plan(reply=replies.say(what, lang, value=replies.number(round(float(value), 1))), reads=(path,))
        if what == "doors":
            paths = tuple(f"{DOOR[s]}.{leaf}" for s in SEATS for leaf in ("IsOpen", "IsLocked"))
            values = await self._values(paths)
            if all(v is None for v in values.values()):
                return Plan(reply=unknown, reads=paths)
            open_or_unlocked = [
                s
                for s in SEATS
                if values.get(f"{DOOR[s]}.IsOpen") is True or values.get(f"{DOOR[s]}.IsLocked") is False
            ]
            if not open_or_unlocked:
                return Plan(reply=replies.say("doors_locked", lang), reads=paths)
            names = replies.seat_names(open_or_unlocked, lang)
            return Plan(reply=replies.say("doors_unlocked", lang, value=names), reads=paths)
        if what == "charging":
            paths = (f"{CHARGING}.IsCharging", f"{CHARGING}.TimeToComplete")
            values = await self._values(paths)
            if values.get(paths[0]) is True:
                seconds = values.get(paths[1])
                minutes = round(float(seconds) / 60) if isinstance(seconds, int | float) else "?"
                return Plan(reply=replies.say("charging_yes", lang, value=minutes), reads=paths)
            if values.get(paths[0]) is False:
                return Plan(reply=replies.say("charging_no", lang), reads=paths)
            return Plan(reply=unknown, reads=paths)
        return Plan(refusal=replies.say("not_understood", lang))

    # -- follow-ups ---------------------------------------------------------------------------------------
    async def _plan_FollowZone(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        last = convo.recent(self.settings.follow_up_seconds)
        if last is None:
            return Plan(refusal=replies.say("no_context", lang))
        thing = cmd.slots.get("thing")
        act = cmd.slots.get("act")
        if (thing is not None and not _follows(last, str(thing))) or (
            act is not None and not _same_way(last, str(act))
        ):
            # "the rear windows too" after a temperature change: not the same request for others
            return Plan(refusal=replies.say("no_context", lang))
        chosen = self.seats_for(cmd.slots, seat)
        if "percent" in cmd.slots and last.intent in ("SetWindow", "Window"):
            # "the back ones just a crack": the last window request for others, by another amount
            last = Command("SetWindow", {"percent": cmd.slots["percent"]}, cmd.text)
        return await self.plan(last, seat, lang, convo, seats=chosen)

    async def _plan_FollowValue(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        """ "Actually, make that 23", "25 instead": the last setting again, to another value."""
        return await self._follow(convo, seat, lang, lambda last: _with_new_value(cmd, last))

    async def _plan_FollowAct(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        """ "Now close it", "やっぱり消して": the thing of the last command, the other way (or again)."""
        return await self._follow(convo, seat, lang, lambda last: _acted_again(cmd, last))

    async def _plan_FollowAdjust(self, cmd: Command, seat: str, lang: str, convo: Conversation, seats: Any) -> Plan:
        """ "A bit more", "再高一点": whatever was adjusted last, one step (or `steps`) further."""
        return await self._follow(convo, seat, lang, lambda last: _adjusted_again(cmd, last))

    async def _follow(
        self, convo: Conversation, seat: str, lang: str, derive: Callable[[Command], Command | None]
    ) -> Plan:
        """The seat's last command, turned by `derive` into the one to carry out now on the same
        seats; "what should I change?" when there is none or it cannot follow that way."""
        last = convo.recent(self.settings.follow_up_seconds)
        follow = None if last is None else derive(last)
        if follow is None:
            return Plan(refusal=replies.say("no_context", lang))
        return await self.plan(follow, seat, lang, convo, seats=convo.seats or None)


def _with_new_value(cmd: Command, last: Command) -> Command | None:
    value, unit = float(cmd.slots["value"]), str(cmd.slots.get("unit", ""))
    if last.intent in ("SetTemperature", "AdjustTemperature") and unit in ("", "deg") and 16 <= value <= 32:
        return Command("SetTemperature", {"temperature": value}, cmd.text)
    if last.intent in ("SetFan", "AdjustFan") and unit in ("", "level") and value in range(11):
        return Command("SetFan", {"fan_level": int(value)}, cmd.text)
    if last.intent in ("SetFan", "AdjustFan") and unit == "pct" and 0 <= value <= 100:
        return Command("SetFan", {"percent": int(value)}, cmd.text)
    if last.intent in ("SetVolume", "AdjustVolume") and unit in ("", "pct") and 0 <= value <= 100:
        return Command("SetVolume", {"percent": int(value)}, cmd.text)
    if last.intent in ("SetWindow", "Window") and unit in ("", "pct") and 0 <= value <= 100:
        return Command("SetWindow", {"percent": int(value)}, cmd.text)
    if last.intent == "SetSeatHeating" and unit in ("", "level") and value in range(4):
        return Command("SetSeatHeating", {**last.slots, "heat_level": int(value)}, cmd.text)
    return None


def _acted_again(cmd: Command, last: Command) -> Command | None:
    act = str(cmd.slots.get("act"))
    opening = act in ("open", "on")
    if last.intent in ("SetWindow", "Window") and act in ("open", "close", "on", "off"):  # "还是关上吧"
        return Command("Window", {"state": "open" if opening else "close"}, cmd.text)
    if last.intent == "Switch" and act in ("on", "off"):
        return Command("Switch", {**last.slots, "state": act}, cmd.text)
    if last.intent == "SetSeatHeating" and act in ("on", "off"):
        device = "seat_ventilation" if last.slots.get("mode") == "cool" else "seat_heating"
        return Command("Switch", {"device": device, "state": act}, cmd.text)
    if last.intent in ("SetFan", "AdjustFan") and act == "off":
        return Command("AdjustFan", {"direction": "off"}, cmd.text)
    if last.intent == "Sunroof" and act in ("open", "close"):
        return Command("Sunroof", {"state": "OPEN" if opening else "CLOSE"}, cmd.text)  # "close it again"
    if last.intent == "Trunk" and act in ("open", "close"):
        return Command("Trunk", {**last.slots, "state": act}, cmd.text)
    return None


def _adjusted_again(cmd: Command, last: Command) -> Command | None:
    wanted = str(cmd.slots.get("direction", "more"))
    if wanted in ("more", "less"):
        # "more" repeats the last change in its own direction ("cooler", "more" = cooler still).
        previous_down = last.slots.get("direction") in ("down", "backward")
        same = "down" if previous_down else "up"
        other = "up" if previous_down else "down"
        direction = same if wanted == "more" else other
    else:
        direction = wanted
    up = direction == "up"
    steps = _steps(cmd)  # "up two more": two steps of whatever was adjusted last
    counted: dict[str, Any] = {"steps": steps} if steps > 1 else {}
    degrees: dict[str, Any] = {"delta": steps} if steps > 1 else {}
    if last.intent in ("SetTemperature", "AdjustTemperature"):
        return Command("AdjustTemperature", {"direction": direction, **degrees}, cmd.text)
    if last.intent in ("SetFan", "AdjustFan"):
        return Command("AdjustFan", {"direction": direction, **counted}, cmd.text)
    if last.intent in ("SetVolume", "AdjustVolume"):
        return Command("AdjustVolume", {"direction": direction, **counted}, cmd.text)
    if last.intent == "SetSeatHeating" or (
        last.intent == "Switch"
        and last.slots.get("device") in ("seat_heating", "seat_ventilation")
        and last.slots.get("state") == "on"
    ):
        # a seat switched on sits at level 2
        level = int(last.slots.get("heat_level", 2)) + (steps if up else -steps)
        cool = last.slots.get("mode") == "cool" or last.slots.get("device") == "seat_ventilation"
        kept = {"mode": "cool"} if cool else {}
        return Command("SetSeatHeating", {"heat_level": int(_clamp(level, 0, 3)), **kept}, cmd.text)
    if last.intent == "SetWindow":
        percent = int(last.slots.get("percent", 0)) + (WINDOW_STEP if up else -WINDOW_STEP) * steps
        return Command("SetWindow", {"percent": int(_clamp(percent, 0, 100))}, cmd.text)
    if last.intent == "SeatMove":
        moved = last.slots.get("direction", "forward")
        back = "backward" if moved == "forward" else "forward"
        again = moved if wanted in ("more", "up") else back
        return Command("SeatMove", {"direction": again, **counted}, cmd.text)
    return None
