"""The home on the HTTP face: rooms, devices and scenes for the cockpit and companion's Home panel.

Flow: a browser (or any client) with the face's usual token → `GET /api/v1/home` asks the
running home app over its service socket (`HomeServiceClient`, never the app's internals) and
answers rooms → devices (with state) and scenes, named in the caller's language; `POST
/api/v1/home/{entity_id}` checks the caller's role (`ROLES[role].home` in
renkei/apps/devices/roles.py: a guest may look, not open the garage) and sends a `set` or
`call`; `WS /api/v1/home/ws` authenticates like `/api/v1/ws`, sends the home once and then
every change as it happens. When the home app is not running the API answers 503
(rule `home-not-connected`) and the socket says `{"type": "home", "connected": false}` and keeps
trying, so the panel shows "home not connected" instead of breaking.

    app.include_router(home_router(settings, auth, registry, caller))
    GET  /api/v1/home?lang=ja   → {"online", "rooms": [{"name": "リビング", "devices": [...]}], ...}
    POST /api/v1/home/light.living_room {"state": "40%"}
    POST /api/v1/home/climate.home {"service": "set_temperature", "data": {"temperature": 21.5}}
"""

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from starlette.websockets import WebSocketDisconnect

from renkei.api.http.models import ErrorResponse
from renkei.api.http.policy import Caller
from renkei.api.http.ws import (
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_UNAUTHENTICATED,
    MAX_FRAME,
    SocketSession,
    authenticate_socket,
    origin_ok,
)
from renkei.apps.devices import DeviceRegistry
from renkei.apps.devices.roles import ROLES
from renkei.apps.home.service import HomeServiceClient, HomeServiceError
from renkei.broker import Authenticator, BrokerError, ErrorCode
from renkei.settings import Settings

API = "/api/v1/home"
LANGS = ("en", "zh-CN", "ja")
ENTITY_PATTERN = r"^[a-z_]+\.[a-z0-9_]{1,64}$"
REQUEST_TIMEOUT = 10.0  # s: a `set` waits up to 3 s for the home to report the new state
RETRY_SECONDS = 1.0  # how often a live socket looks for a home app that is not running
MAX_HOME_SOCKETS = 200
MAX_ERRORS = 20
# The home app's error codes (service.py) as broker codes, so they map to the face's statuses.
HOME_CODES = {
    "unknown-entity": ErrorCode.NOT_FOUND,
    "bad-entity": ErrorCode.INVALID_ARGUMENT,
    "bad-state": ErrorCode.INVALID_ARGUMENT,
    "unsupported": ErrorCode.INVALID_ARGUMENT,
    "bad-request": ErrorCode.INVALID_ARGUMENT,
    "too-large": ErrorCode.INVALID_ARGUMENT,
    "denied": ErrorCode.PERMISSION_DENIED,
    "stale": ErrorCode.FAILED_PRECONDITION,
    "offline": ErrorCode.UNAVAILABLE,
    "failed": ErrorCode.UNAVAILABLE,
}
NOT_CONNECTED = "the home is not connected (the home app is not running)"
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422, 503)
}

HomeValue = bool | int | float | Annotated[str, StringConstraints(max_length=64)] | list[int]


class HomeDeviceOut(BaseModel):
    entity_id: str
    domain: str = Field(description="Home Assistant domain: light, climate, cover, switch, lock, scene …")
    name: str = Field(description="the name in the asked language (else the home's own name)")
    names: dict[str, str] = Field(description="translations by language, where the home gives them")
    state: str
    area: str | None
    attributes: dict[str, Any]
    last_changed: float
    controllable: bool = Field(description="whether this caller may command it")


class HomeRoomOut(BaseModel):
    id: str
    name: str
    names: dict[str, str]
    devices: list[HomeDeviceOut]


class HomeOut(BaseModel):
    online: bool = Field(description="whether the home back end is reachable")
    backend: str
    lang: str
    role: str
    rooms: list[HomeRoomOut]
    other: list[HomeDeviceOut] = Field(description="devices in no room")
    scenes: list[HomeDeviceOut]


