"""CAN decode benchmark: frames decoded and published into an in-process broker.

Flow: encode a realistic VW ID.4 traffic mix with the real opendbc DBC (every
mapped frame, values changing each cycle) → feed the frames to the CAN adapter's
per-frame path (decode → catalog check → `client.publish`) with one subscriber
on every mapped signal →
  1. throughput, every decoded value published (interval/on-change switched off: the worst case);
  2. throughput with the shipped mapping's KUKSA throttling (interval_ms, on_change);
  3. frame-to-subscriber latency at a paced 40,000 frames/s (arrival = scheduled time);
  4. frame-to-subscriber latency through python-can's virtual bus (sender thread → reader thread → loop);
  peer: the plain `cantools` decode loop over the same frames, no broker.

    .venv/bin/python -m benchmarks.bench_can            # writes docs/benchmarks.md
    .venv/bin/python -m benchmarks.bench_can --seconds 1 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import gc
import math
import os
import statistics
import threading
import time
from typing import Any

import can

from benchmarks.report import write_section
from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vehicle.can import CanAdapter, CanEmitter, VehicleMapping, load_vehicle_mapping, open_bus
from renkei.vss import load_default_catalog

GOAL_FRAMES = 40_000
GOAL_P99_MS = 1.0
BURST = 16  # frames handled between yields to the loop (the adapter's reader does the same)
MODEL = "vw_id4"


def traffic(mapping: VehicleMapping, cycles: int) -> list[can.Message]:
    """`cycles` rounds of every mapped frame, with values that change every round."""
    catalog = load_default_catalog()
    emitter = CanEmitter(InProcessClient(Broker(catalog)), mapping, bus=None)  # type: ignore[arg-type]
    frames: list[can.Message] = []
    for i in range(cycles):
        state: dict[str, Any] = {}
        for rule in mapping.decode_rules:
            signal = catalog[rule.path]
            if rule.path == "Vehicle.Speed":
                state[rule.path] = round(1 + (i % 20_000) * 0.01, 2)  # unique per round: latency samples
            elif signal.base_type.value == "boolean":
                state[rule.path] = (i // 3 + len(rule.path)) % 2 == 0
            elif signal.allowed:
                state[rule.path] = signal.allowed[i % 2]
            elif rule.path == "Vehicle.Powertrain.Transmission.CurrentGear":
                state[rule.path] = (1, 0, -1)[i % 3]
            elif signal.base_type.value in ("uint8", "uint16"):
                state[rule.path] = i % 90
            elif signal.base_type.value in ("int8", "int16"):
                state[rule.path] = int(200 * math.sin(i / 20))
            else:
                state[rule.path] = round(20 + 40 * abs(math.sin(i / 50)) + (i % 7) / 100, 2)
        frames.extend(emitter.encode(state))
    return frames


def unthrottled(mapping: VehicleMapping) -> VehicleMapping:
    """The same mapping with every decoded value published (no interval, no on-change)."""
    clone = copy.copy(mapping)
    clone.decode_rules = []
    for rule in mapping.decode_rules:
        fresh = copy.copy(rule)
        fresh.interval = 0.0
        fresh.on_change = False
        clone.decode_rules.append(fresh)
    clone._by_frame = {}
    clone.__post_init__()
    return clone


class Listener:
    """A subscriber on every mapped signal, recording arrival times of Vehicle.Speed values."""

    def __init__(self, client: InProcessClient, paths: list[str]) -> None:
        self.sub = client.subscribe(paths, queue_size=1_000_000)
        self.values = 0
        self.speed_seen: dict[float, float] = {}
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for batch in self.sub:
            now = time.perf_counter()
            self.values += len(batch)
            dp = batch.get("Vehicle.Speed")
            if dp is not None and isinstance(dp.value, float):
                self.speed_seen.setdefault(dp.value, now)

    async def close(self) -> None:
        self.sub.close()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


async def throughput(mapping: VehicleMapping, frames: list[can.Message], seconds: float) -> dict[str, float]:
    broker = Broker(load_default_catalog())
    client = InProcessClient(broker)
    adapter = CanAdapter(client, mapping, bus_factory=lambda: None, provide_actuators=False)  # type: ignore[arg-type,return-value]
    listener = Listener(client, mapping.sensor_paths)
    await asyncio.sleep(0)
    handle = adapter.handle_frame
    n = len(frames)
    done = 0
    # Frame timestamps advance as on a loaded bus (25 µs apart), so throttling behaves as on a car.
    t_bus = 1_700_000_000.0
    gc.collect()
    gc.freeze()  # setup objects stay out of the collector's way, as in a long-running process
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(8):
            for k in range(64):
                msg = frames[(done + k) % n]
                msg.timestamp = t_bus
                t_bus += 25e-6
                await handle(msg)
            done += 64
            await asyncio.sleep(0)  # let the subscriber drain
        if time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    await asyncio.sleep(0)
    await listener.close()
    stats = adapter.stats
    return {
        "frames_per_s": done / elapsed,
        "frames_per_cpu_s": done / cpu,
        "values_per_s": stats.published_values / elapsed,
        "values_per_frame": stats.published_values / max(1, stats.frames),
        "delivered": float(listener.values),
        "errors": float(stats.publish_errors + stats.out_of_range + stats.wrong_length),
    }


async def paced_latency(
    mapping: VehicleMapping, frames: list[can.Message], rate: float, seconds: float
) -> dict[str, float]:
    """Frames 'arrive' on a fixed schedule; latency = subscriber wake-up minus scheduled arrival."""
    broker = Broker(load_default_catalog())
    client = InProcessClient(broker)
    adapter = CanAdapter(client, mapping, bus_factory=lambda: None, provide_actuators=False)  # type: ignore[arg-type,return-value]
    listener = Listener(client, mapping.sensor_paths)
    await asyncio.sleep(0)
    speed_id = mapping.db.get_message_by_name("ESP_21").frame_id
    sent: dict[float, float] = {}
    handled: dict[float, float] = {}
    total = int(rate * seconds)
    period = 1.0 / rate
    t0 = time.perf_counter() + 0.01
    i = 0
    while i < total:
        now = time.perf_counter()
        due_index = min(total, int((now - t0) / period) + 1, i + BURST)
        if due_index <= i:
            ahead = t0 + i * period - now
            # Timer sleeps overshoot by up to a millisecond; spin on the loop when the next frame is close.
            await asyncio.sleep(ahead - 0.002 if ahead > 0.003 else 0)
            continue
        while i < due_index:
            msg = frames[i % len(frames)]
            arrival = t0 + i * period
            msg.timestamp = arrival
            if msg.arbitration_id == speed_id:
                picked_up = time.perf_counter()
                values = adapter.decoder.decode(msg.arbitration_id, msg.data, msg.timestamp)
                if values:
                    speed = values.get("Vehicle.Speed")
                    if isinstance(speed, float) and speed not in sent:
                        sent[speed] = arrival
                        handled[speed] = picked_up
                    await adapter.publish(values)
            else:
                await adapter.handle_frame(msg)
            i += 1
        await asyncio.sleep(0)  # subscribers run between bursts, as they do behind the bus reader
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(0.01)
    await listener.close()
    lat = sorted((listener.speed_seen[v] - t) * 1000 for v, t in sent.items() if v in listener.speed_seen)
    inside = sorted((listener.speed_seen[v] - t) * 1000 for v, t in handled.items() if v in listener.speed_seen)
    own = {f"own_{k}": v for k, v in _summary(inside).items()}
    return _summary(lat) | own | {"achieved_rate": total / elapsed, "samples": float(len(lat))}


async def virtual_bus_latency(
    mapping: VehicleMapping, frames: list[can.Message], rate: float, seconds: float
) -> dict[str, float]:
    """A sender thread puts frames on python-can's virtual bus; the adapter reads them in its own thread."""
    channel = f"bench-can-{time.time_ns()}"
    broker = Broker(load_default_catalog())
    client = InProcessClient(broker)
    adapter = CanAdapter(client, mapping, lambda: open_bus(channel, "virtual", fd=True), provide_actuators=False)
    listener = Listener(client, mapping.sensor_paths)
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.run(stop))
    await adapter.connected.wait()
    speed_id = mapping.db.get_message_by_name("ESP_21").frame_id
    sent: dict[float, float] = {}
    decode_speed = adapter.decoder.mapping.decoders_for(speed_id)[0]
    total = int(rate * seconds)

    def sender() -> None:
        bus = open_bus(channel, "virtual", fd=True)
        period = 1.0 / rate
        t0 = time.perf_counter()
        for i in range(total):
            due = t0 + i * period
            while time.perf_counter() < due:
                time.sleep(min(0.0005, max(0.0, due - time.perf_counter())))
            msg = frames[i % len(frames)]
            if msg.arbitration_id == speed_id:
                data = bytes(msg.data)
                raw = decode_speed.field.raw(data)
                sent.setdefault(float(decode_speed.field.to_physical(raw)), time.perf_counter())
            bus.send(msg)
        bus.shutdown()

    thread = threading.Thread(target=sender)
    started = time.perf_counter()
    thread.start()
    await asyncio.to_thread(thread.join)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.2)
    stop.set()
    await task
    await listener.close()
    lat = sorted((listener.speed_seen[v] - t) * 1000 for v, t in sent.items() if v in listener.speed_seen)
    return _summary(lat) | {
        "achieved_rate": total / elapsed,
        "samples": float(len(lat)),
        "frames": float(adapter.stats.frames),
    }


