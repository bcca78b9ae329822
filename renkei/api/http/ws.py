"""The live WebSocket face of the broker: subscribe, get and actuate over one socket.

Flow: connect to `/api/v1/ws` (token in the Authorization header, the session
cookie, or a first `{"type": "auth", "token": ...}` message) → `hello` → the client
sends JSON messages, each answered by `result` or `error` carrying its `id`;
every subscription streams `update` messages (values as `[value, ts]`, with the
broker's drop count). Revoking the token closes the socket within a second
(close code 4401), and so does its expiry.

    → {"type": "subscribe", "id": "s1", "paths": ["Vehicle.Speed"], "interval_ms": 100}
    ← {"type": "update", "id": "s1", "values": {"Vehicle.Speed": [42.0, 1763700000.1]}, "dropped": 0}
    → {"type": "actuate", "id": "a1", "values": {"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 21.5}}
    ← {"type": "result", "id": "a1", "ok": true}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from renkei.api.http.policy import Caller, check_actuation, resolve_caller
from renkei.apps.devices import DeviceRegistry
from renkei.broker import Authenticator, Broker, BrokerError, Datapoint, ErrorCode, Field, Subscription
from renkei.hmi import HmiService

log = logging.getLogger(__name__)

MAX_FRAME = 64 * 1024  # bytes of one client message
MAX_SUBSCRIPTIONS = 64
MAX_PATTERNS = 1024
MAX_ERRORS = 20  # malformed messages before the server gives up on a client
MAX_SOCKETS = 1000  # open sockets per server; more are refused with 1013 (try again later)
CLOSE_TRY_LATER = 1013
AUTH_TIMEOUT = 5.0
ACTUATE_TIMEOUT = 5.0
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_BIG = 1009
CLOSE_POLICY = 1008
SESSION_COOKIE = "renkei_session"


def error_body(err: BrokerError) -> dict[str, str]:
    return {"code": err.code.value, "path": err.path, "message": err.message, "rule": err.rule}


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class SocketSession:
    """What every live socket of the face shares: one writer at a time, and a close requested from anywhere."""

    encode = staticmethod(_encode)  # a session whose messages carry other types brings its own

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.send_lock = asyncio.Lock()
        self.closing: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    def close_soon(self, code: int, reason: str) -> None:
        if not self.closing.done():
            self.closing.set_result((code, reason))

    async def send(self, message: dict[str, Any]) -> None:
        async with self.send_lock:
            if self.ws.application_state is WebSocketState.CONNECTED:
                await self.ws.send_text(self.encode(message))


class Connection(SocketSession):
    """One client socket: its caller, its subscriptions and the tasks that feed them."""

    def __init__(self, ws: WebSocket, broker: Broker, hmi: HmiService, caller: Caller) -> None:
        super().__init__(ws)
        self.broker = broker
        self.hmi = hmi
        self.caller = caller
        self.subs: dict[str, tuple[Subscription, asyncio.Task[None]]] = {}
        self.errors = 0

    async def fail(self, msg_id: Any, err: BrokerError) -> None:
        await self.send({"type": "error", "id": msg_id, "error": error_body(err)})

    async def pump(self, sub_id: str, sub: Subscription) -> None:
        carried: dict[str, Datapoint] | None = None
        try:
            while True:
                if carried is None:
                    try:
                        batch = dict(await anext(sub))
                    except StopAsyncIteration:
                        return
                else:
                    batch, carried = carried, None
                # A client that fell behind gets what queued up in one message, as long
                # as no path repeats (every value is still delivered, in order).
                while (more := sub.get_nowait()) is not None:
                    if more.keys() & batch.keys():
                        carried = dict(more)
                        break
                    batch.update(more)
                values = {p: None if dp is None else [dp.value, dp.timestamp] for p, dp in batch.items()}
                await self.send({"type": "update", "id": sub_id, "values": values, "dropped": sub.dropped})
        except BrokerError as err:
            await self.fail(sub_id, err)
        except (WebSocketDisconnect, RuntimeError):
            pass

    async def handle(self, raw: str) -> None:
        try:
            msg = json.loads(raw)
        except json.JSONDecodeError as err:
            raise BrokerError.invalid("", f"the message is not JSON ({err.msg} at {err.pos})", "json") from None
        if not isinstance(msg, dict):
            raise BrokerError.invalid("", "a message must be a JSON object with a 'type'", "message")
        kind, msg_id = msg.get("type"), msg.get("id")
        if not isinstance(msg_id, str | int | None) or (isinstance(msg_id, str) and len(msg_id) > 64):
            raise BrokerError.invalid("", "'id' must be a string of at most 64 characters or a number", "id")
        try:
            if kind == "subscribe":
                await self.subscribe(msg)
            elif kind == "unsubscribe":
                entry = self.subs.pop(str(msg_id), None)
                if entry is None:
                    raise BrokerError.invalid("", f"no subscription {msg_id!r}", "subscription")
                entry[0].close()
                entry[1].cancel()
                await self.send({"type": "result", "id": msg_id, "ok": True})
            elif kind == "get":
                paths = self._paths(msg)
                got = self.broker.get(paths, principal=self.caller.principal)
                out = {p: None if dp is None else [dp.value, dp.timestamp] for p, dp in got.items()}
                await self.send({"type": "result", "id": msg_id, "ok": True, "values": out})
            elif kind == "actuate":
                values: Any = msg.get("values")
                if not isinstance(values, dict) or not values or len(values) > 256:
                    raise BrokerError.invalid("", "'values' must be an object of 1 to 256 path: value pairs", "values")
                check_actuation(self.caller, self.broker, values)
                try:
                    await asyncio.wait_for(
                        self.broker.actuate(values, principal=self.caller.principal), ACTUATE_TIMEOUT
                    )
                except TimeoutError:
                    raise BrokerError(
                        ErrorCode.UNAVAILABLE, "", "the vehicle did not answer in time", "timeout"
                    ) from None
                await self.send({"type": "result", "id": msg_id, "ok": True})
            elif kind == "hmi":
                settings: Any = msg.get("values")
                if not isinstance(settings, dict) or not settings:
                    raise BrokerError.invalid("", "'values' must be an object of display settings", "values")
                check_actuation(self.caller, self.broker, settings)
                await self.hmi.apply(settings, self.caller.principal)
                await self.send({"type": "result", "id": msg_id, "ok": True})
            elif kind == "ping":
                await self.send({"type": "pong", "id": msg_id, "time": time.time()})
            else:
                raise BrokerError.invalid(
                    "",
                    f"unknown message type {str(kind)[:40]!r} (subscribe, unsubscribe, get, actuate, hmi, ping)",
                    "type",
                )
        except BrokerError as err:
            await self.fail(msg_id, err)

    def _paths(self, msg: dict[str, Any]) -> list[str]:
        paths = msg.get("paths")
        if (
            not isinstance(paths, list)
            or not paths
            or len(paths) > MAX_PATTERNS
            or not all(isinstance(p, str) and 0 < len(p) <= 512 for p in paths)
        ):
            raise BrokerError.invalid(
                "", f"'paths' must be a list of 1 to {MAX_PATTERNS} VSS paths or patterns (text)", "paths"
            )
        return paths

    async def subscribe(self, msg: dict[str, Any]) -> None:
        sub_id = str(msg.get("id") or f"s{len(self.subs) + 1}")
        if sub_id in self.subs:
            raise BrokerError(ErrorCode.ALREADY_EXISTS, "", f"subscription {sub_id!r} already exists", "subscription")
        if len(self.subs) >= MAX_SUBSCRIPTIONS:
            raise BrokerError(
                ErrorCode.RESOURCE_EXHAUSTED,
                "",
                f"at most {MAX_SUBSCRIPTIONS} subscriptions per socket",
                "subscriptions",
            )
        interval = msg.get("interval_ms", 0)
        queue = msg.get("queue", 64)
        field_name = msg.get("field", "current")
        if not isinstance(interval, int | float) or isinstance(interval, bool) or not 0 <= interval <= 60_000:
            raise BrokerError.invalid("", "'interval_ms' must be a number from 0 to 60000", "interval")
        if not isinstance(queue, int) or isinstance(queue, bool) or not 1 <= queue <= 1024:
            raise BrokerError.invalid("", "'queue' must be an integer from 1 to 1024", "queue")
        if field_name not in ("current", "target"):
            raise BrokerError.invalid("", "'field' must be 'current' or 'target'", "field")
        patterns = self._paths(msg)
        skipped: list[str] = []
        if msg.get("skip_missing") is True:
            # Screens ask for everything they can show; a car without a signal, or a
            # role without the right, simply shows less.
            kept = []
            for pattern in patterns:
                try:
                    self.broker.resolve(pattern, self.caller.principal)
                    kept.append(pattern)
                except BrokerError as err:
                    if err.code not in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED):
                        raise
                    skipped.append(pattern)
            if not kept:
                raise BrokerError(ErrorCode.NOT_FOUND, "", "none of the paths can be followed by this caller", "empty")
            patterns = kept
        sub = self.broker.subscribe(
            patterns,
            field=Field(field_name),
            principal=self.caller.principal,
            queue_size=queue,
            min_interval=interval / 1000.0,
            name=f"ws:{self.caller.principal.subject}:{sub_id}",
        )
        await self.send(
            {
                "type": "result",
                "id": msg.get("id"),
                "ok": True,
                "subscription": sub_id,
                "paths": list(sub.paths),
                "skipped": skipped,
            }
        )
        self.subs[sub_id] = (sub, asyncio.create_task(self.pump(sub_id, sub)))

    def close_all(self) -> None:
        for sub, task in self.subs.values():
            sub.close()
            task.cancel()
        self.subs.clear()


def origin_ok(ws: WebSocket) -> bool:
    """Browsers send Origin; a page from another site must not ride on our cookie."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    host = ws.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


