"""Voice to home: the assistant's home requests (on the AssistantReply signal) carried out."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from renkei.apps.home import HomeApp, HomeSettings
from renkei.apps.home.assistant_link import REPLY, resolve_intent
from renkei.apps.home.entities import HomeError
from renkei.broker import Broker
from renkei.client import InProcessClient


@pytest.fixture
async def app(home_client: InProcessClient, broker: Broker, until: Any) -> AsyncIterator[HomeApp]:
    broker.publish(
        {REPLY: json.dumps({"id": "old", "home": [{"intent": "HassTurnOn", "slots": {"name": "porch light"}}]})}
    )
    home = HomeApp(home_client, HomeSettings(automations_enabled=False, service_socket=None))
    await home.start()
    await until(lambda: home.state.online)
    yield home
    await home.stop()


def reply(ident: str, *home: dict[str, Any]) -> str:
    return json.dumps({"id": ident, "text": "OK", "lang": "en", "changes": [], "home": list(home)})


async def test_voice_requests_switch_the_home(app: HomeApp, broker: Broker, until: Any) -> None:
    await asyncio.sleep(0.1)
    assert app.state.entities["light.porch"].state == "off"  # a reply from before the start is not acted on
    broker.publish({REPLY: reply("1", {"intent": "HassTurnOn", "slots": {"name": "porch light", "domain": "light",
                                                                        "entity_id": "light.porch"}})})  # fmt: skip
    await until(lambda: app.state.entities["light.porch"].state == "on")
    # the assistant's thermostat is climate.living_room; this home has one thermostat, climate.home
    broker.publish({REPLY: reply("2", {"intent": "HassClimateSetTemperature",
                                       "slots": {"temperature": 22, "entity_id": "climate.living_room"}})})  # fmt: skip
    await until(lambda: app.state.entities["climate.home"].attributes["temperature"] == 22)
    broker.publish({REPLY: reply("3", {"intent": "HassLightSet", "slots": {"area": "リビング", "brightness": 30}})})
    await until(lambda: app.state.entities["light.living_room"].attributes.get("brightness") == 76)
    broker.publish({REPLY: reply("3c", {"intent": "HassLightSet", "slots": {"area": "living room", "color": "blue"}})})
    await until(
        lambda: app.state.entities["light.living_room"].attributes.get("rgb_color") in ([0, 0, 255], (0, 0, 255))
    )
    broker.publish({REPLY: reply("4", {"intent": "HassTurnOn", "slots": {"name": "车库门"}})})
    await until(lambda: app.state.entities["cover.garage_door"].state in ("opening", "open"))
    assert app.voice is not None and all(o["ok"] for o in app.voice.done)


async def test_hostile_or_stale_replies_do_nothing(app: HomeApp, broker: Broker, until: Any) -> None:
    before = {e: x.state for e, x in app.state.entities.items()}
    broker.publish({REPLY: "{not json"})
    broker.publish({REPLY: json.dumps([1, 2])})
    broker.publish({REPLY: reply("x", "not an object", {"intent": 5})})
    broker.publish({REPLY: reply("late", {"intent": "HassTurnOn", "slots": {"name": "garage door"}})},
                   timestamp=time.time() - 60)  # fmt: skip
    huge = json.loads(reply("huge", {"intent": "HassTurnOn", "slots": {"name": "garage door"}}))
    broker.publish({REPLY: json.dumps({**huge, "text": "x" * 20_000})})
    broker.publish({REPLY: reply("u", {"intent": "HassVacuumStart", "slots": {"name": "robot"}})})
    await until(lambda: app.voice is not None and len(app.voice.done) == 1)
    assert not app.voice.done[0]["ok"] and "no device in the home matches 'robot'" in app.voice.done[0]["error"]
    broker.publish({REPLY: reply("u", {"intent": "HassTurnOn", "slots": {"name": "garage door"}})})  # same id
    await asyncio.sleep(0.2)
    assert {e: x.state for e, x in app.state.entities.items()} == before
    assert "no device" in app.notifications[-1]["body"]["en"]


async def test_resolution_rules(app: HomeApp) -> None:
    state = app.state
    assert [c.entity_id for c in resolve_intent(state, "HassTurnOff", {"domain": "light", "area": "bedroom"})] == [
        "light.bedroom"
    ]
    assert resolve_intent(state, "HassTurnOff", {"name": "Garage door"})[0].service == "close_cover"
    with pytest.raises(HomeError, match="no device in the home matches 'light in attic'"):
        resolve_intent(state, "HassTurnOn", {"domain": "light", "area": "attic"})
    with pytest.raises(HomeError, match="does not carry out HassMediaPause"):
        resolve_intent(state, "HassMediaPause", {"name": "Plug"})
    with pytest.raises(HomeError, match="temperature must be a number"):
        resolve_intent(state, "HassClimateSetTemperature", {"domain": "climate", "temperature": 80})


async def test_spoken_request_through_the_real_assistant(app: HomeApp, broker: Broker, until: Any) -> None:
    """End to end: a typed request to the platform's assistant → its reply → the home app acts."""
    from renkei.apps.assistant import AssistantSettings, run_assistant

    stop = asyncio.Event()
    assistant = asyncio.create_task(run_assistant(InProcessClient(broker), AssistantSettings(tts="none"), stop=stop))
    try:
        await until(
            lambda: broker.provider_of("Vehicle.Cabin.Infotainment.HMI.AssistantRequest") is not None, within=60
        )
        request = {"id": "voice-1", "text": "玄関の電気をつけて", "lang": "ja", "seat": "driver"}
        await broker.actuate({"Vehicle.Cabin.Infotainment.HMI.AssistantRequest": json.dumps(request)})
        await until(lambda: app.state.entities["light.porch"].state == "on", within=10)
        request = {"id": "voice-2", "text": "set the thermostat to 23 degrees", "lang": "en", "seat": "driver"}
        await broker.actuate({"Vehicle.Cabin.Infotainment.HMI.AssistantRequest": json.dumps(request)})
        await until(lambda: app.state.entities["climate.home"].attributes["temperature"] == 23, within=10)
    finally:
        stop.set()
        await asyncio.wait_for(assistant, 10)


@pytest.mark.parametrize("colour", ["chartreuse-ish", "#12345", "", "x" * 500, "<b>red</b>"])
def test_a_colour_no_light_can_take_is_refused_by_name(colour: str) -> None:
    from renkei.apps.home.assistant_link import light_colour
    from renkei.apps.home.entities import HomeError

    with pytest.raises(HomeError, match="cannot take the colour"):
        light_colour(colour)
    assert light_colour("Light Blue") == [135, 206, 235] and light_colour("#FF8800") == [255, 136, 0]
