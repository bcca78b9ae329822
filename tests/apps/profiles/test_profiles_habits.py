"""Habit learning without a broker: what is learned, when it is offered, how answers change it,
pausing and wiping, persistence across restarts, the words people read, and the simulated
family month at a floor below the benchmark's figures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from renkei.apps.profiles import Context, HabitLearner, ProfileStore
from renkei.apps.profiles.family import simulate_month
from renkei.apps.profiles.habits import NAV, NAV_LAT, NAV_LON, Kernel, bucket, describe, lat_lon
from renkei.apps.profiles.model import Place

TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
HEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling"
WORK = Place(name="Office", latitude=31.2397, longitude=121.4998, kind="work")


def morning(day: int, minute: int = 40, **kw: object) -> Context:
    return Context.at(datetime(2026, 3, 2 + day, 7, minute), **kw)  # type: ignore[arg-type]


def teach(learner: HabitLearner, person: str, contexts: list[Context], settings: dict[str, object]) -> None:
    for i, context in enumerate(contexts):
        learner.start_session(person, context, now=float(i))
        for path, value in settings.items():
            if path == NAV:
                lat, lon = lat_lon(value)
                learner.observe(person, NAV_LAT, lat)
                learner.observe(person, NAV_LON, lon)
            else:
                learner.observe(person, path, value)  # type: ignore[arg-type]
        learner.end_session(person)


def test_nothing_is_offered_before_enough_history() -> None:
    learner = HabitLearner()
    teach(learner, "wei", [morning(d) for d in range(3)], {TEMP: 22.0})
    learner.start_session("wei", morning(4))
    assert learner.suggest("wei", morning(4)) is None


def test_a_routine_is_offered_in_its_situation_only() -> None:
    learner = HabitLearner()
    weekdays = [morning(d) for d in (0, 1, 2, 3, 4, 7, 8)]
    teach(learner, "wei", weekdays, {TEMP: 22.0, NAV: [WORK.latitude, WORK.longitude]})
    learner.start_session("wei", morning(9))
    suggestion = learner.suggest("wei", morning(9), places=[WORK])
    assert suggestion is not None
    assert suggestion.targets() == {TEMP: 22.0, NAV_LAT: WORK.latitude, NAV_LON: WORK.longitude}
    assert "navigate to work" in suggestion.text["en"] and "22.0 °C" in suggestion.text["en"]
    assert "公司" in suggestion.text["zh-CN"] and "職場" in suggestion.text["ja"]
    # mid-afternoon, or a Saturday morning: not this routine
    afternoon = Context.at(datetime(2026, 3, 11, 15, 0))
    learner.start_session("wei", afternoon)
    assert learner.suggest("wei", afternoon) is None
    saturday = Context.at(datetime(2026, 3, 14, 7, 40))
    learner.start_session("wei", saturday)
    assert learner.suggest("wei", saturday) is None
    # and never to someone else
    learner.start_session("yuki", morning(9))
    assert learner.suggest("yuki", morning(9)) is None


def test_inconsistent_values_are_not_guessed() -> None:
    learner = HabitLearner()
    for i, temp in enumerate([18.0, 25.0, 21.0, 28.0, 19.0, 26.0]):
        teach(learner, "kai", [morning(i)], {TEMP: temp})
    learner.start_session("kai", morning(8))
    assert learner.suggest("kai", morning(8)) is None


def test_a_value_that_depends_on_the_weather_follows_it() -> None:
    learner = HabitLearner()
    for day in range(8):
        cold = day % 2 == 0
        teach(learner, "wei", [morning(day, outside_temp=0.0 if cold else 20.0)], {HEAT: 66 if cold else 0})
    for outside, expected in ((1.0, 70), (19.0, 0)):
        context = morning(10, outside_temp=outside)
        learner.start_session("wei", context)
        suggestion = learner.suggest("wei", context)
        assert suggestion is not None and bucket(HEAT, suggestion.targets()[HEAT]) == expected


def test_dismissals_stop_a_suggestion_acceptance_keeps_it() -> None:
    learner = HabitLearner()
    teach(learner, "wei", [morning(d) for d in range(6)], {TEMP: 22.0})
    day = 7
    dismissed_after = None
    for attempt in range(6):
        context = morning(day + attempt)
        learner.start_session("wei", context)
        suggestion = learner.suggest("wei", context)
        if suggestion is None:
            dismissed_after = attempt
            break
        assert learner.answer(suggestion.id, False) is suggestion
        learner.end_session("wei")
    assert dismissed_after is not None and dismissed_after <= 3

    other = HabitLearner()
    teach(other, "wei", [morning(d) for d in range(6)], {TEMP: 22.0})
    for attempt in range(6):
        context = morning(day + attempt)
        other.start_session("wei", context)
        suggestion = other.suggest("wei", context)
        assert suggestion is not None
        other.answer(suggestion.id, True)
        other.end_session("wei")
    assert other.answer("unknown-id", True) is None


def test_one_suggestion_per_setting_per_session() -> None:
    learner = HabitLearner()
    teach(learner, "wei", [morning(d) for d in range(6)], {TEMP: 22.0})
    learner.start_session("wei", morning(8))
    first = learner.suggest("wei", morning(8))
    assert first is not None
    assert learner.suggest("wei", morning(8)) is None


def test_pause_and_wipe_per_person(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    learner = HabitLearner(store)
    teach(learner, "wei", [morning(d) for d in range(5)], {TEMP: 22.0})
    teach(learner, "yuki", [morning(d) for d in range(5)], {TEMP: 24.0})
    learner.pause("wei")
    teach(learner, "wei", [morning(d) for d in range(5, 9)], {TEMP: 18.0})
    assert len(learner.history("wei")) == 5
    learner.pause("wei", False)
    assert learner.wipe("wei") == 5
    assert learner.history("wei") == [] and len(learner.history("yuki")) == 5
    assert store.sessions("wei") == [] and len(store.sessions("yuki")) == 5
    store.close()


def test_history_survives_a_restart(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    teach(HabitLearner(store), "wei", [morning(d) for d in range(6)], {TEMP: 22.5})
    store.close()
    store = ProfileStore(tmp_path)
    learner = HabitLearner(store)
    assert len(learner.history("wei")) == 6
    learner.start_session("wei", morning(8))
    suggestion = learner.suggest("wei", morning(8))
    assert suggestion is not None and suggestion.targets() == {TEMP: 22.5}
    store.close()


def test_the_kernel_weighs_time_day_weather_place_and_company() -> None:
    kernel = Kernel()
    base = morning(0, outside_temp=5.0, latitude=31.2, longitude=121.4, aboard=["wei"])
    assert kernel(base, base) == pytest.approx(1.0)
    assert kernel(base, morning(1, minute=55, outside_temp=5.0, latitude=31.2, longitude=121.4, aboard=["wei"])) > 0.7
    assert kernel(base, Context.at(datetime(2026, 3, 2, 19, 40), outside_temp=5.0)) < 0.01
    assert kernel(base, Context.at(datetime(2026, 3, 7, 7, 40), outside_temp=5.0)) <= 0.1
    assert kernel(base, morning(1, outside_temp=25.0)) < kernel(base, morning(1, outside_temp=7.0))
    assert kernel(base, morning(1, latitude=31.4, longitude=121.6)) < 0.01
    assert kernel(base, morning(1, aboard=["wei", "kai"])) < kernel(base, morning(1, aboard=["wei"]))
    # midnight wraps around
    late = Context.at(datetime(2026, 3, 2, 23, 50))
    assert kernel(late, Context.at(datetime(2026, 3, 3, 0, 10))) > 0.9


def test_suggestion_words_in_three_languages() -> None:
    from renkei.apps.profiles.habits import SuggestedAction

    text = describe(
        [SuggestedAction(TEMP, 21.5, 0.9), SuggestedAction(HEAT, 66, 0.8)],
        Context.at(datetime(2026, 3, 2, 7, 40)),
        when=datetime(2026, 3, 2, 7, 40),
    )
    assert text["en"] == "It's 07:40 on a weekday: set the cabin to 21.5 °C and heat the seat (66 %)?"
    assert text["zh-CN"].startswith("现在是工作日 07:40") and "21.5°C" in text["zh-CN"]
    assert text["ja"].startswith("平日の07:40です。") and "シートヒーター66%" in text["ja"]


def test_observations_outside_a_session_are_ignored() -> None:
    learner = HabitLearner()
    learner.observe("nobody", TEMP, 22.0)
    assert learner.history("nobody") == []


def test_a_simulated_family_month_is_mostly_welcome() -> None:
    result = simulate_month(HabitLearner(), seed=7)
    again = simulate_month(HabitLearner(), seed=7)
    assert (result.suggestions, result.accepted) == (again.suggestions, again.accepted)  # deterministic
    assert result.trips > 50 and result.suggestions >= 20
    assert result.accepted_share >= 0.8, f"accepted {result.accepted}/{result.suggestions}"
    assert result.unwanted_share <= 0.2
    assert result.coverage >= 0.3
    assert result.by_person.get("kai", [0])[0] <= 1  # no routine, (almost) no suggestions
