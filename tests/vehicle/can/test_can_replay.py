"""Replay of recorded traffic: candump -l, ASC and BLF logs, recorded pace or as fast as possible."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import can
import pytest

from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vehicle.can import CanEmitter, ReplayError, VehicleMapping, replay_log
from renkei.vehicle.can.replay import parse_candump_line
from renkei.vss import Catalog


def drive_frames(mapping: VehicleMapping, catalog: Catalog, steps: int = 20, dt: float = 0.01) -> list[can.Message]:
    """Frames a short drive produces: speed ramps up, the driver door opens then closes."""
    emitter = CanEmitter(InProcessClient(Broker(catalog)), mapping, bus=None)  # type: ignore[arg-type]
    frames: list[can.Message] = []
    start = 1_700_000_000.0
    for i in range(steps):
        values = {"Vehicle.Speed": float(i * 5), "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": 3 <= i < 6}
        for frame in emitter.encode(values):
            frame.timestamp = start + i * dt
            frame.channel = "can0"
            frames.append(frame)
    return frames


def write_log(path: Path, frames: list[can.Message]) -> Path:
    writer = can.Logger(str(path))
    for frame in frames:
        writer.on_message_received(frame)
    writer.stop()
    return path


@pytest.mark.parametrize("suffix", [".log", ".asc", ".blf"])
async def test_replay_fast_publishes_the_recorded_drive(
    suffix: str, vw: VehicleMapping, catalog: Catalog, client: InProcessClient, tmp_path: Path
) -> None:
    frames = drive_frames(vw, catalog, dt=0.15)  # slower than Vehicle.Speed's interval_ms of 100
    log = write_log(tmp_path / f"drive{suffix}", frames)
    seen: list[float] = []

    async def collect(sub: Any) -> None:
        async for batch in sub:
            dp = batch.get("Vehicle.Speed")
            if dp is not None and dp.value is not None:
                seen.append(float(dp.value))
                if dp.value == 95.0:
                    return

    async with client.subscribe(["Vehicle.Speed"], queue_size=1024) as sub:
        stats = await replay_log(client, log, vehicle="vw_id4", realtime=False)
        await asyncio.wait_for(collect(sub), 5)
    assert stats.frames_read == len(frames)
    assert stats.malformed_lines == 0
    assert stats.can.published_values > 0
    assert seen[-1] == 95.0  # the last recorded speed arrived
    door = (await client.get(["Vehicle.Cabin.Door.Row1.DriverSide.IsOpen"]))[
        "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen"
    ]
    assert door is not None and door.value is False


async def test_replay_at_recorded_pace_takes_the_recorded_time(
    vw: VehicleMapping, catalog: Catalog, client: InProcessClient, tmp_path: Path
) -> None:
    frames = drive_frames(vw, catalog, steps=16, dt=0.02)  # 0.3 s of traffic
    log = write_log(tmp_path / "drive.log", frames)
    started = time.monotonic()
    stats = await replay_log(client, log, vehicle="vw_id4", realtime=True)
    elapsed = time.monotonic() - started
    assert stats.log_span_s == pytest.approx(0.3, abs=0.001)
    assert 0.28 <= elapsed < 5.0  # generous: the machine may be busy
    fast = await replay_log(client, log, vehicle="vw_id4", realtime=False)
    assert fast.elapsed_s < elapsed


async def test_malformed_candump_lines_are_counted_and_skipped(
    vw: VehicleMapping, catalog: Catalog, client: InProcessClient, tmp_path: Path
) -> None:
    good = write_log(tmp_path / "good.log", drive_frames(vw, catalog, steps=5)).read_text().splitlines()
    bad = [
        "garbage",
        "(1700000000.5) can0 0FD#ZZZZ",
        "(1700000000.5) can0 FFF#00",  # 11-bit id out of range
        "(1700000000.5) can0 0FD#0011223",  # odd number of hex digits
        "(notatime) can0 0FD#00",
        "(1700000000.5) can0 0FD#" + "00" * 200,
        "\x00\xff binary junk",
    ]
    mixed = tmp_path / "mixed.log"
    mixed.write_text("\n".join(good[:2] + bad + good[2:]) + "\n")
    stats = await replay_log(client, mixed, vehicle="vw_id4", realtime=False)
    assert stats.malformed_lines == len(bad)
    assert stats.frames_read == len(good)


async def test_a_truncated_blf_ends_the_replay_without_crashing(
    vw: VehicleMapping, catalog: Catalog, client: InProcessClient, tmp_path: Path
) -> None:
    full = write_log(tmp_path / "drive.blf", drive_frames(vw, catalog, steps=40))
    cut = tmp_path / "cut.blf"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    stats = await replay_log(client, cut, vehicle="vw_id4", realtime=False)
    assert stats.frames_read < 40 * 2
    junk = tmp_path / "junk.blf"
    junk.write_bytes(b"LOGG" + bytes(range(256)) * 4)
    stats = await replay_log(client, junk, vehicle="vw_id4", realtime=False)
    assert stats.frames_read == 0
    assert stats.can.published_values == 0


async def test_replay_refuses_missing_files_unknown_formats_and_vehicles(
    client: InProcessClient, tmp_path: Path
) -> None:
    with pytest.raises(ReplayError, match="no such log"):
        await replay_log(client, tmp_path / "nope.log", vehicle="vw_id4")
    odd = tmp_path / "drive.mp3"
    odd.write_bytes(b"ID3")
    with pytest.raises(ReplayError, match="unknown log format"):
        await replay_log(client, odd, vehicle="vw_id4")
    log = tmp_path / "empty.log"
    log.write_text("")
    from renkei.vehicle.can import MappingError

    with pytest.raises(MappingError, match="vehicle-unknown"):
        await replay_log(client, log, vehicle="trabant_601")


def test_candump_parser_reads_classic_fd_extended_and_remote_frames() -> None:
    classic = parse_candump_line("(1436509052.249713) vcan0 044#2A366C2BBA")
    assert classic is not None and classic.data == bytes.fromhex("2A366C2BBA") and not classic.is_extended_id
    extended = parse_candump_line("(1436509052.3) can1 12345678#00")
    assert extended is not None and extended.is_extended_id and extended.arbitration_id == 0x12345678
    fd = parse_candump_line("(1436509052.5) can1 123##1" + "11" * 24)
    assert fd is not None and fd.is_fd and len(fd.data) == 24
    remote = parse_candump_line("(1436509052.5) can1 123#R")
    assert remote is not None and remote.is_remote_frame
