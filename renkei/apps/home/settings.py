"""Settings of the home app: which home it talks to, and how the car shows itself there.

`HomeSettings()` is the embedded default (the simulated home; no MQTT, no Home Assistant), so
`renkei run` works with nothing else installed. The lead's platform settings can nest it as
`[home]` in renkei.toml; every field can also be passed directly.

    HomeSettings(backend="homeassistant",
                 homeassistant=HomeAssistantSettings(url="http://ha.local:8123", token="eyJ..."),
                 mqtt=MqttSettings(enabled=True, host="ha.local"))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from renkei.settings import default_data_dir

_TOPIC_PART = r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$"


def platform_data_dir() -> Path:
    data_dir = os.environ.get("RENKEI_DATA_DIR")
    return Path(data_dir) if data_dir else default_data_dir()


def default_socket() -> Path:
    """Where the running home app serves `renkei home ls/set` (the platform's data directory)."""
    return platform_data_dir() / "home.sock"


class MqttSettings(BaseModel):
    """The MQTT broker the car publishes itself on (Home Assistant discovery convention)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False  # implied by backend="mqtt"
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    tls: bool = False  # MQTT over TLS (port 8883 by convention); the server certificate is verified
    ca_file: Path | None = None  # a private CA for the broker's certificate; None: the system's CAs
    prefix: str = Field(default="renkei", pattern=_TOPIC_PART, max_length=64)
    discovery_prefix: str = Field(default="homeassistant", pattern=_TOPIC_PART, max_length=64)
    vehicle_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,48}$")
    allow_unlock: bool = False  # the home may lock the car; unlocking from the home is opt-in
    max_payload: int = Field(default=4096, ge=64, le=1_048_576)
    state_interval: float = Field(default=1.0, ge=0.0, le=3600.0)  # at most one state message per interval


class HomeAssistantSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = "http://127.0.0.1:8123"
    token: str | None = None  # a long-lived access token (profile → security in Home Assistant)
    request_timeout: float = Field(default=10.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the Home Assistant url must start with http:// or https://")
        return value.rstrip("/")


class HomeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["simulated", "mqtt", "homeassistant"] = "simulated"
    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    homeassistant: HomeAssistantSettings = Field(default_factory=HomeAssistantSettings)
    # None: the shipped defaults (renkei/apps/home/data/default_automations.yaml)
    automations_file: Path | None = None
    # where automations edited in the cockpit are saved (and loaded from, when automations_file is unset)
    automations_saved: Path | None = Field(default_factory=lambda: platform_data_dir() / "home-automations.yaml")
    automations_enabled: bool = True
    voice_enabled: bool = True  # carry out the assistant's home requests (AssistantReply "home" list)
    runs_log: Path | None = None  # JSON lines of every automation run; None = memory only
    service_socket: Path | None = Field(default_factory=default_socket)
    # commands waiting while the home is offline: never replayed after these ages (seconds)
    command_max_age: float = Field(default=60.0, gt=0, le=3600)
    unsafe_command_max_age: float = Field(default=5.0, gt=0, le=60)
    command_timeout: float = Field(default=10.0, gt=0, le=120)
    reconnect_min: float = Field(default=0.5, gt=0, le=60)
    reconnect_max: float = Field(default=30.0, gt=0, le=3600)
    tick: float = Field(default=15.0, gt=0, le=3600)  # how often time-based automations are checked

    @property
    def mqtt_enabled(self) -> bool:
        return self.backend == "mqtt" or self.mqtt.enabled
