"""One MQTT connection for the home app, kept alive with back-off.

Parts of the app register routes (a topic filter and a quick synchronous handler) and
on-connect hooks (republish discovery, resubscribe); the link subscribes every route again
after each reconnect. A handler that raises is logged and never ends the connection; payloads
over a route's size limit are counted and dropped before any parsing.

    link = MqttLink(settings.mqtt, client_id="renkei-home", will=("renkei/car/availability", "offline"))
    link.route("renkei/car/cmd/+", on_command, max_payload=4096)
    link.on_connect(publish_discovery)
    asyncio.create_task(link.run())
    await link.publish("renkei/car/state", '{"soc": 80}', retain=True)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiomqtt

from renkei.apps.home.settings import MqttSettings

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes, bool], None]  # topic, payload, retained
ConnectHook = Callable[[], Awaitable[None]]


class MqttOffline(Exception):
    """The MQTT broker is not reachable right now."""


@dataclass
class _Route:
    topic_filter: str
    handler: Handler
    max_payload: int


class MqttLink:
    def __init__(
        self,
        settings: MqttSettings,
        *,
        client_id: str,
        will: tuple[str, str] | None = None,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
    ) -> None:
        self.settings = settings
        self.client_id = client_id
        self.will = will
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self._routes: list[_Route] = []
        self._hooks: list[ConnectHook] = []
        self._client: aiomqtt.Client | None = None
        self._online = False
        self._state_listeners: list[Callable[[bool], None]] = []
        self.connected = asyncio.Event()
        self.connects = 0
        self.oversized = 0
        self.handler_errors = 0
        self.last_error = ""
        self.disconnected_at: float | None = None
        self.last_reconnect_seconds: float | None = None  # from losing the link to having it back

    @property
    def online(self) -> bool:
        return self._online

    def route(self, topic_filter: str, handler: Handler, *, max_payload: int | None = None) -> None:
        self._routes.append(_Route(topic_filter, handler, max_payload or self.settings.max_payload))
        if self._client is not None:
            client = self._client
            task = asyncio.get_running_loop().create_task(self._subscribe(client, topic_filter))
            task.add_done_callback(_log_failure)

    def on_connect(self, hook: ConnectHook) -> None:
        self._hooks.append(hook)

    def on_state(self, listener: Callable[[bool], None]) -> None:
        self._state_listeners.append(listener)

    async def publish(self, topic: str, payload: str | bytes, *, retain: bool = False, qos: int = 1) -> None:
        client = self._client
        if client is None:
            raise MqttOffline(f"not connected to MQTT at {self.settings.host}:{self.settings.port}")
        try:
            await client.publish(topic, payload, qos=qos, retain=retain, timeout=5.0)
        except aiomqtt.MqttError as err:
            raise MqttOffline(f"MQTT publish to {topic} failed: {err}") from err

    async def _subscribe(self, client: aiomqtt.Client, topic_filter: str) -> None:
        await client.subscribe(topic_filter, qos=1, timeout=5.0)

    def _set_online(self, client: aiomqtt.Client | None) -> None:
        was = self._online
        self._client = client
        self._online = client is not None
        if client is None:
            self.connected.clear()
        else:
            self.connected.set()
        if was != self._online:
            for listener in list(self._state_listeners):
                try:
                    listener(client is not None)
                except Exception:
                    log.exception("MQTT state listener failed")

    def _tls(self) -> ssl.SSLContext | None:
        if not self.settings.tls:
            return None
        cafile = str(self.settings.ca_file) if self.settings.ca_file else None
        return ssl.create_default_context(cafile=cafile)

    async def run(self) -> None:
        """Connect, serve routes, reconnect with exponential back-off; returns only when cancelled."""
        delay = self.reconnect_min
        while True:
            will = aiomqtt.Will(self.will[0], self.will[1], qos=1, retain=True) if self.will else None
            try:
                async with aiomqtt.Client(
                    self.settings.host,
                    self.settings.port,
                    username=self.settings.username,
                    password=self.settings.password,
                    identifier=self.client_id,
                    will=will,
                    timeout=5.0,
                    keepalive=15,
                    max_queued_incoming_messages=10_000,
                    max_queued_outgoing_messages=1_000,
                    tls_context=self._tls(),
                ) as client:
                    for route in list(self._routes):
                        await self._subscribe(client, route.topic_filter)
                    self.connects += 1
                    # Publishing works from here; the link counts as online once the hooks have run
                    # (discovery and availability are out before anyone is told "online").
                    self._client = client
                    log.info("MQTT connected to %s:%s", self.settings.host, self.settings.port)
                    delay = self.reconnect_min
                    for hook in list(self._hooks):
                        try:
                            await hook()
                        except MqttOffline:
                            raise
                        except Exception:
                            log.exception("MQTT on-connect hook failed")
                    if self.disconnected_at is not None:
                        self.last_reconnect_seconds = time.monotonic() - self.disconnected_at
                        self.disconnected_at = None
                    self._set_online(client)
                    async for message in client.messages:
                        self._dispatch(str(message.topic), message.payload, bool(message.retain))
            except (aiomqtt.MqttError, MqttOffline, OSError, ssl.SSLError) as err:
                self.last_error = str(err)
                log.warning(
                    "MQTT link to %s:%s lost: %s; retrying in %.1f s",
                    self.settings.host,
                    self.settings.port,
                    err,
                    delay,
                )
            finally:
                if self.disconnected_at is None:
                    self.disconnected_at = time.monotonic()
                self._set_online(None)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.reconnect_max)

    def _dispatch(self, topic: str, payload: object, retained: bool) -> None:
        if isinstance(payload, str):
            data = payload.encode()
        elif isinstance(payload, bytes | bytearray):
            data = bytes(payload)
        elif payload is None:
            data = b""
        else:
            data = str(payload).encode()
        matched = aiomqtt.Topic(topic)
        for route in self._routes:
            if not matched.matches(route.topic_filter):
                continue
            if len(data) > route.max_payload:
                self.oversized += 1
                log.warning("dropped %d-byte MQTT message on %s (limit %d)", len(data), topic[:200], route.max_payload)
                continue
            try:
                route.handler(topic, data, retained)
            except Exception:
                self.handler_errors += 1
                log.exception("MQTT handler for %s failed", route.topic_filter)


def _log_failure(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        err = task.exception()
        if err is not None:
            log.warning("MQTT subscribe failed: %s", err)
