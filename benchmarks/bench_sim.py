"""Simulation speed: a full CLTC-P cycle at 10 Hz, physics alone and through the broker.

Flow: one scenario (BYD Atto 3 driving CLTC-P along a Beijing route, HVAC on at 0 °C) →
(1) physics only: `SimVehicle.step` 10 times per simulated second; (2) physics plus building
every signal value each step; (3) `run_simulator` on an in-process broker at `math.inf` speed,
publishing each step's changed values in one batch, with one app subscribed to all of
`Vehicle`; (4) the same loop publishing *every* signal every step (no change filter). Speed is
simulated seconds per wall second ("x real time"); the goal is >= 1,000x for (3). The machine
is shared, so each row also gives simulated seconds per second of this process's CPU time and
the load average at the time, which show what the code costs whatever else is running.

    .venv/bin/python -m benchmarks.bench_sim             # writes docs/benchmarks.md
    .venv/bin/python -m benchmarks.bench_sim --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import time

from benchmarks.report import write_section
from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vehicle.sim import Scenario, builtin_scenario, run_simulator
from renkei.vehicle.sim.cycles import load_cycle
from renkei.vehicle.sim.vehicle import STEP_S, SimVehicle
from renkei.vss import load_default_catalog

GOAL = 1000.0
COMMAND = ".venv/bin/python -m benchmarks.bench_sim"


def cltc_scenario() -> Scenario:
    cycle = load_cycle("cltc_p")
    base = builtin_scenario("winter_commute_beijing").model_dump(by_alias=True)
    base.update(
        {
            "name": "bench_cltc",
            "weather": {"ambient_c": 0.0, "solar_w_m2": 100.0, "daylight_percent": 60.0},
            "legs": [{"kind": "cycle", "cycle": "cltc_p"}],
            "events": [],
            "duration_s": cycle.duration_s,
        }
    )
    base["start"]["hvac_setpoint_c"] = 21.0
    return Scenario.model_validate(base)


def physics_only(scenario: Scenario, *, with_values: bool) -> tuple[float, float]:
    car = SimVehicle(scenario)
    started, cpu = time.perf_counter(), time.process_time()
    while not car.finished:
        car.step(STEP_S)
        if with_values:
            car.values()
    return car.time_s / (time.perf_counter() - started), car.time_s / (time.process_time() - cpu)


async def through_broker(scenario: Scenario) -> tuple[float, float, int, int]:
    broker = Broker(load_default_catalog())
    client = InProcessClient(broker)
    received = 0

    async def app() -> None:
        nonlocal received
        async with client.subscribe(["Vehicle"], queue_size=100_000) as sub:
            async for changes in sub:
                received += len(changes)

    listener = asyncio.create_task(app())
    await asyncio.sleep(0)
    updates_before = broker.stats().updates
    started, cpu = time.perf_counter(), time.process_time()
    await run_simulator(client, scenario, speed=math.inf)
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    await asyncio.sleep(0.05)
    listener.cancel()
    duration = scenario.duration_s or 0.0
    return duration / elapsed, duration / cpu_used, broker.stats().updates - updates_before, received


async def every_signal_every_step(scenario: Scenario) -> tuple[float, float, int]:
    broker = Broker(load_default_catalog())
    client = InProcessClient(broker)
    car = SimVehicle(scenario)
    await client.publish(car.attributes())
    published = 0
    started, cpu = time.perf_counter(), time.process_time()
    while not car.finished:
        car.step(STEP_S)
        values = car.values()
        await client.publish(values)
        published += len(values)
    return car.time_s / (time.perf_counter() - started), car.time_s / (time.process_time() - cpu), published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    args = parser.parse_args()
    scenario = cltc_scenario()
    signals = len(SimVehicle(scenario).values())
    gc.collect()
    load = os.getloadavg()[0]
    phys = max((physics_only(scenario, with_values=False) for _ in range(args.repeat)), key=lambda r: r[0])
    phys_values = max((physics_only(scenario, with_values=True) for _ in range(args.repeat)), key=lambda r: r[0])
    best = max((asyncio.run(through_broker(scenario)) for _ in range(args.repeat)), key=lambda r: r[0])
    full = max((asyncio.run(every_signal_every_step(scenario)) for _ in range(args.repeat)), key=lambda r: r[0])
    duration = scenario.duration_s or 0.0
    steps = round(duration / STEP_S)
    rows = [
        ("physics only (10 Hz steps)", phys[0], phys[1], "-", "-"),
        (f"physics + all {signals} signal values built each step", phys_values[0], phys_values[1], "-", "-"),
        (
            "run_simulator on in-process broker, changed values per step, 1 subscriber on `Vehicle`",
            best[0],
            best[1],
            f"{best[2]:,}",
            f"{best[3]:,}",
        ),
        (
            f"broker, all {signals} signals published every step (no change filter)",
            full[0],
            full[1],
            f"{full[2]:,}",
            "-",
        ),
    ]
    lines = [
        f"Full CLTC-P cycle ({duration:.0f} s simulated, {steps:,} steps at 10 Hz), BYD Atto 3, 0 °C with "
        f"heating on; best of {args.repeat}. Goal: >= {GOAL:,.0f}x real time with all signals published. "
        f"Load average when measured: {load:.1f} on {os.cpu_count()} cores.",
        "",
        "| run | x real time (wall clock) | x real time (per CPU second) | values published | values delivered |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {name} | {wall:,.0f}x | {cpu:,.0f}x | {pub} | {got} |" for name, wall, cpu, pub, got in rows]
    verdict = "met" if best[0] >= GOAL else "NOT met"
    lines += ["", f"Goal {verdict}: {best[0]:,.0f}x real time through the broker (goal {GOAL:,.0f}x)."]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        print("wrote", write_section("simulator", body, command=COMMAND))


if __name__ == "__main__":
    main()
