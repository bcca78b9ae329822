"""Declarative automations between car and home: YAML in, logged runs out.

A file names where home (and other places) are, a weekly departure schedule, and the
automations: triggers (a vehicle signal crossing a threshold, a geofence entered or left, a
time of day, a departure coming up, the active profile changing), conditions (signals, time
window, after dark, profile, a home device's state) and actions (a home service call, car
actuator targets, a notification). Files are validated strictly; every error names the file,
the automation and the field. Every run is logged with why it fired.

Flow: `load_automations(path)` → `AutomationEngine(client, app, config)` → `start()`
subscribes to the signals the triggers need and ticks for time → a trigger fires →
conditions are checked → actions run in their own task (the car is never held up) →
an `AutomationRun` is kept, logged, appended to the runs log, and told to the person.

    automations:
      - id: porch_on_arrival
        name: {en: Porch light when I get home after dark, zh-CN: 天黑到家开门廊灯, ja: 暗くなって帰宅したら玄関灯}
        triggers: [{geofence: {place: home, event: enter, within_km: 0.3}}]
        conditions: [{dark: true}]
        actions: [{home: {entity: light.porch, service: turn_on}}]
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from renkei.apps.home.entities import HomeError, make_command
from renkei.apps.home.messages import LANGS, all_languages, message
from renkei.client import BrokerError, VehicleClient
from renkei.vss import Value

if TYPE_CHECKING:
    from renkei.apps.home.app import HomeApp

log = logging.getLogger(__name__)

LOCATION = ("Vehicle.CurrentLocation.Latitude", "Vehicle.CurrentLocation.Longitude")
PROFILE = "Vehicle.Cabin.Infotainment.HMI.ActiveProfile"
MAX_FILE_BYTES = 1_000_000
MAX_RUNS = 200
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
_PATH = r"^Vehicle(\.[A-Za-z0-9_]+)+$"
Scalar = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """A text a person reads, in every language (en required; others fall back to it)."""

    en: str = Field(min_length=1, max_length=500)
    zh_CN: str | None = Field(default=None, alias="zh-CN", max_length=500)
    ja: str | None = Field(default=None, max_length=500)

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh-CN": self.zh_CN or self.en, "ja": self.ja or self.en}


def _texts(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


class Place(_Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_km: float = Field(default=0.2, gt=0, le=1000)


class Departure(_Strict):
    name: str = Field(default="departure", max_length=64)
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    leave_at: str = Field(pattern=_HHMM)
    profile: str | None = None  # only when this person is the active profile (None: anyone)


class SignalTest(_Strict):
    path: str = Field(pattern=_PATH, max_length=256)
    above: float | None = None
    below: float | None = None
    equals: Scalar | None = None

    @model_validator(mode="after")
    def _one_test(self) -> SignalTest:
        if self.above is None and self.below is None and self.equals is None:
            raise ValueError("give at least one of above, below or equals")
        return self

    def holds(self, value: Value | None) -> bool:
        if value is None:
            return False
        if self.equals is not None and value != self.equals:
            return False
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if self.above is not None and not (numeric and value > self.above):  # type: ignore[operator]
            return False
        return not (self.below is not None and not (numeric and value < self.below))  # type: ignore[operator]

    def describe(self, value: Value | None) -> str:
        tests = [
            f"above {self.above:g}" if self.above is not None else "",
            f"below {self.below:g}" if self.below is not None else "",
            f"equal to {self.equals!r}" if self.equals is not None else "",
        ]
        return f"{self.path} is {value!r} ({' and '.join(t for t in tests if t)})"


class GeofenceTrigger(_Strict):
    place: str = Field(min_length=1, max_length=64)
    event: Literal["enter", "leave"]
    within_km: float | None = Field(default=None, gt=0, le=1000)  # None: the place's own radius


class TimeTrigger(_Strict):
    at: str = Field(pattern=_HHMM)
    weekdays: list[Weekday] | None = None


class ProfileTrigger(_Strict):
    to: str | None = Field(default=None, max_length=64)  # None: any change


class DepartureTrigger(_Strict):
    before_min: int = Field(ge=1, le=240)


class Trigger(_Strict):
    signal: SignalTest | None = None
    geofence: GeofenceTrigger | None = None
    time: TimeTrigger | None = None
    profile: ProfileTrigger | None = None
    departure: DepartureTrigger | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Trigger:
        if sum(x is not None for x in (self.signal, self.geofence, self.time, self.profile, self.departure)) != 1:
            raise ValueError("a trigger has exactly one of signal, geofence, time, profile or departure")
        return self


class TimeWindow(_Strict):
    after: str | None = Field(default=None, pattern=_HHMM)
    before: str | None = Field(default=None, pattern=_HHMM)


class HomeStateTest(_Strict):
    entity: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]{1,64}$")
    state: str = Field(max_length=64)


class Condition(_Strict):
    signal: SignalTest | None = None
    time: TimeWindow | None = None
    dark: bool | None = None
    profile: list[str] | None = None
    home: HomeStateTest | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        if sum(x is not None for x in (self.signal, self.time, self.dark, self.profile, self.home)) != 1:
            raise ValueError("a condition has exactly one of signal, time, dark, profile or home")
        return self


class HomeAction(_Strict):
    entity: str = Field(max_length=80)
    service: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_service(self) -> HomeAction:
        try:
            make_command(self.entity, self.service, self.data)
        except HomeError as err:
            raise ValueError(str(err)) from None
        return self


class NotifyAction(_Strict):
    title: Texts | None = None
    body: Texts

    _coerce_title = field_validator("title", mode="before")(_texts)
    _coerce_body = field_validator("body", mode="before")(_texts)


class Action(_Strict):
    home: HomeAction | None = None
    car: dict[str, Scalar | list[Scalar]] | None = None
    notify: NotifyAction | None = None

    @field_validator("car")
    @classmethod
    def _paths(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            if not value:
                raise ValueError("give at least one Vehicle.* path and its target")
            for path in value:
                if not re.match(_PATH, path):
                    raise ValueError(f"{path!r} is not a VSS path (Vehicle.…)")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Action:
        if sum(x is not None for x in (self.home, self.car, self.notify)) != 1:
            raise ValueError("an action has exactly one of home, car or notify")
        return self

    def describe(self) -> str:
        if self.home is not None:
            extra = "".join(f" {k}={v}" for k, v in self.home.data.items())
            return f"home {self.home.entity}.{self.home.service}{extra}"
        if self.car is not None:
            return "car " + ", ".join(f"{p}={v}" for p, v in self.car.items())
        assert self.notify is not None
        return f"notify {self.notify.body.en[:60]!r}"


class Automation(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    name: Texts
    enabled: bool = True
    announce: bool = True  # tell the person in the cockpit when it runs
    cooldown: float = Field(default=300.0, ge=0, le=7 * 86400)
    triggers: list[Trigger] = Field(min_length=1, max_length=20)
    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    actions: list[Action] = Field(min_length=1, max_length=20)

    _coerce_name = field_validator("name", mode="before")(_texts)


class AutomationsConfig(_Strict):
    version: Literal[1] = 1
    home: Place | None = None
    places: dict[str, Place] = Field(default_factory=dict)
    schedule: list[Departure] = Field(default_factory=list, max_length=50)
    automations: list[Automation] = Field(default_factory=list, max_length=500)

    def place(self, name: str) -> Place | None:
        return self.home if name == "home" else self.places.get(name)


class AutomationFileError(ValueError):
    """An automations file is wrong; each problem names the file, the automation and the field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.source = source
        self.problems = problems


