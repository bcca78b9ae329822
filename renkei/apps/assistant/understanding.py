"""Understanding: text in one language → car commands and home commands.

Flow: `normalize_text` folds what does not change a request (width, case, punctuation,
spaces inside CJK, hesitations, politeness auxiliaries) → the whole utterance is matched
against our car templates (hassil, one YAML file per language in ``templates/``); when
that fails it is cut at the joints a speaker uses to chain requests ("and", "然后", "、",
"…て") and every piece must match on its own, so "turn on the AC and open my window"
yields two commands. A piece the car templates do not know is tried against the home
domain from ``home-assistant-intents`` (plus ``templates/home_extra.yaml``) and becomes a
`HomeCommand` for the home app. A complaint beside an explicit request ("it's hot, open
the window") is only its reason.

    understander = Understander()
    result = understander.parse("把温度调到二十二度，然后打开座椅加热", "zh-CN")
    [c.intent for c in result.commands]     # ['SetTemperature', 'Switch']

Nothing here touches the car: `actions.py` turns commands into signal changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from hassil import Intents, RangeSlotList, SlotList, TextSlotList, recognize_best
from hassil.expression import Alternative, Expression, Group, ListReference, RuleReference, TextChunk
from hassil.expression import Sequence as TemplateSequence
from hassil.intents import Intent, RangeFractionType, TextSlotValue, WildcardSlotList
from hassil.numbers import get_rbnf_engine

from renkei.apps.assistant.frames import FrameReader

LANGS: tuple[str, ...] = ("en", "zh-CN", "ja")
MAX_TEXT_CHARS = 500  # longer input is no spoken command; refuse rather than spend time on it
MAX_JOINTS = 16  # a sentence cut at more places than this is not searched for several requests
MAX_PIECE_JOINTS = 6  # one request inside a chain spans at most this many cuts

# Number slots shared by every language; hassil reads digits and number words for each.
RANGE_LISTS: dict[str, SlotList] = {
    "temperature": RangeSlotList(name="temperature", start=16, stop=32, fraction_type=RangeFractionType.HALVES),
    "delta": RangeSlotList(name="delta", start=1, stop=5),
    "fan_level": RangeSlotList(name="fan_level", start=0, stop=10),
    "percent": RangeSlotList(name="percent", start=0, stop=100),
    "heat_level": RangeSlotList(name="heat_level", start=0, stop=3),
}

# Where a speaker joins two requests. Pieces between joints must each match.
_JOINTS: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\s*(?:[,;]|(?<!\d)\.(?!\d)|\band then\b|\bthen\b|\band also\b|\band\b|\balso\b|\bplus\b|\bas well as\b|"
        r"\bso\b|\bbecause\b|\bsince\b|\bcause\b)\s*"
    ),
    "zh-CN": re.compile(r"(?:[，,、；;。.]|然后|并且|同时|接着|还有|顺便|另外|以及|再把|再将|和|并|再|还|也)"),
    "ja": re.compile(
        r"(?:[、，,。.]|それから|そして|ついでに|それと|あと|また|(?<=[てで])(?:から)?(?=.)|(?<=[いだた])(?:から|ので)(?=.))"
    ),
}
# Verbs a second piece may leave out ("open the trunk and the hazards").
_VERBS: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:turn on|turn off|switch on|switch off|open|close|lock|unlock|start|stop|defrost|defog|demist)\b"
    ),
    "zh-CN": re.compile(r"(?:打开|关闭|关掉|关上|开启)"),
}
_ZH_PARTICLES = re.compile(r"[吧啊呀哈嘛哦啦了呢呗哟喽噢]+$")
# "可以把音量调小一点吗", "能帮我打开空调吗": a request asked as a question; any other "…吗" is one.
# The same, after a wake word or a hesitation ("小连小连，帮我打开空调吗").
_ZH_POLITE_START = re.compile(
    r"^(?:(?:你好小连|小连小连|小连|嗯+|呃+|那个)[，,、\s]*)*(?:可以|能|能不能|可不可以|你能|你可以|麻烦|请|帮我|能否)"
)
_ZH_POLITE_QUESTION = re.compile(r"^(?:可以|能|能不能|可不可以|你能|你可以|麻烦|请|帮我|能否)(.+?)吗$")
# Joints that carry meaning and stay with the following piece ("also the passenger side").
_KEEP_JOINT = {"zh-CN": {"也", "还", "再"}, "en": set(), "ja": set()}


class UnderstandingError(ValueError):
    """The input cannot be understood at all (wrong type, unknown language, too long)."""


@dataclass(frozen=True)
class HomeDevice:
    """A device of the home the home app exposes, named as the household says it."""

    name: str
    domain: str  # Home Assistant domain: light, switch, cover, climate, lock, fan, media_player …
    area: str = ""
    entity_id: str = ""


DEFAULT_HOME_DEVICES: tuple[HomeDevice, ...] = (
    HomeDevice("garage door", "cover", "garage", "cover.garage_door"),
    HomeDevice("garage", "cover", "garage", "cover.garage_door"),
    HomeDevice("车库门", "cover", "车库", "cover.garage_door"),
    HomeDevice("车库", "cover", "车库", "cover.garage_door"),
    HomeDevice("ガレージ", "cover", "ガレージ", "cover.garage_door"),
    HomeDevice("ガレージのシャッター", "cover", "ガレージ", "cover.garage_door"),
    HomeDevice("ガレージのドア", "cover", "ガレージ", "cover.garage_door"),
    HomeDevice("porch light", "light", "porch", "light.porch"),
    HomeDevice("门廊灯", "light", "门廊", "light.porch"),
    HomeDevice("玄関の電気", "light", "玄関", "light.porch"),
    HomeDevice("玄関の鍵", "lock", "玄関", "lock.front_door"),
    HomeDevice("玄関のドア", "lock", "玄関", "lock.front_door"),
    HomeDevice("front door", "lock", "hallway", "lock.front_door"),
    HomeDevice("前门", "lock", "门厅", "lock.front_door"),
    HomeDevice("thermostat", "climate", "living room", "climate.living_room"),
    HomeDevice("空调", "climate", "客厅", "climate.living_room"),
    HomeDevice("エアコン", "climate", "リビング", "climate.living_room"),
    HomeDevice("coffee maker", "switch", "kitchen", "switch.coffee_maker"),
    HomeDevice("咖啡机", "switch", "厨房", "switch.coffee_maker"),
    HomeDevice("コーヒーメーカー", "switch", "キッチン", "switch.coffee_maker"),
    HomeDevice("water heater", "switch", "bathroom", "switch.water_heater"),
    HomeDevice("热水器", "switch", "浴室", "switch.water_heater"),
    HomeDevice("給湯器", "switch", "浴室", "switch.water_heater"),
)
DEFAULT_HOME_AREAS: dict[str, tuple[str, ...]] = {
    "en": (
        "living room",
        "kitchen",
        "bedroom",
        "garage",
        "hallway",
        "bathroom",
        "garden",
        "dining room",
        "study",
        "office",
        "kids room",
        "kids' room",
        "nursery",
        "guest room",
        "master bedroom",
        "basement",
        "attic",
        "patio",
        "balcony",
        "laundry room",
        "backyard",
        "front yard",
        "hall",
        "entrance",
        "upstairs",
        "downstairs",
    ),
    "zh-CN": (
        "客厅",
        "厨房",
        "卧室",
        "车库",
        "门厅",
        "浴室",
        "花园",
        "餐厅",
        "书房",
        "儿童房",
        "主卧",
        "次卧",
        "客房",
        "阳台",
        "玄关",
        "走廊",
        "院子",
        "地下室",
        "卫生间",
        "洗手间",
        "楼上",
        "楼下",
    ),
    "ja": (
        "リビング",
        "キッチン",
        "寝室",
        "ガレージ",
        "玄関",
        "浴室",
        "庭",
        "ダイニング",
        "書斎",
        "子供部屋",
        "和室",
        "洗面所",
        "トイレ",
        "ベランダ",
        "廊下",
        "二階",
        "一階",
        "台所",
        "居間",
        "客間",
        "お風呂",
    ),
}
# Home intents handed on: the ones the home app (renkei/apps/home/assistant_link.py) carries out.
# The rest of the Home Assistant set (timers, lists, vacuum, media …) would only cost matching time.
HOME_INTENTS = frozenset(
    {
        "HassTurnOn",
        "HassTurnOff",
        "HassLightSet",
        "HassClimateSetTemperature",
        "HassClimateGetTemperature",
        "HassSetPosition",
        "HassGetState",
        "HassFanSetSpeed",
    }
)


@dataclass(frozen=True)
class Command:
    """One car request: an intent and its slots, as the templates name them."""

    intent: str
    slots: Mapping[str, Any]
    text: str


@dataclass(frozen=True)
class HomeCommand:
    """A request for the home, in Home Assistant's intent vocabulary, for the home app."""

    intent: str
    slots: Mapping[str, Any]
    text: str
    lang: str

    def as_dict(self) -> dict[str, Any]:
        return {"intent": self.intent, "slots": dict(self.slots), "text": self.text, "lang": self.lang}


