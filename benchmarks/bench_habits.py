"""Habit learning on simulated family months, and how fast a profile lands in the car.

Flow: `renkei.apps.profiles.family.simulate_month` plays a month of a family of three with
noisy routines (departure times wander, temperatures are sometimes ±0.5 °C, routines are
skipped or broken, random one-off settings, a teenager with no routine) through a fresh
`HabitLearner`; the simulated person accepts a suggestion only if every setting in it is what
they were about to do. Ten months with seeds 101–110 (the learner's settings were chosen on
seeds 1–8, never these) → accepted and unwanted suggestions, the share of routine settings made
for people, per person and per week. Then a real broker with the default catalog, a car
provider that confirms targets and the profiles app: 300 switches of the active profile,
timed from the actuation of `HMI.ActiveProfile` until every setting of the profile is
confirmed.

    .venv/bin/python -m benchmarks.bench_habits
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from benchmarks.report import write_section
from renkei.apps.profiles import Profile, ProfilesApp, ProfileStore
from renkei.apps.profiles.family import MonthResult, simulate_month
from renkei.apps.profiles.habits import HabitLearner
from renkei.apps.profiles.model import ACTIVE_PROFILE, HMI
from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vss import Value, load_default_catalog

SEEDS = range(101, 111)
COMMAND = ".venv/bin/python -m benchmarks.bench_habits"
SWITCHES = 300


def months(**learner_options: float) -> list[MonthResult]:
    return [simulate_month(HabitLearner(**learner_options), seed=seed) for seed in SEEDS]  # type: ignore[arg-type]


def totals(results: list[MonthResult]) -> tuple[int, int, int, int, int, int]:
    return (
        sum(r.trips for r in results),
        sum(r.suggestions for r in results),
        sum(r.accepted for r in results),
        sum(r.dismissed for r in results),
        sum(r.routine_settings for r in results),
        sum(r.anticipated for r in results),
    )


def habit_section() -> str:
    results = months()
    trips, offered, accepted, dismissed, routine, anticipated = totals(results)
    lines = [
        f"{len(results)} simulated months (seeds {SEEDS.start}–{SEEDS.stop - 1}) of a family of three: "
        f"{trips} trips, {offered} suggestions.",
        "",
        "| | share |",
        "|---|---|",
        f"| suggestions accepted (correct) | **{accepted / offered:.1%}** ({accepted}/{offered}) |",
        f"| suggestions dismissed (unwanted) | **{dismissed / offered:.1%}** ({dismissed}/{offered}) |",
        f"| routine settings made for the person by an accepted suggestion | {anticipated / routine:.1%} "
        f"({anticipated}/{routine}) |",
        f"| unwanted suggestions per 100 trips | {100 * dismissed / trips:.1f} |",
        "",
        "| person | suggestions | accepted | unwanted |",
        "|---|---|---|---|",
    ]
    people: dict[str, list[int]] = {}
    weeks: dict[int, list[int]] = {}
    for r in results:
        for person, counts in r.by_person.items():
            people.setdefault(person, [0, 0, 0])
            people[person] = [a + b for a, b in zip(people[person], counts, strict=True)]
        for week, counts in r.by_week.items():
            weeks.setdefault(week, [0, 0, 0])
            weeks[week] = [a + b for a, b in zip(weeks[week], counts, strict=True)]
    for person in ("wei", "yuki", "kai"):
        n, ok, bad = people.get(person, [0, 0, 0])
        lines.append(f"| {person} | {n} | {ok / n:.1%} | {bad / n:.1%} |" if n else f"| {person} | 0 | – | – |")
    lines += ["", "| week | suggestions | accepted | unwanted |", "|---|---|---|---|"]
    for week in sorted(weeks):
        n, ok, bad = weeks[week]
        lines.append(f"| {week} | {n} | {ok / n:.1%} | {bad / n:.1%} |" if n else f"| {week} | 0 | – | – |")
    lines += [
        "",
        "Trade-off: a suggestion is answered as a whole, so the learner only bundles settings while "
        "the chance that all are wanted stays above `min_bundle`:",
        "",
        "| min_bundle | accepted | unwanted | routine settings anticipated |",
        "|---|---|---|---|",
    ]
    for bundle in (0.5, 0.6, 0.7, 0.8, 0.9):
        _, n, ok, bad, rt, an = totals(months(min_bundle=bundle))
        mark = " (default)" if bundle == 0.7 else ""
        lines.append(f"| {bundle}{mark} | {ok / n:.1%} | {bad / n:.1%} | {an / rt:.1%} |")
    lines += ["", "Examples of accepted suggestions:", ""]
    lines += [f"- {text}" for text in results[0].examples[:3]]
    return "\n".join(lines)


def profile(person: str, temperature: float, seat: int, font: str) -> Profile:
    return Profile.model_validate(
        {
            "id": person,
            "seat": {"position_mm": seat, "height_mm": 30, "recline_deg": 10.0, "heating": 33},
            "mirrors": {"driver_pan": -10, "driver_tilt": 4, "passenger_pan": 12, "passenger_tilt": -2},
            "climate": {"driver_temperature": temperature, "fan_speed": 40, "air_conditioning": True},
            "ambient": {"on": True, "color": "#FFA040", "intensity": 60},
            "media": {"volume": 35},
            "cockpit": {"font_size": font, "day_night": "DAY", "visible_panels": ["MAP", "CLIMATE"]},
        }
    )


async def switch_latency() -> tuple[list[float], int]:
    broker = Broker(load_default_catalog())
    await broker.start()

    async def confirm(values: dict[str, Value]) -> None:
        await asyncio.sleep(0)  # a controller answers on its own turn of the loop
        broker.publish(values)

    broker.provide(
        [
            "Vehicle.Cabin.Seat",
            "Vehicle.Body.Mirrors",
            "Vehicle.Cabin.HVAC",
            "Vehicle.Cabin.Light.AmbientLight",
            "Vehicle.Cabin.Infotainment.Media",
            "Vehicle.Cabin.Infotainment.Navigation",
            f"{HMI}.FontSize",
            f"{HMI}.DayNightMode",
            f"{HMI}.VisiblePanels",
            ACTIVE_PROFILE,
        ],
        confirm,
        name="car",
    )
    people = [
        profile("wei", 22.0, 250, "STANDARD"),
        profile("yuki", 23.5, 180, "LARGE"),
        profile("kai", 20.0, 300, "EXTRA_LARGE"),
    ]
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = ProfileStore(Path(tmp))
        for p in people:
            store.put(p)
        app = ProfilesApp(InProcessClient(broker, name="profiles"), Path(tmp), clock=lambda: datetime(2026, 3, 2, 8))
        stop = asyncio.Event()
        task = asyncio.create_task(app.run(stop))
        await app.ready.wait()
        driver = InProcessClient(broker, name="cockpit")
        settings = 0
        for i in range(SWITCHES):
            person = people[i % 3]
            app.applied.clear()
            started = time.perf_counter()
            await driver.actuate({ACTIVE_PROFILE: person.id})
            await app.applied.wait()
            assert broker.current_value("Vehicle.Cabin.Seat.Row1.DriverSide.Position") == person.seat.position_mm
            timings.append((time.perf_counter() - started) * 1000)
            settings = len(app.last_apply.applied) if app.last_apply else 0
        stop.set()
        await task
        store.close()
    await broker.stop()
    return timings, settings


def main() -> None:
    started = time.perf_counter()
    habits = habit_section()
    timings, settings = asyncio.run(switch_latency())
    body = "\n".join(
        [
            "### Habit learning",
            "",
            habits,
            "",
            "### Applying a profile",
            "",
            f"{SWITCHES} switches of `HMI.ActiveProfile` between three full profiles (seat, mirrors, "
            f"climate, four ambient zones, volume, cockpit: {settings} settings) on the in-process broker, "
            "timed until every setting is confirmed by the car: "
            f"median **{statistics.median(timings):.2f} ms**, p95 **{np.percentile(timings, 95):.2f} ms**, "
            f"max {max(timings):.2f} ms (goal: within a second).",
            "",
            f"Total run {time.perf_counter() - started:.1f} s.",
        ]
    )
    write_section("habits", body, command=COMMAND)
    print(body)


if __name__ == "__main__":
    main()