def default_automations_text() -> str:
    return resources.files("renkei.apps.home").joinpath("data/default_automations.yaml").read_text(encoding="utf-8")


def load_automations(path: Path | None = None) -> AutomationsConfig:
    """The file at `path`, or the shipped defaults; AutomationFileError when anything is wrong."""
    if path is None:
        return parse_automations(default_automations_text(), "default_automations.yaml")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise AutomationFileError(str(path), [f"{path}: {size} bytes is over the limit of {MAX_FILE_BYTES}"])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AutomationFileError(str(path), [f"{path}: not UTF-8 text"]) from None
    except OSError as err:
        raise AutomationFileError(str(path), [f"{path}: cannot read: {err.strerror or err}"]) from None
    return parse_automations(text, str(path))


def parse_automations(text: str, source: str) -> AutomationsConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise AutomationFileError(source, [f"{source}:{where}: not valid YAML: {problem}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AutomationFileError(source, [f"{source}: the top level must be a mapping with `automations:`"])
    try:
        config = AutomationsConfig.model_validate(raw)
    except ValidationError as err:
        raise AutomationFileError(source, [_describe(source, raw, e) for e in err.errors()]) from None
    problems = _cross_check(source, config)
    if problems:
        raise AutomationFileError(source, problems)
    return config


def _who(raw: dict[str, Any], index: int) -> str:
    items = raw.get("automations")
    ident = None
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        ident = items[index].get("id")
    return f"automation {ident!r} (#{index + 1})" if ident is not None else f"automation #{index + 1}"


def _describe(source: str, raw: dict[str, Any], error: Any) -> str:
    loc = list(error["loc"])
    where = "file"
    if len(loc) >= 2 and loc[0] == "automations" and isinstance(loc[1], int):
        where = _who(raw, loc[1])
        loc = loc[2:]
    field_path = ""
    for part in loc:
        field_path += f"[{part}]" if isinstance(part, int) else (f".{part}" if field_path else str(part))
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{source}: {where}: field {field_path or '(top)'}: {message}"


def _cross_check(source: str, config: AutomationsConfig) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for index, auto in enumerate(config.automations):
        who = f"automation {auto.id!r} (#{index + 1})"
        if auto.id in seen:
            problems.append(f"{source}: {who}: field id: {auto.id!r} is used twice")
        seen.add(auto.id)
        for t_index, trig in enumerate(auto.triggers):
            if trig.geofence is not None and config.place(trig.geofence.place) is None:
                known = ", ".join(["home", *config.places]) if config.home else ", ".join(config.places) or "none"
                problems.append(
                    f"{source}: {who}: field triggers[{t_index}].geofence.place: unknown place "
                    f"{trig.geofence.place!r} (known: {known}; define it under `home:` or `places:`)"
                )
            if trig.departure is not None and not config.schedule:
                problems.append(
                    f"{source}: {who}: field triggers[{t_index}].departure: needs a `schedule:` of departures"
                )
        for c_index, cond in enumerate(auto.conditions):
            if cond.dark is not None and config.home is None:
                problems.append(
                    f"{source}: {who}: field conditions[{c_index}].dark: needs `home:` (where the sun is judged)"
                )
    return problems


# -- geometry and the sun ------------------------------------------------------------------------
def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a few metres at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def sun_elevation(latitude: float, longitude: float, when: datetime) -> float:
    """Solar elevation in degrees (NOAA's approximation; within about half a degree)."""
    utc = when.astimezone(UTC)
    hour = utc.hour + utc.minute / 60 + utc.second / 3600
    gamma = 2 * math.pi / 365 * (utc.timetuple().tm_yday - 1 + (hour - 12) / 24)
    decl = (0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma)
            - 0.006758 * math.cos(2 * gamma) + 0.000907 * math.sin(2 * gamma)
            - 0.002697 * math.cos(3 * gamma) + 0.00148 * math.sin(3 * gamma))  # fmt: skip
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(gamma) - 0.032077 * math.sin(gamma)
                       - 0.014615 * math.cos(2 * gamma) - 0.040849 * math.sin(2 * gamma))  # fmt: skip
    solar_minutes = hour * 60 + eqtime + 4 * longitude
    hour_angle = math.radians(solar_minutes / 4 - 180)
    lat = math.radians(latitude)
    cos_zenith = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
    return 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zenith))))