@dataclass
class Understanding:
    commands: list[Command | HomeCommand] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return bool(self.commands) and not self.unmatched


def normalize_lang(lang: str) -> str:
    """'zh', 'zh-cn', 'zh_CN', 'ja-JP', 'en-US' → one of LANGS; anything else is an error."""
    if not isinstance(lang, str):
        raise UnderstandingError(f"language must be text, got {type(lang).__name__}")
    low = lang.strip().lower().replace("_", "-")
    if low in ("zh", "zh-cn", "zh-hans", "cmn", "zh-hans-cn"):
        return "zh-CN"
    if low in ("ja", "ja-jp", "jp"):
        return "ja"
    if low in ("en", "en-us", "en-gb"):
        return "en"
    raise UnderstandingError(f"language {lang[:20]!r} is not supported (use one of {', '.join(LANGS)})")


@cache
def load_car_intents(lang: str) -> Intents:
    source = resources.files("renkei.apps.assistant").joinpath("templates", f"{lang}.yaml").read_text("utf-8")
    data = yaml.safe_load(source)
    intents = _indexed(Intents.from_dict(data))
    # Our politeness words also wrap home requests ("could you please …", "能不能…", "…お願い").
    _POLITENESS[lang] = _skip_pattern(intents.skip_words, words_only=lang == "en")
    _CAR_SKIP_WORDS[lang] = tuple(intents.skip_words)
    if intents.settings.ignore_whitespace:
        # normalize_text already took the spaces out of Chinese and Japanese, and hassil's
        # whitespace-insensitive mode strips every template chunk and the rest of the text again at
        # every step of every match (half the time of a match). Match exactly instead; the skip
        # words, which hassil removes only between spaces in that mode, are taken out here.
        intents.settings.ignore_whitespace = False
        _SKIP_WORDS[lang] = _skip_pattern(intents.skip_words)
        intents.skip_words = []
    return intents


_SKIP_WORDS: dict[str, re.Pattern[str] | None] = {}
_EN_TOKEN = re.compile(r"[a-z][a-z']*")
_CAR_SKIP_WORDS: dict[str, tuple[str, ...]] = {}


@cache
def _car_vocabulary(lang: str) -> frozenset[str]:
    """Every word (English) or character (Chinese, Japanese) our car templates, their lists and
    skip words can consume, plus the numbers hassil reads: text with anything else cannot match."""
    intents = load_car_intents(lang)
    texts: list[str] = list(_CAR_SKIP_WORDS.get(lang, ()))

    for rule in intents.expansion_rules.values():
        _expression_texts(rule.expression, texts, set())
    for intent in intents.intents.values():
        for block in intent.data:
            for sentence in block.sentences:
                _expression_texts(sentence.expression, texts, set())
    for slot in intents.slot_lists.values():
        if isinstance(slot, TextSlotList):
            for value in slot.values:
                _expression_texts(value.text_in, texts, set())
    texts += _number_words(lang)
    texts.append("point five half 零〇一二两三四五六七八九十百千点半")
    return _vocabulary(texts, lang)


@cache
def _number_words(lang: str) -> tuple[str, ...]:
    """How hassil spells the numbers 0–100 in the language, every way it reads them."""
    engine = get_rbnf_engine(lang)
    return tuple(text for number in range(0, 101) for text in engine.format_number(number).text_by_ruleset.values())


def _could_be_car(text: str, lang: str) -> bool:
    """Cheap and sound: False only when the text holds a word (a character, in Chinese and
    Japanese) no car template can consume, so the (large) matching can be skipped, as for most
    home requests ("turn on the kitchen light", "打开客厅的灯")."""
    return _consumable(text, lang, _car_vocabulary(lang))


_POLITENESS: dict[str, re.Pattern[str] | None] = {}


def _without(pattern: re.Pattern[str] | None, text: str, lang: str) -> str:
    if pattern is None:
        return text
    return " ".join(pattern.sub(" ", text).split()) if lang == "en" else pattern.sub("", text)


def _only_politeness(text: str, lang: str) -> bool:
    """A piece that says nothing but "thanks", "please" or "お願い" (a chain's tail)."""
    load_car_intents(lang)
    stripped = _without(_POLITENESS.get(lang), text, lang)
    return not stripped.strip(" ,.!?、。，")


