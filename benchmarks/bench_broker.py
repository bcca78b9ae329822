"""In-process broker throughput and latency on KUKSA's kuksa-perf workload.

Flow: load VSS 4.0 (the release kuksa-perf's paths come from) → build two valid
payloads per signal group (alternating, so on-change signals always change) →
publish the groups round-robin as fast as possible on one event loop, yielding
after every frame → 1, 10 and 100 subscribers (tasks on the same loop) record
publish-to-delivery latency from the datapoint timestamp.

    .venv/bin/python -m benchmarks.bench_broker            # writes docs/benchmarks.md
    .venv/bin/python -m benchmarks.bench_broker --seconds 2 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.report import write_section
from renkei.broker import Broker, Subscription
from renkei.vss import BaseType, Catalog, Signal

SHARED = Path(__file__).resolve().parents[2] / "shared"
GROUP_FILES = ("data_group_10.json", "data_group_101.json")
GOAL_UPDATES = 500_000
GOAL_P99_MS = 0.2


def two_values(signal: Signal) -> tuple[Any, Any]:
    if signal.allowed:
        a = signal.allowed[0]
        b = signal.allowed[1] if len(signal.allowed) > 1 else a
        pair: tuple[Any, Any] = (a, b)
    elif signal.base_type is BaseType.BOOLEAN:
        pair = (True, False)
    elif signal.base_type is BaseType.STRING:
        pair = ("a", "b")
    else:
        lo = signal.min if signal.min is not None else 0
        hi = signal.max if signal.max is not None else lo + 100
        pair = (lo, hi) if signal.base_type not in (BaseType.FLOAT, BaseType.DOUBLE) else (float(lo), float(hi))
    return ([pair[0]], [pair[1]]) if signal.is_array else pair


def load_frames(catalog: Catalog, name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    doc = json.loads((SHARED / "kuksa-perf" / "sensors" / name).read_text())
    frames = []
    for group in doc["groups"]:
        a: dict[str, Any] = {}
        b: dict[str, Any] = {}
        for entry in group["signals"]:
            va, vb = two_values(catalog[entry["path"]])
            a[entry["path"]], b[entry["path"]] = va, vb
        frames.append((a, b))
    return frames


async def run_case(
    catalog: Catalog, frames: list[tuple[dict[str, Any], dict[str, Any]]], subscribers: int, seconds: float
) -> dict[str, float]:
    broker = Broker(catalog)
    await broker.start()
    paths = [p for a, _ in frames for p in a]
    latencies: list[list[float]] = [[] for _ in range(subscribers)]
    received = [0] * subscribers
    subs: list[Subscription] = [broker.subscribe(paths, queue_size=1024) for _ in range(subscribers)]
    for sub in subs:
        sub.get_nowait()  # the initial (empty) batch, if any
    stop = asyncio.Event()

    async def consume(index: int, sub: Subscription) -> None:
        lat = latencies[index]
        clock = time.perf_counter
        count = 0
        async for batch in sub:
            now = clock()
            count += len(batch)
            ts = next(iter(batch.values())).timestamp
            lat.append(now - ts)
            if stop.is_set() and not sub._queue:
                break
        received[index] = count

    tasks = [asyncio.create_task(consume(i, s)) for i, s in enumerate(subs)]
    published = 0
    clock = time.perf_counter
    gc.collect()
    start = clock()
    deadline = start + seconds
    flip = 0
    publish = broker.publish
    while True:
        for a, b in frames:
            payload = b if flip else a
            publish(payload, timestamp=clock())
            published += len(payload)
            await asyncio.sleep(0)
        flip ^= 1
        if clock() >= deadline:
            break
    stop.set()
    elapsed = clock() - start
    for sub in subs:
        sub.close()
    await asyncio.gather(*tasks)
    all_lat = sorted(x for lat in latencies for x in lat)
    delivered = sum(received)
    dropped = sum(s.dropped for s in subs)
    return {
        "subscribers": subscribers,
        "published_per_s": published / elapsed,
        "delivered_per_s": delivered / elapsed,
        "per_subscriber_per_s": delivered / elapsed / subscribers,
        "p50_ms": statistics.quantiles(all_lat, n=100)[49] * 1000,
        "p99_ms": statistics.quantiles(all_lat, n=100)[98] * 1000,
        "dropped": dropped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    catalog = Catalog.from_files([SHARED / "vss" / "vss_release_4.0.json"])
    rows = []
    for name in GROUP_FILES:
        frames = load_frames(catalog, name)
        signals = sum(len(a) for a, _ in frames)
        for subscribers in (1, 10, 100):
            result = asyncio.run(run_case(catalog, frames, subscribers, args.seconds))
            rows.append((name, signals, result))
            print(
                f"{name} ({signals} signals) x{subscribers:>3} subscribers: "
                f"{result['published_per_s']:>10,.0f} published/s, {result['per_subscriber_per_s']:>10,.0f} "
                f"received/s per subscriber, p50 {result['p50_ms']:.3f} ms, p99 {result['p99_ms']:.3f} ms, "
                f"dropped {result['dropped']}"
            )
    one = next(r for n, _, r in rows if n == "data_group_101.json" and r["subscribers"] == 1)
    verdict = (
        f"Goal (issue 2): ≥ {GOAL_UPDATES:,} signal updates/s with one subscriber and p99 ≤ {GOAL_P99_MS} ms — "
        f"measured {one['per_subscriber_per_s']:,.0f}/s, p99 {one['p99_ms']:.3f} ms: "
        + (
            "**met**."
            if one["per_subscriber_per_s"] >= GOAL_UPDATES and one["p99_ms"] <= GOAL_P99_MS
            else "**not met**."
        )
    )
    table = [
        "| workload | signals | subscribers | published updates/s | received updates/s per subscriber "
        "| p50 latency | p99 latency | dropped |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, signals, r in rows:
        table.append(
            f"| kuksa-perf `{name}` | {signals} | {r['subscribers']:.0f} | {r['published_per_s']:,.0f} | "
            f"{r['per_subscriber_per_s']:,.0f} | {r['p50_ms']:.3f} ms | {r['p99_ms']:.3f} ms | {r['dropped']:.0f} |"
        )
    body = (
        "### Broker, in-process (issue 2)\n\n"
        "One asyncio event loop on one core: a publisher sends each kuksa-perf frame as one atomic batch, "
        "as fast as it can, yielding to the loop after every frame; subscribers are tasks on the same loop. "
        "Latency is from the publish call to the subscriber holding the batch. Note: `data_group_10.json` holds "
        "55 signals (not 101); `data_group_101.json` is the 101-signal set.\n\n" + "\n".join(table) + "\n\n" + verdict
    )
    if not args.no_write:
        print("wrote", write_section("broker", body, command=".venv/bin/python -m benchmarks.bench_broker"))


if __name__ == "__main__":
    main()
