"""The assistant's text path in en, zh-CN and ja: seats, several commands, follow-ups, safety,
scopes, replies in the speaker's language, and hostile input."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from renkei.apps.assistant import Assistant, AssistantInputError, AssistantSettings, ask
from renkei.apps.assistant.local import LocalCar, local_car
from renkei.apps.assistant.understanding import (
    MAX_TEXT_CHARS,
    HomeCommand,
    Understander,
    UnderstandingError,
    normalize_text,
)

WINDOW = "Vehicle.Cabin.Door.{}.Window.Position"
SEAT_HEAT = "Vehicle.Cabin.Seat.{}.HeatingCooling"
TEMP = "Vehicle.Cabin.HVAC.Station.{}.Temperature"


@pytest.fixture
async def car() -> AsyncIterator[LocalCar]:
    async with local_car({TEMP.format("Row1.Driver"): 21.0, TEMP.format("Row1.Passenger"): 21.0}) as car:
        yield car


@pytest.fixture
def assistant(car: LocalCar) -> Assistant:
    return Assistant(car.client, AssistantSettings())


def changes(result: object) -> dict[str, object]:
    return {c.path: c.value for c in result.changes}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "lang", "seat", "path", "value"),
    [
        ("open my window", "en", "rear-right", WINDOW.format("Row2.PassengerSide"), 100),
        ("把我的车窗打开一半", "zh-CN", "passenger", WINDOW.format("Row1.PassengerSide"), 50),
        ("私の窓を半分開けて", "ja", "rear-left", WINDOW.format("Row2.DriverSide"), 50),
        ("turn on my seat heating", "en", "passenger", SEAT_HEAT.format("Row1.PassengerSide"), 67),
        ("打开我的座椅加热", "zh-CN", "rear-left", SEAT_HEAT.format("Row2.DriverSide"), 67),
        ("私の席のシートヒーターをつけて", "ja", "passenger", SEAT_HEAT.format("Row1.PassengerSide"), 67),
    ],
)
async def test_assistant_my_resolves_to_the_speakers_seat(
    assistant: Assistant, car: LocalCar, text: str, lang: str, seat: str, path: str, value: int
) -> None:
    result = await assistant.handle_text(text, lang=lang, seat=seat)
    assert changes(result) == {path: value}
    assert car.broker.current_value(path) == value  # the stand-in vehicle confirmed it


async def test_assistant_number_words_in_each_language(assistant: Assistant) -> None:
    for text, lang in (
        ("set the temperature to twenty three", "en"),
        ("温度调到二十三度", "zh-CN"),
        ("温度を二十三度にして", "ja"),
    ):
        result = await assistant.handle_text(text, lang=lang)
        assert changes(result) == {TEMP.format("Row1.Driver"): 23.0}, text


async def test_assistant_several_commands_in_one_sentence(assistant: Assistant) -> None:
    result = await assistant.handle_text("打开空调，然后把主驾车窗关上，再把音量调到二十", lang="zh-CN")
    assert changes(result) == {
        "Vehicle.Cabin.HVAC.IsAirConditioningActive": True,
        WINDOW.format("Row1.DriverSide"): 0,
        "Vehicle.Cabin.Infotainment.Media.Volume": 20,
    }
    assert result.text.count("。") == 3


async def test_assistant_follow_ups_reuse_the_context(assistant: Assistant) -> None:
    await assistant.handle_text("set the passenger side to 22 degrees", lang="en")
    warmer = await assistant.handle_text("warmer", lang="en")
    assert changes(warmer) == {TEMP.format("Row1.Passenger"): 23.0}
    too = await assistant.handle_text("and the driver side too", lang="en")
    assert changes(too) == {TEMP.format("Row1.Driver"): 22.0}  # "warmer" from 21


async def test_assistant_follow_up_without_context_asks_back(assistant: Assistant) -> None:
    result = await assistant.handle_text("and the passenger side too", lang="en")
    assert not result.changes
    assert result.text == "Sorry, what should I change?"


async def test_assistant_follow_up_expires(car: LocalCar) -> None:
    assistant = Assistant(car.client, AssistantSettings(follow_up_seconds=0))
    await assistant.handle_text("set the temperature to 22", lang="en")
    result = await assistant.handle_text("and the passenger side too", lang="en")
    assert not result.changes


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        ("open my door", "en", "doors cannot open while the vehicle moves"),
        ("打开车门", "zh-CN", "行驶中不能打开车门"),
        ("ドアを開けて", "ja", "走行中はドアを開けられません"),
        ("unlock the car", "en", "doors cannot unlock while the vehicle moves"),
    ],
)
async def test_assistant_surfaces_the_brokers_safety_refusal(
    assistant: Assistant, car: LocalCar, text: str, lang: str, reason: str
) -> None:
    car.broker.publish({"Vehicle.Speed": 50.0})
    result = await assistant.handle_text(text, lang=lang)
    assert not result.changes
    assert reason in result.text
    assert car.broker.current_value("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen") is not True


async def test_assistant_own_safety_rules(assistant: Assistant, car: LocalCar) -> None:
    car.broker.publish({"Vehicle.Speed": 30.0})
    seat = await assistant.handle_text("move my seat back", lang="en")
    assert not seat.changes and "while driving" in seat.text
    car.broker.publish(
        {"Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsChargingCableConnected": False}
    )
    charge = await assistant.handle_text("开始充电", lang="zh-CN")
    assert not charge.changes and "充电枪" in charge.text


async def test_assistant_rear_seat_scope_blocks_front_and_doors(assistant: Assistant, car: LocalCar) -> None:
    result = await assistant.handle_text("unlock the doors", lang="en", seat="rear-left")
    assert not result.changes and result.refusals
    own = await assistant.handle_text("set my temperature to 24", lang="en", seat="rear-left")
    assert changes(own) == {TEMP.format("Row2.Driver"): 24.0}


async def test_assistant_speaker_scopes_override_the_seat(car: LocalCar) -> None:
    settings = AssistantSettings(speaker_scopes={"kid": "read actuate:Vehicle.Cabin.Infotainment.Media"})
    assistant = Assistant(car.client, settings)
    refused = await assistant.handle_text("open my window", lang="en", seat="driver", speaker="kid")
    assert not refused.changes
    allowed = await assistant.handle_text("volume 20", lang="en", seat="driver", speaker="kid")
    assert changes(allowed) == {"Vehicle.Cabin.Infotainment.Media.Volume": 20}


async def test_assistant_replies_in_the_speakers_language(assistant: Assistant) -> None:
    en = await assistant.handle_text("lock the car", lang="en")
    zh = await assistant.handle_text("锁车", lang="zh-CN")
    ja = await assistant.handle_text("ドアをロックして", lang="ja")
    assert (en.text, zh.text, ja.text) == ("Doors locked.", "车门已上锁。", "ドアをロックしました。")


async def test_assistant_questions_read_the_car(assistant: Assistant) -> None:
    result = await assistant.handle_text("还能跑多远", lang="zh-CN")
    assert result.text == "剩余续航约312公里。" and not result.changes


async def test_assistant_home_commands_are_handed_on_not_actuated(assistant: Assistant) -> None:
    result = await assistant.handle_text("turn on the air conditioning and open the garage door", lang="en")
    assert changes(result) == {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}
    assert [h.intent for h in result.home_commands] == ["HassTurnOn"]
    assert result.home_commands[0].slots["domain"] == "cover"


async def test_assistant_without_llm_says_it_did_not_understand(assistant: Assistant) -> None:
    for text, lang, reply in (
        ("sing me a song about tigers", "en", "Sorry, I did not understand that."),
        ("给我讲个笑话", "zh-CN", "抱歉，我没有听懂。"),
        ("歌を歌って", "ja", "すみません、わかりませんでした。"),
    ):
        result = await assistant.handle_text(text, lang=lang)
        assert (result.text, result.changes, result.understood) == (reply, [], False)


async def test_assistant_ask_keeps_context_per_client(car: LocalCar) -> None:
    await ask(car.client, "set the temperature to 25", lang="en")
    result = await ask(car.client, "and the passenger side too", lang="en")
    assert changes(result) == {TEMP.format("Row1.Passenger"): 25.0}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"seat": "roof"}, "seat 'roof' is not known"),
        ({"lang": "fr"}, "language 'fr' is not supported"),
        ({"speaker": "x" * 65}, "speaker must be"),
        ({"speaker": "bad\nname"}, "speaker must be"),
    ],
)
async def test_assistant_rejects_bad_request_fields(
    assistant: Assistant, kwargs: dict[str, str], fragment: str
) -> None:
    with pytest.raises(AssistantInputError, match=fragment):
        await assistant.handle_text("open my window", **kwargs)


async def test_assistant_rejects_text_that_is_not_text(assistant: Assistant) -> None:
    with pytest.raises(AssistantInputError, match="text must be a string"):
        await assistant.handle_text(b"open my window", lang="en")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x00",
        "🚗🚗🚗",
        "a" * (MAX_TEXT_CHARS + 1),
        "set the temperature to 99 degrees",
        "set the temperature to -5",
        "open the window 250 percent",
        "，，，、、、",
        "and and and and",
    ],
)
async def test_assistant_hostile_text_changes_nothing(assistant: Assistant, car: LocalCar, text: str) -> None:
    car.reset_changes()
    result = await assistant.handle_text(text, lang="en")
    assert result.changes == [] and car.changes == []
    assert result.text  # always answers


def test_understander_names_the_problem() -> None:
    understander = Understander()
    with pytest.raises(UnderstandingError, match="exceeds the limit"):
        understander.parse("x" * (MAX_TEXT_CHARS + 1), "en")
    with pytest.raises(UnderstandingError, match="language"):
        understander.parse("hello", "klingon")
    with pytest.raises(UnderstandingError, match="must be a string"):
        understander.parse(42, "en")  # type: ignore[arg-type]


# -- normalisation and how people really talk ------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "lang", "clean"),
    [
        ("Uh, um, SET the temperature to twenty one and a half!", "en", "set the temperature to twenty one point five"),
        ("Hey car... could you open my window?", "en", "could you open my window"),
        ("ＳＥＴ　ＩＴ　ＴＯ　２２℃", "en", "set it to 22 degrees"),
        ("open\x07 my\u200b window\u2028", "en", "open my window"),
        ("“Lock the car,” please.", "en", "lock the car, please"),
        ("Would you mind opening the sunroof?", "en", "open the sunroof"),
        ("Could you do me a favor and close the windows", "en", "close the windows"),
        ("你帮我把车窗关上", "zh-CN", "把车窗关上"),
        ("给我的座椅加热", "zh-CN", "给我的座椅加热"),  # "my seat", not politeness
        ("嗯，那个，把空调 打开吧！", "zh-CN", "把空调打开吧"),
        ("温度 调到 二十一度半", "zh-CN", "温度调到21.5度"),
        ("小连小连，打开空调。", "zh-CN", "打开空调"),
        ("把温度调高一点", "zh-CN", "把温度调高一点"),  # "一点" is "a bit", not the number one
        ("えーと、窓を閉めといてもらえますか？", "ja", "窓を閉めて"),
        ("助手席のシートヒーターをつけてあげて", "ja", "助手席のシートヒーターをつけて"),
        ("温度を あげて", "ja", "温度をあげて"),  # "あげて" alone is "raise", not politeness
        ("トランクを開けろ", "ja", "トランクを開けて"),
        ("24度、後ろ", "ja", "24度、後ろ"),  # "後ろ" is no imperative
        ("シートヒーターを切っちゃって", "ja", "シートヒーターを切って"),
        ("温度调到二十2度", "zh-CN", "温度调到22度"),
        ("给后座的乘客开到二十五度", "zh-CN", "给后座开到二十五度"),
        ("窓を閉めてもらってもいいですか？", "ja", "窓を閉めて"),
        ("ｴｱｺﾝをつけて", "ja", "エアコンをつけて"),
    ],
)
def test_normalize_text_folds_what_does_not_change_the_request(raw: str, lang: str, clean: str) -> None:
    assert normalize_text(raw, lang) == clean


@pytest.mark.parametrize(
    ("text", "lang", "seat", "expected"),
    [
        # indirect requests
        ("it's stuffy in here", "en", "driver", {TEMP.format("Row1.Driver"): 20.0}),
        ("有点闷", "zh-CN", "driver", {TEMP.format("Row1.Driver"): 20.0}),
        ("ちょっと暑い", "ja", "passenger", {TEMP.format("Row1.Passenger"): 20.0}),
        ("my seat is cold", "en", "passenger", {SEAT_HEAT.format("Row1.PassengerSide"): 67}),
        ("お尻が冷たい", "ja", "driver", {SEAT_HEAT.format("Row1.DriverSide"): 67}),
        # carrier phrases, hesitations and registers
        ("um, could you please turn the temperature up to 23", "en", "driver", {TEMP.format("Row1.Driver"): 23.0}),
        ("麻烦帮我把副驾温度设成24度吧", "zh-CN", "driver", {TEMP.format("Row1.Passenger"): 24.0}),
        ("えーと、温度を22度にしてもらえますか", "ja", "driver", {TEMP.format("Row1.Driver"): 22.0}),
        # native numerals, halves and tenths
        ("温度调到二十一度半", "zh-CN", "driver", {TEMP.format("Row1.Driver"): 21.5}),
        ("set it to twenty one and a half", "en", "driver", {TEMP.format("Row1.Driver"): 21.5}),
        ("窓を三割開けて", "ja", "passenger", {WINDOW.format("Row1.PassengerSide"): 30}),
        ("车窗开一半", "zh-CN", "rear-left", {WINDOW.format("Row2.DriverSide"): 50}),
        # relative steps in words
        ("drop the temperature a couple of degrees", "en", "driver", {TEMP.format("Row1.Driver"): 19.0}),
        ("エアコンの温度を一度下げて", "ja", "driver", {TEMP.format("Row1.Driver"): 20.0}),
        # "fully open" is the speaker's window, "all windows" every window
        ("车窗全开", "zh-CN", "rear-right", {WINDOW.format("Row2.PassengerSide"): 100}),
        # "all the way" is how far, not whose seat
        (
            "slide the passenger seat all the way back",
            "en",
            "driver",
            {"Vehicle.Cabin.Seat.Row1.PassengerSide.Position": 270},
        ),
        # the politeness auxiliary is not a second request
        ("助手席のシートヒーターをつけてあげて", "ja", "driver", {SEAT_HEAT.format("Row1.PassengerSide"): 67}),
        # hesitations inside the request
        ("把，嗯，空调打开", "zh-CN", "driver", {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}),
        ("温度を、あの、22度にして", "ja", "driver", {TEMP.format("Row1.Driver"): 22.0}),
        ("set the temperature to, um, 22", "en", "driver", {TEMP.format("Row1.Driver"): 22.0}),
        # full-width text and mixed scripts
        ("ＴＵＲＮ ＯＮ ＴＨＥ ＡＣ", "en", "driver", {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}),
        ("打开 A/C", "zh-CN", "driver", {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}),
    ],
)
async def test_assistant_understands_natural_phrasing(
    assistant: Assistant, text: str, lang: str, seat: str, expected: dict[str, object]
) -> None:
    result = await assistant.handle_text(text, lang=lang, seat=seat)
    assert changes(result) == expected, result.text


@pytest.mark.parametrize(
    ("text", "lang"), [("后面好冷", "zh-CN"), ("後ろが寒い", "ja"), ("it's freezing back here", "en")]
)
async def test_assistant_back_here_is_the_rear_speakers_own_seat(
    assistant: Assistant, car: LocalCar, text: str, lang: str
) -> None:
    car.broker.publish({TEMP.format("Row2.Driver"): 21.0, TEMP.format("Row2.Passenger"): 21.0})
    from_rear = await assistant.handle_text(text, lang=lang, seat="rear-left")
    assert changes(from_rear) == {TEMP.format("Row2.Driver"): 22.0}


async def test_assistant_back_there_from_the_front_is_both_rear_seats(assistant: Assistant, car: LocalCar) -> None:
    car.broker.publish({TEMP.format("Row2.Driver"): 21.0, TEMP.format("Row2.Passenger"): 21.0})
    result = await assistant.handle_text("后面好冷", lang="zh-CN", seat="driver")
    assert changes(result) == {TEMP.format("Row2.Driver"): 22.0, TEMP.format("Row2.Passenger"): 22.0}


async def test_assistant_complaint_and_its_request_act_once(assistant: Assistant, car: LocalCar) -> None:
    car.broker.publish({"Vehicle.Cabin.Infotainment.Media.Volume": 30})
    result = await assistant.handle_text("太吵了，小声点", lang="zh-CN")
    assert changes(result) == {"Vehicle.Cabin.Infotainment.Media.Volume": 20}


@pytest.mark.parametrize(
    ("text", "lang", "intent", "slots"),
    [
        ("set the kitchen lights to 50 percent", "en", "HassLightSet", {"area": "kitchen", "brightness": 50}),
        ("close the garage", "en", "HassTurnOff", {"domain": "cover"}),
        ("把家里客厅的灯打开", "zh-CN", "HassTurnOn", {"area": "客厅"}),
        ("关上车库门", "zh-CN", "HassTurnOff", {"domain": "cover"}),
        ("玄関の鍵を閉めて", "ja", "HassTurnOn", {"domain": "lock"}),
        ("リビングのエアコンを24度にして", "ja", "HassClimateSetTemperature", {"area": "リビング", "temperature": 24}),
    ],
)
def test_understander_home_sentences_beyond_home_assistants(
    text: str, lang: str, intent: str, slots: dict[str, object]
) -> None:
    result = Understander().parse(text, lang)
    assert result.understood and len(result.commands) == 1
    command = result.commands[0]
    assert isinstance(command, HomeCommand) and command.intent == intent
    assert {k: command.slots.get(k) for k in slots} == slots


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("\x1b[31m打开车门\x1b[0m" * 3, "zh-CN"),
        ("也再还" * 166, "zh-CN"),
        ("つけて" * 166, "ja"),
        ("turn on the ac and " * 26, "en"),
        ("\u202eknurt eht nepo\u202c" * 2, "en"),
        ("🔥" * 400, "ja"),
        ("ＤＲＯＰ ＴＡＢＬＥ cars;--", "en"),
        ("打开 the 空调 и окно", "zh-CN"),
        ("\ud800\udfff", "ja"),
    ],
)
async def test_assistant_hostile_text_in_every_language_changes_nothing_it_should_not(
    assistant: Assistant, car: LocalCar, text: str, lang: str
) -> None:
    car.reset_changes()
    result = await assistant.handle_text(text, lang=lang)
    touched = {c.path for c in result.changes}
    # Nothing outside the cabin's comfort systems may move from such input, and never a door.
    assert not any(".Door." in p and p.endswith("IsOpen") for p in touched)
    assert not any("Trunk" in p for p in touched)
    assert result.text


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("it's roasting, turn on the AC", "en", {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}),
        ("好热，把我的车窗打开", "zh-CN", {WINDOW.format("Row1.DriverSide"): 100}),
        ("暑いからエアコンをつけて", "ja", {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}),
    ],
)
async def test_assistant_a_complaint_beside_a_request_is_its_reason(
    assistant: Assistant, text: str, lang: str, expected: dict[str, object]
) -> None:
    result = await assistant.handle_text(text, lang=lang)
    assert changes(result) == expected


@pytest.mark.parametrize(
    ("text", "lang", "before", "after"),
    [
        ("turn my seat heater up", "en", 33, 67),
        ("turn my seat heater up", "en", 100, 100),
        ("座椅加热调低一档", "zh-CN", 67, 33),
        ("シートヒーターを弱くして", "ja", 33, 0),
    ],
)
async def test_assistant_seat_heating_steps_from_where_it_is(
    assistant: Assistant, car: LocalCar, text: str, lang: str, before: int, after: int
) -> None:
    path = SEAT_HEAT.format("Row1.DriverSide")
    car.broker.publish({path: before})
    result = await assistant.handle_text(text, lang=lang)
    assert changes(result) == {path: after}


@pytest.mark.parametrize("lang", ["zh-CN", "ja"])
def test_home_assistant_sentences_need_no_spaces_inside_cjk(lang: str) -> None:
    """Home sentences are matched exactly against text without spaces in Chinese or Japanese,
    which holds only while no sentence of the intents we use puts a space beside a CJK character."""
    import re

    import home_assistant_intents

    from renkei.apps.assistant.understanding import HOME_INTENTS

    cjk = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    spaced = re.compile(rf"[{cjk}\])}}>]\s+[{cjk}\[({{<]")
    data = home_assistant_intents.get_intents(lang)
    sentences = [
        sentence
        for name, intent in data["intents"].items()
        if name in HOME_INTENTS
        for block in intent["data"]
        for sentence in block["sentences"]
    ]
    rules = list(data.get("expansion_rules", {}).values())
    assert sentences and not [s for s in sentences + rules if spaced.search(s)]


# What each car intent needs to act; a sentence must name it or its block must fix it.
_NEEDED_SLOTS: dict[str, tuple[frozenset[str], ...]] = {
    "SetTemperature": (frozenset({"temperature"}),),
    "AdjustTemperature": (frozenset({"direction"}),),
    "SetFan": (frozenset({"fan_level", "percent"}),),
    "AdjustFan": (frozenset({"direction"}),),
    "Switch": (frozenset({"device"}), frozenset({"state"})),
    "SetSeatHeating": (frozenset({"heat_level"}),),
    "AdjustSeatHeating": (frozenset({"direction"}),),
    "SeatMove": (frozenset({"direction"}),),
    "SetWindow": (frozenset({"percent"}),),
    "Window": (frozenset({"state"}),),
    "Lock": (frozenset({"state"}),),
    "Door": (frozenset({"state"}),),
    "Trunk": (frozenset({"state"}),),
    "SetAmbientColor": (frozenset({"color"}),),
    "SetVolume": (frozenset({"percent"}),),
    "AdjustVolume": (frozenset({"direction"}),),
    "Mute": (frozenset({"state"}),),
    "SetChargeLimit": (frozenset({"percent"}),),
    "Charging": (frozenset({"state"}),),
    "Navigate": (frozenset({"place"}),),
    "Query": (frozenset({"what"}),),
    "Sunroof": (frozenset({"state"}),),
    "FollowZone": (frozenset({"zone"}),),
    "FollowAdjust": (frozenset({"direction"}),),
}


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
def test_every_car_sentence_gives_its_intent_what_it_needs(lang: str) -> None:
    from hassil.expression import Group, ListReference, RuleReference

    from renkei.apps.assistant.understanding import load_car_intents

    intents = load_car_intents(lang)

    def named(expression: object, seen: frozenset[str] = frozenset()) -> set[str]:
        if isinstance(expression, ListReference):
            return {expression.slot_name}
        if isinstance(expression, RuleReference) and expression.rule_name not in seen:
            rule = intents.expansion_rules[expression.rule_name]
            return named(rule.expression, seen | {expression.rule_name})
        if isinstance(expression, Group):
            return set().union(*(named(item, seen) for item in expression.items))
        return set()

    assert set(intents.intents) == set(_NEEDED_SLOTS), "every intent the planner knows, no other"
    lacking = []
    for name, intent in intents.intents.items():
        for block in intent.data:
            for sentence in block.sentences:
                have = named(sentence.expression) | set(block.slots)
                lacking += [
                    f"{name}: {sentence.text!r} names none of {sorted(need)}"
                    for need in _NEEDED_SLOTS[name]
                    if not need & have
                ]
    assert not lacking, "\n".join(lacking)


@pytest.mark.parametrize(
    ("lang", "home_request"),
    [("en", "turn on the kitchen light"), ("zh-CN", "打开客厅的灯"), ("ja", "寝室の電気を消して")],
)
def test_the_car_prefilter_never_turns_away_a_template_sentence(lang: str, home_request: str) -> None:
    """_could_be_car skips matching when a word (a character in Chinese and Japanese) cannot belong
    to any car template; it must let through every sentence the templates can produce (sampled
    here, numbers spelled out too)."""
    import itertools

    from hassil.sample import sample_intents

    from renkei.apps.assistant.understanding import RANGE_LISTS, _could_be_car, load_car_intents

    samples = sample_intents(
        load_car_intents(lang), slot_lists=RANGE_LISTS, max_sentences_per_intent=400, language=lang
    )
    sentences = [text for _, text in itertools.islice(samples, 12000)]
    assert len(sentences) > 2000
    turned_away = [s for s in sentences if not _could_be_car(s.casefold(), lang)]
    assert not turned_away, turned_away[:10]
    assert not _could_be_car(home_request, lang)  # a home request skips the car templates


@pytest.mark.parametrize(
    ("lang", "car_piece"),
    [("en", "it's getting loud"), ("zh-CN", "有点闷"), ("ja", "ちょっと暑い")],
)
def test_the_home_prefilter_never_turns_away_a_home_sentence(lang: str, car_piece: str) -> None:
    """_could_be_home skips the (large) home matching when a word (a character in Chinese and
    Japanese) belongs to no home sentence, rule or list; it must let through every sentence the
    home templates can produce with the household's names (sampled here)."""
    import itertools

    from hassil.sample import sample_intents

    from renkei.apps.assistant.understanding import (
        DEFAULT_HOME_AREAS,
        DEFAULT_HOME_DEVICES,
        _could_be_home,
        _fits_language,
        _home_intents_for,
        _home_slot_lists,
        load_home_intents,
    )

    intents = load_home_intents(lang)
    assert intents is not None
    devices = [d for d in DEFAULT_HOME_DEVICES if _fits_language(d.name, lang)]
    lists = _home_slot_lists(lang, devices, DEFAULT_HOME_AREAS[lang])
    samples = sample_intents(intents, slot_lists=lists, max_sentences_per_intent=300, language=lang)
    sampled = list(itertools.islice(samples, 8000))
    assert len(sampled) > 300
    turned_away = [text for _, text in sampled if not _could_be_home(text.casefold(), lang, lists)]
    assert not turned_away, turned_away[:10]
    # The sentences hassil then tries still hold the intent each sample came from.
    lost = []
    for intent, text in sampled[::7]:
        fitting = _home_intents_for(text.casefold(), lang, lists)
        if fitting is None or intent not in fitting.intents:
            lost.append((intent, text))
    assert not lost, lost[:10]
    assert not _could_be_home(car_piece, lang, lists)  # a car complaint skips the home templates