def _skip_pattern(words: Iterable[str], *, words_only: bool = False) -> re.Pattern[str] | None:
    ordered = sorted({w.strip().casefold() for w in words if w.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)" if words_only else alternatives)


_MAX_SPELLINGS = 256  # a slot value with more spellings than this stays a template


def _spellings(expr: Expression) -> list[str] | None:
    """Every text a slot value's template can match, or None when it holds more than plain text."""
    if isinstance(expr, TextChunk):
        return [expr.text]
    if isinstance(expr, Alternative):
        out: list[str] = [""] if expr.is_optional else []
        for item in expr.items:
            spelled = _spellings(item)
            if spelled is None:
                return None
            out += spelled
        return out if len(out) <= _MAX_SPELLINGS else None
    if type(expr) is TemplateSequence:
        words = [""]
        for item in expr.items:
            spelled = _spellings(item)
            if spelled is None:
                return None
            words = [a + b for a in words for b in spelled]
            if len(words) > _MAX_SPELLINGS:
                return None
        return words
    return None  # permutations, rules, nested lists


def _indexed(intents: Intents) -> Intents:
    """Spell out slot values written as templates ("(ac|air con|aircon)") as one plain value per
    spelling: hassil indexes plain values in a trie and tries only those that start the remaining
    text, where a template value is tried at every position. Same matches, several times faster."""
    for slot in intents.slot_lists.values():
        if not isinstance(slot, TextSlotList) or all(isinstance(v.text_in, TextChunk) for v in slot.values):
            continue
        values: list[TextSlotValue] = []
        for value in slot.values:
            spelled = None if isinstance(value.text_in, TextChunk) else _spellings(value.text_in)
            if spelled is None:
                values.append(value)
                continue
            seen: set[str] = set()
            for text in spelled:
                text = " ".join(text.split())
                if text and text not in seen:
                    seen.add(text)
                    values.append(TextSlotValue(TextChunk(text), value.value_out, value.context, value.metadata))
        slot.values = values
        slot._value_trie = None  # rebuilt from the plain values on first use
    return intents


def _home_slot_lists(lang: str, devices: Sequence[HomeDevice], areas: Iterable[str]) -> dict[str, SlotList]:
    names = TextSlotList.from_tuples(
        [(d.name, d.name, {"domain": d.domain, "area": d.area}) for d in devices], allow_template=False
    )
    area_list = TextSlotList.from_strings(list(areas), allow_template=False)
    return {"name": names, "area": area_list, "floor": TextSlotList.from_strings([]), "zone": area_list}


@cache
def load_home_intents(lang: str) -> Intents | None:
    import home_assistant_intents

    try:
        data = home_assistant_intents.get_intents(lang)
    except Exception:
        return None
    if not data:
        return None
    data = dict(data)
    data["intents"] = {k: dict(v) for k, v in data["intents"].items() if k in HOME_INTENTS}
    extra = yaml.safe_load(
        resources.files("renkei.apps.assistant").joinpath("templates", "home_extra.yaml").read_text("utf-8")
    )
    data["lists"] = {**data.get("lists", {}), **extra["lists"]}
    for intent, sentences in (extra.get(lang) or {}).items():
        known = data["intents"].setdefault(intent, {"data": []})
        known["data"] = [*known.get("data", []), *sentences]
    if lang in ("zh-CN", "ja"):
        # Exact matching, as for the car templates: normalize_text already took the spaces out of
        # Chinese and Japanese, and no Home Assistant sentence of these intents has a space beside
        # a CJK character (tests/apps/assistant/test_assistant_core.py checks it).
        data["settings"] = {**data.get("settings", {}), "ignore_whitespace": False}
    intents = _indexed(Intents.from_dict(data))
    # Home Assistant's skip words are pure politeness ("please", "could you", "麻烦"); hassil would
    # match every sentence twice, with and without them. They are taken out once, in code.
    _HOME_SKIP_WORDS[lang] = _skip_pattern(intents.skip_words, words_only=lang == "en")
    intents.skip_words = []
    return intents


_HOME_SKIP_WORDS: dict[str, re.Pattern[str] | None] = {}


def _expression_texts(
    expression: Expression, texts: list[str], lists: set[str], rules: dict[str, Any] | None = None
) -> None:
    """Every literal text of a template, and the lists it names; with `rules`, through the
    expansion rules it refers to as well (each taken out of `rules` when first followed)."""
    if isinstance(expression, TextChunk):
        texts.append(expression.text)
    elif isinstance(expression, ListReference):
        lists.add(expression.list_name)
    elif isinstance(expression, RuleReference):
        rule = None if rules is None else rules.pop(expression.rule_name, None)
        if rule is not None:
            _expression_texts(rule.expression, texts, lists, rules)
    elif isinstance(expression, Group):
        for item in expression.items:
            _expression_texts(item, texts, lists, rules)


_OUR_HOME_LISTS = frozenset({"name", "area", "floor", "zone"})  # _home_slot_lists: the household's own names


@cache
def _home_block_texts(lang: str) -> tuple[tuple[tuple[str, ...] | None, ...], tuple[str, ...]] | None:
    """Per block of home sentences (one `IntentData`, in `load_home_intents` order), the text of its
    sentences, the rules they use and the values of the lists they name, or None for a block that
    takes free text (a wildcard list), which no vocabulary can rule out; and the number words
    every block may hear. None when there are no home intents for the language."""
    intents = load_home_intents(lang)
    if intents is None:
        return None
    blocks: list[tuple[str, ...] | None] = []
    for intent in intents.intents.values():
        for block in intent.data:
            texts: list[str] = []
            names: set[str] = set()
            rules = {**intents.expansion_rules, **block.expansion_rules}
            for sentence in block.sentences:
                _expression_texts(sentence.expression, texts, names, rules)
            free = False
            for name in names - _OUR_HOME_LISTS:
                slot = block.slot_lists.get(name) or intents.slot_lists.get(name)
                if isinstance(slot, WildcardSlotList) or name in block.wildcard_list_names:
                    free = True
                elif isinstance(slot, TextSlotList):
                    for value in slot.values:
                        _expression_texts(value.text_in, texts, set(), rules)
            blocks.append(None if free else tuple(texts))
    return tuple(blocks), _number_words(lang)


def _vocabulary(texts: Iterable[str], lang: str) -> frozenset[str]:
    """The words (in Chinese and Japanese, the characters) the texts are made of."""
    if lang == "en":
        return frozenset(w.removesuffix("'s") for t in texts for w in _EN_TOKEN.findall(t.casefold().replace("-", " ")))
    return frozenset(ch for t in texts for ch in t.casefold())


def _consumable(text: str, lang: str, vocabulary: frozenset[str]) -> bool:
    """Whether templates made of the vocabulary could take every word of the text (in Chinese and
    Japanese every character; digits and punctuation always)."""
    if lang == "en":
        return all(_pieced(w.removesuffix("'s"), vocabulary) for w in _EN_TOKEN.findall(text.replace("-", " ")))
    return all(ch in vocabulary or ch.isascii() or not ch.isalnum() for ch in text)


_HOME_VOCABULARIES: dict[tuple[str, int], tuple[frozenset[str] | None, ...]] = {}
_HOME_SUBSETS: dict[tuple[str, int, tuple[int, ...]], Intents] = {}


def _home_intents_for(text: str, lang: str, lists: Mapping[str, SlotList]) -> Intents | None:
    """The home intents cut down to the blocks of sentences that could consume every word of the
    text (a character in Chinese and Japanese), with the household's names in `lists`; None when
    no block could ("it's getting loud"). Cheap and sound: hassil then tries only what could
    match ("turn on the office light" never reaches the 80 blocks of state questions)."""
    intents = load_home_intents(lang)
    found = _home_block_texts(lang)
    if intents is None or found is None:
        return intents
    key = (lang, id(lists))
    if key not in _HOME_VOCABULARIES:
        blocks, numbers = found
        ours: list[str] = []
        for name in _OUR_HOME_LISTS:
            slot = lists.get(name)
            if isinstance(slot, TextSlotList):
                for value in slot.values:
                    _expression_texts(value.text_in, ours, set())
        shared = [*numbers, *ours]
        _HOME_VOCABULARIES[key] = tuple(None if b is None else _vocabulary([*b, *shared], lang) for b in blocks)
    vocabularies = _HOME_VOCABULARIES[key]
    fitting = tuple(i for i, v in enumerate(vocabularies) if v is None or _consumable(text, lang, v))
    if not fitting:
        return None
    subset_key = (lang, id(lists), fitting)
    subset = _HOME_SUBSETS.get(subset_key)
    if subset is None:
        chosen, index = set(fitting), 0
        kept: dict[str, Intent] = {}
        for name, intent in intents.intents.items():
            data = []
            for block in intent.data:
                if index in chosen:
                    data.append(block)
                index += 1
            if data:
                kept[name] = Intent(name, data)
        subset = Intents(
            intents.language, kept, intents.slot_lists, intents.expansion_rules, intents.skip_words, intents.settings
        )
        if len(_HOME_SUBSETS) < 4096:  # hostile input cannot grow it without bound
            _HOME_SUBSETS[subset_key] = subset
    return subset


def _could_be_home(text: str, lang: str, lists: Mapping[str, SlotList]) -> bool:
    """False only when the text holds a word (a character, in Chinese and Japanese) that no home
    sentence, rule or list can consume."""
    return _home_intents_for(text, lang, lists) is not None


def _pieced(word: str, vocabulary: frozenset[str]) -> bool:
    """Whether the word is one of the vocabulary's or glued from them, as a template glues "fan[s]"."""
    if word in vocabulary:
        return True
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(reachable[start] and word[start:end] in vocabulary for start in range(end))
    return reachable[-1]


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "`": "'", "“": " ", "”": " ", '"': " ", "「": " ", "」": " ", "『": " ", "』": " "}
)
_INNER_STOP = re.compile(r"\s*[!?！？…]+\s*(?=\S)")
_EDGE_PUNCT = re.compile(r"^[\s,.;:!?、。，；：！？…~〜～·・*#\-]+|[\s,.;:!?、。，；：！？…~〜～·・*#]+$")
_EN_OPENERS = (
    "(?:hey|hi|hello|ok|okay) (?:car|renkei)|uh+|uhm+|um+|umm+|erm*|er+|hmm+|ah+|oh+|eh|brr+|ugh|man|gosh|wow|"
    "so|well|okay|ok|alright|right(?! (?:rear|front|back|side|seat|hand|one|window|door))|hey|hi|hello|yeah|yes|"
    "yo|listen|you know|i mean|first(?! row)|first of all|next(?! to)|"
    "finally|lastly|after that|please and thank you|"
    "(?:could you |can you |would you )?do me a (?:favor|favour)(?: and)?|"
    "i was wondering if you could|i wonder if you could|do you think you could|is it possible to|"
    "would it be possible to|could you possibly|if you don't mind|if you wouldn't mind"
)
_ZH_OPENERS = (
    "你好小连|小连小连|小连|帮个忙|求你了|求求你|求你|拜托了|麻烦了|快点的|快点|赶快的|赶快|赶紧的|赶紧|快|请帮我|麻烦帮我|"
    "麻烦你帮我|"
    "帮我(?!的)|给我(?!的)|请|麻烦你|麻烦|你(?!的)|首先|先|最后|接下来|"
    "嗯+|呃+|额+|唔+|啊+|哎+|诶+|欸+|喂+|那个|这个|就是|那么|好的|对了"
)
_JA_OPENERS = (
    "えーっと|えーと|えっと|ええと|ええっと|えー+|あのー*|あのね|うーん|うーむ|んー+|まあ|ねえ|ねぇ|"
    "ちょっと待って|そうだ|じゃあ|じゃ|まず|まずは|次に|最後に|それで"
)
# Hesitations and openers that carry no request; removed where a phrase starts.
_FILLERS: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        rf"(?:(?<=^)|(?<=[,;]))\s*(?:(?:{_EN_OPENERS})\b[\s,]*)+|(?:,\s*)?\b(?:uh+|uhm+|umm*|erm|hmm+)\b(?:\s*,)?"
    ),
    "zh-CN": re.compile(rf"(?:(?<=^)|(?<=[，,、；;。]))(?:{_ZH_OPENERS})+[，,、\s]*|[嗯呃]+[，,、]?"),
    "ja": re.compile(rf"(?:(?<=^)|(?<=[、，,。]))(?:{_JA_OPENERS})+[ー、，,\s]*"),
}
# "つけてあげて", "閉めてもらえますか", "開けといてくれる": the request is the verb's て-form; what
# follows only says how politely it is asked.
_JA_AUXILIARY = re.compile(
    r"([てで])(?:あげて|あげてください|あげる|もらえる|もらえます|もらえません|もらっていい|もらえない|くれる|くれます|"
    r"くれない|くれません|ほしい|欲しい|ほしいです|ちょうだい|頂戴|おいて|ください|下さい|くださいませんか|いただけますか|"
    r"いただけませんか|もらいたい|もらえると助かる|くれ|もらってもいい|もらってもいいですか|もらっていいですか|"
    r"もらえたら嬉しい|もらえたら嬉しいです|もらえると嬉しい|もらえると嬉しいです|くれると嬉しい|ほしいんだけど|"
    r"くれないかな|もらえないかな|いただけたら|いただきたい|くださる)(?:か|かな|ね|よ|な|の)*(?=$|[、。,，!?！？\s])"
)
# The blunt imperative ("開けろ", "閉めろ", "しろ") asks the same as the て-form.
# "開けてよ", "閉めてね", "つけてー": a particle or a drawn-out vowel after the request softens it.
_JA_SOFTENERS = re.compile(r"(?<=[てでい])(?:よ|ね|な|ぞ|ってば|ー|〜|~)+(?=$|[、。,，!?！？\s])")
_ZH_SEAT_PEOPLE = re.compile(
    r"(后排|后座|后面|后边|左后|右后|副驾驶|副驾|主驾驶|主驾)(?:座|排)?的?(?:乘客|人|朋友|小朋友|孩子|小孩)们?"
)
_JA_CHAU = re.compile(
    r"(?<=[\u3040-\u30ff\u4e00-\u9fff])(ち|じ)ゃ(?:って|え)(?=$|[、。,，!?！？\s]|ください|下さい|くれ|ほしい)"
)
# Only after a verb stem ("開けろ", "閉めろ", "しろ"): "後ろ", "うしろ", "ところ" stay.
_JA_IMPERATIVE = re.compile(r"(?<=[えけげせぜてでねへべぺめれしじき])(?<!うし)ろ(?=$|[、。,，!?！？\s])")
_JA_TOITE = re.compile(r"(?<=[\u3040-\u30ff\u4e00-\u9fff])(と|ど)いて(?=$|[、。,，!?！？\s]|お願い|ください|下さい)")
_EN_NUMBER = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty)"
)
_EN_HALF = re.compile(rf"\b({_EN_NUMBER}(?:[\s-]{_EN_NUMBER})?) and a half\b")
_CJK_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CJK_NUMERAL = "[零〇一二两三四五六七八九十百]"
_CJK_HALF = re.compile(rf"(\d+|{_CJK_NUMERAL}+)(度|℃)半")
_CJK_POINT = re.compile(rf"(\d+|{_CJK_NUMERAL}*十{_CJK_NUMERAL}*)点([零〇一二三四五六七八九\d])(?=度|℃|摄氏度|%|$)")


