"""Frame → VSS values: the hot path of every CAN adapter and of log replay.

`FrameDecoder.decode(frame_id, data, timestamp)` looks the frame id up in a dict
of precompiled rules, turns the payload into two integers once, extracts each
mapped signal with a shift and a mask, applies the KUKSA evaluation logic
(interval, transform, on-change) and checks the result against the VSS catalog.
It returns the values to publish (or None). Whatever goes wrong with a frame —
an unknown id, a wrong length, a value the signal cannot take — is counted in
`CanStats`, logged once per kind and id, and never published.

    >>> decoder = FrameDecoder(load_vehicle_mapping("vw_id4"))
    >>> decoder.decode(0xFD, bytes.fromhex("0000000088130000"), 0.0)
    {'Vehicle.Speed': 50.0}
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import asdict, dataclass
from typing import Any

from renkei.vehicle.can.mapping import SKIP, DecodeRule, VehicleMapping
from renkei.vss import ValueRuleError

log = logging.getLogger(__name__)

_MAX_REMEMBERED_PROBLEMS = 512


@dataclass
class CanStats:
    """Counters of one adapter or replay; exposed for dashboards and tests."""

    frames: int = 0  # frames seen
    decoded_frames: int = 0  # frames of a mapped id with the right length
    published_values: int = 0  # VSS values handed to the broker
    published_batches: int = 0
    unknown_id: int = 0  # frames whose id no rule maps
    wrong_length: int = 0  # mapped id, but the payload length differs from the DBC
    not_a_value: int = 0  # named raw values (SNA, Init, Fehler) or table misses: nothing to publish
    out_of_range: int = 0  # decoded value the VSS signal cannot take (type, min/max, allowed)
    throttled: int = 0  # suppressed by interval_ms
    unchanged: int = 0  # suppressed by on_change
    publish_errors: int = 0  # the broker refused a batch
    bus_errors: int = 0  # the bus failed (unplugged, interface gone)
    reader_overflow: int = 0  # frames dropped because the event loop fell ~1 s behind the bus
    reconnects: int = 0
    frames_sent: int = 0  # actuator commands / emitted frames put on the bus
    send_errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class FrameDecoder:
    """Decode frames of one vehicle mapping; holds the per-rule interval/on-change state."""

    def __init__(self, mapping: VehicleMapping, stats: CanStats | None = None) -> None:
        self.mapping = mapping
        self.stats = stats if stats is not None else CanStats()
        self._noted: set[tuple[str, int]] = set()
        # Rules are copied so two decoders of one mapping keep separate interval/on-change state.
        plans: dict[int, tuple[int, tuple[DecodeRule, ...]]] = {}
        for frame_id in mapping.frame_ids:
            rules = tuple(copy.copy(rule) for rule in mapping.decoders_for(frame_id))
            plans[frame_id] = (rules[0].message.length, rules)
        self._plans = plans

    def reset(self) -> None:
        """Forget interval and on-change history (a new bus session or a replay restart)."""
        for _, rules in self._plans.values():
            for rule in rules:
                rule.last_time = -math.inf
                rule.last_value = SKIP

    def _note(self, kind: str, frame_id: int, detail: str) -> None:
        key = (kind, frame_id)
        if key in self._noted:
            return
        if len(self._noted) < _MAX_REMEMBERED_PROBLEMS:
            self._noted.add(key)
        log.warning("CAN %s: frame 0x%X %s (further cases are counted, not logged)", kind, frame_id, detail)

    def decode(self, frame_id: int, data: bytes | bytearray, timestamp: float) -> dict[str, Any] | None:
        stats = self.stats
        stats.frames += 1
        plan = self._plans.get(frame_id)
        if plan is None:
            stats.unknown_id += 1
            return None
        length, rules = plan
        if not isinstance(data, bytes | bytearray):
            stats.wrong_length += 1
            self._note("bad payload", frame_id, "payload is not bytes")
            return None
        if len(data) != length:
            stats.wrong_length += 1
            self._note("wrong length", frame_id, f"has {len(data)} bytes, the DBC says {length}")
            return None
        stats.decoded_frames += 1
        little = int.from_bytes(data, "little")
        big = int.from_bytes(data, "big")
        out: dict[str, Any] | None = None
        for rule in rules:
            if rule.mux:
                selected = True
                for selector, values in rule.mux:
                    if selector.raw_from_int(little, big) not in values:
                        selected = False
                        break
                if not selected:
                    continue
            if rule.interval and timestamp - rule.last_time < rule.interval:
                stats.throttled += 1
                continue
            rule.last_time = timestamp
            f = rule.field
            raw = ((big if f.big_endian else little) >> f.shift) & f.mask
            if f.sign_bit and raw & f.sign_bit:
                raw -= f.sign_bit << 1
            value = rule.convert(raw, little, big)
            if value is SKIP:
                stats.not_a_value += 1
                continue
            try:
                value = rule.validate(value)
            except ValueRuleError as err:
                stats.out_of_range += 1
                self._note("value out of range", frame_id, f"{rule.path} = {value!r}: {err}")
                continue
            if rule.on_change:
                last = rule.last_value
                if last is not SKIP and last == value and type(last) is type(value):
                    stats.unchanged += 1
                    continue
                rule.last_value = value
            if out is None:
                out = {rule.path: value}
            else:
                out[rule.path] = value
        return out