def _summary(lat: list[float]) -> dict[str, float]:
    if not lat:
        return {"p50_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan}
    return {
        "p50_ms": statistics.median(lat),
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "max_ms": lat[-1],
    }


def cantools_peer(mapping: VehicleMapping, frames: list[can.Message], seconds: float) -> float:
    """The plain cantools loop: decode every frame (all its signals, value names), no broker."""
    db = mapping.db
    decode = db.decode_message
    done = 0
    n = len(frames)
    pairs = [(m.arbitration_id, bytes(m.data)) for m in frames]
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for k in range(256):
            frame_id, data = pairs[(done + k) % n]
            decode(frame_id, data)
        done += 256
    return done / (time.perf_counter() - start)


async def main_async(seconds: float, write: bool) -> None:
    catalog = load_default_catalog()
    mapping = load_vehicle_mapping(MODEL, catalog)
    frames = traffic(mapping, 6_000)
    every = unthrottled(mapping)
    # The 90,000 pre-built frames are a benchmark artefact (a live adapter holds none); keep the
    # garbage collector from walking them in every full collection.
    gc.collect()
    gc.freeze()
    rows: list[tuple[str, str, str]] = []

    worst = await throughput(every, frames, seconds)
    shipped = await throughput(mapping, frames, seconds)
    paced = await paced_latency(every, frames, GOAL_FRAMES, max(2.0, seconds))
    vbus = await virtual_bus_latency(every, frames, 5_000, max(2.0, seconds))
    peer = cantools_peer(mapping, frames, seconds)

    ok_rate = worst["frames_per_cpu_s"] >= GOAL_FRAMES
    ok_lat = paced["p99_ms"] <= GOAL_P99_MS
    rows.append(
        (
            "decode + publish, every value published (worst case)",
            f"{worst['frames_per_cpu_s']:,.0f} frames per CPU-second; {worst['frames_per_s']:,.0f} frames/s "
            f"wall clock ({worst['values_per_s']:,.0f} values/s, {worst['values_per_frame']:.1f} values/frame)",
            "≥ 40,000 frames/s: " + ("met" if ok_rate else "NOT met"),
        )
    )
    rows.append(
        (
            "decode + publish, shipped mapping (interval_ms / on_change)",
            f"{shipped['frames_per_cpu_s']:,.0f} frames per CPU-second; {shipped['frames_per_s']:,.0f} frames/s "
            f"wall clock ({shipped['values_per_s']:,.0f} values/s)",
            "",
        )
    )
    rows.append(
        (
            f"frame → subscriber at a paced {GOAL_FRAMES:,} frames/s (every value published)",
            f"p50 {paced['p50_ms']:.3f} ms, p99 {paced['p99_ms']:.3f} ms, max {paced['max_ms']:.3f} ms "
            f"({paced['samples']:.0f} samples, achieved {paced['achieved_rate']:,.0f} frames/s)",
            "p99 ≤ 1 ms: " + ("met" if ok_lat else "NOT met"),
        )
    )
    rows.append(
        (
            "same run, from the adapter picking the frame up → subscriber (the platform's own share)",
            f"p50 {paced['own_p50_ms']:.3f} ms, p99 {paced['own_p99_ms']:.3f} ms, max {paced['own_max_ms']:.3f} ms",
            "",
        )
    )
    rows.append(
        (
            "frame → subscriber through python-can's virtual bus (threads), 5,000 frames/s",
            f"p50 {vbus['p50_ms']:.3f} ms, p99 {vbus['p99_ms']:.3f} ms, max {vbus['max_ms']:.3f} ms "
            f"({vbus['samples']:.0f} samples)",
            "",
        )
    )
    rows.append(("peer: plain cantools decode loop, no broker", f"{peer:,.0f} frames/s", ""))
    body = (
        f"Vehicle: `{MODEL}` (opendbc `vw_meb.dbc`), {len(mapping.decode_rules)} mapped signals in "
        f"{len(mapping.frame_ids)} frames; traffic: {len(frames):,} frames cycled, values changing every round; "
        "one event loop, one subscriber on every mapped signal. "
        f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        f"(the machine is shared; latency tails above 1 ms track other processes taking the CPU). "
        "Throughput is judged per CPU-second: what one dedicated core decodes.\n\n"
        "| measurement | result | goal |\n|---|---|---|\n" + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    )
    body += (
        f"\n\nThe platform decodes {worst['frames_per_s'] / peer:.1f}× the frames/s of the plain cantools loop "
        "(both wall clock, same run) "
        "while also checking every value against the VSS catalog and publishing it: it extracts only mapped "
        "signals with precompiled shift-and-mask decoders."
    )
    print(body)
    if write:
        path = write_section("can", body, command=".venv/bin/python -m benchmarks.bench_can")
        print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    asyncio.run(main_async(args.seconds, not args.no_write))


if __name__ == "__main__":
    main()