_PAUSES: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\s*,?\s*\b(?:uh+|um+|umm+|erm|er|hmm+|ah+)\b\s*,?\s*", re.IGNORECASE),
    "zh-CN": re.compile(r"[，,、]?\s*(?:嗯+|呃+|额+|那个|这个|就是)\s*[，,、]?"),
    "ja": re.compile(r"[、，,]?\s*(?:えーっと|えーと|えっと|ええと|あのー*|えー+|うーん|その|まあ)\s*[、，,]?"),
}
_JA_INVERTED = re.compile(r"^([^、，,]+[てで])[、，,]([^、，,をは]+)$")
_EN_POINTING = re.compile(
    r"\b(turn|open|close|switch|put|set|lower|raise|roll|shut|lock|unlock|mute|make|crack|pop|move|slide)"
    r" (?:that|this|those|these)\b"
)
_EN_BACK_AGAIN = re.compile(
    r"\b(window|windows|it|them|ac|heat|heater|heating|music|radio|light|lights|sunroof|roof|fan|defroster)"
    r" back (up|down|on|off|open|closed|shut)\b"
)
_EN_CASUAL_WORDS = {
    "gimme": "give me",
    "lemme": "let me",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "ya": "you",
    "'em": "them",
    "kinda": "kind of",
    "dunno": "don't know",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ac's": "ac is",
    "temp's": "temp is",
}
_EN_CASUAL = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(w) for w in _EN_CASUAL_WORDS) + r")(?![\w'])")
# "would you mind opening the sunroof", "how about turning the music down": the request is the verb.
_EN_GERUND_LEAD = re.compile(r"^(?:would you mind|do you mind|mind|how about|what about|try) (\w+ing)\b")
_EN_GERUNDS = {
    "opening": "open",
    "closing": "close",
    "turning": "turn",
    "switching": "switch",
    "setting": "set",
    "putting": "put",
    "locking": "lock",
    "unlocking": "unlock",
    "raising": "raise",
    "lowering": "lower",
    "rolling": "roll",
    "making": "make",
    "starting": "start",
    "stopping": "stop",
    "increasing": "increase",
    "decreasing": "decrease",
    "changing": "change",
    "navigating": "navigate",
    "taking": "take",
    "moving": "move",
    "sliding": "slide",
    "muting": "mute",
    "unmuting": "unmute",
    "cracking": "crack",
    "popping": "pop",
    "heating": "heat",
    "warming": "warm",
    "cooling": "cool",
    "defrosting": "defrost",
    "bumping": "bump",
    "cranking": "crank",
    "dimming": "dim",
    "pausing": "pause",
    "resuming": "resume",
    "driving": "drive",
    "getting": "get",
    "bringing": "bring",
    "reducing": "reduce",
    "activating": "activate",
}


