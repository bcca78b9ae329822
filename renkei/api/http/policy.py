"""Who is calling the HTTP face, and the checks every actuation from it passes.

Flow: a request's bearer token (header, cookie or the WebSocket's first message)
→ `Authenticator.authenticate` → `Caller` (principal, and the paired `Device` for
device tokens, checked against the registry so a removed device's token is dead even
on another face) → `check_actuation` applies the device role's value rules and the
remote-safety rules (no remote unlock, door action or window opening while the
vehicle moves) on top of the broker's own scopes and safety rules. The companion's
remote actions (`REMOTE_ACTIONS`) are named bundles of VSS targets.

    caller = resolve_caller(auth, registry, token)
    check_actuation(caller, broker, {"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": False})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from renkei.apps.devices import ROLES, Device, DeviceRegistry, device_id_of, remote_refusal
from renkei.apps.devices.roles import SAFETY_STATE_PATHS
from renkei.broker import Authenticator, Broker, BrokerError, ErrorCode, Principal, Right
from renkei.vss import Value


@dataclass
class Caller:
    principal: Principal
    token: str | None
    device: Device | None = None
    insecure: bool = False

    @property
    def role(self) -> str:
        if self.device is not None:
            return self.device.role
        return "owner" if self.is_owner else "app"

    @property
    def is_owner(self) -> bool:
        """Full actuation rights on the whole car: the cockpit, the CLI, an owner's device."""
        p = self.principal
        if p.unrestricted_access:
            return True
        return any(s.right in (Right.ACTUATE, Right.PROVIDE) and s.pattern is None for s in p.scopes) and (
            self.device is None or self.device.role == "owner"
        )

    @property
    def is_remote(self) -> bool:
        return self.device is not None


def resolve_caller(auth: Authenticator, registry: DeviceRegistry, token: str | None) -> Caller:
    principal = auth.authenticate(token)
    if auth.insecure:
        return Caller(principal, token, insecure=True)
    device_id = device_id_of(principal.subject)
    device = None
    if device_id is not None:
        device = registry.check(device_id, principal.token_id)
        if device is None:
            raise BrokerError(ErrorCode.UNAUTHENTICATED, "", "this device is no longer paired with the car", "device")
        registry.touch(device)
    return Caller(principal, token, device)


def require_owner(caller: Caller) -> None:
    if not caller.is_owner:
        raise BrokerError(
            ErrorCode.PERMISSION_DENIED, "", "only the car's owner may manage devices and pairing", "owner"
        )


def check_actuation(caller: Caller, broker: Broker, values: Mapping[str, Any]) -> None:
    """Role value rules and remote-safety rules for a device; nothing extra for the cockpit."""
    if caller.device is None:
        return
    role = ROLES[caller.device.role]
    state: dict[str, Value | None] = {p: broker.current_value(p) for p in SAFETY_STATE_PATHS if p in broker.catalog}
    for path, value in values.items():
        reason = role.refuses(path, value)
        if reason:
            raise BrokerError(ErrorCode.PERMISSION_DENIED, path, reason, f"role-{role.name}")
        old = broker.current_value(path) if path in broker.catalog else None
        reason = remote_refusal(path, value, old, state)
        if reason:
            raise BrokerError(ErrorCode.FAILED_PRECONDITION, path, reason, "remote-safety")


DOOR_LOCKS = tuple(f"Vehicle.Cabin.Door.Row{r}.{s}.IsLocked" for r in (1, 2) for s in ("DriverSide", "PassengerSide"))
CLIMATE_ZONES = tuple(
    f"Vehicle.Cabin.HVAC.Station.Row{r}.{s}.Temperature" for r in (1, 2) for s in ("Driver", "Passenger")
)
CHARGING = "Vehicle.Powertrain.TractionBattery.Charging"
NAVIGATION = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
Params = Mapping[str, Any]


def _need(params: Params, key: str) -> Any:
    value = params.get(key)
    if value is None:
        raise BrokerError.invalid("", f"this action needs '{key}'", "action-parameter")
    return value


def _climate(params: Params) -> dict[str, Value]:
    on = params.get("on")
    values: dict[str, Value] = {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True if on is None else bool(on)}
    if params.get("temperature") is not None:
        values.update({p: float(params["temperature"]) for p in CLIMATE_ZONES})
    return values


# The companion's remote actions: name → the VSS targets it sets (from its parameters).
REMOTE_ACTIONS: dict[str, Callable[[Params], dict[str, Value]]] = {
    "lock": lambda _p: dict.fromkeys(DOOR_LOCKS, True),
    "unlock": lambda _p: dict.fromkeys(DOOR_LOCKS, False),
    "climate": _climate,
    "charge_limit": lambda p: {f"{CHARGING}.ChargeLimit": int(_need(p, "limit"))},
    "charging_start": lambda _p: {f"{CHARGING}.StartStopCharging": "START"},
    "charging_stop": lambda _p: {f"{CHARGING}.StartStopCharging": "STOP"},
    "destination": lambda p: {
        f"{NAVIGATION}.Latitude": float(_need(p, "latitude")),
        f"{NAVIGATION}.Longitude": float(_need(p, "longitude")),
    },
}
# Parameters that make each action well-formed when only its permission is asked.
_SAMPLE: dict[str, dict[str, Any]] = {
    "charge_limit": {"limit": 80},
    "destination": {"latitude": 0.0, "longitude": 0.0},
    "climate": {"temperature": 21.0, "on": True},
}


def action_principal(caller: Caller, name: str) -> Principal:
    """Whose rights an action runs with: the caller's, or the face's for a delegated action."""
    if caller.device is not None and name in ROLES[caller.device.role].delegated:
        paths = REMOTE_ACTIONS[name](_SAMPLE.get(name, {}))
        scope = " ".join(f"actuate:{p}" for p in paths)
        return Principal.from_scope_string(scope, subject=f"{caller.principal.subject}/action:{name}")
    return caller.principal


def action_permission(caller: Caller, broker: Broker, name: str) -> str:
    """'' when the caller may run the action in principle, else why not."""
    values = REMOTE_ACTIONS[name](_SAMPLE.get(name, {}))
    principal = action_principal(caller, name)
    for path in values:
        if path not in broker.catalog:
            return f"{path} is not in this car's catalog"
        if not principal.may_actuate(path):
            return f"the role does not grant actuate on {path}"
    if caller.device is not None:
        role = ROLES[caller.device.role]
        for path, value in values.items():
            reason = role.refuses(path, value)
            if reason:
                return reason
    return ""
