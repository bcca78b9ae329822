"""The Home Assistant back end against a stand-in server speaking Home Assistant's WebSocket
protocol badly on purpose: hostile states and events are skipped, a rejected token is told."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from renkei.apps.home.backends.homeassistant import HomeAssistantHome
from renkei.apps.home.entities import HomeState
from renkei.apps.home.settings import HomeAssistantSettings

GOOD_LIGHT = {"entity_id": "light.kitchen", "state": "on", "attributes": {"friendly_name": "Kitchen", "brightness": 9}}
HOSTILE_STATES: list[Any] = [
    "not an object",
    {"entity_id": 42, "state": "on"},
    {"entity_id": "light.Bad Id", "state": "on"},
    {"entity_id": "vacuum.robot", "state": "cleaning"},  # not a domain the car commands or shows
    {"entity_id": "switch.kettle", "state": "x" * 10_000, "attributes": ["not", "a", "dict"]},
    GOOD_LIGHT,
]


class FakeHomeAssistant:
    def __init__(self, token: str) -> None:
        self.token = token
        self.connections = 0
        self.ws: ServerConnection | None = None

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        await ws.send(json.dumps({"type": "auth_required", "ha_version": "2024.3.3"}))
        auth = json.loads(await ws.recv())
        if auth.get("access_token") != self.token:
            await ws.send(json.dumps({"type": "auth_invalid", "message": "Invalid access token or password"}))
            return
        await ws.send(json.dumps({"type": "auth_ok", "ha_version": "2024.3.3"}))
        self.ws = ws
        with contextlib.suppress(ConnectionClosed):
            await self._serve(ws)

    async def _serve(self, ws: ServerConnection) -> None:
        async for raw in ws:
            msg = json.loads(raw)
            if msg["type"].startswith("config/"):
                reply = {"id": msg["id"], "type": "result", "success": False,
                         "error": {"code": "unknown_command", "message": "Unknown command."}}  # fmt: skip
            elif msg["type"] == "get_states":
                reply = {"id": msg["id"], "type": "result", "success": True, "result": HOSTILE_STATES}
            else:
                reply = {"id": msg["id"], "type": "result", "success": True, "result": None}
            await ws.send(json.dumps(reply))


@pytest.fixture
async def fake_ha() -> AsyncIterator[tuple[FakeHomeAssistant, str]]:
    fake = FakeHomeAssistant("good-token")
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield fake, f"http://127.0.0.1:{port}"


async def test_hostile_states_and_events_are_skipped(fake_ha: tuple[FakeHomeAssistant, str], until: Any) -> None:
    fake, url = fake_ha
    state = HomeState()
    home = HomeAssistantHome(state, HomeAssistantSettings(url=url, token="good-token"), 0.05, 0.2)
    task = asyncio.create_task(home.run())
    try:
        await until(lambda: state.online)
        assert set(state.entities) == {"light.kitchen", "switch.kettle"}
        assert len(state.entities["switch.kettle"].state) == 255 and state.entities["switch.kettle"].attributes == {}
        assert state.areas == {}  # no `config` integration: no areas, no failure
        assert fake.ws is not None
        for garbage in ["{not json", json.dumps([1, 2]), json.dumps({"type": "event", "event": "nope"}),
                        json.dumps({"type": "event", "event": {"event_type": "state_changed",
                                                                "data": {"new_state": "light.kitchen"}}}),
                        json.dumps({"type": "result", "id": "x"})]:  # fmt: skip
            await fake.ws.send(garbage)
        change = {"entity_id": "light.kitchen", "state": "off", "attributes": {"friendly_name": "Kitchen"}}
        await fake.ws.send(json.dumps({"type": "event", "event": {"event_type": "state_changed",
                                                                  "data": {"new_state": change}}}))  # fmt: skip
        await until(lambda: state.entities["light.kitchen"].state == "off")
        gone = {"entity_id": "switch.kettle", "new_state": None}
        await fake.ws.send(json.dumps({"type": "event", "event": {"event_type": "state_changed", "data": gone}}))
        await until(lambda: "switch.kettle" not in state.entities)
        assert home.malformed == 5 and state.online and fake.connections == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_rejected_token_is_reported_once(fake_ha: tuple[FakeHomeAssistant, str], until: Any) -> None:
    fake, url = fake_ha
    state = HomeState()
    events = state.watch()
    home = HomeAssistantHome(state, HomeAssistantSettings(url=url, token="stolen"), 0.05, 0.1)
    task = asyncio.create_task(home.run())
    try:
        await until(lambda: fake.connections >= 3)  # it keeps trying, at the slow pace
        problems = [e for e in (events.get_nowait() for _ in range(events.qsize())) if e["event"] == "problem"]
        assert problems == [{"event": "problem", "key": "home.token", "values": {}}]
        assert not state.online
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_an_unreachable_home_assistant_is_retried(until: Any) -> None:
    state = HomeState()
    home = HomeAssistantHome(
        state, HomeAssistantSettings(url="http://127.0.0.1:9", token="t", request_timeout=1), 0.05, 0.1
    )
    task = asyncio.create_task(home.run())
    try:
        await asyncio.sleep(0.5)
        assert not task.done() and not state.online  # still trying, nothing crashed
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
