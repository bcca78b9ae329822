"""Who a paired device is, in one declarative place: roles → broker scopes and rules.

Flow: a device pairs with a role → its token carries `ROLES[role].scope` (KUKSA
scopes the broker enforces on every face) → the HTTP face additionally applies the
role's `refused` value rules and the remote-safety rules to every actuation a
device asks for (scopes cannot say "may lock but not unlock").

    >>> ROLES["guest"].refuses("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", False)
    'guests cannot unlock the car'
    >>> ROLES["guest"].delegated      # the face locks for a guest; its token cannot touch locks
    ('lock',)
    >>> ROLES["owner"].refuses("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", False) is None
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from renkei.broker import Principal
from renkei.vss import Value
from renkei.vss.patterns import compile_pattern

DAY = 24 * 3600.0

# Paths every companion shows (status) — read access for all roles.
STATUS_READ = (
    "read:Vehicle.Speed read:Vehicle.IsMoving read:Vehicle.CurrentLocation "
    "read:Vehicle.Powertrain.TractionBattery read:Vehicle.Powertrain.Range "
    "read:Vehicle.Cabin.Door read:Vehicle.Cabin.HVAC read:Vehicle.Cabin.Infotainment "
    "read:Vehicle.Body.Trunk"
)


@dataclass(frozen=True)
class ValueRule:
    """Refuse `values` on paths matching `pattern` (None in values: any value)."""

    pattern: str
    values: tuple[Value, ...] | None
    reason: str

    def refuses(self, path: str, value: Value) -> str | None:
        if not compile_pattern(self.pattern).matches(path):
            return None
        if self.values is None or value in self.values:
            return self.reason
        return None


@dataclass(frozen=True)
class Role:
    name: str
    scope: str  # KUKSA scopes the device token carries
    ttl: float  # how long a credential lasts before the device must pair again
    refused: tuple[ValueRule, ...] = ()
    max_ttl: float | None = None  # guests: the owner may shorten, never extend past this
    # Remote actions the HTTP face runs on the device's behalf although its token's scopes
    # do not cover them: scopes cannot say "may lock but not unlock", and a token that
    # could actuate IsLocked would unlock through any other face.
    delegated: tuple[str, ...] = ()
    # Home device kinds (Home Assistant domains) the role may command through the car's home
    # app; every role may look at the home. The garage door and locks are people's safety.
    home: tuple[str, ...] = ()

    def refuses(self, path: str, value: Value) -> str | None:
        for rule in self.refused:
            reason = rule.refuses(path, value)
            if reason:
                return reason
        return None

    def refuses_home(self, entity_id: str) -> str | None:
        """Why this role may not command a home device (`cover.garage_door`), or None."""
        domain = entity_id.split(".", 1)[0]
        if domain in self.home:
            return None
        return f"a {self.name}'s device may look at the home but not control its {domain} devices"


# Every home device kind the home app can command.
HOME_ALL = ("light", "switch", "fan", "climate", "cover", "lock", "scene", "script")

ROLES: dict[str, Role] = {
    "owner": Role("owner", "read actuate", ttl=365 * DAY, home=HOME_ALL),
    "driver": Role(
        "driver",
        "read actuate:Vehicle.Cabin actuate:Vehicle.Body actuate:Vehicle.Powertrain.TractionBattery.Charging",
        ttl=180 * DAY,
        home=HOME_ALL,
    ),
    "passenger": Role(
        "passenger",
        f"{STATUS_READ} actuate:Vehicle.Cabin.HVAC actuate:Vehicle.Cabin.Seat "
        "actuate:Vehicle.Cabin.Infotainment.Navigation.DestinationSet actuate:Vehicle.Cabin.Infotainment.Media",
        ttl=90 * DAY,
    ),
    "guest": Role(
        "guest",
        f"{STATUS_READ} actuate:Vehicle.Cabin.HVAC actuate:Vehicle.Cabin.Infotainment.Navigation.DestinationSet",
        ttl=1 * DAY,
        max_ttl=7 * DAY,
        delegated=("lock",),
        refused=(
            ValueRule("Vehicle.Cabin.Door.**.IsLocked", (False,), "guests cannot unlock the car"),
            ValueRule("Vehicle.Powertrain.TractionBattery.Charging.**", None, "guests cannot change charging"),
        ),
    ),
}

ROLE_NAMES = tuple(ROLES)


def _moving(read: dict[str, Value | None]) -> bool:
    speed = read.get("Vehicle.Speed")
    if isinstance(speed, int | float) and not isinstance(speed, bool) and abs(speed) > 3.0:
        return True
    return read.get("Vehicle.IsMoving") is True


@dataclass(frozen=True)
class RemoteSafetyRule:
    """Refused for every remote device while the vehicle moves, whatever its role."""

    pattern: str
    risky: tuple[Value, ...] | None  # None: any value; () with `opens`: a larger position
    reason: str

    def refuses(self, path: str, value: Value, old: Value | None, state: dict[str, Value | None]) -> str | None:
        if not compile_pattern(self.pattern).matches(path) or not _moving(state):
            return None
        if self.risky is None:
            return self.reason
        if self.risky == () and isinstance(value, int | float) and not isinstance(value, bool):
            # a position: opening further than it is now is the risk
            current = old if isinstance(old, int | float) and not isinstance(old, bool) else 0
            return self.reason if value > current else None
        return self.reason if value in self.risky else None


REMOTE_SAFETY: tuple[RemoteSafetyRule, ...] = (
    RemoteSafetyRule("Vehicle.Cabin.Door.**.IsLocked", (False,), "remote unlock is refused while the vehicle moves"),
    RemoteSafetyRule("Vehicle.Cabin.Door.*.*.IsOpen", None, "remote door actions are refused while the vehicle moves"),
    RemoteSafetyRule(
        "Vehicle.Cabin.Door.*.*.Position", None, "remote door actions are refused while the vehicle moves"
    ),
    RemoteSafetyRule("Vehicle.Cabin.Door.*.*.Switch", None, "remote door actions are refused while the vehicle moves"),
    RemoteSafetyRule(
        "Vehicle.Cabin.Door.**.Window.Position", (), "remote window opening is refused while the vehicle moves"
    ),
    RemoteSafetyRule(
        "Vehicle.Cabin.Door.**.Window.IsOpen", (True,), "remote window opening is refused while the vehicle moves"
    ),
    RemoteSafetyRule(
        "Vehicle.Cabin.Door.**.Window.Switch",
        ("OPEN", "ONE_SHOT_OPEN"),
        "remote window opening is refused while the vehicle moves",
    ),
    RemoteSafetyRule("Vehicle.Body.Trunk.**", None, "remote trunk actions are refused while the vehicle moves"),
)
SAFETY_STATE_PATHS = ("Vehicle.Speed", "Vehicle.IsMoving")

# Requests that make one of the car's own apps act with the app's rights, not the caller's:
# through them a device's scopes, role rules and the remote-safety rules would not hold for
# what the assistant, a scene or an accepted suggestion then does ("open my window" while
# moving). The in-car cockpit and the CLI are not devices and keep them.
DEPUTY_SIGNALS = {
    "Vehicle.Cabin.Infotainment.HMI.AssistantRequest": "a paired device cannot ask the car's assistant to act for it",
    "Vehicle.Cabin.Infotainment.HMI.SceneRequest": "a paired device cannot run the car's scenes",
    "Vehicle.Cabin.Infotainment.HMI.SuggestionResponse": "a paired device cannot answer the car's suggestions",
}


def remote_refusal(path: str, value: Value, old: Value | None, state: dict[str, Value | None]) -> str | None:
    for rule in REMOTE_SAFETY:
        reason = rule.refuses(path, value, old, state)
        if reason:
            return reason
    return None


def remote_device_guard(
    path: str,
    value: Value,
    old: Value | None,
    principal: Principal | None,
    read: Callable[[str], Value | None],
) -> str | None:
    """The broker guard that holds the moving-vehicle rules for paired devices on every face.

    A token bound to a device (its `device` claim) is refused remote unlock, door and
    window opening while the car moves, and every request that would make one of the
    car's apps act for it (`DEPUTY_SIGNALS`), whether it arrives over HTTP, WebSocket or gRPC.
    """
    if principal is None or principal.device is None:
        return None
    if path in DEPUTY_SIGNALS:
        return DEPUTY_SIGNALS[path]
    return remote_refusal(path, value, old, {p: read(p) for p in SAFETY_STATE_PATHS})
