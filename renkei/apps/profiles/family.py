"""A simulated family month for measuring habit learning honestly (benchmark and CI test).

Three people share one car in a city (Shanghai coordinates). Each has routines with noise —
departure times wander, a set temperature is sometimes half a degree off, some days the
routine is skipped, and extra settings are made at random — plus irregular trips that no
learner should guess. Every trip: the learner sees the context and may suggest; the simulated
person accepts only if *every* suggested setting is what they were about to do (a temperature
within 0.5 °C, a level within 10, the same destination), otherwise dismisses; then they make
the remaining settings by hand, which the learner observes.

    result = simulate_month(HabitLearner(), seed=7)
    result.accepted_share, result.unwanted_share, result.coverage

Deterministic for a seed: the same seed gives the same month and the same figures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from renkei.apps.profiles.habits import NAV, NAV_LAT, NAV_LON, Context, HabitLearner, distance_km, lat_lon
from renkei.apps.profiles.model import Place
from renkei.vss import Value

TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
SEAT_HEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
COLOR = "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Color"
FAN = "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed"
AC = "Vehicle.Cabin.HVAC.IsAirConditioningActive"

PLACES = {
    "home": Place(name="Home", latitude=31.2165, longitude=121.4365, kind="home"),
    "work": Place(name="Office", latitude=31.2397, longitude=121.4998, kind="work"),
    "school": Place(name="Kai's school", latitude=31.2050, longitude=121.4600, kind="school"),
    "gym": Place(name="Gym", latitude=31.2240, longitude=121.4450),
    "parents": Place(name="Grandparents", latitude=31.1500, longitude=121.3900),
    "market": Place(name="Market", latitude=31.2100, longitude=121.4420),
}


@dataclass
class Trip:
    person: str
    when: datetime
    start: str  # a PLACES key
    aboard: tuple[str, ...]
    intents: dict[str, Value]  # routine settings the person will make on this trip
    extras: dict[str, Value] = field(default_factory=dict)  # one-off settings (noise)


@dataclass
class MonthResult:
    trips: int = 0
    suggestions: int = 0
    accepted: int = 0
    dismissed: int = 0
    routine_settings: int = 0  # settings people made from their routines
    anticipated: int = 0  # ... of which an accepted suggestion made for them
    by_week: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    by_person: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    examples: list[str] = field(default_factory=list)

    @property
    def accepted_share(self) -> float:
        return self.accepted / self.suggestions if self.suggestions else 0.0

    @property
    def unwanted_share(self) -> float:
        return self.dismissed / self.suggestions if self.suggestions else 0.0

    @property
    def coverage(self) -> float:
        return self.anticipated / self.routine_settings if self.routine_settings else 0.0


def _jitter(rng: random.Random, base: datetime, minutes: float) -> datetime:
    return base + timedelta(minutes=rng.gauss(0, minutes))


def _temp(rng: random.Random, usual: float) -> float:
    return usual + rng.choice([0.0, 0.0, 0.0, 0.0, -0.5, 0.5])


def _nav(place: str) -> list[float]:
    p = PLACES[place]
    return [p.latitude, p.longitude]


def family_trips(rng: random.Random, days: int, start: datetime) -> list[tuple[Trip, float]]:
    """Every trip of the month with the outside temperature at its start."""
    trips: list[tuple[Trip, float]] = []
    for day in range(days):
        date = start + timedelta(days=day)
        weekday = date.weekday()
        mean = 9.0 + 4.0 * rng.gauss(0, 1)  # a changeable early spring

        def cold(hour: int, mean: float = mean) -> float:
            return mean + 3.0 * (1 if 11 <= hour <= 17 else -1) + rng.gauss(0, 1)

        def add(trip: Trip, cold: Callable[[int], float] = cold) -> None:
            trips.append((trip, round(cold(trip.when.hour), 1)))

        if weekday < 5:
            if rng.random() < 0.9:  # Wei works from home now and then
                when = _jitter(rng, date.replace(hour=7, minute=40), 12)
                morning = cold(7)
                # warmer mornings, a cooler cabin: the value depends on the weather
                intents: dict[str, Value] = {TEMP: _temp(rng, 21.0 if morning > 13 else 22.0), NAV: _nav("work")}
                if morning < 8 and rng.random() < 0.9:
                    intents[SEAT_HEAT] = 66
                add(Trip("wei", when, "home", ("wei",), intents))
                back = _jitter(rng, date.replace(hour=18, minute=0), 20)
                # most evenings home; now and then the gym or the market instead (a broken routine)
                goal = rng.choices(["home", "gym", "market"], weights=[80, 10, 10])[0]
                add(Trip("wei", back, "work", ("wei",), {TEMP: _temp(rng, 21.0), VOLUME: 30, NAV: _nav(goal)}))
            if rng.random() < 0.95:  # Yuki takes Kai to school
                when = _jitter(rng, date.replace(hour=8, minute=10), 8)
                intents = {TEMP: _temp(rng, 23.5)}
                if rng.random() < 0.85:
                    intents[COLOR] = "#FF80C0"
                add(Trip("yuki", when, "home", ("yuki", "kai"), intents))
            if weekday == 2 and rng.random() < 0.85:  # Wednesday yoga
                when = _jitter(rng, date.replace(hour=19, minute=0), 10)
                add(Trip("yuki", when, "home", ("yuki",), {NAV: _nav("gym"), VOLUME: 15}))
        else:
            if weekday == 5 and rng.random() < 0.8:  # Saturday market, the whole family
                when = _jitter(rng, date.replace(hour=10, minute=0), 45)
                intents = {TEMP: _temp(rng, 22.0)}
                if rng.random() < 0.6:
                    intents[NAV] = _nav("market")
                add(Trip("wei", when, "home", ("wei", "yuki", "kai"), intents))
            if weekday == 6 and rng.random() < 0.75:  # Sunday at the grandparents'
                when = _jitter(rng, date.replace(hour=15, minute=0), 60)
                add(Trip("yuki", when, "home", ("yuki", "kai"), {NAV: _nav("parents"), TEMP: _temp(rng, 23.5)}))
            if rng.random() < 0.5:  # Kai's evenings out: no routine to learn
                when = _jitter(rng, date.replace(hour=20, minute=0), 90)
                intents = {VOLUME: rng.choice([40, 55, 70])} if rng.random() < 0.5 else {}
                add(Trip("kai", when, rng.choice(["home", "market"]), ("kai",), intents))
        for index in range(len(trips)):
            trip, _ = trips[index]
            if trip.when.date() == date.date() and not trip.extras and rng.random() < 0.15:
                trip.extras = {rng.choice([FAN, AC, VOLUME]): rng.choice([20, 50, 80, True, False])}
    trips.sort(key=lambda item: item[0].when)
    return trips


def wanted(key: str, offered: Value, intended: Value) -> bool:
    """Would the person take the offered value for what they meant to set?"""
    if key == NAV:
        a, b = lat_lon(offered), lat_lon(intended)
        return distance_km(a[0], a[1], b[0], b[1]) < 0.3
    if isinstance(offered, bool) or isinstance(intended, bool) or isinstance(offered, str):
        return offered == intended
    if isinstance(offered, int | float) and isinstance(intended, int | float):
        tolerance = 0.5 if key.endswith("Temperature") else 10
        return abs(offered - intended) <= tolerance
    return offered == intended


def simulate_month(learner: HabitLearner, *, seed: int = 7, days: int = 30) -> MonthResult:
    rng = random.Random(seed)
    start = datetime(2026, 3, 2)  # a Monday
    result = MonthResult()
    places = list(PLACES.values())
    for trip, outside in family_trips(rng, days, start):
        place = PLACES[trip.start]
        context = Context.at(
            trip.when,
            outside_temp=outside,
            latitude=place.latitude + rng.gauss(0, 0.0003),
            longitude=place.longitude + rng.gauss(0, 0.0003),
            aboard=trip.aboard,
        )
        now = trip.when.timestamp()
        learner.start_session(trip.person, context, now=now)
        result.trips += 1
        week = (trip.when - start).days // 7 + 1
        done: set[str] = set()
        suggestion = learner.suggest(trip.person, context, places=places, when=trip.when, now=now)
        if suggestion is not None:
            result.suggestions += 1
            result.by_week[week][0] += 1
            result.by_person[trip.person][0] += 1
            good = all(
                a.key in trip.intents and wanted(a.key, a.value, trip.intents[a.key]) for a in suggestion.actions
            )
            learner.answer(suggestion.id, good)
            if good:
                result.accepted += 1
                result.by_week[week][1] += 1
                result.by_person[trip.person][1] += 1
                done = {a.key for a in suggestion.actions}
            else:
                result.dismissed += 1
                result.by_week[week][2] += 1
                result.by_person[trip.person][2] += 1
            if len(result.examples) < 4 and good and week >= 2:
                result.examples.append(suggestion.text["en"])
        for key, value in trip.intents.items():
            result.routine_settings += 1
            if key in done:
                result.anticipated += 1
                continue
            if key == NAV:
                lat, lon = lat_lon(value)
                learner.observe(trip.person, NAV_LAT, lat)
                learner.observe(trip.person, NAV_LON, lon)
            else:
                learner.observe(trip.person, key, value)
        for key, value in trip.extras.items():
            learner.observe(trip.person, key, value)
        learner.end_session(trip.person)
    return result
