"""The home app: one back end, the car's MQTT presence, automations and a small service API.

Flow: `run_home_app(client, settings)` → the back end keeps `HomeState` live (reconnecting on
its own) → commands from the cockpit, the CLI, the assistant or automations go through
`HomeApp.command`: checked, sent with a time-out, or held while the home is offline and
dropped when too old to be safe (a garage door after a few seconds) → the person is told
through `Vehicle.Cabin.Infotainment.HMI.Notification` in three languages. Nothing here waits
on the home inside the car's own paths; every network call runs in its own task.

    app = HomeApp(client, HomeSettings())
    await app.run(stop_event)                        # until stop_event is set
    await app.command(parse_state("light.porch", "on"))
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renkei.apps.home.automations import (
    MAX_FILE_BYTES,
    AutomationEngine,
    AutomationFileError,
    AutomationsConfig,
    default_automations_text,
    load_automations,
    parse_automations,
)
from renkei.apps.home.backends import HomeBackend, make_backend
from renkei.apps.home.entities import Entity, HomeCommand, HomeError, HomeState
from renkei.apps.home.messages import all_languages
from renkei.apps.home.settings import HomeSettings
from renkei.client import BrokerError, VehicleClient

if TYPE_CHECKING:
    from renkei.apps.home.assistant_link import AssistantHomeLink
    from renkei.apps.home.car_bridge import CarMqttBridge
    from renkei.apps.home.mqtt_link import MqttLink

log = logging.getLogger(__name__)

NOTIFICATION = "Vehicle.Cabin.Infotainment.HMI.Notification"
_ids = itertools.count(1)


@dataclass
class _Waiting:
    command: HomeCommand
    future: asyncio.Future[Entity | None]


class HomeApp:
    def __init__(self, client: VehicleClient, settings: HomeSettings, *, backend: HomeBackend | None = None) -> None:
        self.client = client
        self.settings = settings
        self.state = HomeState()
        self.mqtt: MqttLink | None = None
        self.bridge: CarMqttBridge | None = None
        if settings.mqtt_enabled:
            from renkei.apps.home.mqtt_link import MqttLink

            self.mqtt = MqttLink(
                settings.mqtt,
                client_id=f"renkei-home-{settings.mqtt.vehicle_id or 'car'}-{id(self) % 100000}",
                reconnect_min=settings.reconnect_min,
                reconnect_max=settings.reconnect_max,
            )
        self.backend = backend or make_backend(settings, self.state, self.mqtt)
        self.automations: AutomationEngine | None = None
        self.automations_problems: list[str] = []
        self.voice: AssistantHomeLink | None = None
        self.notifications: list[dict[str, Any]] = []  # recent, newest last (the cockpit can show them)
        self._waiting: list[_Waiting] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._told_offline = False
        self.last_error = ""

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self.mqtt is not None:
            from renkei.apps.home.car_bridge import CarMqttBridge

            bridge = CarMqttBridge(self.client, self.mqtt, self.settings.mqtt, notify=self.notify)
            await bridge.start()
            self.bridge = bridge
            self.mqtt.will = (bridge.availability_topic, "offline")
            self._tasks.append(asyncio.create_task(self.mqtt.run(), name="home-mqtt"))
        self._tasks.append(asyncio.create_task(self._run_backend(), name="home-backend"))
        self._tasks.append(asyncio.create_task(self._follow_home(), name="home-follow"))
        if self.settings.automations_enabled:
            await self._start_automations()
        if self.settings.voice_enabled:
            from renkei.apps.home.assistant_link import AssistantHomeLink

            self.voice = AssistantHomeLink(self.client, self)
            await self.voice.start()
        if self.settings.service_socket is not None:
            from renkei.apps.home.service import serve_home

            listening = asyncio.Event()
            server = asyncio.create_task(serve_home(self, self.settings.service_socket, listening), name="home-service")
            self._tasks.append(server)
            # Callers may use the socket as soon as start() returns; a failure to listen is logged, not fatal.
            waiter = asyncio.ensure_future(listening.wait())
            done, _ = await asyncio.wait({server, waiter}, timeout=5.0, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if server in done and server.exception() is not None:
                log.error("home service socket %s: %s", self.settings.service_socket, server.exception())

    # -- automations ---------------------------------------------------------------------------
    def automations_path(self) -> Path | None:
        """The file automations come from; None means the shipped defaults."""
        if self.settings.automations_file is not None:
            return self.settings.automations_file
        saved = self.settings.automations_saved
        return saved if saved is not None and saved.is_file() else None

    async def _start_automations(self, config: AutomationsConfig | None = None) -> None:
        if config is None:
            path = self.automations_path()
            try:
                config = await asyncio.to_thread(load_automations, path)
            except AutomationFileError as err:
                # A broken file must not take the home down: run without automations and say why.
                log.error("automations not started:\n%s", err)
                self.automations_problems = err.problems
                await self.notify("home.automations_invalid", "alert", file=str(path), problem=err.problems[0])
                return
        self.automations_problems = []
        self.automations = AutomationEngine(
            self.client, self, config, tick=self.settings.tick, runs_log=self.settings.runs_log
        )
        await self.automations.start()

    def automations_text(self) -> dict[str, Any]:
        path = self.automations_path()
        text = default_automations_text() if path is None else path.read_text(encoding="utf-8")
        return {"path": str(path) if path else None, "shipped": path is None, "text": text}

    async def save_automations(self, text: str) -> AutomationsConfig:
        """Validate edited automations, save them atomically and run them (AutomationFileError if wrong)."""
        target = self.settings.automations_file or self.settings.automations_saved
        if target is None:
            raise HomeError("unsupported", "there is no file to save automations to (automations_saved is unset)")
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise HomeError("bad-state", f"automations are limited to {MAX_FILE_BYTES} bytes")
        config = parse_automations(text, str(target))
        await asyncio.to_thread(_write_atomically, target, text)
        if self.automations is not None:
            await self.automations.stop()
            self.automations = None
        if self.settings.automations_enabled:
            await self._start_automations(config)
        return config

    async def stop(self) -> None:
        if self.voice is not None:
            await self.voice.stop()
        if self.automations is not None:
            await self.automations.stop()
        if self.bridge is not None:
            await self.bridge.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for waiting in self._waiting:
            if not waiting.future.done():
                waiting.future.set_exception(HomeError("offline", "the home app stopped"))
        self._waiting.clear()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        try:
            await self.start()
            await (stop.wait() if stop is not None else asyncio.Event().wait())
        finally:
            await self.stop()  # also after a failed start: nothing is left running

    async def _run_backend(self) -> None:
        # A back end reconnects on its own; this guards against a bug ending it for good.
        delay = self.settings.reconnect_min
        while True:
            try:
                await self.backend.run()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.exception("home back end %s failed", self.backend.name)
                self.state.set_online(False)
                self.last_error = str(err)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.settings.reconnect_max)

    async def _follow_home(self) -> None:
        queue = self.state.watch()
        try:
            while True:
                event = await queue.get()
                kind = event["event"]
                if kind == "offline" and not self._told_offline:
                    self._told_offline = True
                    await self.notify("home.offline", "warning", backend=self.backend.name)
                elif kind == "problem":
                    await self.notify(str(event["key"]), "alert", **event.get("values", {}))
                elif kind == "online":
                    if self._told_offline:
                        self._told_offline = False
                        await self.notify("home.online", "info", backend=self.backend.name)
                    await self._flush_waiting()
        finally:
            self.state.unwatch(queue)

    # -- commands ----------------------------------------------------------------------------
    def max_age(self, command: HomeCommand) -> float:
        return self.settings.unsafe_command_max_age if command.unsafe else self.settings.command_max_age

    async def command(self, command: HomeCommand, *, wait: bool = True) -> Entity | None:
        """Carry out a command now, or hold it while the home is offline (never past its max age).

        Returns the entity as the home reports it afterwards (None if not known yet).
        Raises HomeError naming what went wrong: unknown-entity, stale, offline, failed.
        """
        if self.state.online and self.state.entities and command.entity_id not in self.state.entities:
            raise HomeError("unknown-entity", f"{command.entity_id}: no such device in the home ({self.backend.name})")
        if not self.state.online:
            future: asyncio.Future[Entity | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(_Waiting(command, future))
            # Give up on it once it is too old, even if the home never comes back.
            remaining = max(0.0, self.max_age(command) - self.age(command))
            asyncio.get_running_loop().call_later(remaining, self._expire, command)
            if not wait:
                return None
            return await future
        return await self._send(command)

    def _expire(self, command: HomeCommand) -> None:
        for waiting in list(self._waiting):
            if waiting.command is command:
                self._waiting.remove(waiting)
                err = self._stale_error(command)
                if not waiting.future.done():
                    waiting.future.set_exception(err)
                self._spawn(self.notify("home.dropped", "warning", command=command.describe(), age=self.age(command)))

    def age(self, command: HomeCommand) -> float:
        return max(0.0, time.time() - command.issued_at)

    def _stale_error(self, command: HomeCommand) -> HomeError:
        return HomeError(
            "stale",
            f"{command.describe()}: dropped after {self.age(command):.1f} s (limit {self.max_age(command):.0f} s)",
        )

    async def _send(self, command: HomeCommand) -> Entity | None:
        if self.age(command) > self.max_age(command):
            await self.notify("home.dropped", "warning", command=command.describe(), age=self.age(command))
            raise self._stale_error(command)
        try:
            await asyncio.wait_for(self.backend.execute(command), timeout=self.settings.command_timeout)
        except TimeoutError:
            raise HomeError(
                "failed", f"{command.describe()}: the home did not answer in {self.settings.command_timeout:.0f} s"
            ) from None
        return self.state.entities.get(command.entity_id)

    async def _flush_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for item in waiting:
            if item.future.done():
                continue
            try:
                item.future.set_result(await self._send(item.command))
            except HomeError as err:
                item.future.set_exception(err)
            except Exception as err:
                item.future.set_exception(HomeError("failed", f"{item.command.describe()}: {err}"))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        task.add_done_callback(lambda t: self._tasks.remove(t) if t in self._tasks else None)

    # -- telling the person -----------------------------------------------------------------
    async def notify(self, key: str, level: str = "info", **values: Any) -> None:
        """Post a notification for the person in en, zh-CN and ja. Never raises."""
        await self.notify_texts(all_languages("home.title"), all_languages(key, **values), level)

    async def notify_texts(self, title: dict[str, str], body: dict[str, str], level: str = "info") -> None:
        note = {
            "id": f"home-{int(time.time())}-{next(_ids)}",
            "source": "home",
            "level": level,
            "title": title,
            "body": body,
        }
        self.notifications = [*self.notifications[-49:], note]
        try:
            await self.client.publish({NOTIFICATION: json.dumps(note, ensure_ascii=False)})
        except BrokerError as err:
            log.warning("cannot post notification %s: %s", body.get("en", "")[:80], err)
        except Exception:
            log.exception("cannot post notification %s", body.get("en", "")[:80])


async def run_home_app(client: VehicleClient, settings: HomeSettings, *, stop: asyncio.Event | None = None) -> None:
    """The entry point `renkei run` calls: the home app until `stop` is set (or cancelled)."""
    app = HomeApp(client, settings)
    await app.run(stop)


def _write_atomically(path: Path, text: str) -> None:
    # A crash mid-write must never leave a half-written file: write aside, then rename.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
