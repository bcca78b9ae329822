"""Replay recorded CAN traffic into the broker, through the same decoder as a live bus.

Logs: `candump -l` files (`(1436509052.249713) can0 123#DEADBEEF`, also CAN FD
`123##<flags><data>`), read line by line so one damaged line is counted and
skipped; python-can's ASC and BLF logs (and anything else `can.LogReader`
reads), where a damaged file ends the replay with the error counted. Frames are
replayed at their recorded pace (`realtime=True`) or as fast as possible.

    stats = await replay_log(client, Path("drive.log"), vehicle="vw_id4", realtime=False)
    print(stats.can.published_values, stats.malformed_lines)
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import can

from renkei.client import VehicleClient
from renkei.vehicle.can.adapter import CanAdapter, catalog_of
from renkei.vehicle.can.decoder import CanStats
from renkei.vehicle.can.mapping import VehicleMapping, load_vehicle_mapping

log = logging.getLogger(__name__)

# (timestamp) interface id#data | id##<flags><data> | id#R
_CANDUMP = re.compile(
    r"^\((?P<ts>\d+(?:\.\d+)?)\)\s+(?P<ch>\S+)\s+(?P<id>[0-9A-Fa-f]{1,8})"
    r"(?P<sep>##?)(?P<rest>R\d?|[0-9A-Fa-f.]*)(?:\s+[TR])?\s*$"
)
SUPPORTED_SUFFIXES = (".log", ".asc", ".blf", ".candump")
MAX_LINE = 400


class ReplayError(ValueError):
    """The log cannot be replayed at all (missing, unknown format); names the file and reason."""


@dataclass
class ReplayStats:
    path: str
    frames_read: int = 0
    malformed_lines: int = 0
    read_error: str = ""  # why an ASC/BLF file stopped early, if it did
    log_span_s: float = 0.0  # last minus first recorded timestamp
    elapsed_s: float = 0.0
    can: CanStats = field(default_factory=CanStats)


def parse_candump_line(line: str) -> can.Message | None:
    """One `candump -l` line → a frame, or None when the line is not a valid frame."""
    if len(line) > MAX_LINE:
        return None
    match = _CANDUMP.match(line.strip())
    if match is None:
        return None
    frame_id = int(match["id"], 16)
    extended = len(match["id"]) > 3
    if frame_id > 0x1FFFFFFF or (not extended and frame_id > 0x7FF):
        return None
    rest = match["rest"].replace(".", "")
    if rest.startswith("R"):
        return can.Message(
            timestamp=float(match["ts"]), arbitration_id=frame_id, is_extended_id=extended, is_remote_frame=True
        )
    is_fd = match["sep"] == "##"
    if is_fd:
        if not rest:
            return None
        rest = rest[1:]  # the flags nibble
    if len(rest) % 2 or len(rest) > (128 if is_fd else 16):
        return None
    return can.Message(
        timestamp=float(match["ts"]),
        arbitration_id=frame_id,
        is_extended_id=extended,
        is_fd=is_fd,
        data=bytes.fromhex(rest),
        channel=match["ch"],
    )


def _frames(path: Path, stats: ReplayStats) -> Iterator[can.Message]:
    suffix = path.suffix.lower()
    if suffix in (".log", ".candump"):
        with path.open("r", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                msg = parse_candump_line(line)
                if msg is None:
                    stats.malformed_lines += 1
                    if stats.malformed_lines <= 3:
                        log.warning("replay %s: skipping malformed line %r", path.name, line[:80])
                    continue
                yield msg
        return
    try:
        reader = can.LogReader(path)
    except (ValueError, OSError) as err:
        raise ReplayError(f"{path.name}: cannot read this log: {err}") from None
    try:
        yield from reader
    except Exception as err:  # python-can raises many types for damaged ASC/BLF files
        stats.read_error = f"{type(err).__name__}: {err}"
        log.warning("replay %s: log ends early: %s", path.name, stats.read_error)


async def replay_frames(
    adapter: CanAdapter,
    path: Path,
    *,
    realtime: bool = True,
    stop: asyncio.Event | None = None,
    stats: ReplayStats | None = None,
) -> ReplayStats:
    stats = stats or ReplayStats(path=str(path), can=adapter.stats)
    first: float | None = None
    last = 0.0
    started = time.monotonic()
    for msg in _frames(path, stats):
        if stop is not None and stop.is_set():
            break
        stats.frames_read += 1
        if first is None:
            first = msg.timestamp
        last = msg.timestamp
        if realtime:
            due = started + (msg.timestamp - first)
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        elif stats.frames_read % 512 == 0:
            await asyncio.sleep(0)  # let subscribers run during a fast replay
        await adapter.handle_frame(msg)
    stats.log_span_s = max(0.0, last - first) if first is not None else 0.0
    stats.elapsed_s = time.monotonic() - started
    return stats


async def replay_log(
    client: VehicleClient,
    path: Path,
    *,
    vehicle: str | VehicleMapping,
    realtime: bool = True,
    stop: asyncio.Event | None = None,
) -> ReplayStats:
    """Decode the frames of a recorded log with `vehicle`'s mapping and publish them."""
    path = Path(path)
    if not path.is_file():
        raise ReplayError(f"{path}: no such log file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ReplayError(f"{path.name}: unknown log format; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    mapping = (
        vehicle if isinstance(vehicle, VehicleMapping) else load_vehicle_mapping(vehicle, await catalog_of(client))
    )
    adapter = CanAdapter(client, mapping, _no_bus, provide_actuators=False)
    return await replay_frames(adapter, path, realtime=realtime, stop=stop)


def _no_bus() -> can.BusABC:
    raise ConnectionError("a replay has no live bus")
