"""Exact-effect accuracy on the per-language development sets stays at the goal, so regressions show in CI.

The goal is 95 % per language (benchmarks/bench_assistant.py reports the figure, and the
held-out rounds that no template change has seen). Every case runs through the real assistant
on a local car; the expectations are hand-written in benchmarks/assistant_testsets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.apps.assistant.evaluation import evaluate_language, load_cases
from renkei.apps.assistant.understanding import Understander

TESTSETS = Path(__file__).resolve().parents[3] / "benchmarks" / "assistant_testsets"
FLOOR = 0.95


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander()


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
async def test_assistant_accuracy_floor(lang: str, understander: Understander) -> None:
    report = await evaluate_language(TESTSETS, lang, understander=understander)
    assert report.total >= 150, f"{lang}: the test set must hold at least 150 commands, has {report.total}"
    failures = "\n".join(f"  {f.say}: {f.why}" for f in report.failures)
    assert report.accuracy >= FLOOR, f"{lang}: {report.accuracy:.1%} < {FLOOR:.0%}\n{failures}"


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
def test_assistant_testsets_cover_every_area(lang: str) -> None:
    _, cases = load_cases(TESTSETS, lang)
    touched = {path for case in cases for path in case.expect}
    for fragment in (
        "HVAC.Station",
        "FanSpeed",
        "IsAirConditioningActive",
        "HeatingCooling",
        "Window.Position",
        "IsLocked",
        "AmbientLight",
        "Media.Volume",
        "ChargeLimit",
        "StartStopCharging",
        "DestinationSet",
    ):
        assert any(fragment in p for p in touched), f"{lang}: no case changes {fragment}"
    assert sum(1 for c in cases if c.home) >= 5, f"{lang}: too few home commands"
    assert sum(1 for c in cases if c.refused) >= 5, f"{lang}: too few refusals"
    assert sum(1 for c in cases if c.before) >= 5, f"{lang}: too few follow-ups"


# Later rounds that templates and frames were since tuned on, so they are development data and hold
# the same floor: folder, the least number of commands per language, what the round was.
TUNED_ROUNDS = [
    ("holdout", 40, "round 2, shaped the third round of templates"),
    ("holdout3", 190, "round 3, 86.7 / 82.6 / 79.3 % blind, shaped the frame reader"),
    ("holdout4", 190, "round 4, 93.3 / 91.8 / 95.4 % blind, shaped round 5"),
    ("dev5", 135, "round 5 development set, written blind for tuning, 75 % zh-CN and ja on arrival"),
    ("holdout5", 200, "round 5, 95.1 / 99.5 / 96.6 % blind, its wrong actions fixed since"),
]


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
@pytest.mark.parametrize(("folder", "least", "what"), TUNED_ROUNDS, ids=[r[0] for r in TUNED_ROUNDS])
async def test_assistant_tuned_round_accuracy_floor(
    lang: str, folder: str, least: int, what: str, understander: Understander
) -> None:
    report = await evaluate_language(TESTSETS / folder, lang, understander=understander)
    assert report.total >= least
    failures = "; ".join(f.say for f in report.failures)
    assert report.accuracy >= FLOOR, f"{lang}: {folder} ({what}) {report.accuracy:.1%}: {failures}"
