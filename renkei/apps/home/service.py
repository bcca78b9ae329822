"""The home app's service API: JSON lines over a Unix socket in the platform's data directory.

This is how `renkei home ls/set`, the cockpit's Home panel and the assistant reach the running
home app without importing it or the broker. The socket is made 0600 in the user's data
directory, so only the user who runs the platform can use it (the same trust as the CLI's
token file beside it).

Requests, one JSON object per line; each answer is one line `{"ok": true, ...}` or
`{"ok": false, "code": "...", "error": "..."}`:

    {"op": "ls"}                                              → {"home": {online, areas, entities}}
    {"op": "set", "entity_id": "light.porch", "state": "on"}  → {"entity": {...}}
    {"op": "call", "entity_id": "climate.home", "service": "set_temperature", "data": {"temperature": 21}}
    {"op": "automations"} / {"op": "runs"}                    → the automations and their recent runs
    {"op": "automations_file"}                                → {"path", "shipped", "text"} (YAML to edit)
    {"op": "automations_save", "text": "..."}                 → validated, saved atomically, running
    {"op": "watch"}                                           → then one line per home event, until closed

    async with HomeServiceClient(path) as home:
        print(await home.ls())
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renkei.apps.home.automations import AutomationFileError
from renkei.apps.home.entities import HomeError, check_entity_id, make_command, parse_state

if TYPE_CHECKING:
    from renkei.apps.home.app import HomeApp

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024
SETTLE_SECONDS = 3.0  # how long `set` waits for the home to report the new state


async def serve_home(app: HomeApp, path: Path, ready: asyncio.Event | None = None) -> None:
    """Serve until cancelled (`ready` is set once listening); the socket file is removed afterwards."""
    await asyncio.to_thread(_prepare_socket_path, path)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _session(app, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    old_umask = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(handle, path=str(path), limit=MAX_LINE)
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    if ready is not None:
        ready.set()
    try:
        async with server:
            await server.serve_forever()
    finally:
        _remove(path)


def _prepare_socket_path(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def _session(app: HomeApp, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # longer than the stream limit
            await _send(
                writer, {"ok": False, "code": "too-large", "error": f"a request is limited to {MAX_LINE} bytes"}
            )
            return
        if not line:
            return
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request is a JSON object")
        except ValueError as err:
            await _send(writer, {"ok": False, "code": "bad-request", "error": f"malformed request: {err}"})
            continue
        if request.get("op") == "watch":
            await _watch(app, writer)
            return
        await _send(writer, await answer(app, request))


async def answer(app: HomeApp, request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    try:
        if op == "ls":
            return {"ok": True, "home": app.state.snapshot(), "backend": app.backend.name}
        if op in ("set", "call"):
            entity_id, source = request.get("entity_id"), str(request.get("source", "cli"))[:32]
            check_entity_id(entity_id)
            assert isinstance(entity_id, str)
            if op == "set":
                state = request.get("state")
                if not isinstance(state, str):
                    raise HomeError("bad-state", f"{entity_id}: the state must be text such as on, off or 21.5")
                command = parse_state(entity_id, state, source=source)
            else:
                data = request.get("data") or {}
                if not isinstance(data, dict):
                    raise HomeError("bad-state", "data must be a JSON object")
                command = make_command(entity_id, str(request.get("service", "")), data, source=source)
            entity = await _settled(app, command)
            return {"ok": True, "entity": entity.as_dict() if entity else None}
        if op == "automations":
            engine = app.automations
            described = engine.describe() if engine else []
            return {"ok": True, "automations": described, "problems": app.automations_problems}
        if op == "runs":
            engine = app.automations
            return {"ok": True, "runs": engine.recent_runs() if engine else []}
        if op == "automations_file":
            return {"ok": True, **await asyncio.to_thread(app.automations_text)}
        if op == "automations_save":
            text = request.get("text")
            if not isinstance(text, str):
                return {"ok": False, "code": "bad-request", "error": "give the automations YAML as text"}
            try:
                config = await app.save_automations(text)
            except AutomationFileError as err:
                return {"ok": False, "code": "invalid", "error": str(err), "problems": err.problems}
            return {"ok": True, "count": len(config.automations)}
        if op == "notifications":
            return {"ok": True, "notifications": app.notifications}
        return {
            "ok": False,
            "code": "bad-request",
            "error": f"unknown op {str(op)[:40]!r} (ls, set, call, automations, runs, watch)",
        }
    except HomeError as err:
        return {"ok": False, "code": err.code, "error": str(err)}
    except Exception as err:
        log.exception("home service request failed")
        return {"ok": False, "code": "failed", "error": str(err)}


async def _settled(app: HomeApp, command: Any) -> Any:
    """Send the command, then wait briefly for the home to report the entity's new state."""
    queue = app.state.watch()
    try:
        before = app.state.entities.get(command.entity_id)
        entity = await app.command(command)
        if entity is not None and before is not None and entity.as_dict() != before.as_dict():
            return entity
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_SECONDS):
                while True:
                    event = await queue.get()
                    if event.get("event") == "state" and event["entity"]["entity_id"] == command.entity_id:
                        break
        return app.state.entities.get(command.entity_id)
    finally:
        app.state.unwatch(queue)


async def _watch(app: HomeApp, writer: asyncio.StreamWriter) -> None:
    queue = app.state.watch()
    try:
        await _send(writer, {"ok": True, "home": app.state.snapshot()})
        while True:
            await _send(writer, await queue.get())
    finally:
        app.state.unwatch(queue)


async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
    await writer.drain()


class HomeServiceError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class HomeServiceClient:
    """Talks to a running home app (CLI, cockpit, assistant)."""

    def __init__(self, path: Path, *, timeout: float = 15.0) -> None:
        self.path = path
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> HomeServiceClient:
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(str(self.path), limit=16 * MAX_LINE)
        except OSError as err:
            raise HomeServiceError("not-running", f"no home app at {self.path}: {err.strerror or err}") from None
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self._reader is not None and self._writer is not None, "use `async with HomeServiceClient(...)`"
        self._writer.write(json.dumps(message).encode() + b"\n")
        await self._writer.drain()
        async with asyncio.timeout(None if self.timeout == float("inf") else self.timeout):
            line = await self._reader.readline()
        if not line:
            raise HomeServiceError("closed", "the home app closed the connection")
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            raise HomeServiceError(str(reply.get("code", "failed")), str(reply.get("error", "request failed")))
        return reply

    async def next_event(self) -> dict[str, Any]:
        """After `request({"op": "watch"})`: the next home event (state, removed, online, offline, problem)."""
        assert self._reader is not None, "use `async with HomeServiceClient(...)`"
        line = await self._reader.readline()
        if not line:
            raise HomeServiceError("closed", "the home app closed the connection")
        event: dict[str, Any] = json.loads(line)
        return event

    async def ls(self) -> dict[str, Any]:
        reply = await self.request({"op": "ls"})
        home: dict[str, Any] = reply["home"]
        return home

    async def set(self, entity_id: str, state: str) -> dict[str, Any] | None:
        reply = await self.request({"op": "set", "entity_id": entity_id, "state": state})
        entity: dict[str, Any] | None = reply.get("entity")
        return entity

    async def call(self, entity_id: str, service: str, data: dict[str, Any] | None = None) -> dict[str, Any] | None:
        reply = await self.request({"op": "call", "entity_id": entity_id, "service": service, "data": data or {}})
        entity: dict[str, Any] | None = reply.get("entity")
        return entity