class HomeSetRequest(BaseModel):
    """Either a state in a person's words (`renkei home set`) or one Home Assistant service call."""

    model_config = ConfigDict(extra="forbid", strict=True)
    state: str | None = Field(
        None, min_length=1, max_length=32, description="on, off, toggle, 40%, #ff8800, 21.5, heat, open, close, lock …"
    )
    service: str | None = Field(None, pattern=r"^[a-z_]{1,32}$", description="e.g. turn_on, set_temperature")
    data: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")], HomeValue] | None = Field(
        None, max_length=8, description='the service\'s data, e.g. {"brightness_pct": 40}'
    )

    @model_validator(mode="after")
    def _one_way(self) -> "HomeSetRequest":
        if (self.state is None) == (self.service is None):
            raise ValueError("give either 'state' or 'service' (with optional 'data'), not both or neither")
        if self.data is not None and self.service is None:
            raise ValueError("'data' goes with 'service'")
        return self


class HomeSetResponse(BaseModel):
    ok: bool = True
    entity: HomeDeviceOut | None = Field(description="the device as the home reported it afterwards")


def home_socket_path(settings: Settings) -> Path:
    """Where `renkei run` serves the home app: `[home] service_socket`, else `<data dir>/home.sock`."""
    configured = settings.home.get("service_socket")
    return Path(configured) if configured else settings.data_dir / "home.sock"


def pick_lang(lang: str | None, accept_language: str | None) -> str:
    if lang in LANGS:
        return str(lang)
    for part in (accept_language or "").split(",")[:10]:
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("ja"):
            return "ja"
        if tag.startswith("en"):
            return "en"
    return "en"


def home_refusal(who: Caller, entity_id: str) -> str | None:
    """Why this caller may not command the device, or None: device roles per roles.py; other
    tokens must be the car's owner (cockpit, CLI) — KUKSA scopes say nothing about the home."""
    if who.device is not None:
        return ROLES[who.device.role].refuses_home(entity_id)
    if who.is_owner:
        return None
    return "this token may look at the home but not control it"


def _device(entity: dict[str, Any], who: Caller, lang: str) -> HomeDeviceOut:
    entity_id = str(entity.get("entity_id", ""))
    names = {str(k): str(v) for k, v in (entity.get("names") or {}).items()}
    return HomeDeviceOut(
        entity_id=entity_id,
        domain=entity_id.split(".", 1)[0],
        name=names.get(lang) or str(entity.get("name") or entity_id),
        names=names,
        state=str(entity.get("state", "")),
        area=entity.get("area") if isinstance(entity.get("area"), str) else None,
        attributes=dict(entity.get("attributes") or {}),
        last_changed=float(entity.get("last_changed") or 0.0),
        controllable=home_refusal(who, entity_id) is None,
    )


def shape_home(home: dict[str, Any], backend: str, who: Caller, lang: str) -> HomeOut:
    """The home app's snapshot as rooms → devices, devices in no room, and scenes."""
    rooms: dict[str, HomeRoomOut] = {}
    for area in home.get("areas") or []:
        names = {str(k): str(v) for k, v in (area.get("names") or {}).items()}
        area_id = str(area.get("id", ""))
        rooms[area_id] = HomeRoomOut(
            id=area_id, name=names.get(lang) or str(area.get("name") or area_id), names=names, devices=[]
        )
    other: list[HomeDeviceOut] = []
    scenes: list[HomeDeviceOut] = []
    for entity in home.get("entities") or []:
        device = _device(entity, who, lang)
        if device.domain in ("scene", "script"):
            scenes.append(device)
        elif device.area in rooms:
            rooms[device.area].devices.append(device)
        else:
            other.append(device)
    return HomeOut(
        online=bool(home.get("online")),
        backend=backend,
        lang=lang,
        role=who.role,
        rooms=[r for r in rooms.values() if r.devices],
        other=other,
        scenes=scenes,
    )


