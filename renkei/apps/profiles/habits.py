"""Habit learning: what each person sets, in which situation, and what to offer next time.

Flow: a *session* starts when someone becomes the active profile, with its `Context` (local
time, weekday or weekend, outside temperature, where the car is, who is aboard) → every
setting the person makes in it is `observe`d (temperatures, seat heating, fan, ambient light,
volume, a navigation destination …) → at the start of the next session `suggest` weighs every
past session by how similar its context is (a kernel over time of day, day type, temperature,
place and company) and offers the settings this person usually makes in such a situation,
with the value they usually choose → the person accepts or dismisses (`answer`); a dismissal
counts against that setting in similar situations, an acceptance counts for it.

Deterministic, no model files, a few hundred sessions per person in memory; history is kept
in `ProfileStore` when one is given. Learning can be paused and history wiped per person.

    learner = HabitLearner()
    learner.start_session("mei", Context.at(datetime(2026, 3, 2, 7, 40), outside_temp=3.0))
    learner.observe("mei", "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 22.0)
    ...
    suggestion = learner.suggest("mei", context)   # Suggestion(actions=[...], text={...})
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from renkei.apps.profiles.model import HVAC, SEAT, Place
from renkei.apps.profiles.store import ProfileStore
from renkei.vss import Value

NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
NAV_LAT, NAV_LON = f"{NAV}.Latitude", f"{NAV}.Longitude"
# The settings a person makes that depend on the situation (the rest of the profile is static).
LEARNED_PATHS: tuple[str, ...] = (
    f"{HVAC}.Station.Row1.Driver.Temperature",
    f"{HVAC}.Station.Row1.Passenger.Temperature",
    f"{HVAC}.Station.Row1.Driver.FanSpeed",
    f"{HVAC}.IsAirConditioningActive",
    f"{HVAC}.IsRecirculationActive",
    f"{SEAT}.HeatingCooling",
    "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling",
    "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Color",
    "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.IsLightOn",
    "Vehicle.Cabin.Infotainment.Media.Volume",
    NAV_LAT,
    NAV_LON,
)
SUGGESTION_SECONDS = 120.0


@dataclass(frozen=True)
class Context:
    """The situation a session starts in; every part but the time may be unknown."""

    hour: float  # local time of day, 0–24
    weekend: bool
    outside_temp: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    aboard: frozenset[str] = frozenset()

    @classmethod
    def at(
        cls,
        when: datetime,
        *,
        outside_temp: float | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        aboard: Iterable[str] = (),
    ) -> Context:
        return cls(
            hour=when.hour + when.minute / 60 + when.second / 3600,
            weekend=when.weekday() >= 5,
            outside_temp=outside_temp,
            latitude=latitude,
            longitude=longitude,
            aboard=frozenset(aboard),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "hour": round(self.hour, 4),
            "weekend": self.weekend,
            "outside_temp": self.outside_temp,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "aboard": sorted(self.aboard),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Context:
        return cls(
            hour=float(data["hour"]),
            weekend=bool(data["weekend"]),
            outside_temp=data.get("outside_temp"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            aboard=frozenset(data.get("aboard", ())),
        )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Kernel:
    """How alike two situations are, 0–1; each width says how far a habit stretches."""

    hours: float = 0.75
    other_day_type: float = 0.1
    degrees: float = 6.0
    km: float = 1.5
    company: float = 0.5

    def __call__(self, a: Context, b: Context) -> float:
        gap = abs(a.hour - b.hour) % 24
        gap = min(gap, 24 - gap)
        weight = math.exp(-0.5 * (gap / self.hours) ** 2)
        if a.weekend != b.weekend:
            weight *= self.other_day_type
        if a.outside_temp is not None and b.outside_temp is not None:
            weight *= math.exp(-0.5 * ((a.outside_temp - b.outside_temp) / self.degrees) ** 2)
        if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
            km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
            weight *= math.exp(-0.5 * (km / self.km) ** 2)
        if a.aboard or b.aboard:
            union = a.aboard | b.aboard
            weight *= (1 - self.company) + self.company * len(a.aboard & b.aboard) / len(union)
        return weight


def lat_lon(value: object) -> tuple[float, float]:
    """A destination stored as [latitude, longitude]."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    raise ValueError(f"a destination must be [latitude, longitude], not {value!r}")


def bucket(path: str, value: Value) -> Value:
    """Values a person would call 'the same': 22.0 and 22.2 °C, volume 28 and 30."""
    if path == NAV:
        lat, lon = lat_lon(value)
        return [round(lat, 3), round(lon, 3)]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, float) and "Temperature" in path:
        return round(value * 2) / 2
    if isinstance(value, int | float):
        return int(round(value / 10.0) * 10)
    return value