def _gerund(match: re.Match[str]) -> str:
    verb = _EN_GERUNDS.get(match.group(1))
    return match.group(0) if verb is None else verb


def cjk_number(numeral: str) -> int | None:
    """'二十二' → 22, '十八' → 18, '一百' → 100, '22' → 22; None when it is no whole number."""
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, None
    for ch in numeral:
        if ch in _CJK_DIGITS:
            if digit is not None:
                return None
            digit = _CJK_DIGITS[ch]
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif ch == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        else:
            return None
    return total + (digit or 0)


_CJK_MIXED = re.compile(r"([一二两三四五六七八九]?十)([1-9])(?!\d)")


def _mixed(match: re.Match[str]) -> str:
    tens = cjk_number(match.group(1))
    return match.group(0) if tens is None else str(tens + int(match.group(2)))


def _half(match: re.Match[str]) -> str:
    number = cjk_number(match.group(1))
    return match.group(0) if number is None else f"{number}.5{match.group(2)}"


def _point(match: re.Match[str]) -> str:
    whole, tenth = cjk_number(match.group(1)), cjk_number(match.group(2))
    return match.group(0) if whole is None or tenth is None else f"{whole}.{tenth}"


def normalize_text(text: str, lang: str) -> str:
    """What was said, in the one spelling the templates are written for: control and format
    characters gone, full-width forms folded (NFKC: '２２℃' → '22°C'), one case, quotes and
    closing punctuation dropped, no spaces inside Chinese or Japanese, hesitations ('uh', '嗯',
    'えーと') removed and halves written as decimals ('twenty one and a half', '二十一度半').
    Joints between requests (commas, '。', '、') stay: the splitter needs them."""
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text)
    # "º" (ordinal indicator) and "˚" stand in for the degree sign on many keyboards.
    text = unicodedata.normalize("NFKC", text.replace("º", "°").replace("˚", "°")).translate(_QUOTES).casefold()
    text = text.replace("°c", "°").replace("°", " degrees " if lang == "en" else "度")
    text = re.sub(r"\s+", " ", text).strip()
    if lang != "en":
        text = _CJK_SPACE.sub("", text)
        text = _CJK_MIXED.sub(_mixed, text)  # "二十2度": the tens in words, the units in digits
        text = _CJK_POINT.sub(_point, _CJK_HALF.sub(_half, text))
        text = text.replace("百分之百", "百分之一百")
        if lang == "zh-CN":
            text = text.replace("点儿", "点")  # "整点儿暖风", "大点儿声": the 儿 of the north changes nothing
            text = _ZH_SEAT_PEOPLE.sub(r"\1", text)  # "给后座的乘客开到25度": the people name their seats
    else:
        text = _EN_HALF.sub(r"\1 point five", text)
        text = re.sub(r"\b(\d+) point (five|5)\b", r"\1.5", text)
        text = re.sub(r"\ba\.c\.?(?=\s|$)", "ac", text)
        text = _EN_CASUAL.sub(lambda m: _EN_CASUAL_WORDS[m.group(0)], text)
        # "turn that music down", "open this window": a pointing word is an article here.
        text = _EN_POINTING.sub(r"\1 the", text)
        # "put the driver's window back up", "turn it back on": "back" is "again" here, no seat.
        text = _EN_BACK_AGAIN.sub(r"\1 \2", text)
    if lang == "ja":
        text = _JA_CHAU.sub(lambda m: "て" if m.group(1) == "ち" else "で", text)  # "消しちゃって" = "消して"
        text = _JA_TOITE.sub(lambda m: "て" if m.group(1) == "と" else "で", _JA_AUXILIARY.sub(r"\1", text))
        text = _JA_IMPERATIVE.sub("て", text)
        text = _JA_SOFTENERS.sub("", text)
    text = _INNER_STOP.sub("," if lang == "en" else "，", text)
    text = _EDGE_PUNCT.sub("", text)
    filler = _FILLERS[lang]
    asked_politely = lang == "zh-CN" and _ZH_POLITE_START.search(text) is not None
    if lang == "en":
        text = _EN_GERUND_LEAD.sub(_gerund, text)
    for _ in range(3):  # "uh, um, so …": a few openers in a row
        cleaned = _EDGE_PUNCT.sub("", filler.sub(" " if lang == "en" else "", text))
        cleaned = re.sub(r"\s+", " ", cleaned).strip()
        if cleaned == text or not cleaned:
            break
        text = cleaned
    if lang == "zh-CN" and text.endswith("吗") and (asked_politely or _ZH_POLITE_QUESTION.match(text)):
        # "可以帮我打开空调吗", "帮我打开空调吗": a request asked as a question; any other "…吗"
        # ("车门锁好了吗") stays a question.
        text = text[:-1]
    return text


