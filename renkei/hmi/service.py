"""The cockpit's own signals: language, units, text size, theme, panels, active profile.

The HMI is the provider of `Vehicle.Cabin.Infotainment.HMI.*` display settings: it
claims them in the broker, publishes defaults on first start, and confirms every
actuation by publishing the new value — so a profile app or the voice assistant
re-lays every open screen live by actuating these signals, and every screen follows
the confirmed value it reads back over its WebSocket.

`CurrentLanguage` is a *sensor* in VSS 6.0 (it cannot be actuated), so the
platform overlay adds the actuator `DisplayLanguage`: anyone with the right asks
through it, and the cockpit confirms it and mirrors it into `CurrentLanguage`.

    hmi = HmiService(broker)
    hmi.start()                                         # claims and publishes defaults
    await broker.actuate({"Vehicle.Cabin.Infotainment.HMI.DayNightMode": "NIGHT"})
    await broker.actuate({"Vehicle.Cabin.Infotainment.HMI.DisplayLanguage": "ja"})
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping

from renkei.broker import Broker, BrokerError, ErrorCode, Principal, Provider, Right
from renkei.vss import EntryType, Value

log = logging.getLogger(__name__)

HMI = "Vehicle.Cabin.Infotainment.HMI"
LANGUAGE = f"{HMI}.CurrentLanguage"
LANGUAGE_REQUEST = f"{HMI}.DisplayLanguage"  # the platform overlay's actuator
LANGUAGES = ("en", "zh-CN", "ja")
ALL_PANELS = ["DRIVING", "CLIMATE", "SEATS", "BODY", "LIGHTS", "MAP", "CHARGING", "HOME", "ASSISTANT", "NOTIFICATIONS"]

# The display settings the cockpit owns, with the value shown before any profile speaks.
HMI_DEFAULTS: dict[str, Value] = {
    LANGUAGE: "en",
    LANGUAGE_REQUEST: "en",
    f"{HMI}.DistanceUnit": "KILOMETERS",
    f"{HMI}.TemperatureUnit": "C",
    f"{HMI}.FontSize": "STANDARD",
    f"{HMI}.DayNightMode": "DAY",
    f"{HMI}.VisiblePanels": ALL_PANELS,
    f"{HMI}.ActiveProfile": "guest",
}
HMI_SCOPE = f"provide:{HMI}"
POSITION = ("Vehicle.CurrentLocation.Latitude", "Vehicle.CurrentLocation.Longitude")
TRAIL_POINTS = 3000


class HmiService:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.principal = Principal.from_scope_string(HMI_SCOPE, subject="hmi")
        self.providers: list[Provider] = []
        self.owned: tuple[str, ...] = ()
        self.trail: deque[tuple[float, float]] = deque(maxlen=TRAIL_POINTS)
        self._follow: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Claim every display setting the catalog has; another owner keeps what it holds.

        Also starts following the car's position, so a screen opened mid-trip can draw
        the route driven so far (`trail`).
        """
        if self._follow is None and all(p in self.broker.catalog for p in POSITION):
            self._follow = asyncio.get_running_loop().create_task(self._record_trail())
        owned: list[str] = []
        for path in HMI_DEFAULTS:
            if self.broker.catalog.get(path) is None:
                continue
            try:
                self.providers.append(self.broker.provide([path], self._confirm, principal=self.principal, name="hmi"))
                owned.append(path)
            except BrokerError as err:
                log.warning("cockpit does not own %s: %s", path, err)
        self.owned = tuple(owned)
        current = self.broker.get(owned)
        missing = {p: HMI_DEFAULTS[p] for p in owned if current.get(p) is None}
        if missing:
            self.broker.publish(missing, principal=self.principal)

    async def _record_trail(self) -> None:
        sub = self.broker.subscribe(POSITION, name="hmi-trail", queue_size=64)
        try:
            last: dict[str, object] = {}
            async for batch in sub:
                # each batch is one moment (reading current values would skip queued ones)
                last.update({p: dp.value for p, dp in batch.items()})
                lat, lon = (last.get(p) for p in POSITION)
                if isinstance(lat, float | int) and isinstance(lon, float | int):
                    point = (float(lat), float(lon))
                    if not self.trail or self.trail[-1] != point:
                        self.trail.append(point)
        except BrokerError:
            return
        finally:
            sub.close()

    def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            self._follow = None
        for provider in self.providers:
            provider.close()
        self.providers.clear()

    async def _confirm(self, values: dict[str, Value]) -> None:
        # The screen changes at once: the confirmed value is the requested one.
        confirmed = dict(values)
        if LANGUAGE_REQUEST in values and LANGUAGE in self.owned:
            confirmed[LANGUAGE] = values[LANGUAGE_REQUEST]
        self.broker.publish(confirmed, principal=self.principal)

    async def apply(self, values: Mapping[str, Value], principal: Principal | None) -> None:
        """Change display settings for a caller; actuators go through the broker as usual."""
        sensors: dict[str, Value] = {}
        actuators: dict[str, Value] = {}
        for path, value in values.items():
            if path not in HMI_DEFAULTS:
                raise BrokerError.invalid(
                    path, f"is not a cockpit display setting (settings: {', '.join(HMI_DEFAULTS)})", "hmi-setting"
                )
            signal = self.broker.signal(path)
            if path in (LANGUAGE, LANGUAGE_REQUEST) and value not in LANGUAGES:
                raise BrokerError.invalid(
                    path, f"language {value!r} is not offered (offered: {', '.join(LANGUAGES)})", "language"
                )
            if signal.entry_type is EntryType.ACTUATOR:
                actuators[path] = value
            else:
                if principal is not None:
                    principal.require(Right.ACTUATE, path)
                sensors[path] = value
        if path_missing := [p for p in {**sensors, **actuators} if p not in self.owned]:
            raise BrokerError(
                ErrorCode.UNAVAILABLE, path_missing[0], "the cockpit does not own this setting", "no-provider"
            )
        if actuators:
            await self.broker.actuate(actuators, principal=principal)
        if sensors:
            if LANGUAGE in sensors and LANGUAGE_REQUEST in self.owned:
                sensors[LANGUAGE_REQUEST] = sensors[LANGUAGE]  # keep request and state in step
            self.broker.publish(sensors, principal=self.principal)
