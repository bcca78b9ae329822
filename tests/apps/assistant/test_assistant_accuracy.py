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


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
async def test_assistant_round_two_accuracy_floor(lang: str, understander: Understander) -> None:
    """The second held-out round shaped the third round of templates, so it is development data now
    and holds the same floor."""
    report = await evaluate_language(TESTSETS / "holdout", lang, understander=understander)
    assert report.total >= 40
    assert report.accuracy >= FLOOR, f"{lang}: round 2 {report.accuracy:.1%}: " + "; ".join(
        f.say for f in report.failures
    )


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
async def test_assistant_round_three_accuracy_floor(lang: str, understander: Understander) -> None:
    """The third held-out round (86.7 / 82.6 / 79.3 % when measured blind) shaped the frame reader,
    so it is development data now and holds the same floor."""
    report = await evaluate_language(TESTSETS / "holdout3", lang, understander=understander)
    assert report.total >= 190
    assert report.accuracy >= FLOOR, f"{lang}: round 3 {report.accuracy:.1%}: " + "; ".join(
        f.say for f in report.failures
    )


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
async def test_assistant_round_four_accuracy_floor(lang: str, understander: Understander) -> None:
    """The fourth held-out round (93.3 / 91.8 / 95.4 % when measured blind) shaped round 5 of the
    frame reader and templates, so it is development data now and holds the same floor."""
    report = await evaluate_language(TESTSETS / "holdout4", lang, understander=understander)
    assert report.total >= 190
    assert report.accuracy >= FLOOR, f"{lang}: round 4 {report.accuracy:.1%}: " + "; ".join(
        f.say for f in report.failures
    )


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
async def test_assistant_development_round_five_accuracy_floor(lang: str, understander: Understander) -> None:
    """The fifth development round (dev5/, written blind to the templates for tuning, 75 % zh-CN and
    ja when it arrived) holds the same floor once tuned on."""
    report = await evaluate_language(TESTSETS / "dev5", lang, understander=understander)
    assert report.total >= 135
    assert report.accuracy >= FLOOR, f"{lang}: dev5 {report.accuracy:.1%}: " + "; ".join(f.say for f in report.failures)