class Understander:
    """Parses utterances; build one and reuse it (templates compile once per language)."""

    def __init__(
        self,
        home_devices: Sequence[HomeDevice] = DEFAULT_HOME_DEVICES,
        home_areas: Mapping[str, Sequence[str]] | None = None,
        *,
        frames: bool = True,
    ) -> None:
        self._use_frames = frames  # False: templates only (to compare, and for the speech grammar)
        self._home_devices = tuple(home_devices)
        self._home_areas = dict(home_areas or DEFAULT_HOME_AREAS)
        self._home_lists: dict[str, dict[str, SlotList]] = {}
        self._frame_readers: dict[str, FrameReader] = {}

    def warm_up(self, langs: Iterable[str] = LANGS) -> None:
        """Compile templates and number words now, so the first request is as fast as the rest."""
        for lang in langs:
            self.parse("warm up", lang)
            self.parse("22", lang)

    def parse(self, text: str, lang: str) -> Understanding:
        if not isinstance(text, str):
            raise UnderstandingError(f"text must be a string, got {type(text).__name__}")
        lang = normalize_lang(lang)
        if len(text) > MAX_TEXT_CHARS:
            raise UnderstandingError(f"text of {len(text)} characters exceeds the limit of {MAX_TEXT_CHARS}")
        raw = text
        text = normalize_text(raw, lang)
        if not text:
            return Understanding()
        memos: dict[str, dict[tuple[str, bool], Command | HomeCommand | None]] = {}
        understood = self._understand(text, lang, memos.setdefault(text, {}))
        if understood.understood:
            return understood
        # A hesitation between commas ("把，嗯，空调打开") reads like a joint; without the pause
        # the sentence may be one request after all. Spoken Japanese also puts the thing after
        # the verb ("つけて、エアコン").
        retries = [normalize_text(_PAUSES[lang].sub(" " if lang == "en" else "", raw), lang)]
        inverted = _JA_INVERTED.match(text) if lang == "ja" else None
        if inverted:
            retries.append(f"{inverted.group(2)}を{inverted.group(1)}")
        tries = [text, *(r for r in dict.fromkeys(retries) if r and r != text)]
        for retry in tries[1:]:
            again = self._understand(retry, lang, memos.setdefault(retry, {}))
            if again.understood:
                return again
        # Last resort, only for what no template explains, in any of those spellings: the frame
        # reader (frames.py), on the whole and then on every piece the templates cannot read.
        for attempt in tries if self._use_frames else ():
            framed = self._understand_frames(attempt, lang, memos.setdefault(attempt, {}))
            if framed is not None:
                return framed
        return understood

    def _understand(
        self, text: str, lang: str, memo: dict[tuple[str, bool], Command | HomeCommand | None]
    ) -> Understanding:
        # Cheapest first: the car templates on the whole, then on pieces; the (large) home
        # templates only when the car alone cannot explain the sentence. Every text is matched
        # at most once per domain (the memo), however often the splitting meets it again.
        whole = self._match(text, lang, memo, home=False)
        if whole is not None:
            return Understanding(_settled([whole]))
        pieces = self._split(text, lang, memo, home=False)
        if pieces is not None:
            return pieces
        whole = self._match(text, lang, memo, home=True)
        if whole is not None:
            return Understanding(_settled([whole]))
        pieces = self._split(text, lang, memo, home=True)
        if pieces is None:
            return Understanding(unmatched=[text])
        return pieces

    def _understand_frames(
        self, text: str, lang: str, memo: dict[tuple[str, bool], Command | HomeCommand | None]
    ) -> Understanding | None:
        # The whole as one request first, then the pieces between joints (templates where they can),
        # and only then the whole as several requests with no joint between them.
        read = self._read_frames(text, lang, clauses=False)
        if read and all(isinstance(c, HomeCommand) for c in read) and _JOINTS[lang].search(text):
            # "锁车，然后把前门也锁上": the home's lock and the car's, not the home's alone
            pieces = self._split(text, lang, memo, home=True, frames=True)
            named = [c for c in pieces.commands if isinstance(c, Command)] if pieces is not None else []
            if pieces is not None and any(not c.intent.startswith("Follow") for c in named):
                return pieces
        if read:
            return Understanding(_settled(read))
        pieces = self._split(text, lang, memo, home=True, frames=True)
        if pieces is not None:
            return pieces
        read = self._read_frames(text, lang)
        return Understanding(_settled(read)) if read else None

    def _frames(self, lang: str) -> FrameReader:
        reader = self._frame_readers.get(lang)
        if reader is None:
            devices = {d.name: d.domain for d in self._home_devices if _fits_language(d.name, lang)}
            reader = FrameReader(lang, load_car_intents(lang).slot_lists, self._home_areas.get(lang, ()), devices)
            self._frame_readers[lang] = reader
        return reader

    def _read_frames(self, text: str, lang: str, *, clauses: bool = True) -> list[Command | HomeCommand] | None:
        read = self._frames(lang).read(text, clauses=clauses)
        if not read:
            return None
        return [
            HomeCommand(cmd.intent, self._with_device(dict(cmd.slots)), cmd.text, cmd.lang)
            if isinstance(cmd, HomeCommand)
            else cmd
            for cmd in read
        ]

    def _with_device(self, slots: dict[str, Any]) -> dict[str, Any]:
        """A home command's slots with the named device's domain and entity id, where we know them."""
        device = next((d for d in self._home_devices if d.name == slots.get("name")), None)
        if device is not None:
            slots.setdefault("domain", device.domain)
            if device.entity_id:
                slots["entity_id"] = device.entity_id
        return slots

    def _match_frames(self, text: str, lang: str) -> list[Command | HomeCommand] | None:
        """A piece as the frame reader sees it: its commands, [] for a piece that only sets the
        scene ("I'm almost home", "外面有味道"), None when it cannot be read."""
        read = self._read_frames(text, lang)
        if read:
            return read
        if self._frames(lang).is_aside(text):
            return []
        return None

    # -- matching ---------------------------------------------------------------
    def _match(
        self, text: str, lang: str, memo: dict[tuple[str, bool], Command | HomeCommand | None], *, home: bool
    ) -> Command | HomeCommand | None:
        if (text, False) not in memo:
            memo[(text, False)] = self._match_car_softened(text, lang)
        car = memo[(text, False)]
        if car is not None or not home:
            return car
        if (text, True) not in memo:
            memo[(text, True)] = self._match_home(text, lang)
        return memo[(text, True)]

    def _match_car_softened(self, text: str, lang: str) -> Command | None:
        car = self._match_car(text, lang)
        if car is None and lang == "zh-CN":
            # Sentence-final particles ("吧", "了", "啊") soften a request without changing it.
            polite = _ZH_POLITE_QUESTION.match(text)
            base = polite.group(1) if polite else text
            plain = _ZH_PARTICLES.sub("", base)
            # One particle off first ("空调别开了吧" keeps its "了"), then all of them.
            for candidate in dict.fromkeys((base[:-1] if plain != base else base, plain)):
                if candidate and candidate != text:
                    car = self._match_car(candidate, lang)
                    if car is not None:
                        break
        return car

    def _match_car(self, text: str, lang: str) -> Command | None:
        intents = load_car_intents(lang)
        if not _could_be_car(text, lang):
            return None
        result = recognize_best(text, intents, slot_lists=RANGE_LISTS, language=lang)
        skip = _SKIP_WORDS.get(lang)
        if result is None and skip is not None:
            # As hassil does: what was said literally first, then without the polite extras.
            plain = skip.sub("", text)
            if plain and plain != text:
                result = recognize_best(plain, intents, slot_lists=RANGE_LISTS, language=lang)
        if result is None:
            return None
        slots: dict[str, Any] = dict(result.intent_data.slots)
        for name, entity in result.entities.items():
            slots[name] = entity.value
        return Command(result.intent.name, slots, text)

    def _match_home(self, text: str, lang: str) -> HomeCommand | None:
        intents = load_home_intents(lang)
        if intents is None:
            return None
        lists = self._home_lists.get(lang)
        if lists is None:
            devices = [d for d in self._home_devices if _fits_language(d.name, lang)]
            lists = _home_slot_lists(lang, devices, self._home_areas.get(lang, ()))
            self._home_lists[lang] = lists
        if lang == "ja":
            # Home Assistant's Japanese sentences write the verb in kanji only.
            text = text.replace("つけて", "点けて").replace("付けて", "点けて")
        # "the lights at home", "家里客厅的灯": every device here is at home; saying so adds nothing.
        said_home = _AT_HOME[lang].search(text) is not None or (lang != "en" and "家" in text)
        text = _AT_HOME[lang].sub(" " if lang == "en" else "", text).strip()
        # Without anybody's politeness first (the likeliest to match), then Home Assistant's own
        # skip words only, then what was said.
        load_car_intents(lang)
        plain = _without(_HOME_SKIP_WORDS.get(lang), text, lang)
        plainest = _without(_HOME_SKIP_WORDS.get(lang), _without(_POLITENESS.get(lang), text, lang), lang)
        if lang == "zh-CN":
            plainest = _ZH_PARTICLES.sub("", plainest) or plainest
        # Only the sentences that could take every word; none: skip the large matching. The other
        # candidates only add politeness, so whatever matches them also takes these words.
        fitting = _home_intents_for(plainest, lang, lists)
        if fitting is None:
            return None
        candidates = [c for c in dict.fromkeys((plainest, plain, text)) if c]
        result = None
        for candidate in candidates:
            try:
                result = recognize_best(candidate, fitting, slot_lists=lists, language=lang)
            except Exception:
                # A Home Assistant template that needs a list we do not have: not a home command.
                result = None
            if result is not None:
                text = candidate
                break
        if result is None:
            return None
        slots = {name: entity.value for name, entity in result.entities.items()}
        for key, value in result.intent_data.slots.items():
            slots.setdefault(key, value)
        slots = self._with_device(slots)
        unplaced = not (said_home or slots.get("area") or slots.get("name"))
        if lang != "en" and result.intent.name == "HassClimateSetTemperature" and unplaced:
            return None  # "温度调到35度" in the car: the car's out of range, not the home's thermostat
        return HomeCommand(result.intent.name, _plain(slots), text, lang)

    # -- several requests in one sentence --------------------------------------------
    def _split(
        self,
        text: str,
        lang: str,
        memo: dict[tuple[str, bool], Command | HomeCommand | None],
        *,
        home: bool,
        frames: bool = False,
    ) -> Understanding | None:
        joints = [(m.start(), m.end(), m.group(0).strip()) for m in _JOINTS[lang].finditer(text)]
        if not joints or len(joints) > MAX_JOINTS:
            return None  # no chain of requests anyone says holds that many joints; don't search it
        # A cut is (start, end) of a joint; pieces run between cuts.
        cuts = [(0, 0, ""), *joints, (len(text), len(text), "")]
        keep = _KEEP_JOINT.get(lang, set())

        def piece(i: int, j: int) -> str:
            start = cuts[i][1]
            if cuts[i][2] in keep:
                start = cuts[i][0]
            return text[start : cuts[j][0]].strip()

        memo_verb: dict[tuple[int, str], list[Command | HomeCommand] | None] = {}
        verb_pattern = _VERBS.get(lang)

        def solve(i: int, verb: str) -> list[Command | HomeCommand] | None:
            if i == len(cuts) - 1:
                return []
            if (i, verb) in memo_verb:
                return memo_verb[(i, verb)]
            given = verb
            if lang == "en" and _EN_SUBJECT.match(text[cuts[i][1] :].lstrip()):
                verb = ""  # "open the window, I need some fresh air": a clause of its own borrows no verb
            found: list[Command | HomeCommand] | None = None
            # Shortest piece first (most joints join commands); one request spans a few joints at most.
            for j in range(i + 1, min(len(cuts), i + 1 + MAX_PIECE_JOINTS)):
                chunk = piece(i, j)
                if not chunk or _only_politeness(chunk, lang):
                    rest = solve(j, verb)
                    if rest is not None:
                        found = rest
                        break
                    continue
                # The piece's own verb, wherever politeness put it ("could you turn off …", "请关闭…").
                lead = verb_pattern.search(chunk) if verb_pattern is not None else None
                matched = None
                if verb and lead is None:
                    # "turn off the AC and the hazards": a piece without a verb of its own borrows the
                    # previous one (first, since "the hazards" alone would mean "on").
                    matched = self._match(f"{verb}{' ' if lang == 'en' else ''}{chunk}", lang, memo, home=home)
                if matched is None:
                    matched = self._match(chunk, lang, memo, home=home)
                if matched is None and cuts[i][2] in keep:
                    matched = self._match(text[cuts[i][1] : cuts[j][0]].strip(), lang, memo, home=home)
                read: list[Command | HomeCommand] | None = None if matched is None else [matched]
                if read is None and frames and verb and lead is None:
                    read = self._match_frames(f"{verb}{' ' if lang == 'en' else ''}{chunk}", lang) or None
                if read is None and frames:
                    read = self._match_frames(chunk, lang)
                if read is None:
                    continue
                rest = solve(j, lead.group(0).strip() if lead else verb)
                if rest is not None:
                    found = [*read, *rest]
                    break
            memo_verb[(i, given)] = found
            return found

        commands = solve(0, "")
        if not commands:
            return None
        return Understanding(_settled(commands))


