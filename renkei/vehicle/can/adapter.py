"""The CAN adapter: a real (or virtual) bus below the broker, one vehicle mapping.

Flow, bus → broker: a reader thread takes frames off the python-can bus and
hands them to the event loop in bursts; `FrameDecoder` turns each frame into VSS
values; `client.publish` puts them into the broker. Flow, broker → bus: the
adapter provides every `vss2dbc` actuator; an actuation request is encoded with
the DBC into command frames and sent. The confirmed value comes back the way a
car reports it: in a status frame that the decoder publishes.

A bus that fails (interface removed, adapter unplugged) is counted, logged and
reopened after a pause, until `stop` is set. Nothing here raises into the caller
for bad traffic.

    stop = asyncio.Event()
    await run_can_adapter(client, channel="vcan0", interface="socketcan", vehicle="vw_id4", stop=stop)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import can

from renkei.client import BrokerError, ErrorCode, VehicleClient
from renkei.vehicle.can.dbc import default_signal_values
from renkei.vehicle.can.decoder import CanStats, FrameDecoder
from renkei.vehicle.can.mapping import EncodeRule, VehicleMapping, load_vehicle_mapping
from renkei.vss import Catalog, Value

log = logging.getLogger(__name__)

BusFactory = Callable[[], can.BusABC]
YIELD_EVERY = 32  # frames handled before the adapter lets other tasks run
MAX_QUEUED_FRAMES = 100_000  # about a second of ten fully loaded buses


class BusReader:
    """Move frames from a blocking python-can bus into the event loop, in bursts.

    The thread appends to a deque and wakes the loop only when the consumer is
    idle, so a busy bus costs one loop wake-up per burst, not one per frame.
    """

    def __init__(self, bus: can.BusABC, loop: asyncio.AbstractEventLoop, poll: float = 0.1) -> None:
        self.bus = bus
        self.loop = loop
        self.poll = poll
        self.frames: collections.deque[can.Message] = collections.deque()
        self.error: BaseException | None = None
        self.overflow = 0
        self._ready = asyncio.Event()
        self._waiting = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renkei-can-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def join(self, timeout: float = 2.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _wake(self) -> None:
        self._ready.set()

    def _run(self) -> None:
        bus, frames = self.bus, self.frames
        while not self._stopped.is_set():
            try:
                msg = bus.recv(self.poll)
            except BaseException as err:  # the bus is gone: report it to the loop and end
                self.error = err
                with contextlib.suppress(RuntimeError):
                    self.loop.call_soon_threadsafe(self._wake)
                return
            if msg is None:
                continue
            if len(frames) >= MAX_QUEUED_FRAMES:
                # The loop cannot keep up (or is stalled): keep the newest traffic, count the loss.
                frames.popleft()
                self.overflow += 1
            frames.append(msg)
            if self._waiting.is_set():
                self._waiting.clear()
                with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                    self.loop.call_soon_threadsafe(self._wake)

    async def wait(self) -> None:
        """Return when frames are queued or the bus failed."""
        if self.frames or self.error is not None:
            return
        self._ready.clear()
        self._waiting.set()
        if self.frames or self.error is not None:  # raced with the thread
            self._waiting.clear()
            return
        await self._ready.wait()


def open_bus(channel: str, interface: str, *, fd: bool = False) -> can.BusABC:
    """Open a python-can bus; errors name the interface and channel."""
    try:
        if interface == "virtual":
            return can.Bus(channel=channel, interface="virtual", receive_own_messages=False, fd=fd)
        return can.Bus(channel=channel, interface=interface, fd=fd)
    except (can.CanError, OSError, ValueError, ImportError, NotImplementedError) as err:
        raise ConnectionError(f"cannot open CAN interface {interface!r} channel {channel!r}: {err}") from err


class CanAdapter:
    """Decode one bus into the broker and encode actuator requests onto it."""

    def __init__(
        self,
        client: VehicleClient,
        mapping: VehicleMapping,
        bus_factory: BusFactory,
        *,
        reconnect_delay: float = 1.0,
        provide_actuators: bool = True,
    ) -> None:
        self.client = client
        self.mapping = mapping
        self.bus_factory = bus_factory
        self.reconnect_delay = reconnect_delay
        self.provide_actuators = provide_actuators
        self.stats = CanStats()
        self.decoder = FrameDecoder(mapping, self.stats)
        self.bus: can.BusABC | None = None
        self.connected = asyncio.Event()

    # -- bus → broker ------------------------------------------------------------------
    async def handle_frame(self, msg: can.Message) -> None:
        """Decode one frame and publish what it carries (the per-frame hot path)."""
        if msg.is_error_frame or msg.is_remote_frame:
            self.stats.frames += 1
            self.stats.not_a_value += 1
            return
        values = self.decoder.decode(msg.arbitration_id, msg.data, msg.timestamp)
        if values:
            await self.publish(values)

    async def publish(self, values: dict[str, Any]) -> None:
        try:
            await self.client.publish(values)
        except BrokerError as err:
            # Values were validated against the catalog already; a refusal means the broker's
            # catalog differs from the one the mapping was checked with.
            self.stats.publish_errors += 1
            log.warning("CAN publish refused for %s: %s", err.path, err)
        else:
            self.stats.published_batches += 1
            self.stats.published_values += len(values)

    # -- broker → bus ------------------------------------------------------------------
    async def on_actuate(self, targets: dict[str, Value]) -> None:
        """Encode actuator targets into their command frames and send them."""
        frames = encode_commands(self.mapping, targets)
        bus = self.bus
        if bus is None:
            raise BrokerError.unavailable(next(iter(targets)), "the CAN bus is not connected")
        for frame in frames:
            try:
                bus.send(frame, timeout=0.1)
            except (can.CanError, OSError, ValueError) as err:
                self.stats.send_errors += 1
                raise BrokerError.unavailable(next(iter(targets)), f"sending on the CAN bus failed: {err}") from err
            self.stats.frames_sent += 1

    # -- lifecycle ---------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None) -> CanStats:
        stop = stop or asyncio.Event()
        provider = None
        if self.provide_actuators and self.mapping.encode_rules:
            provider = await self.client.provide(self.mapping.actuator_paths, self.on_actuate)
        try:
            while not stop.is_set():
                try:
                    self.bus = self.bus_factory()
                except ConnectionError as err:
                    self.stats.bus_errors += 1
                    log.warning("%s; retrying in %.1f s", err, self.reconnect_delay)
                    await _sleep_or_stop(stop, self.reconnect_delay)
                    continue
                self.connected.set()
                self.decoder.reset()
                failed = await self._pump(self.bus, stop)
                self.connected.clear()
                with contextlib.suppress(Exception):
                    self.bus.shutdown()
                self.bus = None
                if failed and not stop.is_set():
                    self.stats.reconnects += 1
                    await _sleep_or_stop(stop, self.reconnect_delay)
        finally:
            if provider is not None:
                provider.close()
        return self.stats

    async def _pump(self, bus: can.BusABC, stop: asyncio.Event) -> bool:
        """Handle frames until stop (False) or until the bus fails (True)."""
        reader = BusReader(bus, asyncio.get_running_loop())
        reader.start()
        stopper = asyncio.ensure_future(stop.wait())
        try:
            while True:
                waiter = asyncio.ensure_future(reader.wait())
                done, _ = await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if stopper in done:
                    waiter.cancel()
                    return False
                frames = reader.frames
                handled = 0
                while frames:
                    await self.handle_frame(frames.popleft())
                    handled += 1
                    if handled % YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # subscribers see values during a long burst, not after it
                if reader.error is not None:
                    self.stats.bus_errors += 1
                    log.warning("CAN bus failed: %s; reconnecting", reader.error)
                    return True
        finally:
            stopper.cancel()
            reader.stop()
            await asyncio.to_thread(reader.join)
            self.stats.reader_overflow += reader.overflow


def encode_commands(mapping: VehicleMapping, targets: dict[str, Value]) -> list[can.Message]:
    """Actuator targets → command frames (one per DBC message). BrokerError when unmappable."""
    per_message: dict[int, tuple[Any, dict[str, Any]]] = {}
    for path, value in targets.items():
        rules: list[EncodeRule] = mapping.encode_rules.get(path, [])
        if not rules:
            raise BrokerError.unavailable(path, f"{mapping.model} has no vss2dbc mapping for this actuator")
        for rule in rules:
            physical = rule.to_dbc(value)
            if physical is None:
                raise BrokerError(
                    ErrorCode.INVALID_ARGUMENT,
                    path,
                    f"{mapping.model} cannot send {value!r} on CAN "
                    f"({rule.message.name}.{rule.signal} has no value for it)",
                    "vss2dbc-unmappable",
                )
            message = rule.message
            entry = per_message.get(message.frame_id)
            if entry is None:
                entry = (message, default_signal_values(message))
                per_message[message.frame_id] = entry
            entry[1][rule.signal] = physical
    frames = []
    for message, values in per_message.values():
        data = message.encode(values, scaling=True, padding=False, strict=False)
        frames.append(
            can.Message(
                arbitration_id=message.frame_id,
                data=data,
                is_extended_id=message.is_extended_frame,
                is_fd=len(data) > 8,
                timestamp=time.time(),
            )
        )
    return frames


async def _sleep_or_stop(stop: asyncio.Event, delay: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)


async def catalog_of(client: VehicleClient) -> Catalog:
    """The catalog of the broker behind `client`: mappings are checked against what it accepts."""
    return Catalog(await client.metadata("Vehicle"), {})


async def run_can_adapter(
    client: VehicleClient,
    *,
    channel: str,
    interface: str = "socketcan",
    vehicle: str,
    stop: asyncio.Event | None = None,
    reconnect_delay: float = 1.0,
) -> CanStats:
    """Run the adapter for `vehicle` on one bus until `stop` is set; returns its counters."""
    mapping = load_vehicle_mapping(vehicle, await catalog_of(client))
    adapter = CanAdapter(
        client,
        mapping,
        lambda: open_bus(channel, interface, fd=mapping.can_fd),
        reconnect_delay=reconnect_delay,
    )
    return await adapter.run(stop)
