"""Scenarios: what the simulated car does, written as YAML and validated strictly.

Flow: `load_scenario(path)` reads YAML -> `Scenario` (pydantic; unknown keys, wrong types
and out-of-range values are refused) -> `ScenarioError` names the file, the field and the
rule when anything is wrong. A scenario picks a vehicle (a shipped parameter set, optionally
with overrides), the weather, the start state, a list of legs (drive a cycle, drive a route,
charge, park) and timed events (the driver opens a door at t = 30 s, plugs in a cable, ...).

    >>> s = builtin_scenario("winter_commute_beijing")
    >>> s.weather.ambient_c
    -10.0
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from renkei.vehicle.sim.cycles import CYCLE_ALIASES, cycle_names
from renkei.vehicle.sim.params import VehicleParams, builtin_vehicle, builtin_vehicle_names
from renkei.vss import Value


class ScenarioError(ValueError):
    """A scenario file that cannot be used: names the file, the field and the rule."""

    def __init__(self, source: str, field: str, rule: str, message: str) -> None:
        super().__init__(f"{source}: {field or '<top level>'}: {message} [{rule}]")
        self.source = source
        self.field = field
        self.rule = rule


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    en: str
    zh_CN: str = Field(default="", alias="zh-CN")
    ja: str = ""


class Weather(_Strict):
    ambient_c: float = Field(ge=-40, le=55)
    solar_w_m2: float = Field(default=0.0, ge=0, le=1200)
    daylight_percent: float = Field(default=50.0, ge=0, le=100)


class StartState(_Strict):
    soc_percent: float = Field(default=80.0, ge=0, le=100)
    cabin_c: float | None = Field(default=None, ge=-40, le=80)
    battery_c: float | None = Field(default=None, ge=-40, le=60)
    time: str = Field(default="2026-01-15T08:00:00+08:00", description="ISO 8601 wall-clock start")
    occupants: int = Field(default=1, ge=0, le=9)
    hvac_setpoint_c: float | None = Field(default=None, ge=16, le=30)

    @field_validator("time")
    @classmethod
    def _iso(cls, value: str) -> str:
        from datetime import datetime

        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 date-time such as 2026-01-15T08:00:00+08:00") from None
        return value


class RoutePoint(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    limit_kmh: float = Field(default=50.0, gt=0, le=160)
    stop_s: float = Field(default=0.0, ge=0, le=3600, description="wait here (traffic light, toll gate)")


class CycleLeg(_Strict):
    kind: Literal["cycle"]
    cycle: str
    repeat: int = Field(default=1, ge=1, le=100)

    @field_validator("cycle")
    @classmethod
    def _known(cls, value: str) -> str:
        key = CYCLE_ALIASES.get(value.lower(), value.lower())
        if key not in cycle_names():
            raise ValueError(f"unknown drive cycle {value!r}; known: {', '.join(cycle_names())}")
        return key


class RouteLeg(_Strict):
    kind: Literal["route"]
    limit_factor: float = Field(default=1.0, gt=0.3, le=1.2, description="driver speed vs limit")
    until_km: float | None = Field(default=None, gt=0, description="stop here (km along the route)")


class ChargeLeg(_Strict):
    kind: Literal["charge"]
    charger: Literal["AC", "DC"]
    power_kw: float = Field(gt=0, le=500)
    until_soc_percent: float = Field(default=80.0, gt=0, le=100)
    max_minutes: float = Field(default=600.0, gt=0, le=2880)
    plug_in: bool = Field(default=True, description="the driver plugs in at the start and unplugs at the end")


class ParkLeg(_Strict):
    kind: Literal["park"]
    seconds: float = Field(gt=0, le=7 * 86400)


Leg = Annotated[CycleLeg | RouteLeg | ChargeLeg | ParkLeg, Field(discriminator="kind")]


class Event(_Strict):
    at_s: float = Field(ge=0, description="simulated seconds from the start")
    set: dict[str, Value] = Field(min_length=1, description="VSS path -> value, as the driver would do")
    note: str = ""

    @field_validator("set")
    @classmethod
    def _paths(cls, value: dict[str, Value]) -> dict[str, Value]:
        for path in value:
            if not path.startswith("Vehicle.") or ".." in path or path.endswith("."):
                raise ValueError(f"{path!r} is not a VSS path (Vehicle.…)")
        return value


class Scenario(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    title: Texts
    vehicle: str = "byd_atto3"
    vehicle_overrides: dict[str, Any] = Field(default_factory=dict)
    weather: Weather
    start: StartState = StartState()
    route: list[RoutePoint] = Field(default_factory=list)
    legs: list[Leg] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)
    window_needs_closed_doors: bool = True
    duration_s: float | None = Field(default=None, gt=0, le=30 * 86400, description="stop after; None = run on")

    @field_validator("vehicle")
    @classmethod
    def _vehicle(cls, value: str) -> str:
        if value not in builtin_vehicle_names():
            raise ValueError(f"unknown vehicle {value!r}; known: {', '.join(builtin_vehicle_names())}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if any(isinstance(leg, RouteLeg) for leg in self.legs) and len(self.route) < 2:
            raise ValueError("a 'route' leg needs a route of at least two points")
        self.vehicle_params()  # overrides must produce a valid vehicle
        return self

    def vehicle_params(self) -> VehicleParams:
        base = builtin_vehicle(self.vehicle).model_dump()
        merged = _deep_merge(base, self.vehicle_overrides)
        return VehicleParams.model_validate(merged)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


LEG_KINDS = ("cycle", "route", "charge", "park")


def _first_error(err: ValidationError) -> tuple[str, str, str]:
    first = err.errors()[0]
    loc = list(first["loc"])
    # pydantic puts the union tag into the location (legs.0.cycle.cycle); people think legs.0.cycle
    if len(loc) > 3 and loc[0] == "legs" and isinstance(loc[1], int) and loc[2] in LEG_KINDS:
        del loc[2]
    return ".".join(str(part) for part in loc), first["type"], first["msg"]


def scenario_from_mapping(data: object, source: str = "<memory>") -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "mapping", "the file must hold a YAML mapping (key: value)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        field, rule, message = _first_error(err)
        raise ScenarioError(source, field, rule, message) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every failure is a `ScenarioError`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(str(file), "", "readable", f"cannot read the file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(file), "", "utf-8", "the file is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(str(file), where, "yaml", f"not valid YAML: {getattr(err, 'problem', err)}") from None
    return scenario_from_mapping(data, str(file))


DEFAULT_SCENARIO = "city_loop_shanghai"  # what `renkei run` drives when given no scenario


def builtin_scenario_names() -> list[str]:
    folder = resources.files("renkei.vehicle.sim") / "scenarios"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def builtin_scenario(name: str) -> Scenario:
    if name not in builtin_scenario_names():
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(builtin_scenario_names())}")
    file = resources.files("renkei.vehicle.sim") / "scenarios" / f"{name}.yaml"
    return scenario_from_mapping(yaml.safe_load(file.read_text(encoding="utf-8")), f"scenarios/{name}.yaml")
