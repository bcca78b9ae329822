"""What a person's profile holds, validated, and the VSS actuators each setting drives.

Flow: a profile document (JSON from the store, the CLI or the cockpit) → `Profile.model_validate`
(pydantic; an error names the field, e.g. ``climate.driver_temperature``) → `profile_targets`
turns every setting that is not None into `{VSS path: value}` for `client.actuate`, grouped by
the part of the car that answers it, so a missing seat controller never blocks the climate.
`SETTING_PATHS` is the single table between profile fields and VSS 6.0 paths; the same table
lets the app remember a person's own adjustments (`field_for_path`).

    >>> p = Profile(id="mei", display_name="Mei", climate={"driver_temperature": 22.5})
    >>> profile_targets(p)["climate"]["Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"]
    22.5
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from renkei.vss import Value

GUEST = "guest"
LANGUAGES = ("en", "zh-CN", "ja")
PANELS = (
    "DRIVING",
    "CLIMATE",
    "SEATS",
    "BODY",
    "LIGHTS",
    "MAP",
    "CHARGING",
    "MEDIA",
    "HOME",
    "ASSISTANT",
    "NOTIFICATIONS",
)
MAX_PLACES = 50

SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide"
MIRRORS = "Vehicle.Body.Mirrors"
HVAC = "Vehicle.Cabin.HVAC"
AMBIENT = "Vehicle.Cabin.Light.AmbientLight"
AMBIENT_ZONES = tuple(f"{AMBIENT}.Row{r}.{side}" for r in (1, 2) for side in ("DriverSide", "PassengerSide"))
HMI = "Vehicle.Cabin.Infotainment.HMI"
ACTIVE_PROFILE = f"{HMI}.ActiveProfile"
# VSS 6.0's CurrentLanguage is a sensor; the platform overlay's DisplayLanguage asks for a change.
LANGUAGE = f"{HMI}.DisplayLanguage"

Lang = Literal["en", "zh-CN", "ja"]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Panel = Literal[
    "DRIVING", "CLIMATE", "SEATS", "BODY", "LIGHTS", "MAP", "CHARGING", "MEDIA", "HOME", "ASSISTANT", "NOTIFICATIONS"
]


class ProfileError(ValueError):
    """A profile that cannot be stored or used; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SeatSettings(_Strict):
    position_mm: int | None = Field(default=None, ge=0, le=1000, description="fore/aft travel from the front stop")
    height_mm: int | None = Field(default=None, ge=0, le=300)
    tilt_deg: float | None = Field(default=None, ge=-20, le=20)
    recline_deg: float | None = Field(default=None, ge=-30, le=60)
    heating: int | None = Field(default=None, ge=-100, le=100, description="negative cools, positive heats, 0 off")


class MirrorSettings(_Strict):
    driver_pan: int | None = Field(default=None, ge=-100, le=100)
    driver_tilt: int | None = Field(default=None, ge=-100, le=100)
    passenger_pan: int | None = Field(default=None, ge=-100, le=100)
    passenger_tilt: int | None = Field(default=None, ge=-100, le=100)


class ClimateSettings(_Strict):
    driver_temperature: float | None = Field(default=None, ge=16, le=30)
    passenger_temperature: float | None = Field(default=None, ge=16, le=30)
    fan_speed: int | None = Field(default=None, ge=0, le=100)
    air_conditioning: bool | None = None


class AmbientSettings(_Strict):
    on: bool | None = None
    color: HexColor | None = None
    intensity: int | None = Field(default=None, ge=1, le=100)

    @field_validator("color")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


class MediaSettings(_Strict):
    volume: int | None = Field(default=None, ge=0, le=100)


class CockpitSettings(_Strict):
    language: Lang | None = None
    font_size: Literal["STANDARD", "LARGE", "EXTRA_LARGE"] | None = None
    day_night: Literal["DAY", "NIGHT"] | None = None
    distance_unit: Literal["KILOMETERS", "MILES"] | None = None
    temperature_unit: Literal["C", "F"] | None = None
    visible_panels: list[Panel] | None = Field(default=None, min_length=1, max_length=len(PANELS))

    @field_validator("visible_panels")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each panel may appear only once")
        return value


class Place(_Strict):
    name: str = Field(min_length=1, max_length=80)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    kind: Literal["home", "work", "school", "other"] = "other"


def check_person_id(value: object) -> str:
    """A profile id (the name a voiceprint, phone or cockpit picker names): 1–64 characters."""
    if not isinstance(value, str):
        raise ProfileError(f"id: a profile id must be text, not {type(value).__name__}")
    clean = unicodedata.normalize("NFC", value.strip())
    if not 1 <= len(clean) <= 64:
        raise ProfileError("id: a profile id must have 1 to 64 characters")
    if any(unicodedata.category(ch).startswith("C") for ch in clean):
        raise ProfileError("id: a profile id must not contain control characters")
    return clean


