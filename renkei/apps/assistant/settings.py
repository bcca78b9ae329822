"""Settings of the voice assistant (pydantic), with safe defaults that need no network.

settings = AssistantSettings(llm=LlmSettings(base_url="http://127.0.0.1:8080/v1", model="qwen"))
settings.principal_for("rear-left", None).may_actuate("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen")  # False
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from renkei.client import Principal

SEATS: tuple[str, ...] = ("driver", "passenger", "rear-left", "rear-right")

# What a voice from each seat may change (KUKSA scope strings). The rear seats reach their own
# climate, seat, window, light and the media; doors, charging and the front belong to the front.
_FRONT = "read actuate:Vehicle.Cabin actuate:Vehicle.Body actuate:Vehicle.Powertrain.TractionBattery.Charging"
_REAR = (
    "read actuate:Vehicle.Cabin.HVAC.Station.Row2 actuate:Vehicle.Cabin.Seat.Row2 "
    "actuate:Vehicle.Cabin.Door.Row2.*.Window actuate:Vehicle.Cabin.Light.AmbientLight "
    "actuate:Vehicle.Cabin.Light.IsDomeOn actuate:Vehicle.Cabin.Infotainment.Media"
)
DEFAULT_SEAT_SCOPES: dict[str, str] = {"driver": _FRONT, "passenger": _FRONT, "rear-left": _REAR, "rear-right": _REAR}

DEFAULT_PLACES: dict[str, tuple[float, float]] = {
    "home": (31.2286, 121.4479),
    "work": (31.2035, 121.5908),
    "pudong_airport": (31.1443, 121.8083),
    "hongqiao_station": (31.1942, 121.3203),
    "the_bund": (31.2400, 121.4900),
    "beijing": (39.9042, 116.4074),
    "shanghai": (31.2304, 121.4737),
    "tokyo_station": (35.6812, 139.7671),
    "shinjuku": (35.6896, 139.7006),
    "osaka": (34.6937, 135.5023),
}


class LlmSettings(BaseModel):
    """An OpenAI-compatible chat-completions endpoint (DeepSeek, a local llama.cpp server …)."""

    base_url: str  # e.g. https://api.deepseek.com/v1 or http://127.0.0.1:8080/v1
    model: str = "deepseek-chat"
    api_key: SecretStr | None = None
    timeout: float = Field(default=10.0, gt=0, le=120)
    max_tool_calls: int = Field(default=8, ge=1, le=32)

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url {value[:60]!r} must start with http:// or https://")
        return value.rstrip("/")


class HomeDeviceSettings(BaseModel):
    name: str
    domain: str
    area: str = ""
    entity_id: str = ""


class AssistantSettings(BaseModel):
    """Everything the assistant can be told; the defaults run offline on a CPU."""

    default_lang: Literal["en", "zh-CN", "ja"] = "en"
    seat_scopes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SEAT_SCOPES))
    speaker_scopes: dict[str, str] = Field(default_factory=dict)  # a named person's own scopes win
    places: dict[str, tuple[float, float]] = Field(default_factory=lambda: dict(DEFAULT_PLACES))
    home_devices: list[HomeDeviceSettings] | None = None  # None: a small demo home
    follow_up_seconds: float = Field(default=60.0, ge=0, le=3600)
    temperature_step: float = Field(default=1.0, gt=0, le=5)
    llm: LlmSettings | None = None
    scenes: bool = True  # offer each utterance to the scene owner first (HMI.SceneRequest)
    # speech
    stt: Literal["pocketsphinx", "wyoming"] = "pocketsphinx"
    wyoming_stt: str | None = None  # tcp://host:port of a Wyoming ASR server
    tts: Literal["espeak-ng", "wyoming", "none"] = "espeak-ng"
    wyoming_tts: str | None = None
    vad_aggressiveness: int = Field(default=2, ge=0, le=3)
    end_silence_ms: int = Field(default=240, ge=90, le=3000)
    data_dir: Path | None = None  # voiceprints live below it (data_dir/voiceprints, see speakers/)
    wyoming_listen: str | None = None  # tcp://127.0.0.1:10700 or unix://PATH: speech from satellites
    speak_replies: bool = False  # synthesise replies in run_assistant (needs an audio sink)

    @field_validator("seat_scopes", "speaker_scopes")
    @classmethod
    def _valid_scopes(cls, value: dict[str, str]) -> dict[str, str]:
        for who, scope in value.items():
            Principal.from_scope_string(scope, subject=who)  # raises ScopeError naming the bad scope
        return value

    def principal_for(self, seat: str, speaker: str | None) -> Principal:
        if speaker and speaker in self.speaker_scopes:
            return Principal.from_scope_string(self.speaker_scopes[speaker], subject=speaker)
        scope = self.seat_scopes.get(seat, "")
        return Principal.from_scope_string(scope, subject=speaker or seat)
