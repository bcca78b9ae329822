"""The reverse direction: VSS values → frames of a chosen brand's DBC on a bus.

`CanEmitter` plays the car's ECUs. It subscribes (through a client, usually on a
simulated car's broker) to every VSS signal the vehicle mapping decodes, encodes
each change into the DBC frame that carries it and sends it; with `period` set it
also repeats every frame cyclically, as ECUs do. It also listens for the command
frames the CAN adapter sends for `vss2dbc` actuators and applies them as the
body controller would (the actuator's new current value is published to the
car's broker, which then goes out again in the status frame).

This is what lets the whole chain run in a test: simulator → emitter → bus →
adapter → broker → app, for brand A and brand B.

    emitter = CanEmitter(car_client, load_vehicle_mapping("gwm_haval_h6"), bus)
    task = asyncio.create_task(emitter.run(stop))
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import can

from renkei.client import BrokerError, VehicleClient
from renkei.vehicle.can.adapter import BusReader
from renkei.vehicle.can.dbc import BitField, default_signal_values
from renkei.vehicle.can.decoder import CanStats
from renkei.vehicle.can.mapping import DecodeRule, EncodeRule, VehicleMapping
from renkei.vss import Value

log = logging.getLogger(__name__)


class CanEmitter:
    def __init__(
        self,
        client: VehicleClient,
        mapping: VehicleMapping,
        bus: can.BusABC,
        *,
        period: float | None = None,
        apply_commands: bool = True,
    ) -> None:
        self.client = client
        self.mapping = mapping
        self.bus = bus
        self.period = period
        self.apply_commands = apply_commands
        self.stats = CanStats()
        self._rules_by_path: dict[str, list[DecodeRule]] = {}
        for rule in mapping.decode_rules:
            self._rules_by_path.setdefault(rule.path, []).append(rule)
        # Current physical values of every signal of every frame we emit.
        self._frames: dict[int, dict[str, Any]] = {}
        self._commands: dict[int, list[EncodeRule]] = {}
        for rules in mapping.encode_rules.values():
            for enc in rules:
                self._commands.setdefault(enc.message.frame_id, []).append(enc)
        self.ready = asyncio.Event()

    def frame_values(self, rule: DecodeRule) -> dict[str, Any]:
        values = self._frames.get(rule.message.frame_id)
        if values is None:
            values = default_signal_values(rule.message)
            self._frames[rule.message.frame_id] = values
        return values

    def encode(self, changes: dict[str, Value]) -> list[can.Message]:
        """Update frame contents with VSS values and return the frames that changed."""
        touched: dict[int, DecodeRule] = {}
        for path, value in changes.items():
            for rule in self._rules_by_path.get(path, ()):
                signals = rule.invert(value)
                if signals is None:
                    continue
                values = self.frame_values(rule)
                values.update(signals)
                for selector, choices in rule.mux:
                    # Emit the multiplexed variant that carries this signal.
                    values[selector.name] = float(selector.to_physical(min(choices)))
                touched[rule.message.frame_id] = rule
        return [self._frame(rule) for rule in touched.values()]

    def _frame(self, rule: DecodeRule) -> can.Message:
        message = rule.message
        data = message.encode(self._frames[message.frame_id], scaling=True, padding=False, strict=False)
        return can.Message(
            arbitration_id=message.frame_id,
            data=data,
            is_extended_id=message.is_extended_frame,
            is_fd=len(data) > 8,
            timestamp=time.time(),
        )

    def send(self, frames: list[can.Message]) -> None:
        for frame in frames:
            try:
                self.bus.send(frame, timeout=0.1)
                self.stats.frames_sent += 1
            except (can.CanError, OSError, ValueError) as err:
                self.stats.send_errors += 1
                log.warning("emitter: sending 0x%X failed: %s", frame.arbitration_id, err)

    def commands_to_values(self, msg: can.Message) -> dict[str, Value]:
        """What a body controller does with a command frame: the actuators' new values."""
        rules = self._commands.get(msg.arbitration_id)
        if not rules or len(msg.data) != rules[0].message.length:
            return {}
        data = bytes(msg.data)
        proposals: dict[str, list[Value | None]] = {}
        for enc in rules:
            field: BitField = enc.field
            proposals.setdefault(enc.path, []).append(enc.from_dbc(float(field.physical(data))))
        out: dict[str, Value] = {}
        for path, values in proposals.items():
            # Several command signals (lock + unlock) must all agree, or the frame requests nothing.
            if any(v is None for v in values):
                continue
            if len({(type(v) is bool, v) for v in values}) == 1:
                first = values[0]
                assert first is not None
                out[path] = first
        return out

    async def run(self, stop: asyncio.Event) -> CanStats:
        paths = sorted(self._rules_by_path)
        reader: BusReader | None = None
        command_task: asyncio.Task[None] | None = None
        if self.apply_commands and self._commands:
            reader = BusReader(self.bus, asyncio.get_running_loop())
            reader.start()
            command_task = asyncio.create_task(self._apply_commands(reader, stop))
        periodic: asyncio.Task[None] | None = None
        if self.period:
            periodic = asyncio.create_task(self._repeat(stop, self.period))
        try:
            async with self.client.subscribe(paths) as sub:
                iterator = sub.__aiter__()
                while not stop.is_set():
                    next_batch = asyncio.ensure_future(iterator.__anext__())
                    stopper = asyncio.ensure_future(stop.wait())
                    done, _ = await asyncio.wait({next_batch, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    stopper.cancel()
                    if next_batch not in done:
                        next_batch.cancel()
                        break
                    try:
                        batch = next_batch.result()
                    except StopAsyncIteration:
                        break
                    changes = {p: dp.value for p, dp in batch.items() if dp is not None and dp.value is not None}
                    self.send(self.encode(changes))
                    self.ready.set()
        finally:
            for task in (command_task, periodic):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if reader is not None:
                reader.stop()
                await asyncio.to_thread(reader.join)
        return self.stats

    async def _repeat(self, stop: asyncio.Event, period: float) -> None:
        while not stop.is_set():
            await asyncio.sleep(period)
            frames = [self._frame(rule) for rule in self._first_rule_per_frame()]
            self.send(frames)

    def _first_rule_per_frame(self) -> list[DecodeRule]:
        seen: dict[int, DecodeRule] = {}
        for rule in self.mapping.decode_rules:
            if rule.message.frame_id in self._frames:
                seen.setdefault(rule.message.frame_id, rule)
        return list(seen.values())

    async def _apply_commands(self, reader: BusReader, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await reader.wait()
            if reader.error is not None:
                log.warning("emitter: bus failed: %s", reader.error)
                return
            while reader.frames:
                msg = reader.frames.popleft()
                values = self.commands_to_values(msg)
                if not values:
                    continue
                try:
                    await self.client.publish(values)
                except BrokerError as err:
                    log.warning("emitter: applying command 0x%X failed: %s", msg.arbitration_id, err)
