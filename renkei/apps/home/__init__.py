"""The home app: control the home from the car and the car from the home.

Back ends: the built-in simulated home (default), MQTT devices (Home Assistant's discovery
convention) and Home Assistant (REST + WebSocket, long-lived token). With MQTT enabled the
car also shows itself to the home by discovery and takes the home's few commands through
its own access rules. Declarative automations (YAML) link the two; `renkei home ls/set`
and the cockpit reach the running app through its service socket (`service.py`).

    from renkei.apps.home import HomeSettings, run_home_app
    await run_home_app(client, HomeSettings(), stop=stop_event)
"""

from renkei.apps.home.app import HomeApp, run_home_app
from renkei.apps.home.entities import Area, Entity, HomeCommand, HomeError, HomeState, make_command, parse_state
from renkei.apps.home.settings import HomeAssistantSettings, HomeSettings, MqttSettings

__all__ = [
    "Area",
    "Entity",
    "HomeApp",
    "HomeAssistantSettings",
    "HomeCommand",
    "HomeError",
    "HomeSettings",
    "HomeState",
    "MqttSettings",
    "make_command",
    "parse_state",
    "run_home_app",
]
