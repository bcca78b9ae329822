"""Paired devices: one-time pairing codes, owner confirmation, revocable credentials.

Flow: the cockpit (owner) opens pairing → `start_pairing(role)` gives a short
one-time code (shown as digits and QR) → the phone sends the code with its name →
`claim(code, name)` makes a pending request (the phone keeps its `secret`) → the
owner confirms on the cockpit → `confirm(request_id)` mints the device's token with
the role's scopes → the phone collects it once with `collect(request_id, secret)`.
Every device is persisted in `<data_dir>/devices.json` with its token id, role and
last use; `revoke(device_id)` revokes the token in the `Authenticator` (open
WebSockets close) and the revocation survives a restart (`restore_revocations`).

    reg = DeviceRegistry(data_dir, issuer, auth)
    code = reg.start_pairing("guest").code          # "483920", expires in 2 minutes
    req = reg.claim(code, "Anna's phone")           # wrong codes count towards a lock-out
    reg.confirm(req.id); token = reg.collect(req.id, req.secret)
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jwt

from renkei.apps.devices.roles import ROLES, Role
from renkei.broker import Authenticator, TokenIssuer

log = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL = 120.0  # seconds a pairing code stays valid
REQUEST_TTL = 300.0  # seconds a claimed request waits for the owner
MAX_WRONG_CODES = 5  # wrong codes within the window before pairing locks
WRONG_WINDOW = 300.0
LOCKOUT = 300.0  # seconds pairing stays locked after too many wrong codes
MAX_NAME = 64
MAX_PENDING = 16
DEVICES_FILE = "devices.json"
LAST_USE_WRITE_INTERVAL = 60.0


class PairingError(Exception):
    """A pairing step failed; `reason` is a stable machine word, the message says why."""

    def __init__(self, reason: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.retry_after = retry_after


@dataclass
class PairingCode:
    code: str
    role: str
    expires_at: float
    ttl: float  # credential lifetime for the device that uses it


@dataclass
class PairingRequest:
    id: str
    secret: str
    name: str
    role: str
    created_at: float
    ttl: float
    confirmed: bool = False
    token: str | None = None
    device_id: str | None = None


@dataclass
class Device:
    id: str
    name: str
    role: str
    token_id: str
    paired_at: float
    expires_at: float
    last_used: float | None = None
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "token_id"}


@dataclass
class _State:
    devices: dict[str, Device] = field(default_factory=dict)
    revoked_token_ids: list[str] = field(default_factory=list)  # other tokens (cockpit sessions)


def device_subject(device_id: str) -> str:
    return f"device:{device_id}"


def device_id_of(subject: str) -> str | None:
    return subject[7:] if subject.startswith("device:") else None


class DeviceRegistry:
    def __init__(
        self,
        data_dir: Path,
        issuer: TokenIssuer,
        auth: Authenticator,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._file = data_dir / DEVICES_FILE
        self._issuer = issuer
        self._auth = auth
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, PairingCode] = {}
        self._requests: dict[str, PairingRequest] = {}
        self._wrong: list[float] = []
        self._locked_until = 0.0
        self._last_write = 0.0
        self._state = self._load()
        self.restore_revocations()

    # -- persistence ---------------------------------------------------------------
    def _load(self) -> _State:
        try:
            raw = json.loads(self._file.read_text())
        except FileNotFoundError:
            return _State()
        except (OSError, ValueError) as err:
            # A damaged file must not lock the owner out; keep it aside for inspection.
            broken = self._file.with_suffix(".broken")
            log.error("devices file %s is unreadable (%s); moved to %s", self._file, err, broken)
            self._file.replace(broken)
            return _State()
        devices = {d["id"]: Device(**d) for d in raw.get("devices", [])}
        return _State(devices, list(raw.get("revoked_token_ids", [])))

    def _save(self) -> None:
        doc = {
            "devices": [asdict(d) for d in self._state.devices.values()],
            "revoked_token_ids": self._state.revoked_token_ids,
        }
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_name(self._file.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(doc, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self._file)
        self._last_write = self._clock()

    def restore_revocations(self) -> None:
        """Tell the authenticator every token revoked before this start."""
        for device in self._state.devices.values():
            if not device.active:
                self._auth.revoke(device.token_id)
        for token_id in self._state.revoked_token_ids:
            self._auth.revoke(token_id)

    # -- pairing ---------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        self._codes = {c: p for c, p in self._codes.items() if p.expires_at > now}
        self._requests = {
            i: r for i, r in self._requests.items() if r.created_at + REQUEST_TTL > now or r.token is not None
        }
        self._wrong = [t for t in self._wrong if t > now - WRONG_WINDOW]

    def role(self, name: str) -> Role:
        role = ROLES.get(name)
        if role is None:
            raise PairingError("role", f"unknown role {name!r} (roles: {', '.join(ROLES)})")
        return role

    def start_pairing(self, role_name: str, ttl: float | None = None) -> PairingCode:
        """A new one-time code for one device of `role_name` (the owner asks on the cockpit)."""
        role = self.role(role_name)
        lifetime = role.ttl if ttl is None else ttl
        if not 60 <= lifetime <= (role.max_ttl or role.ttl):
            raise PairingError(
                "ttl",
                f"credential lifetime {lifetime} s is outside [60, {role.max_ttl or role.ttl:.0f}] for {role.name}",
            )
        with self._lock:
            now = self._clock()
            self._expire(now)
            while True:
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                if code not in self._codes:
                    break
            pairing = PairingCode(code, role.name, now + CODE_TTL, lifetime)
            self._codes[code] = pairing
            return pairing

    def locked_for(self) -> float:
        return max(0.0, self._locked_until - self._clock())

    def claim(self, code: str, name: str) -> PairingRequest:
        """A device presents a code; wrong codes count towards the lock-out."""
        clean_name = " ".join(str(name).split())[:MAX_NAME]
        if not clean_name:
            raise PairingError("name", "give the device a name (1 to 64 characters)")
        with self._lock:
            now = self._clock()
            self._expire(now)
            if now < self._locked_until:
                wait = self._locked_until - now
                raise PairingError(
                    "locked",
                    f"pairing is locked after too many wrong codes; try again in {wait:.0f} s",
                    retry_after=wait,
                )
            pairing = self._codes.pop(code, None) if isinstance(code, str) else None
            if pairing is None:
                self._wrong.append(now)
                if len(self._wrong) >= MAX_WRONG_CODES:
                    self._locked_until = now + LOCKOUT
                    self._wrong.clear()
                    # Every open code is void: an attacker may have been close.
                    self._codes.clear()
                raise PairingError("code", "the pairing code is wrong or has expired")
            if len(self._requests) >= MAX_PENDING:
                raise PairingError("busy", "too many pairing requests are waiting for the owner")
            request = PairingRequest(
                id=uuid.uuid4().hex,
                secret=secrets.token_urlsafe(24),
                name=clean_name,
                role=pairing.role,
                created_at=now,
                ttl=pairing.ttl,
            )
            self._requests[request.id] = request
            return request

    def pending(self) -> list[PairingRequest]:
        with self._lock:
            self._expire(self._clock())
            return [r for r in self._requests.values() if not r.confirmed]

    def confirm(self, request_id: str) -> Device:
        """The owner accepts a request: the device's credential is minted and persisted."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            request = self._requests.get(request_id)
            if request is None or request.confirmed:
                raise PairingError("request", f"no pending pairing request {request_id[:40]!r}")
            role = self.role(request.role)
            device_id = uuid.uuid4().hex[:12]
            token = self._issuer.issue(
                role.scope,
                subject=device_subject(device_id),
                ttl=request.ttl,
                extra={"role": role.name, "device": device_id},
            )
            token_id = _token_id(token)
            device = Device(device_id, request.name, role.name, token_id, now, now + request.ttl)
            self._state.devices[device_id] = device
            self._save()
            request.confirmed, request.token, request.device_id = True, token, device_id
            return device

    def reject(self, request_id: str) -> None:
        with self._lock:
            if self._requests.pop(request_id, None) is None:
                raise PairingError("request", f"no pending pairing request {request_id[:40]!r}")

    def status(self, request_id: str, secret: str) -> tuple[str, str | None, Device | None]:
        """("pending"|"confirmed", token once, device) for the device that claimed it."""
        with self._lock:
            self._expire(self._clock())
            request = self._requests.get(request_id)
            if request is None or not secrets.compare_digest(request.secret, str(secret)):
                raise PairingError("request", "no such pairing request (it may have been rejected or expired)")
            if not request.confirmed:
                return "pending", None, None
            # The token leaves exactly once; the request is gone afterwards.
            del self._requests[request_id]
            device = self._state.devices.get(request.device_id or "")
            return "confirmed", request.token, device

    # -- devices ---------------------------------------------------------------------
    def devices(self) -> list[Device]:
        return sorted(self._state.devices.values(), key=lambda d: d.paired_at)

    def get(self, device_id: str) -> Device | None:
        return self._state.devices.get(device_id)

    def check(self, device_id: str, token_id: str | None) -> Device | None:
        """The device a token belongs to, if it is still paired and the token is its own."""
        device = self._state.devices.get(device_id)
        if device is None or not device.active or device.token_id != token_id:
            return None
        return device

    def touch(self, device: Device) -> None:
        now = self._clock()
        device.last_used = now
        if now - self._last_write >= LAST_USE_WRITE_INTERVAL:
            with self._lock:
                self._save()

    def revoke(self, device_id: str) -> Device:
        with self._lock:
            device = self._state.devices.get(device_id)
            if device is None:
                raise PairingError("device", f"no paired device {device_id[:40]!r}")
            if device.active:
                device.revoked_at = self._clock()
                self._save()
        self._auth.revoke(device.token_id)
        return device

    def forget(self, device_id: str) -> None:
        """Remove a revoked device from the list (its token id stays revoked)."""
        with self._lock:
            device = self._state.devices.get(device_id)
            if device is None:
                raise PairingError("device", f"no paired device {device_id[:40]!r}")
            if device.active:
                raise PairingError("active", "revoke the device before removing it")
            self._state.revoked_token_ids.append(device.token_id)
            del self._state.devices[device_id]
            self._save()

    def revoke_token(self, token_id: str) -> None:
        """Revoke a non-device token (a cockpit session) persistently."""
        with self._lock:
            if token_id not in self._state.revoked_token_ids:
                self._state.revoked_token_ids.append(token_id)
                self._save()
        self._auth.revoke(token_id)


def _token_id(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return str(claims["jti"])