_AT_HOME: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\b(?:at home|in the house|at the house|at my place|of the house|in my house)\b"),
    "zh-CN": re.compile(r"(?:家里|家中|我家|家里面)的?(?=.)"),
    "ja": re.compile(r"(?:家|自宅|うち)の(?=.)"),
}


def _settled(commands: list[Command | HomeCommand]) -> list[Command | HomeCommand]:
    """A complaint ("it's hot", "太吵了", "寒い") is a request only when nothing else in the sentence
    says what to do about it: "it's hot, open my window" opens the window and leaves the set point.
    A request said twice in a row is done once."""
    commands = _bound(commands)
    explicit = [c for c in commands if not (isinstance(c, Command) and c.slots.get("complaint"))]
    chosen = explicit or commands
    unique = [c for k, c in enumerate(chosen) if k == 0 or not _same_command(c, chosen[k - 1])]
    return [
        Command(c.intent, {k: v for k, v in c.slots.items() if k != "complaint"}, c.text)
        if isinstance(c, Command) and "complaint" in c.slots
        else c
        for c in unique
    ]


# What a bare "turn it down" adjusts right after a request about this intent's thing.
_ADJUSTED = {
    "SetTemperature": "AdjustTemperature",
    "AdjustTemperature": "AdjustTemperature",
    "SetFan": "AdjustFan",
    "AdjustFan": "AdjustFan",
    "SetVolume": "AdjustVolume",
    "AdjustVolume": "AdjustVolume",
}