_open_sockets = 0


async def serve_socket(
    ws: WebSocket, broker: Broker, auth: Authenticator, registry: DeviceRegistry, hmi: HmiService
) -> None:
    global _open_sockets
    await ws.accept()
    if not origin_ok(ws):
        await ws.close(CLOSE_POLICY, "cross-site WebSocket refused")
        return
    if _open_sockets >= MAX_SOCKETS:
        await ws.close(CLOSE_TRY_LATER, f"the car serves at most {MAX_SOCKETS} live connections")
        return
    _open_sockets += 1
    try:
        await _serve_socket(ws, broker, auth, registry, hmi)
    finally:
        _open_sockets -= 1


async def authenticate_socket(ws: WebSocket, auth: Authenticator, registry: DeviceRegistry) -> Caller | None:
    """The caller behind an accepted socket: a bearer header, the session cookie, or a
    first `{"type": "auth", "token": ...}` message. On failure the client is told why,
    the socket is closed with 4401 and None is returned."""
    header = ws.headers.get("authorization")
    token = header[7:].strip() if header and header.lower().startswith("bearer ") else ws.cookies.get(SESSION_COOKIE)
    try:
        if token is None and not auth.insecure:
            first = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT)
            if len(first) > MAX_FRAME:
                raise BrokerError(
                    ErrorCode.UNAUTHENTICATED, "", "the first message must be a small auth message", "auth"
                )
            msg = json.loads(first)
            if not isinstance(msg, dict) or msg.get("type") != "auth" or not isinstance(msg.get("token"), str):
                raise BrokerError(ErrorCode.UNAUTHENTICATED, "", 'send {"type": "auth", "token": ...} first', "auth")
            token = msg["token"]
        return resolve_caller(auth, registry, token)
    except (TimeoutError, ValueError, KeyError, WebSocketDisconnect, BrokerError) as err:
        message = err.message if isinstance(err, BrokerError) else "authentication failed or timed out"
        with contextlib.suppress(Exception):
            await ws.send_text(
                _encode(
                    {
                        "type": "error",
                        "id": None,
                        "error": {"code": "UNAUTHENTICATED", "path": "", "message": message, "rule": "token"},
                    }
                )
            )
            await ws.close(CLOSE_UNAUTHENTICATED, message[:120])
        return None