@dataclass
class Session:
    id: int
    person: str
    context: Context
    started: float
    actions: dict[str, Value] = field(default_factory=dict)
    accepted: set[str] = field(default_factory=set)
    dismissed: set[str] = field(default_factory=set)
    offered: set[str] = field(default_factory=set)
    pending_nav: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SuggestedAction:
    key: str  # a path, or NAV for a destination
    value: Value
    confidence: float

    def targets(self) -> dict[str, Value]:
        if self.key == NAV:
            lat, lon = lat_lon(self.value)
            return {NAV_LAT: lat, NAV_LON: lon}
        return {self.key: self.value}


@dataclass(frozen=True)
class Suggestion:
    id: str
    person: str
    actions: tuple[SuggestedAction, ...]
    text: dict[str, str]
    expires: float

    def targets(self) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for action in self.actions:
            out.update(action.targets())
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "person": self.person,
            "text": self.text,
            "actions": [{"path": p, "value": v} for p, v in self.targets().items()],
            "expires": self.expires,
        }


class HabitLearner:
    """Per-person sessions, suggestions and answers; see the module docstring."""

    def __init__(
        self,
        store: ProfileStore | None = None,
        *,
        kernel: Kernel | None = None,
        min_sessions: int = 4,
        min_weight: float = 1.5,
        min_confidence: float = 0.6,
        min_agreement: float = 0.6,
        dismiss_weight: float = 3.0,
        max_actions: int = 3,
        min_bundle: float = 0.7,
        history: int = 400,
    ) -> None:
        self.store = store
        self.kernel = kernel or Kernel()
        self.min_sessions = min_sessions
        self.min_weight = min_weight
        self.min_confidence = min_confidence
        self.min_agreement = min_agreement
        self.dismiss_weight = dismiss_weight
        self.max_actions = max_actions
        self.min_bundle = min_bundle
        self.history_size = history
        self.paused: set[str] = set()
        self._history: dict[str, list[Session]] = defaultdict(list)
        self._current: dict[str, Session] = {}
        self._open: dict[str, tuple[Suggestion, Session]] = {}
        self._ids = itertools.count(1)
        self._load(None)

    def _load(self, person: str | None) -> None:
        if self.store is None:
            return
        rows = self.store.sessions(person, limit=self.history_size if person else self.history_size * 8)
        if person is not None:
            self._history[person] = []
        for row in rows:
            self._history[row["person"]].append(
                Session(
                    id=row["id"],
                    person=row["person"],
                    context=Context.from_json(row["context"]),
                    started=row["started"],
                    actions=row["actions"],
                    accepted=set(row["accepted"]),
                    dismissed=set(row["dismissed"]),
                )
            )

    def reload(self, person: str) -> None:
        """Re-read one person's history from the store (the CLI may have wiped it)."""
        self._load(person)

    # -- sessions ---------------------------------------------------------------------------------
    def start_session(self, person: str, context: Context, *, now: float | None = None) -> Session:
        """Close `person`'s previous session (if any) and open a new one."""
        self.end_session(person)
        started = time.time() if now is None else now
        ident = -next(self._ids)
        if self.store is not None and person not in self.paused:
            ident = self.store.add_session(person, started, context.to_json())
        session = Session(ident, person, context, started)
        self._current[person] = session
        return session

    def end_session(self, person: str) -> None:
        session = self._current.pop(person, None)
        if session is None:
            return
        if person in self.paused:
            return
        history = self._history[person]
        history.append(session)
        del history[: -self.history_size]
        self._save(session)

    def _save(self, session: Session) -> None:
        if self.store is not None and session.id > 0 and session.person not in self.paused:
            self.store.update_session(
                session.id, dict(session.actions), sorted(session.accepted), sorted(session.dismissed)
            )

    def current(self, person: str) -> Session | None:
        return self._current.get(person)

    def observe(self, person: str, path: str, value: Value) -> None:
        """`person` set `path` to `value` themselves (not an echo of our own actuation)."""
        session = self._current.get(person)
        if session is None or person in self.paused or value is None:
            return
        if path in (NAV_LAT, NAV_LON):
            session.pending_nav[path] = float(value)  # type: ignore[arg-type]
            if len(session.pending_nav) == 2:
                session.actions[NAV] = [session.pending_nav[NAV_LAT], session.pending_nav[NAV_LON]]
                session.pending_nav.clear()
        else:
            session.actions[path] = value
        self._save(session)

    # -- privacy ------------------------------------------------------------------------------------
    def pause(self, person: str, paused: bool = True) -> None:
        if paused:
            self.paused.add(person)
        else:
            self.paused.discard(person)

    def wipe(self, person: str) -> int:
        """Forget everything learned about `person` (memory and store)."""
        count = len(self._history.pop(person, []))
        self._current.pop(person, None)
        for sid, (suggestion, _) in list(self._open.items()):
            if suggestion.person == person:
                del self._open[sid]
        if self.store is not None:
            count = max(count, self.store.wipe_history(person))
        return count

    def history(self, person: str) -> list[Session]:
        return list(self._history.get(person, ()))

    # -- anticipation -----------------------------------------------------------------------------------
    def candidates(self, person: str, context: Context) -> list[SuggestedAction]:
        """Settings this person usually makes in a situation like `context`, most likely first."""
        history = self._history.get(person, [])
        if len(history) < self.min_sessions:
            return []
        weights = [self.kernel(context, s.context) for s in history]
        total = sum(weights)
        if total < self.min_weight:
            return []
        made: dict[str, float] = defaultdict(float)
        refused: dict[str, float] = defaultdict(float)
        # per setting, per bucket of "the same" value: total weight, and the exact value the
        # person chose in the most similar session (a destination is offered exactly, not rounded)
        values: dict[str, dict[str, tuple[float, float, Value]]] = defaultdict(dict)
        for weight, session in zip(weights, history, strict=True):
            if weight < 1e-4:
                continue
            for key, value in session.actions.items():
                made[key] += weight
                label = repr(bucket(key, value))
                total_w, best_w, best = values[key].get(label, (0.0, -1.0, value))
                if weight > best_w:
                    best_w, best = weight, value
                values[key][label] = (total_w + weight, best_w, best)
            for key in session.dismissed - set(session.actions):
                refused[key] += weight
        found = []
        for key, weight in made.items():
            share, _, value = max(values[key].values(), key=lambda item: item[0])
            agreement = share / weight
            if agreement < self.min_agreement:
                continue  # the person sets it, but to different values: do not guess
            # the chance they set it here at all, times the chance it is to this value
            confidence = weight / (total + self.dismiss_weight * refused[key]) * agreement
            if confidence < self.min_confidence:
                continue
            found.append(SuggestedAction(key, value, round(confidence, 3)))
        found.sort(key=lambda a: (-a.confidence, a.key))
        return found

    def suggest(
        self,
        person: str,
        context: Context,
        *,
        places: Sequence[Place] = (),
        when: datetime | None = None,
        now: float | None = None,
    ) -> Suggestion | None:
        """One suggestion for the start of a session, or None when nothing is likely enough."""
        session = self._current.get(person)
        skip = set(session.actions) | session.offered if session is not None else set()
        # A suggestion is answered as a whole: add settings only while the chance that the
        # person wants all of them (confidences multiplied) stays high enough.
        actions: list[SuggestedAction] = []
        chance = 1.0
        for action in self.candidates(person, context):
            if action.key in skip or len(actions) >= self.max_actions:
                continue
            if actions and chance * action.confidence < self.min_bundle:
                break
            actions.append(action)
            chance *= action.confidence
        if not actions:
            return None
        clock = time.time() if now is None else now
        suggestion = Suggestion(
            id=f"s{next(self._ids)}-{int(clock)}",
            person=person,
            actions=tuple(actions),
            text=describe(actions, context, places, when),
            expires=clock + SUGGESTION_SECONDS,
        )
        if session is not None:
            session.offered |= {a.key for a in actions}
            self._open[suggestion.id] = (suggestion, session)
        return suggestion

    def answer(self, suggestion_id: str, accepted: bool) -> Suggestion | None:
        """Learn from an answer; returns the suggestion answered, None for an unknown id."""
        entry = self._open.pop(suggestion_id, None)
        if entry is None:
            return None
        suggestion, session = entry
        keys = {a.key for a in suggestion.actions}
        if accepted:
            session.accepted |= keys
            for action in suggestion.actions:
                session.actions[action.key] = action.value
        else:
            session.dismissed |= keys
        self._save(session)
        return suggestion

    def drop(self, suggestion_id: str) -> None:
        """Forget an unanswered suggestion without learning anything from it."""
        self._open.pop(suggestion_id, None)

    def open_suggestion(self, suggestion_id: str) -> Suggestion | None:
        entry = self._open.get(suggestion_id)
        return entry[0] if entry else None