def _home_error(err: HomeServiceError) -> BrokerError:
    if err.code in ("not-running", "closed"):
        return BrokerError(ErrorCode.UNAVAILABLE, "", NOT_CONNECTED, "home-not-connected")
    return BrokerError(HOME_CODES.get(err.code, ErrorCode.UNAVAILABLE), "", str(err), f"home-{err.code}")


async def _ask(path: Path, message: dict[str, Any]) -> dict[str, Any]:
    try:
        async with HomeServiceClient(path, timeout=REQUEST_TIMEOUT) as home:
            return await home.request(message)
    except HomeServiceError as err:
        raise _home_error(err) from None
    except TimeoutError:
        raise BrokerError(ErrorCode.UNAVAILABLE, "", "the home did not answer in time", "home-timeout") from None
    except (OSError, ValueError) as err:  # the app went away mid-answer, or answered garbage
        raise BrokerError(ErrorCode.UNAVAILABLE, "", f"{NOT_CONNECTED}: {err}", "home-not-connected") from None


def home_router(
    settings: Settings, auth: Authenticator, registry: DeviceRegistry, caller: Callable[[Request], Caller]
) -> APIRouter:
    """The Home panel's API; `caller` is the face's own token check (header or session cookie)."""
    router = APIRouter(tags=["home"])
    Who = Annotated[Caller, Depends(caller)]
    Lang = Annotated[Literal["en", "zh-CN", "ja"] | None, Query(description="names in this language")]
    EntityId = Annotated[str, PathParam(pattern=ENTITY_PATTERN, max_length=130, description="e.g. light.porch")]

    @router.get(API, response_model=HomeOut, responses=ERRORS)
    async def get_home(
        who: Who, lang: Lang = None, accept_language: Annotated[str | None, Header(max_length=256)] = None
    ) -> HomeOut:
        """Rooms → devices with their state, and scenes; 503 when the home app is not running."""
        reply = await _ask(home_socket_path(settings), {"op": "ls"})
        return shape_home(reply.get("home") or {}, str(reply.get("backend", "")), who, pick_lang(lang, accept_language))

    @router.post(f"{API}/{{entity_id}}", response_model=HomeSetResponse, responses=ERRORS)
    async def set_home(
        who: Who,
        entity_id: EntityId,
        body: HomeSetRequest,
        lang: Lang = None,
        accept_language: Annotated[str | None, Header(max_length=256)] = None,
    ) -> HomeSetResponse:
        """Change one device (or activate a scene); answers once the home reported the new state."""
        refusal = home_refusal(who, entity_id)
        if refusal:
            raise BrokerError(ErrorCode.PERMISSION_DENIED, "", f"{entity_id}: {refusal}", "home-role")
        source = f"http:{who.principal.subject}"[:32]
        if body.state is not None:
            message: dict[str, Any] = {"op": "set", "entity_id": entity_id, "state": body.state, "source": source}
        else:
            message = {"op": "call", "entity_id": entity_id, "service": body.service, "data": body.data or {}}
            message["source"] = source
        reply = await _ask(home_socket_path(settings), message)
        entity = reply.get("entity")
        out = _device(entity, who, pick_lang(lang, accept_language)) if isinstance(entity, dict) else None
        return HomeSetResponse(entity=out)

    @router.websocket(f"{API}/ws")
    async def home_ws(ws: WebSocket) -> None:
        await _serve_home_socket(ws, settings, auth, registry)

    return router


# -- live: the home's changes pushed to the browser ----------------------------------------------
_open_home_sockets = 0


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)


async def _serve_home_socket(ws: WebSocket, settings: Settings, auth: Authenticator, registry: DeviceRegistry) -> None:
    global _open_home_sockets
    await ws.accept()
    if not origin_ok(ws):
        await ws.close(CLOSE_POLICY, "cross-site WebSocket refused")
        return
    if _open_home_sockets >= MAX_HOME_SOCKETS:
        await ws.close(1013, f"the car serves at most {MAX_HOME_SOCKETS} live home connections")
        return
    _open_home_sockets += 1
    try:
        who = await authenticate_socket(ws, auth, registry)
        if who is not None:
            await _LiveHome(ws, settings, auth, who, pick_lang(ws.query_params.get("lang"), None)).run()
    finally:
        _open_home_sockets -= 1