async def _serve_socket(
    ws: WebSocket, broker: Broker, auth: Authenticator, registry: DeviceRegistry, hmi: HmiService
) -> None:
    caller = await authenticate_socket(ws, auth, registry)
    if caller is None:
        return
    conn = Connection(ws, broker, hmi, caller)
    loop = asyncio.get_running_loop()
    token_id = caller.principal.token_id

    def on_revoke(revoked: str) -> None:
        if token_id is not None and revoked == token_id:
            loop.call_soon_threadsafe(conn.close_soon, CLOSE_UNAUTHENTICATED, "the credential was revoked")

    auth.on_revoke(on_revoke)
    expiry: asyncio.TimerHandle | None = None
    if caller.principal.expires_at is not None:
        expiry = loop.call_later(
            max(0.0, caller.principal.expires_at - time.time()),
            conn.close_soon,
            CLOSE_UNAUTHENTICATED,
            "the credential expired",
        )
    reader: asyncio.Task[None] = asyncio.create_task(_read_loop(conn))
    try:
        await conn.send(
            {
                "type": "hello",
                "subject": caller.principal.subject,
                "role": caller.role,
                "device": caller.device.id if caller.device else None,
                "expires_at": caller.principal.expires_at,
                "max_frame": MAX_FRAME,
            }
        )
        waiters: set[asyncio.Future[Any]] = {reader, conn.closing}
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if conn.closing in done:
            code, reason = conn.closing.result()
            reader.cancel()
            with contextlib.suppress(Exception):
                await conn.send({"type": "closing", "code": code, "reason": reason})
                await ws.close(code, reason)
    finally:
        auth.remove_listener(on_revoke)
        if expiry is not None:
            expiry.cancel()
        reader.cancel()
        conn.close_all()


async def _read_loop(conn: Connection) -> None:
    ws = conn.ws
    while True:
        try:
            message = await ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            conn.close_soon(1000, "")
            return
        if message["type"] == "websocket.disconnect":
            conn.close_soon(1000, "")
            return
        raw = message.get("text")
        if raw is None:
            data = message.get("bytes") or b""
            if len(data) > MAX_FRAME:
                conn.close_soon(CLOSE_TOO_BIG, f"messages are limited to {MAX_FRAME} bytes")
                return
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError:
                raw = "\x00not utf-8"
        if len(raw) > MAX_FRAME:
            conn.close_soon(CLOSE_TOO_BIG, f"messages are limited to {MAX_FRAME} bytes")
            return
        try:
            await conn.handle(raw)
        except BrokerError as err:
            conn.errors += 1
            await conn.fail(None, err)
            if conn.errors >= MAX_ERRORS:
                conn.close_soon(CLOSE_POLICY, "too many malformed messages")
                return
        except Exception as err:  # a bug must not take other sockets down
            log.exception("websocket message failed")
            await conn.fail(
                None, BrokerError(ErrorCode.UNAVAILABLE, "", f"internal error: {type(err).__name__}", "internal")
            )
