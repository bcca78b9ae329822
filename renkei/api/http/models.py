"""Request and response bodies of the HTTP face (they make its OpenAPI document).

ActuateRequest(values={"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 21.5})
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

JsonValue = bool | int | float | str | list[bool] | list[int] | list[float] | list[str]
MAX_VALUES = 256
# A VSS path, branch or wildcard pattern: dot-separated names, * or **.
PATH_PATTERN = r"^[A-Za-z0-9_*]+(\.[A-Za-z0-9_*]+)*$"
VssPath = Annotated[str, StringConstraints(pattern=PATH_PATTERN, max_length=512)]


class ErrorBody(BaseModel):
    code: str = Field(description="KUKSA-style error code, e.g. PERMISSION_DENIED")
    path: str = Field("", description="the VSS path the error concerns, if any")
    message: str
    rule: str = Field("", description="the rule that was broken, as a stable word")


class ErrorResponse(BaseModel):
    error: ErrorBody


class DatapointOut(BaseModel):
    value: Any = Field(description="the value; null when not available")
    ts: float = Field(description="UNIX time the value was measured")


class ValuesResponse(BaseModel):
    values: dict[str, DatapointOut | None]


class SignalOut(BaseModel):
    path: str
    id: int
    type: str
    datatype: str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    allowed: list[Any] | None = None
    description: str = ""


class MetadataResponse(BaseModel):
    signals: list[SignalOut]


class ActuateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    values: dict[VssPath, JsonValue] = Field(
        min_length=1, max_length=MAX_VALUES, description="target values by VSS path (all or none are applied)"
    )


class OkResponse(BaseModel):
    ok: bool = True


class ActionOut(BaseModel):
    name: str
    allowed: bool
    reason: str = ""


class MeResponse(BaseModel):
    subject: str
    role: str
    device: str | None = None
    device_name: str | None = None
    scope: str
    expires_at: float | None = None
    insecure: bool
    actions: list[ActionOut]


class InfoResponse(BaseModel):
    name: str = "renkei"
    version: str
    api: str = "v1"
    insecure: bool
    signals: int
    time: float
    websocket: str
    limits: dict[str, int]


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    temperature: float | None = Field(None, ge=15, le=30, description="climate: target cabin temperature (°C)")
    on: bool | None = Field(None, description="climate: pre-conditioning on or off")
    limit: int | None = Field(None, ge=50, le=100, description="charge_limit: percent")
    latitude: float | None = Field(None, ge=-90, le=90, description="destination")
    longitude: float | None = Field(None, ge=-180, le=180, description="destination")


class PairingCodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    role: Literal["owner", "driver", "passenger", "guest"]
    hours: float | None = Field(None, gt=0, le=24 * 365, description="credential lifetime in hours (guests ≤ 168)")


class PairingCodeResponse(BaseModel):
    code: str
    role: str
    expires_at: float
    url: str
    qr_svg: str | None


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=64)


class ClaimResponse(BaseModel):
    request_id: str
    secret: str
    role: str


class CollectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    request_id: str = Field(min_length=1, max_length=64)
    secret: str = Field(min_length=1, max_length=128)


class DeviceOut(BaseModel):
    id: str
    name: str
    role: str
    paired_at: float
    expires_at: float
    last_used: float | None
    revoked_at: float | None


class CollectResponse(BaseModel):
    status: Literal["pending", "confirmed"]
    token: str | None = None
    device: DeviceOut | None = None


class PendingOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: float


class PendingResponse(BaseModel):
    requests: list[PendingOut]
    locked_for: float


class DevicesResponse(BaseModel):
    devices: list[DeviceOut]


class RouteResponse(BaseModel):
    points: list[list[float]] = Field(description="[latitude, longitude] pairs, oldest first")


class LoginLinkResponse(BaseModel):
    url: str = Field(description="one-time cockpit login link")
