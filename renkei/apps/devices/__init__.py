"""Devices paired with the car (phones, tablets, laptops) and what each may do.

Flow: `roles.ROLES` says once what owner, driver, passenger and guest may do (broker
scopes plus value rules); `DeviceRegistry` runs pairing (one-time code → owner
confirms → revocable credential bound to the device) and persists devices in the
data directory. The HTTP face (`renkei.api.http`) exposes both to the cockpit and
the companion app.

    registry = DeviceRegistry(settings.data_dir, issuer, auth)
    code = registry.start_pairing("driver").code
"""

from renkei.apps.devices.registry import (
    CODE_TTL,
    LOCKOUT,
    MAX_WRONG_CODES,
    Device,
    DeviceRegistry,
    PairingCode,
    PairingError,
    PairingRequest,
    device_id_of,
    device_subject,
)
from renkei.apps.devices.roles import REMOTE_SAFETY, ROLE_NAMES, ROLES, Role, remote_device_guard, remote_refusal

__all__ = [
    "CODE_TTL",
    "LOCKOUT",
    "MAX_WRONG_CODES",
    "REMOTE_SAFETY",
    "ROLES",
    "ROLE_NAMES",
    "Device",
    "DeviceRegistry",
    "PairingCode",
    "PairingError",
    "PairingRequest",
    "Role",
    "device_id_of",
    "device_subject",
    "remote_device_guard",
    "remote_refusal",
]
