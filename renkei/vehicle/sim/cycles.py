"""Drive cycles shipped as data: CLTC-P, WLTC class 3b and a city stop-and-go trace.

Flow: `data/cycles/<name>.csv` (comment header naming the source, then `time_s,speed_kmh` at
1 Hz) -> `DriveCycle` -> `speed_at(t)` interpolates linearly, so a 10 Hz simulation follows
the trace smoothly.

    >>> from renkei.vehicle.sim.cycles import load_cycle
    >>> round(load_cycle("wltc_class3b").distance_km, 2)
    23.27
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from importlib import resources

CYCLE_ALIASES = {
    "cltc": "cltc_p",
    "cltc-p": "cltc_p",
    "wltc": "wltc_class3b",
    "wltc3b": "wltc_class3b",
    "city": "city_stop_and_go",
}


@dataclass(frozen=True)
class DriveCycle:
    name: str
    times_s: tuple[float, ...]
    speeds_kmh: tuple[float, ...]
    source: str

    @property
    def duration_s(self) -> float:
        return self.times_s[-1]

    @property
    def distance_km(self) -> float:
        total = 0.0
        for i in range(1, len(self.times_s)):
            dt = self.times_s[i] - self.times_s[i - 1]
            total += 0.5 * (self.speeds_kmh[i] + self.speeds_kmh[i - 1]) / 3.6 * dt
        return total / 1000.0

    def speed_at(self, t: float) -> float:
        """Target speed in km/h at time t (0 before the start and after the end)."""
        times = self.times_s
        if t <= times[0] or t >= times[-1]:
            return 0.0
        i = bisect_right(times, t) - 1
        t0, t1 = times[i], times[i + 1]
        v0, v1 = self.speeds_kmh[i], self.speeds_kmh[i + 1]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def cycle_names() -> list[str]:
    folder = resources.files("renkei.vehicle.sim") / "data" / "cycles"
    return sorted(p.name.removesuffix(".csv") for p in folder.iterdir() if p.name.endswith(".csv"))


def parse_cycle(name: str, text: str) -> DriveCycle:
    """Parse the CSV format; errors name the line and what was wrong with it."""
    source_lines: list[str] = []
    times: list[float] = []
    speeds: list[float] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            source_lines.append(line.lstrip("# "))
            continue
        if not header_seen:
            if line.replace(" ", "") != "time_s,speed_kmh":
                raise ValueError(f"cycle {name}: line {number}: expected header 'time_s,speed_kmh'")
            header_seen = True
            continue
        parts = line.split(",")
        if len(parts) != 2:
            raise ValueError(f"cycle {name}: line {number}: expected 2 columns, got {len(parts)}")
        try:
            t, v = float(parts[0]), float(parts[1])
        except ValueError:
            raise ValueError(f"cycle {name}: line {number}: not a number: {line!r}") from None
        if not 0.0 <= v <= 300.0:
            raise ValueError(f"cycle {name}: line {number}: speed {v} km/h outside 0..300")
        if times and t <= times[-1]:
            raise ValueError(f"cycle {name}: line {number}: time must increase")
        times.append(t)
        speeds.append(v)
    if len(times) < 2:
        raise ValueError(f"cycle {name}: needs at least two samples")
    return DriveCycle(name, tuple(times), tuple(speeds), " ".join(source_lines))


@cache
def load_cycle(name: str) -> DriveCycle:
    key = CYCLE_ALIASES.get(name.lower(), name.lower())
    if key not in cycle_names():
        known = ", ".join(cycle_names() + sorted(CYCLE_ALIASES))
        raise KeyError(f"unknown drive cycle {name!r}; known: {known}")
    text = (resources.files("renkei.vehicle.sim") / "data" / "cycles" / f"{key}.csv").read_text()
    return parse_cycle(key, text)
