"""Pairing codes, lock-out, credentials, revocation and persistence of paired devices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.apps.devices import (
    CODE_TTL,
    LOCKOUT,
    MAX_WRONG_CODES,
    ROLES,
    DeviceRegistry,
    PairingError,
    remote_refusal,
)
from renkei.broker import Authenticator, BrokerError, Principal, TokenIssuer, TokenVerifier


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> TokenIssuer:
    return TokenIssuer.load_or_create(tmp_path_factory.mktemp("k") / "key.pem")


@pytest.fixture
def auth(issuer: TokenIssuer) -> Authenticator:
    return Authenticator(TokenVerifier([issuer.public_pem]))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(tmp_path: Path, issuer: TokenIssuer, auth: Authenticator, clock: Clock) -> DeviceRegistry:
    return DeviceRegistry(tmp_path, issuer, auth, clock=clock)


def pair(registry: DeviceRegistry, role: str = "driver", name: str = "phone") -> tuple[str, str]:
    code = registry.start_pairing(role).code
    request = registry.claim(code, name)
    device = registry.confirm(request.id)
    state, token, _ = registry.status(request.id, request.secret)
    assert state == "confirmed" and token
    return device.id, token


def test_pairing_mints_a_token_with_the_roles_scope(registry: DeviceRegistry, auth: Authenticator) -> None:
    code = registry.start_pairing("passenger")
    assert len(code.code) == 6 and code.code.isdigit()
    request = registry.claim(code.code, "  Mei's   tablet ")
    assert request.name == "Mei's tablet"
    assert registry.status(request.id, request.secret)[0] == "pending"
    assert [r.id for r in registry.pending()] == [request.id]
    device = registry.confirm(request.id)
    state, token, got = registry.status(request.id, request.secret)
    assert state == "confirmed" and got is not None and got.id == device.id
    principal = auth.authenticate(token)
    assert principal.subject == f"device:{device.id}"
    assert principal.may_actuate("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature")
    assert not principal.may_actuate("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked")
    assert registry.check(device.id, principal.token_id) is device
    # the token leaves once
    with pytest.raises(PairingError):
        registry.status(request.id, request.secret)


def test_a_code_works_once_and_expires(registry: DeviceRegistry, clock: Clock) -> None:
    code = registry.start_pairing("guest").code
    registry.claim(code, "a")
    with pytest.raises(PairingError) as err:
        registry.claim(code, "b")
    assert err.value.reason == "code"
    late = registry.start_pairing("guest").code
    clock.now += CODE_TTL + 1
    with pytest.raises(PairingError, match="wrong or has expired"):
        registry.claim(late, "c")


def test_wrong_secret_cannot_collect_the_token(registry: DeviceRegistry) -> None:
    request = registry.claim(registry.start_pairing("owner").code, "x")
    registry.confirm(request.id)
    with pytest.raises(PairingError):
        registry.status(request.id, "guessed")


def test_brute_force_locks_pairing_and_voids_open_codes(registry: DeviceRegistry, clock: Clock) -> None:
    real = registry.start_pairing("owner").code
    wrong = "000000" if real != "000000" else "111111"
    for _ in range(MAX_WRONG_CODES):
        with pytest.raises(PairingError):
            registry.claim(wrong, "attacker")
    with pytest.raises(PairingError) as err:
        registry.claim(real, "attacker")  # even the right code now
    assert err.value.reason == "locked" and err.value.retry_after is not None
    assert registry.locked_for() > 0
    clock.now += LOCKOUT + 1
    with pytest.raises(PairingError) as err:
        registry.claim(real, "owner")  # voided during the lock-out
    assert err.value.reason == "code"
    fresh = registry.start_pairing("owner").code
    assert registry.claim(fresh, "owner").role == "owner"


@pytest.mark.parametrize(("code", "name"), [("", "x"), ("12345678901234567", "x"), ("123456", ""), ("123456", "   ")])
def test_malformed_claims_are_refused(registry: DeviceRegistry, code: str, name: str) -> None:
    with pytest.raises(PairingError):
        registry.claim(code, name)


def test_guest_credentials_are_time_limited(registry: DeviceRegistry) -> None:
    with pytest.raises(PairingError, match="lifetime"):
        registry.start_pairing("guest", ttl=30 * 24 * 3600)
    with pytest.raises(PairingError, match="unknown role"):
        registry.start_pairing("admin")
    code = registry.start_pairing("guest", ttl=2 * 3600).code
    device = registry.confirm(registry.claim(code, "visitor").id)
    assert device.expires_at - device.paired_at == 2 * 3600


def test_revocation_is_immediate_and_survives_a_restart(
    tmp_path: Path, registry: DeviceRegistry, issuer: TokenIssuer, auth: Authenticator, clock: Clock
) -> None:
    device_id, token = pair(registry)
    seen: list[str] = []
    auth.on_revoke(seen.append)
    registry.revoke(device_id)
    assert seen and registry.get(device_id) is not None and not registry.get(device_id).active  # type: ignore[union-attr]
    with pytest.raises(BrokerError, match="revoked"):
        auth.authenticate(token)
    # a new process: fresh authenticator, same data directory
    auth2 = Authenticator(TokenVerifier([issuer.public_pem]))
    DeviceRegistry(tmp_path, issuer, auth2, clock=clock)
    with pytest.raises(BrokerError, match="revoked"):
        auth2.authenticate(token)
    registry.forget(device_id)
    auth3 = Authenticator(TokenVerifier([issuer.public_pem]))
    again = DeviceRegistry(tmp_path, issuer, auth3, clock=clock)
    assert again.get(device_id) is None
    with pytest.raises(BrokerError, match="revoked"):
        auth3.authenticate(token)


def test_devices_file_is_private_and_a_broken_one_is_kept_aside(
    tmp_path: Path, registry: DeviceRegistry, issuer: TokenIssuer, auth: Authenticator
) -> None:
    pair(registry, name="kept")
    file = tmp_path / "devices.json"
    assert file.stat().st_mode & 0o077 == 0
    assert json.loads(file.read_text())["devices"][0]["name"] == "kept"
    file.write_text("{broken")
    fresh = DeviceRegistry(tmp_path, issuer, auth)
    assert fresh.devices() == []
    assert (tmp_path / "devices.broken").exists()


def test_roles_value_rules() -> None:
    guest = ROLES["guest"]
    assert guest.refuses("Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked", False)
    assert guest.refuses("Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked", True) is None
    assert guest.refuses("Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", 90)
    assert ROLES["driver"].refuses("Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", 90) is None
    for role in ROLES.values():
        assert Principal.from_scope_string(role.scope).scopes  # the broker can parse every role


@pytest.mark.parametrize(
    ("path", "value", "old", "speed", "refused"),
    [
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 40, 0, 50.0, True),
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 0, 40, 50.0, False),  # closing is fine
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", 40, 0, 0.0, False),
        ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Switch", "OPEN", None, 50.0, True),
        ("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", False, True, 50.0, True),
        ("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", True, False, 50.0, False),
        ("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen", False, True, 50.0, True),
        ("Vehicle.Body.Trunk.Rear.IsOpen", True, False, 50.0, True),
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 22.0, 21.0, 50.0, False),
    ],
)
def test_remote_safety_rules(path: str, value: object, old: object, speed: float, refused: bool) -> None:
    state = {"Vehicle.Speed": speed, "Vehicle.IsMoving": speed > 0}
    assert bool(remote_refusal(path, value, old, state)) is refused  # type: ignore[arg-type]
