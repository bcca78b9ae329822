"""Home back ends: where the home's devices really are.

Each back end keeps `HomeState` up to date (reconnecting with back-off on its own) and carries
out `HomeCommand`s. The app picks one from `HomeSettings.backend`:

    backend = make_backend(settings, state)
    task = asyncio.create_task(backend.run())     # connect, follow, reconnect until cancelled
    await backend.execute(make_command("light.porch", "turn_on"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from renkei.apps.home.entities import HomeCommand, HomeState

if TYPE_CHECKING:
    from renkei.apps.home.mqtt_link import MqttLink
    from renkei.apps.home.settings import HomeSettings


class HomeBackend(Protocol):
    name: str
    state: HomeState

    async def run(self) -> None:
        """Connect, keep `state` current and reconnect with back-off; returns only when cancelled."""

    async def execute(self, command: HomeCommand) -> None:
        """Carry out one command; raises HomeError (offline, unknown-entity, failed)."""


def make_backend(settings: HomeSettings, state: HomeState, mqtt: MqttLink | None = None) -> HomeBackend:
    if settings.backend == "simulated":
        from renkei.apps.home.backends.simulated import SimulatedHome

        return SimulatedHome(state)
    if settings.backend == "mqtt":
        from renkei.apps.home.backends.mqtt import MqttHome

        if mqtt is None:
            raise ValueError("the mqtt back end needs the app's MQTT link")
        return MqttHome(state, mqtt, settings.mqtt)
    from renkei.apps.home.backends.homeassistant import HomeAssistantHome

    return HomeAssistantHome(state, settings.homeassistant, settings.reconnect_min, settings.reconnect_max)