def _bound(commands: list[Command | HomeCommand]) -> list[Command | HomeCommand]:
    """ "音楽がガンガンうるさい、下げて", "声音太大了，调小一点": a bare step up or down right after a
    request (or complaint) about a thing in the same sentence moves that thing, not the last command's."""
    out: list[Command | HomeCommand] = []
    for cmd in commands:
        prev = out[-1] if out else None
        # "the fan's too loud, turn it down": "it" is the fan, though "turn it down" alone is the volume
        pronoun = isinstance(cmd, Command) and cmd.intent == "AdjustVolume" and _EN_IT_STEP.match(cmd.text) is not None
        if (
            isinstance(cmd, Command)
            and (cmd.intent == "FollowAdjust" or pronoun)
            and cmd.slots.get("direction") in ("up", "down")
            and isinstance(prev, Command)
            and prev.intent in _ADJUSTED
        ):
            intent = _ADJUSTED[prev.intent]
            slots: dict[str, Any] = {"direction": cmd.slots["direction"]}
            if "zone" in prev.slots:
                slots["zone"] = prev.slots["zone"]
            steps = int(cmd.slots.get("steps", 1))
            if steps > 1:
                slots["delta" if intent == "AdjustTemperature" else "steps"] = steps
            cmd = Command(intent, slots, cmd.text)
        out.append(cmd)
    rear = any(_is_defroster(c, "rear_defrost") for c in out)
    # "リアガラス曇ってるから曇り止めつけて": beside the rear glass, a defroster not said to be the
    # front one is the rear one
    return [c for c in out if not (rear and _is_defroster(c, "front_defrost") and not _FRONT_WORDS.search(c.text))]


_EN_SUBJECT = re.compile(r"(?:i|we|i'm|we're|i've|we've|it's|it is|they|he|she|there's)\b")
_EN_IT_STEP = re.compile(r"(?:(?:can|could|would) you )?(?:please )?(?:turn|put|bring|knock) (?:it|them) (?:down|up)\b")
_FRONT_WORDS = re.compile(r"前|フロント|front|windshield|windscreen|挡风")


def _is_defroster(cmd: Command | HomeCommand, device: str) -> bool:
    return (
        isinstance(cmd, Command)
        and cmd.intent == "Switch"
        and cmd.slots.get("device") == device
        and (cmd.slots.get("state") == "on")
    )


def _same_command(a: Command | HomeCommand, b: Command | HomeCommand) -> bool:
    return type(a) is type(b) and a.intent == b.intent and dict(a.slots) == dict(b.slots)


def _fits_language(name: str, lang: str) -> bool:
    has_kana = any("\u3040" <= ch <= "\u30ff" for ch in name)
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in name)
    if lang == "en":
        return not (has_kana or has_cjk)
    if lang == "ja":
        return has_kana or has_cjk
    return has_cjk and not has_kana


def _plain(slots: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in slots.items():
        out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
    return out