# -- words ------------------------------------------------------------------------------------------
def _place_name(value: Value, places: Sequence[Place]) -> dict[str, str]:
    lat, lon = lat_lon(value)
    for place in places:
        if distance_km(place.latitude, place.longitude, lat, lon) < 0.3:
            known = {
                "home": {"en": "home", "zh-CN": "家", "ja": "自宅"},
                "work": {"en": "work", "zh-CN": "公司", "ja": "職場"},
                "school": {"en": "school", "zh-CN": "学校", "ja": "学校"},
            }
            return known.get(place.kind, {"en": place.name, "zh-CN": place.name, "ja": place.name})
    where = f"{lat:.4f}, {lon:.4f}"
    return {"en": where, "zh-CN": where, "ja": where}


def _phrase(action: SuggestedAction, places: Sequence[Place]) -> dict[str, str]:
    key, value = action.key, action.value
    if key == NAV:
        name = _place_name(value, places)
        to = "home" if name["en"] == "home" else f"to {name['en']}"
        return {
            "en": f"navigate {to}",
            "zh-CN": f"导航到{name['zh-CN']}",
            "ja": f"{name['ja']}へのルート案内",
        }
    if key.endswith("Temperature"):
        zone = "passenger side" if "Passenger" in key else "cabin"
        zh = "副驾驶温度" if "Passenger" in key else "车内温度"
        ja = "助手席の温度" if "Passenger" in key else "車内温度"
        return {"en": f"set the {zone} to {value} °C", "zh-CN": f"{zh}设为{value}°C", "ja": f"{ja}を{value}°C"}
    if key.endswith("HeatingCooling"):
        if value == 0:
            return {"en": "turn the seat climate off", "zh-CN": "关闭座椅加热", "ja": "シート温調オフ"}
        if isinstance(value, int | float) and value < 0:
            return {"en": f"cool the seat ({-value} %)", "zh-CN": f"座椅通风{-value}%", "ja": f"シート送風{-value}%"}
        return {"en": f"heat the seat ({value} %)", "zh-CN": f"座椅加热{value}%", "ja": f"シートヒーター{value}%"}
    if key.endswith("FanSpeed"):
        return {"en": f"set the fan to {value} %", "zh-CN": f"风量设为{value}%", "ja": f"風量{value}%"}
    if key.endswith("IsAirConditioningActive"):
        on = bool(value)
        return {
            "en": f"turn the A/C {'on' if on else 'off'}",
            "zh-CN": "打开空调" if on else "关闭空调",
            "ja": "エアコンオン" if on else "エアコンオフ",
        }
    if key.endswith("IsRecirculationActive"):
        on = bool(value)
        return {
            "en": f"turn recirculation {'on' if on else 'off'}",
            "zh-CN": "开启内循环" if on else "关闭内循环",
            "ja": "内気循環オン" if on else "内気循環オフ",
        }
    if key.endswith("Volume"):
        return {"en": f"set the volume to {value}", "zh-CN": f"音量设为{value}", "ja": f"音量{value}"}
    if key.endswith("Color"):
        return {
            "en": f"set the ambient light to {value}",
            "zh-CN": f"氛围灯设为{value}",
            "ja": f"アンビエントライト{value}",
        }
    if key.endswith("IsLightOn"):
        on = bool(value)
        return {
            "en": f"turn the ambient light {'on' if on else 'off'}",
            "zh-CN": "打开氛围灯" if on else "关闭氛围灯",
            "ja": "アンビエントライトオン" if on else "アンビエントライトオフ",
        }
    short = key.rsplit(".", 2)[-2:]
    return {lang: f"{'.'.join(short)} = {value}" for lang in ("en", "zh-CN", "ja")}


def describe(
    actions: Sequence[SuggestedAction], context: Context, places: Sequence[Place] = (), when: datetime | None = None
) -> dict[str, str]:
    """The question a person reads, in English, Simplified Chinese and Japanese."""
    if when is None:
        base = datetime(2000, 1, 1) + timedelta(hours=context.hour)
        clock = base.strftime("%H:%M")
    else:
        clock = when.strftime("%H:%M")
    phrases = [_phrase(a, places) for a in actions]
    en = [p["en"] for p in phrases]
    en_list = en[0] if len(en) == 1 else ", ".join(en[:-1]) + " and " + en[-1]
    day = (
        {"en": "a weekend", "zh-CN": "周末", "ja": "週末"}
        if context.weekend
        else {"en": "a weekday", "zh-CN": "工作日", "ja": "平日"}
    )
    return {
        "en": f"It's {clock} on {day['en']}: {en_list}?",
        "zh-CN": f"现在是{day['zh-CN']} {clock}：要{'，并'.join(p['zh-CN'] for p in phrases)}吗？",
        "ja": f"{day['ja']}の{clock}です。{'、'.join(p['ja'] for p in phrases)}にしますか？",
    }