class Profile(_Strict):
    id: str
    display_name: str = Field("", max_length=80)
    seat: SeatSettings = Field(default_factory=SeatSettings)
    mirrors: MirrorSettings = Field(default_factory=MirrorSettings)
    climate: ClimateSettings = Field(default_factory=ClimateSettings)
    ambient: AmbientSettings = Field(default_factory=AmbientSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    cockpit: CockpitSettings = Field(default_factory=CockpitSettings)
    places: list[Place] = Field(default_factory=list, max_length=MAX_PLACES)
    remember_adjustments: bool = True  # the person's own seat/mirror/… changes update the profile
    learning_paused: bool = False

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        try:
            return check_person_id(value)
        except ProfileError as err:
            raise ValueError(str(err).removeprefix("id: ")) from None

    def place(self, kind_or_name: str) -> Place | None:
        low = kind_or_name.casefold()
        return next((p for p in self.places if p.kind == low or p.name.casefold() == low), None)


def guest_profile() -> Profile:
    """What a stranger gets: neutral comfort, standard cockpit, nothing personal."""
    return Profile(
        id=GUEST,
        display_name="Guest",
        climate=ClimateSettings(driver_temperature=22.0, fan_speed=30, air_conditioning=True),
        ambient=AmbientSettings(on=True, color="#FFFFFF", intensity=40),
        media=MediaSettings(volume=20),
        cockpit=CockpitSettings(
            font_size="STANDARD",
            distance_unit="KILOMETERS",
            temperature_unit="C",
            # A stranger at the wheel still needs doors, lights and charging at hand.
            visible_panels=[
                "DRIVING",
                "CLIMATE",
                "SEATS",
                "BODY",
                "LIGHTS",
                "MAP",
                "CHARGING",
                "HOME",
                "ASSISTANT",
                "NOTIFICATIONS",
            ],
        ),
        remember_adjustments=False,
        learning_paused=True,
    )


def parse_profile(data: object, source: str = "profile") -> Profile:
    """A validated profile or a `ProfileError` naming every wrong field (``seat.heating: …``)."""
    try:
        return Profile.model_validate(data)
    except ValidationError as err:
        problems = []
        for issue in err.errors():
            where = ".".join(str(part) for part in issue["loc"]) or "profile"
            problems.append(f"{where}: {issue['msg']}")
        raise ProfileError(f"{source}: " + "; ".join(problems)) from None


# (section, field) → the paths it drives, and the part of the car that answers them.
SETTING_PATHS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("seat", "position_mm"): ("seat", (f"{SEAT}.Position",)),
    ("seat", "height_mm"): ("seat", (f"{SEAT}.Height",)),
    ("seat", "tilt_deg"): ("seat", (f"{SEAT}.Tilt",)),
    ("seat", "recline_deg"): ("seat", (f"{SEAT}.Backrest.Recline",)),
    ("seat", "heating"): ("seat", (f"{SEAT}.HeatingCooling",)),
    ("mirrors", "driver_pan"): ("mirrors", (f"{MIRRORS}.DriverSide.Pan",)),
    ("mirrors", "driver_tilt"): ("mirrors", (f"{MIRRORS}.DriverSide.Tilt",)),
    ("mirrors", "passenger_pan"): ("mirrors", (f"{MIRRORS}.PassengerSide.Pan",)),
    ("mirrors", "passenger_tilt"): ("mirrors", (f"{MIRRORS}.PassengerSide.Tilt",)),
    ("climate", "driver_temperature"): ("climate", (f"{HVAC}.Station.Row1.Driver.Temperature",)),
    ("climate", "passenger_temperature"): ("climate", (f"{HVAC}.Station.Row1.Passenger.Temperature",)),
    ("climate", "fan_speed"): ("climate", (f"{HVAC}.Station.Row1.Driver.FanSpeed",)),
    ("climate", "air_conditioning"): ("climate", (f"{HVAC}.IsAirConditioningActive",)),
    ("ambient", "on"): ("lights", tuple(f"{zone}.IsLightOn" for zone in AMBIENT_ZONES)),
    ("ambient", "color"): ("lights", tuple(f"{zone}.Color" for zone in AMBIENT_ZONES)),
    ("ambient", "intensity"): ("lights", tuple(f"{zone}.Intensity" for zone in AMBIENT_ZONES)),
    ("media", "volume"): ("media", ("Vehicle.Cabin.Infotainment.Media.Volume",)),
    ("cockpit", "language"): ("cockpit", (LANGUAGE,)),
    ("cockpit", "font_size"): ("cockpit", (f"{HMI}.FontSize",)),
    ("cockpit", "day_night"): ("cockpit", (f"{HMI}.DayNightMode",)),
    ("cockpit", "distance_unit"): ("cockpit", (f"{HMI}.DistanceUnit",)),
    ("cockpit", "temperature_unit"): ("cockpit", (f"{HMI}.TemperatureUnit",)),
    ("cockpit", "visible_panels"): ("cockpit", (f"{HMI}.VisiblePanels",)),
}
_BY_PATH = {path: key for key, (_, paths) in SETTING_PATHS.items() for path in paths}
# Climate is context-dependent (habits learn it); these are remembered as the person left them.
REMEMBERED_SECTIONS = ("seat", "mirrors", "ambient", "media", "cockpit")


def all_setting_paths() -> list[str]:
    return sorted(_BY_PATH)


def field_for_path(path: str) -> tuple[str, str] | None:
    return _BY_PATH.get(path)


def profile_targets(profile: Profile, available: set[str] | None = None) -> dict[str, dict[str, Value]]:
    """{group: {path: value}} for every setting that is set (and, if given, whose path is available)."""
    groups: dict[str, dict[str, Value]] = {}
    for (section, name), (group, paths) in SETTING_PATHS.items():
        value = getattr(getattr(profile, section), name)
        if value is None:
            continue
        for path in paths:
            if available is None or path in available:
                groups.setdefault(group, {})[path] = list(value) if isinstance(value, list) else value
    return groups


def remember(profile: Profile, path: str, value: Value | None) -> Profile | None:
    """The profile with a person's own adjustment stored, or None if nothing changed."""
    key = field_for_path(path)
    if key is None or key[0] not in REMEMBERED_SECTIONS or value is None:
        return None
    section, name = key
    data = profile.model_dump()
    if data[section][name] == value:
        return None
    data[section][name] = value
    try:
        return Profile.model_validate(data)
    except ValidationError:
        return None  # the car accepted something our profile's narrower range does not keep
