"""Home Assistant back end: REST and WebSocket APIs with a long-lived access token.

Flow: WebSocket `/api/websocket` → auth → subscribe to `state_changed` first (so no change
falls in a gap) → `get_states` and the area, device and entity registries → `HomeState` is
filled and followed live. Commands go out as REST `POST /api/services/<domain>/<service>`.
A lost connection is retried with exponential back-off; a rejected token is told to the
person once and retried only at the slowest pace.

    home = HomeAssistantHome(state, HomeAssistantSettings(url="http://ha:8123", token="eyJ..."))
    asyncio.create_task(home.run())
    await home.execute(make_command("light.living_room", "turn_on", {"brightness_pct": 40}))
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from renkei.apps.home.entities import DOMAINS, ENTITY_ID, Area, Entity, HomeCommand, HomeError, HomeState
from renkei.apps.home.settings import HomeAssistantSettings

log = logging.getLogger(__name__)

MAX_MESSAGE = 32 * 1024 * 1024  # a large home's get_states answer


class TokenRejected(Exception):
    """Home Assistant refused the access token."""


def _timestamp(text: object) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return 0.0


class HomeAssistantHome:
    name = "homeassistant"

    def __init__(
        self,
        state: HomeState,
        settings: HomeAssistantSettings,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
    ) -> None:
        self.state = state
        self.settings = settings
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self.ha_version = ""
        self.connects = 0
        self._entity_area: dict[str, str | None] = {}
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._http: httpx.AsyncClient | None = None
        self._token_told = False
        self.malformed = 0

    @property
    def ws_url(self) -> str:
        return self.settings.url.replace("http", "ws", 1) + "/api/websocket"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.token or ''}", "Content-Type": "application/json"}

    async def run(self) -> None:
        delay = self.reconnect_min
        self._http = httpx.AsyncClient(
            base_url=self.settings.url, headers=self._headers(), timeout=self.settings.request_timeout
        )
        try:
            while True:
                try:
                    if not self.settings.token:
                        raise TokenRejected("no access token is configured")
                    await self._session()
                    delay = self.reconnect_min
                except TokenRejected as err:
                    log.error("Home Assistant at %s refused the token: %s", self.settings.url, err)
                    if not self._token_told:
                        self._token_told = True
                        self.state.report("home.token")
                    delay = self.reconnect_max
                except (OSError, WebSocketException, TimeoutError, HomeError, ValueError) as err:
                    log.warning("Home Assistant at %s unreachable: %s; again in %.1f s", self.settings.url, err, delay)
                finally:
                    self.state.set_online(False)
                    self._ws = None
                    for future in self._pending.values():
                        if not future.done():
                            future.set_exception(HomeError("offline", "the connection to Home Assistant was lost"))
                    self._pending.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max)
        finally:
            await self._http.aclose()

    async def _session(self) -> None:
        async with connect(self.ws_url, max_size=MAX_MESSAGE, open_timeout=self.settings.request_timeout) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), self.settings.request_timeout))
            if hello.get("type") != "auth_required":
                raise HomeError("failed", f"unexpected first message from Home Assistant: {str(hello)[:80]}")
            await ws.send(json.dumps({"type": "auth", "access_token": self.settings.token}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), self.settings.request_timeout))
            if answer.get("type") != "auth_ok":
                raise TokenRejected(str(answer.get("message", answer.get("type"))))
            self._token_told = False
            self.ha_version = str(answer.get("ha_version", ""))
            self._ws = ws
            reader = asyncio.create_task(self._read(ws))
            try:
                await self._request({"type": "subscribe_events", "event_type": "state_changed"})
                await self._load_registries()
                states = await self._request({"type": "get_states"})
                seen: set[str] = set()
                for item in states or []:
                    entity = self._entity(item)
                    if entity is not None:
                        seen.add(entity.entity_id)
                        self.state.update(entity)
                for gone in set(self.state.entities) - seen:
                    self.state.remove(gone)
                self.connects += 1
                self.state.set_online(True)
                log.info("connected to Home Assistant %s at %s", self.ha_version, self.settings.url)
                await reader
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            try:
                data = json.loads(raw)
            except ValueError:
                self.malformed += 1  # a message we cannot read is skipped, never fatal
                log.warning("skipped a malformed message from Home Assistant: %r", str(raw)[:80])
                continue
            for message in data if isinstance(data, list) else [data]:
                try:
                    self._handle(message)
                except (TypeError, ValueError, AttributeError, KeyError) as err:
                    self.malformed += 1
                    log.warning("skipped a malformed message from Home Assistant (%s): %r", err, str(message)[:80])

    def _handle(self, message: Any) -> None:
        if not isinstance(message, dict):
            raise TypeError("a message must be a JSON object")
        kind = message.get("type")
        if kind == "result":
            future = self._pending.pop(int(message["id"]), None)
            if future is not None and not future.done():
                if message.get("success"):
                    future.set_result(message.get("result"))
                else:
                    error = message.get("error") or {}
                    future.set_exception(HomeError("failed", f"{error.get('code')}: {error.get('message')}"))
        elif kind == "event":
            event = message.get("event")
            if not isinstance(event, dict):
                raise TypeError("an event must be a JSON object")
            self._on_event(event)

    async def _request(self, message: dict[str, Any]) -> Any:
        ws = self._ws
        if ws is None:
            raise HomeError("offline", "not connected to Home Assistant")
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await ws.send(json.dumps({**message, "id": ident}))
        return await asyncio.wait_for(future, self.settings.request_timeout)

    async def _load_registries(self) -> None:
        # Areas need the `config` integration; a home without it simply has no areas.
        try:
            areas = await self._request({"type": "config/area_registry/list"})
            devices = await self._request({"type": "config/device_registry/list"})
            entities = await self._request({"type": "config/entity_registry/list"})
        except HomeError as err:
            log.info("Home Assistant registries unavailable (%s); no areas", err)
            return
        self.state.areas = {a["area_id"]: Area(a["area_id"], a.get("name") or a["area_id"]) for a in areas or []}
        device_area = {d["id"]: d.get("area_id") for d in devices or []}
        self._entity_area = {
            e["entity_id"]: e.get("area_id") or device_area.get(e.get("device_id") or "") for e in entities or []
        }

    def _entity(self, item: Any) -> Entity | None:
        if not isinstance(item, dict):
            return None
        entity_id = item.get("entity_id")
        if not isinstance(entity_id, str) or not ENTITY_ID.match(entity_id) or entity_id.split(".")[0] not in DOMAINS:
            return None
        raw_attributes = item.get("attributes")
        attributes: dict[str, Any] = raw_attributes if isinstance(raw_attributes, dict) else {}
        return Entity(
            entity_id,
            str(attributes.get("friendly_name") or entity_id)[:120],
            str(item.get("state", "unknown"))[:255],
            self._entity_area.get(entity_id),
            dict(attributes),
            {},
            _timestamp(item.get("last_changed")),
        )

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event_type") != "state_changed":
            return
        data = event.get("data")
        if not isinstance(data, dict):
            raise TypeError("state_changed data must be a JSON object")
        new = data.get("new_state")
        if new is None:
            if isinstance(data.get("entity_id"), str):
                self.state.remove(data["entity_id"])  # the device vanished
            return
        entity = self._entity(new)
        if entity is not None:
            self.state.update(entity)

    async def execute(self, command: HomeCommand) -> None:
        if not self.state.online or self._http is None:
            raise HomeError("offline", f"not connected to Home Assistant at {self.settings.url}")
        if command.entity_id not in self.state.entities:
            raise HomeError("unknown-entity", f"{command.entity_id}: Home Assistant has no such entity")
        try:
            response = await self._http.post(
                f"/api/services/{command.domain}/{command.service}",
                json={"entity_id": command.entity_id, **command.data},
            )
        except httpx.HTTPError as err:
            raise HomeError("offline", f"Home Assistant did not answer: {err}") from None
        if response.status_code == 401:
            self.state.report("home.token")
            raise HomeError("denied", "Home Assistant refused the access token")
        if response.status_code >= 300:
            raise HomeError("failed", f"Home Assistant answered {response.status_code}: {response.text[:200]}")