def is_dark(latitude: float, longitude: float, when: datetime) -> bool:
    return sun_elevation(latitude, longitude, when) < -0.833  # the sun's upper edge below the horizon


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


# -- the engine ----------------------------------------------------------------------------------------
@dataclass
class AutomationRun:
    automation: str
    name: dict[str, str]
    at: float
    why: str
    conditions: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    ok: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"automation": self.automation, "name": self.name, "at": self.at, "why": self.why,
                "conditions": self.conditions, "actions": self.actions, "ok": self.ok}  # fmt: skip


def local_now() -> datetime:
    return datetime.now().astimezone()


class AutomationEngine:
    def __init__(
        self,
        client: VehicleClient,
        app: HomeApp,
        config: AutomationsConfig,
        *,
        tick: float = 15.0,
        now: Callable[[], datetime] = local_now,
        runs_log: Path | None = None,
    ) -> None:
        self.client = client
        self.app = app
        self.config = config
        self.tick = tick
        self.now = now
        self.runs_log = runs_log
        self.values: dict[str, Value | None] = {}
        self.runs: list[AutomationRun] = []
        self.disabled: dict[str, str] = {}  # automation id → why it cannot run here
        self._truth: dict[tuple[str, int], bool] = {}  # per trigger: was its condition true last time
        self._last_run: dict[str, float] = {}
        self._fired_on: dict[tuple[str, int, str], str] = {}  # time/departure triggers: date fired
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self.paths: list[str] = []

    @property
    def active(self) -> list[Automation]:
        return [a for a in self.config.automations if a.enabled and a.id not in self.disabled]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {"id": a.id, "name": a.name.as_dict(), "enabled": a.enabled and a.id not in self.disabled,
             "problem": self.disabled.get(a.id), "last_run": self._last_run.get(a.id)}
            for a in self.config.automations
        ]  # fmt: skip

    def recent_runs(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.runs]

    def _needed_paths(self, auto: Automation) -> set[str]:
        paths: set[str] = set()
        for trig in auto.triggers:
            if trig.signal is not None:
                paths.add(trig.signal.path)
            if trig.geofence is not None:
                paths.update(LOCATION)
            if trig.profile is not None:
                paths.add(PROFILE)
        for cond in auto.conditions:
            if cond.signal is not None:
                paths.add(cond.signal.path)
            if cond.profile is not None:
                paths.add(PROFILE)
        if any(t.departure is not None for t in auto.triggers) and any(d.profile for d in self.config.schedule):
            paths.add(PROFILE)
        return paths

    async def start(self) -> None:
        """Check every automation against the car's catalog, then follow signals and time."""
        known: dict[str, bool] = {}
        wanted: set[str] = set()
        for auto in self.config.automations:
            paths = self._needed_paths(auto) | {p for a in auto.actions if a.car for p in a.car}
            for path in sorted(paths):
                if path not in known:
                    try:
                        await self.client.metadata(path)
                        known[path] = True
                    except BrokerError as err:
                        known[path] = False
                        log.warning("automation signal %s: %s", path, err.message)
                if not known[path]:
                    self.disabled[auto.id] = f"signal {path} is not available to the home app"
            if auto.id in self.disabled:
                log.warning("automation %s disabled: %s", auto.id, self.disabled[auto.id])
                continue
            wanted |= self._needed_paths(auto)
        self.paths = sorted(wanted)
        if self.paths:
            self._loops.append(asyncio.create_task(self._follow(), name="home-automations-signals"))
        self._loops.append(asyncio.create_task(self._ticker(), name="home-automations-time"))

    async def stop(self) -> None:
        for task in (*self._loops, *self._tasks):
            task.cancel()
        await asyncio.gather(*self._loops, *self._tasks, return_exceptions=True)

    async def _follow(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with self.client.subscribe(self.paths, queue_size=128) as sub:
                    backoff = 0.5
                    async for batch in sub:
                        changed = set(batch)
                        for path, dp in batch.items():
                            self.values[path] = dp.value if dp is not None else None
                        self.evaluate(changed)
            except BrokerError as err:
                log.warning("automation subscription ended: %s", err)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    async def _ticker(self) -> None:
        while True:
            self.evaluate_time()
            await asyncio.sleep(self.tick)

    # -- triggers ----------------------------------------------------------------------------------
    def evaluate(self, changed: set[str]) -> None:
        """Check the signal, geofence and profile triggers that depend on the changed paths."""
        location_changed = bool(changed & set(LOCATION))
        for auto in self.active:
            for index, trig in enumerate(auto.triggers):
                why: str | None = None
                if trig.signal is not None and trig.signal.path in changed:
                    value = self.values.get(trig.signal.path)
                    why = self._edge(auto, index, trig.signal.holds(value), trig.signal.describe(value))
                elif trig.geofence is not None and location_changed:
                    why = self._geofence(auto, index, trig.geofence)
                elif trig.profile is not None and PROFILE in changed:
                    why = self._profile(auto, index, trig.profile)
                if why:
                    self.fire(auto, why)

    def _edge(self, auto: Automation, index: int, now_true: bool, why: str) -> str | None:
        # Fires on a change to true; the first value seen only sets the baseline.
        key = (auto.id, index)
        before = self._truth.get(key)
        self._truth[key] = now_true
        return why if now_true and before is False else None

    def _geofence(self, auto: Automation, index: int, fence: GeofenceTrigger) -> str | None:
        lat, lon = (self.values.get(p) for p in LOCATION)
        place = self.config.place(fence.place)
        if place is None or not isinstance(lat, int | float) or not isinstance(lon, int | float):
            return None
        radius = fence.within_km or place.radius_km
        distance = distance_km(float(lat), float(lon), place.latitude, place.longitude)
        key = (auto.id, index)
        before = self._truth.get(key)
        # A little hysteresis so GPS jitter at the edge does not fire it again and again.
        inside = distance <= radius if before is not True else distance <= radius * 1.05 + 0.02
        self._truth[key] = inside
        if before is None or before == inside:
            return None
        if fence.event == "enter" and inside:
            return f"the car came within {radius:g} km of {fence.place} ({distance:.2f} km away)"
        if fence.event == "leave" and not inside:
            return f"the car left {fence.place} (now {distance:.2f} km away, beyond {radius:g} km)"
        return None

    def _profile(self, auto: Automation, index: int, trig: ProfileTrigger) -> str | None:
        value = self.values.get(PROFILE)
        key = (auto.id, index)
        before = self._truth.get(key)
        self._truth[key] = True
        if before is None or value is None:
            return None
        if trig.to is not None and value != trig.to:
            return None
        return f"the active profile changed to {value!r}"

    def evaluate_time(self) -> None:
        now = self.now()
        today = now.date().isoformat()
        weekday = WEEKDAYS[now.weekday()]
        minute_now = now.hour * 60 + now.minute
        window = max(2, math.ceil(self.tick * 2 / 60))  # minutes late a tick may still fire
        for auto in self.active:
            for index, trig in enumerate(auto.triggers):
                if trig.time is not None:
                    if trig.time.weekdays and weekday not in trig.time.weekdays:
                        continue
                    at = _minutes(trig.time.at)
                    key = (auto.id, index, trig.time.at)
                    if 0 <= minute_now - at < window and self._fired_on.get(key) != today:
                        self._fired_on[key] = today
                        self.fire(auto, f"it is {trig.time.at} ({weekday})")
                if trig.departure is not None:
                    for dep in self.config.schedule:
                        if weekday not in dep.weekdays:
                            continue
                        if dep.profile and self.values.get(PROFILE) not in (dep.profile, None):
                            continue
                        leave = _minutes(dep.leave_at)
                        start = leave - trig.departure.before_min
                        key = (auto.id, index, f"{dep.name}@{dep.leave_at}")
                        if start <= minute_now < leave and self._fired_on.get(key) != today:
                            self._fired_on[key] = today
                            self.fire(auto, f"{dep.name} is scheduled at {dep.leave_at}, in {leave - minute_now} min")

    # -- conditions and actions ------------------------------------------------------------------
    def check_conditions(self, auto: Automation) -> tuple[bool, list[str]]:
        notes: list[str] = []
        now = self.now()
        for cond in auto.conditions:
            ok: bool
            if cond.signal is not None:
                value = self.values.get(cond.signal.path)
                ok = cond.signal.holds(value)
                notes.append(f"{cond.signal.describe(value)}: {'yes' if ok else 'no'}")
            elif cond.time is not None:
                minute = now.hour * 60 + now.minute
                after = _minutes(cond.time.after) if cond.time.after else 0
                before = _minutes(cond.time.before) if cond.time.before else 24 * 60
                ok = after <= minute < before if after <= before else minute >= after or minute < before
                window = f"{cond.time.after or '00:00'}-{cond.time.before or '24:00'}"
                notes.append(f"time {now:%H:%M} within {window}: {'yes' if ok else 'no'}")
            elif cond.dark is not None:
                assert self.config.home is not None
                elevation = sun_elevation(self.config.home.latitude, self.config.home.longitude, now)
                dark = elevation < -0.833
                ok = dark == cond.dark
                notes.append(f"sun at {elevation:.1f}° ({'dark' if dark else 'daylight'}): {'yes' if ok else 'no'}")
            elif cond.profile is not None:
                profile = self.values.get(PROFILE)
                ok = profile in cond.profile
                notes.append(f"active profile {profile!r} in {cond.profile}: {'yes' if ok else 'no'}")
            else:
                assert cond.home is not None
                entity = self.app.state.entities.get(cond.home.entity)
                state = entity.state if entity else None
                ok = state == cond.home.state
                notes.append(f"{cond.home.entity} is {state!r} (want {cond.home.state!r}): {'yes' if ok else 'no'}")
            if not ok:
                return False, notes
        return True, notes

    def fire(self, auto: Automation, why: str) -> AutomationRun | None:
        """A trigger fired: check cooldown and conditions, then run the actions in a task."""
        now = time.time()
        last = self._last_run.get(auto.id)
        if last is not None and now - last < auto.cooldown:
            log.info("automation %s not run (cooldown, %.0f s since last): %s", auto.id, now - last, why)
            return None
        ok, notes = self.check_conditions(auto)
        if not ok:
            log.info("automation %s triggered (%s) but a condition is not met: %s", auto.id, why, notes[-1])
            return None
        self._last_run[auto.id] = now
        run = AutomationRun(auto.id, auto.name.as_dict(), now, why, notes)
        task = asyncio.get_running_loop().create_task(self._run_actions(auto, run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def _run_actions(self, auto: Automation, run: AutomationRun) -> None:
        for action in auto.actions:
            entry: dict[str, Any] = {"action": action.describe(), "ok": True}
            try:
                if action.home is not None:
                    command = make_command(
                        action.home.entity, action.home.service, action.home.data, source=f"automation:{auto.id}"
                    )
                    await self.app.command(command)
                elif action.car is not None:
                    await asyncio.wait_for(self.client.actuate(dict(action.car)), timeout=10.0)
                elif action.notify is not None:
                    await self._notify(auto, action.notify)
            except (HomeError, BrokerError) as err:
                entry.update(ok=False, error=str(err))
            except TimeoutError:
                entry.update(ok=False, error="timed out")
            run.actions.append(entry)
        run.ok = all(a["ok"] for a in run.actions)
        self._record(auto, run)

    async def _notify(self, auto: Automation, action: NotifyAction) -> None:
        note = {
            "id": f"home-automation-{auto.id}-{int(time.time())}",
            "source": "home",
            "level": "info",
            "title": (action.title or auto.name).as_dict(),
            "body": action.body.as_dict(),
        }
        await self.client.publish({"Vehicle.Cabin.Infotainment.HMI.Notification": json.dumps(note, ensure_ascii=False)})

    def _record(self, auto: Automation, run: AutomationRun) -> None:
        self.runs = [*self.runs[-(MAX_RUNS - 1) :], run]
        log.info("automation %s ran because %s; actions: %s", auto.id, run.why, run.actions)
        if self.runs_log is not None:
            try:
                self.runs_log.parent.mkdir(parents=True, exist_ok=True)
                with self.runs_log.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(run.as_dict(), ensure_ascii=False) + "\n")
            except OSError as err:
                log.warning("cannot append to the automation runs log %s: %s", self.runs_log, err)
        if auto.announce:
            failed = [a["error"] for a in run.actions if not a["ok"]]
            why = run.why if not failed else f"{run.why}; failed: {'; '.join(failed)}"
            names = auto.name.as_dict()
            body = {lang: message("home.automation", lang, name=names[lang], why=why) for lang in LANGS}
            task = asyncio.get_running_loop().create_task(
                self.app.notify_texts(all_languages("home.title"), body, "info" if run.ok else "warning")
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
