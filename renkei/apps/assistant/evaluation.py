"""Exact-effect accuracy of the assistant on a language's test set (benchmarks/assistant_testsets).

Flow: load the shared aliases and starting state plus the language's cases → for each
case, reset a local car (local.py) to the starting state, run the earlier utterances of
the conversation, then the utterance → compare what changed (path and value), the home
commands, refusals and answers with the expectation.

    report = await evaluate_language(Path("benchmarks/assistant_testsets"), "zh-CN")
    report.accuracy, report.failures[:3]
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from renkei.apps.assistant.assistant import AskResult, Assistant
from renkei.apps.assistant.local import PARKED, local_car
from renkei.apps.assistant.settings import DEFAULT_PLACES, AssistantSettings
from renkei.apps.assistant.understanding import Understander
from renkei.vss import Value

AMBIENT_SIDES = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
DOOR_SIDES = AMBIENT_SIDES


@dataclass
class Case:
    say: str
    seat: str = "driver"
    before: tuple[str, ...] = ()
    state: dict[str, Value] = field(default_factory=dict)
    expect: dict[str, Value] = field(default_factory=dict)
    home: dict[str, Any] | None = None
    refused: bool = False
    answer: str | None = None


@dataclass
class Failure:
    say: str
    why: str


@dataclass
class LanguageReport:
    lang: str
    total: int = 0
    correct: int = 0
    failures: list[Failure] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _full(path: str, aliases: Mapping[str, str]) -> str:
    path = aliases.get(path, path)
    return path if path.startswith("Vehicle.") else f"Vehicle.{path}"


def expand(expect: Mapping[str, Any], aliases: Mapping[str, str]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for key, value in expect.items():
        if key == "lock_all":
            out.update({f"Vehicle.Cabin.Door.{side}.IsLocked": bool(value) for side in DOOR_SIDES})
        elif key == "ambient":
            for side in AMBIENT_SIDES:
                out[f"Vehicle.Cabin.Light.AmbientLight.{side}.Color"] = str(value)
                out[f"Vehicle.Cabin.Light.AmbientLight.{side}.IsLightOn"] = True
        elif key == "dest":
            lat, lon = DEFAULT_PLACES[str(value)]
            out["Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude"] = lat
            out["Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude"] = lon
        else:
            out[_full(key, aliases)] = value
    return out


def load_cases(folder: Path, lang: str) -> tuple[dict[str, Value], list[Case]]:
    shared = folder / "common.yaml"
    if not shared.exists():
        shared = folder.parent / "common.yaml"  # a held-out set beside the main one
    common = yaml.safe_load(shared.read_text("utf-8"))
    data = yaml.safe_load((folder / f"{lang}.yaml").read_text("utf-8"))
    aliases: dict[str, str] = common["aliases"]
    initial = {**PARKED, **{_full(k, aliases): v for k, v in common["initial"].items()}}
    cases = [
        Case(
            say=str(raw["say"]),
            seat=str(raw.get("seat", "driver")),
            before=tuple(raw.get("before", ())),
            state={_full(k, aliases): v for k, v in (raw.get("state") or {}).items()},
            expect=expand(raw.get("expect") or {}, aliases),
            home=raw.get("home"),
            refused=bool(raw.get("refused", False)),
            answer=None if raw.get("answer") is None else str(raw["answer"]),
        )
        for raw in data["cases"]
    ]
    return initial, cases


def _same(a: Value | None, b: Value | None) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), abs_tol=1e-6)
    return a == b


def judge(case: Case, result: AskResult) -> str | None:
    """None when the result has exactly the expected effect, else what differed."""
    got = {c.path: c.value for c in result.changes}
    if case.refused:
        if got or not result.refusals:
            return f"expected a refusal, got changes {got} / reply {result.text!r}"
        return None
    if set(got) != set(case.expect) or not all(_same(got[p], case.expect[p]) for p in got):
        return f"changes {got} != expected {case.expect} (reply {result.text!r})"
    if result.refusals:
        return f"unexpected refusal: {result.refusals}"
    if case.home is not None:
        wanted = dict(case.home)
        intent = wanted.pop("intent", None)
        matches = [
            h
            for h in result.home_commands
            if (intent is None or h.intent == intent) and all(h.slots.get(k) == v for k, v in wanted.items())
        ]
        if not matches:
            return f"home {[h.as_dict() for h in result.home_commands]} != expected {case.home}"
    elif result.home_commands:
        return f"unexpected home commands {[h.as_dict() for h in result.home_commands]}"
    if case.answer is not None and case.answer not in result.text:
        return f"answer {result.text!r} lacks {case.answer!r}"
    if not case.expect and case.home is None and case.answer is None:
        return "the case expects nothing"
    return None


async def evaluate_language(
    folder: Path, lang: str, *, understander: Understander | None = None, settings: AssistantSettings | None = None
) -> LanguageReport:
    initial, cases = load_cases(folder, lang)
    understander = understander or Understander()
    report = LanguageReport(lang)
    async with local_car() as car:
        for case in cases:
            car.broker.publish({**initial, **case.state})
            assistant = Assistant(car.client, settings or AssistantSettings(), understander=understander)
            for earlier in case.before:
                await assistant.handle_text(earlier, lang=lang, seat=case.seat)
            started = time.perf_counter()
            result = await assistant.handle_text(case.say, lang=lang, seat=case.seat)
            report.latencies_ms.append((time.perf_counter() - started) * 1000)
            report.total += 1
            why = judge(case, result)
            if why is None:
                report.correct += 1
            else:
                report.failures.append(Failure(case.say, why))
    return report