class _LiveHome(SocketSession):
    """One browser's live view: the home app's `watch` stream, reshaped for the caller."""

    encode = staticmethod(_encode)  # home messages keep their lenient encoding (default=str)

    def __init__(self, ws: WebSocket, settings: Settings, auth: Authenticator, who: Caller, lang: str) -> None:
        super().__init__(ws)
        self.path = home_socket_path(settings)
        self.auth = auth
        self.who = who
        self.lang = lang

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        token_id = self.who.principal.token_id

        def on_revoke(revoked: str) -> None:
            if token_id is not None and revoked == token_id:
                loop.call_soon_threadsafe(self.close_soon, CLOSE_UNAUTHENTICATED, "the credential was revoked")

        self.auth.on_revoke(on_revoke)
        expiry = None
        if self.who.principal.expires_at is not None:
            delay = max(0.0, self.who.principal.expires_at - time.time())
            expiry = loop.call_later(delay, self.close_soon, CLOSE_UNAUTHENTICATED, "the credential expired")
        await self.send({"type": "hello", "subject": self.who.principal.subject, "role": self.who.role})
        tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._follow())]
        waiters: set[asyncio.Future[Any]] = {*tasks, self.closing}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if self.closing.done():
                code, reason = self.closing.result()
                with contextlib.suppress(Exception):
                    await self.ws.close(code, reason)
        finally:
            self.auth.remove_listener(on_revoke)
            if expiry is not None:
                expiry.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _read(self) -> None:
        """The browser only pings; anything else is answered with an error, and a flood ends it."""
        errors = 0
        while True:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                break
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
            if len(raw) > MAX_FRAME:
                self.close_soon(CLOSE_TOO_BIG, f"messages are limited to {MAX_FRAME} bytes")
                return
            try:
                msg = json.loads(raw)
            except ValueError:
                msg = None
            if isinstance(msg, dict) and msg.get("type") == "ping":
                await self.send({"type": "pong", "time": time.time()})
                continue
            errors += 1
            await self.send({"type": "error", "error": {"code": "INVALID_ARGUMENT", "message": "only ping is taken"}})
            if errors >= MAX_ERRORS:
                self.close_soon(CLOSE_POLICY, "too many malformed messages")
                return
        self.close_soon(1000, "")

    async def _follow(self) -> None:
        """Follow the home app; while it is not running, say so and look again every second."""
        connected: bool | None = None
        while True:
            try:
                async with HomeServiceClient(self.path, timeout=REQUEST_TIMEOUT) as home:
                    first = await home.request({"op": "watch"})
                    shaped = shape_home(first.get("home") or {}, "", self.who, self.lang)
                    await self.send({"type": "home", "connected": True, "home": shaped.model_dump()})
                    connected = True
                    while True:
                        await self._forward(await home.next_event())
            except (HomeServiceError, OSError, ValueError, TimeoutError) as err:
                if connected is not False:
                    detail = NOT_CONNECTED if isinstance(err, HomeServiceError | OSError) else str(err)
                    await self.send({"type": "home", "connected": False, "message": detail})
                    connected = False
            await asyncio.sleep(RETRY_SECONDS)

    async def _forward(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "state" and isinstance(event.get("entity"), dict):
            device = _device(event["entity"], self.who, self.lang)
            await self.send({"type": "state", "device": device.model_dump()})
        elif kind == "removed":
            await self.send({"type": "removed", "entity_id": str(event.get("entity_id", ""))})
        elif kind in ("online", "offline"):
            await self.send({"type": "online", "online": kind == "online"})
        elif kind == "problem":
            await self.send({"type": "problem", "key": str(event.get("key", "")), "values": event.get("values") or {}})
