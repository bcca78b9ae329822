"""Platform settings: defaults, then a TOML file, then RENKEI_* environment variables.

The file is `$RENKEI_CONFIG`, else `$XDG_CONFIG_HOME/renkei/renkei.toml`
(`~/.config/renkei/renkei.toml`). Nested keys use `__` in the environment:
`RENKEI_GRPC__PORT=55556`. The per-user data directory (keys, tokens, the
broker's SQLite file) is `$RENKEI_DATA_DIR`, else `$XDG_DATA_HOME/renkei`.

    # ~/.config/renkei/renkei.toml
    persist = ["Vehicle.Cabin.HVAC.**", "Vehicle.TraveledDistance"]
    [grpc]
    port = 55555
    [home]                      # validated by the home app's HomeSettings
    backend = "mqtt"
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "renkei"


def config_file() -> Path:
    explicit = os.environ.get("RENKEI_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "renkei" / "renkei.toml"


class GrpcSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=55555, ge=0, le=65535)
    unix_socket: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


# Signals a person set that must survive a restart (attributes always do).
DEFAULT_PERSISTED = (
    "Vehicle.TraveledDistance",
    "Vehicle.Cabin.HVAC.Station.**.Temperature",
    "Vehicle.Cabin.Seat.**.Position",
    "Vehicle.Cabin.Seat.**.Height",
    "Vehicle.Cabin.Seat.**.Backrest.Recline",
    "Vehicle.Body.Mirrors.**",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENKEI_", env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    catalog: list[Path] = Field(default_factory=list, description="VSS JSON exports; empty = built-in")
    overlays: list[Path] = Field(default_factory=list)
    persist: list[str] = Field(default_factory=lambda: list(DEFAULT_PERSISTED))
    insecure: bool = False
    trusted_keys: list[Path] = Field(default_factory=list, description="extra PEM public keys")
    audiences: list[str] = Field(default_factory=lambda: ["kuksa.val"])
    token: str | None = Field(None, description="bearer token CLI commands send")
    grpc: GrpcSettings = Field(default_factory=lambda: GrpcSettings())
    http: HttpSettings = Field(default_factory=lambda: HttpSettings())
    # Each app validates its own table with its own model when `renkei run` starts it
    # (the core never imports an app): [home], [assistant].
    home: dict[str, Any] = Field(default_factory=dict)
    assistant: dict[str, Any] = Field(default_factory=dict)

    @field_validator("audiences")
    @classmethod
    def _need_audience(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one audience is needed")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_file()),
        )

    @property
    def signing_key_path(self) -> Path:
        return self.data_dir / "keys" / "local-signing-key.pem"

    @property
    def cli_token_path(self) -> Path:
        return self.data_dir / "tokens" / "cli.jwt"


class SettingsError(ValueError):
    """The settings file or environment is wrong; the message says where."""


def load_settings(**overrides: object) -> Settings:
    """Settings with a clear error naming the file or variable that is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in err.errors())
        raise SettingsError(f"invalid settings (file {config_file()}, or RENKEI_* variables): {problems}") from None
    except (OSError, ValueError) as err:
        raise SettingsError(f"cannot read settings file {config_file()}: {err}") from None
