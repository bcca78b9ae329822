"""Frames: a conservative fallback reader for requests the templates do not understand.

A template matches a whole wording; people keep finding new ones ("get the hazards going",
"副驾驶设置二十四度", "風、きつい"). This reader ignores word order and reads only the words
that carry a request: a *thing* (window, 座椅加热, 風量 …), an *action* (open, 调低, 消して …),
a *zone* (passenger, 后排, 私の …), numbers with their unit, colours, places, complaint words,
and the home's areas and devices. It composes them into the same `Command` (intent + slots)
the templates produce, or a `HomeCommand`, so the planner, safety rules, seat awareness and
replies stay one code path.

Flow: `FrameReader.read(text)` scans the normalised text once with one longest-first regular
expression per language (lexicons built from the car templates' own slot lists plus the words
below) → `_Frame` (what was found) → `_car` or `_home` composes commands → None when a
required part is missing or two readings conflict (two things, two directions, a negation in
front of an action): a wrong action is worse than "I did not understand".

    reader = FrameReader("en")
    reader.read("get the hazards going")        # [Command('Switch', {'device': 'hazard', 'state': 'on'}, …)]
    reader.read("open the window and the trunk") # None: two things, one reading is a guess

It runs only where the templates understood nothing (understanding.py, last resort per piece).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from hassil.expression import TextChunk
from hassil.intents import TextSlotList
from hassil.numbers import get_rbnf_engine

# Words the templates do not list as slot values. kind:value; the values of "thing" are the
# template device names where one exists, so a composed Switch is exactly a template's Switch.
# fmt: off
_EN: dict[str, str] = {
    "temperature": "thing:temperature", "temp": "thing:temperature", "climate": "thing:temperature",
    "heating": "thing:heating", "cabin temperature": "thing:temperature", "fan": "thing:fan",
    "fans": "thing:fan", "fan speed": "thing:fan", "airflow": "thing:fan", "air flow": "thing:fan",
    "blower": "thing:fan", "air": "thing:fan", "ventilation": "thing:ventilation",
    "fresh air": "thing:fresh_air", "outside air": "thing:fresh_air", "window": "thing:window",
    "windows": "thing:window", "side window": "thing:window", "side windows": "thing:window",
    "windshield": "thing:windshield", "windscreen": "thing:windshield",
    "front window": "thing:windshield", "front glass": "thing:windshield",
    "rear window": "thing:rear_glass", "back window": "thing:rear_glass",
    "rear windshield": "thing:rear_glass", "rear glass": "thing:rear_glass",
    "back glass": "thing:rear_glass", "sunroof": "thing:sunroof", "moonroof": "thing:sunroof",
    "roof": "thing:sunroof", "door": "thing:door", "doors": "thing:door", "car": "thing:car",
    "vehicle": "thing:car", "seat": "thing:seat", "seats": "thing:seat", "volume": "thing:volume",
    "music": "thing:volume", "sound": "thing:volume", "audio": "thing:volume",
    "radio": "thing:volume", "media": "thing:volume", "charging": "thing:charging",
    "charge": "thing:charging", "charge limit": "thing:charge_limit",
    "charging limit": "thing:charge_limit", "charge level": "thing:battery", "range": "thing:range",
    "kilometers": "thing:range", "kilometres": "thing:range", "km": "thing:range",
    "miles": "thing:range", "distance": "thing:range", "battery": "thing:battery",
    "battery level": "thing:battery", "state of charge": "thing:battery",
    "outside": "thing:outside", "outdoors": "thing:outside", "inside": "thing:inside",
    "in here": "thing:inside", "cabin": "thing:inside", "light": "thing:light",
    "lights": "thing:light", "lamp": "thing:light", "lamps": "thing:light",
    "lighting": "thing:light", "turn on": "act:on", "switch on": "act:on", "on": "act:on",
    "activate": "act:on", "enable": "act:on", "at home": "athome:", "in the house": "athome:",
    "at the house": "athome:", "locked": "locked:", "locked up": "locked:", "unlocked": "locked:",
    "is it": "query:", "is the": "query:", "are the": "query:", "are we": "query:",
    "is my": "query:", "are my": "query:", "left": "remaining:", "remaining": "remaining:",
    "is on": "state:on", "is off": "state:off", "are on": "state:on", "are off": "state:off",
    "'s on": "state:on", "'s off": "state:off", "is open": "state:open",
    "is closed": "state:closed", "are open": "state:open", "are closed": "state:closed",
    "going": "act:on", "a go": "act:on", "fire up": "act:on", "put on": "act:on",
    "engage": "act:on", "turn off": "act:off", "switch off": "act:off", "off": "act:off",
    "disable": "act:off", "deactivate": "act:off", "kill": "act:off", "shut off": "act:off",
    "cut": "act:off", "open": "act:open", "roll down": "act:open", "crack open": "act:open",
    "close": "act:close", "shut": "act:close", "roll up": "act:close", "up": "act:up",
    "raise": "act:up", "increase": "act:up", "higher": "act:up", "turn up": "act:up",
    "speed up": "act:up", "more": "more:", "boost": "act:up", "crank up": "act:up",
    "stronger": "act:up", "down": "act:down", "lower": "act:down", "decrease": "act:down",
    "reduce": "act:down", "turn down": "act:down", "less": "less:", "slow down": "act:down",
    "drop": "act:down", "weaker": "act:down", "max": "act:max", "maximum": "act:max",
    "full blast": "act:max", "highest": "act:max", "min": "act:min", "minimum": "act:min",
    "lowest": "act:min", "lock": "act:lock", "lock up": "act:lock", "unlock": "act:unlock",
    "release the lock": "act:unlock", "release the locks": "act:unlock",
    "undo the lock": "act:unlock", "undo the locks": "act:unlock",
    "take off the lock": "act:unlock", "start": "act:start", "begin": "act:start",
    "resume": "act:start", "stop": "act:stop", "pause": "act:stop", "end": "act:stop",
    "mute": "act:mute", "unmute": "act:unmute", "warmer": "act:warm", "warm": "act:warm",
    "it's warm": "complaint:hot", "i'm warm": "complaint:hot", "so warm": "complaint:hot",
    "the heat": "thing:heat", "this heat": "complaint:hot",
    "warm up": "act:warm", "heat": "act:warm", "heat up": "act:warm", "hotter": "act:warm",
    "cooler": "act:cool", "colder": "act:cool", "cool": "act:cool",
    "that's cool": "filler:", "it's cool": "filler:", "very cool": "filler:", "so cool": "filler:",
    "cool down": "act:cool",
    "chill": "act:cool", "louder": "act:loud", "quieter": "act:quiet", "softer": "act:quiet",
    "go": "act:go", "drive": "act:go", "take": "act:go", "navigate": "act:go", "head": "act:go",
    "route": "act:go", "directions": "act:go", "bring": "act:go", "set": "act:set",
    "make": "act:set", "put": "act:set", "change": "act:set", "adjust": "act:set",
    "forward": "act:forward", "forwards": "act:forward", "backward": "act:backward",
    "backwards": "act:backward", "dim": "act:dim", "darker": "act:dim", "brighten": "act:bright",
    "brighter": "act:bright", "defrost": "act:defrost", "defog": "act:defrost",
    "demist": "act:defrost", "clear": "act:defrost", "a bit": "bit:", "a little": "bit:",
    "a little bit": "bit:", "slightly": "bit:", "a tad": "bit:", "a touch": "bit:",
    "a crack": "bit:", "somewhat": "bit:", "back here": "zone:rear_here",
    "heater": "thing:temperature", "a smidge": "bit:", "a hair": "bit:", "a little more": "bit:",
    "quit": "act:stop", "full power": "act:max", "toastier": "act:warm", "did i": "query:",
    "did you": "query:", "have you": "query:", "did": "query:", "who": "query:", "why": "query:",
     "where": "query:", "which": "query:", "whose": "query:",
    "yesterday": "past:", "have i": "query:", "heated": "thing:seat_heating", "secure": "act:lock",
    "bump": "act:up", "behind me": "unsure:", "next to me": "unsure:", "beside me": "unsure:",
    "noisy": "complaint:loud", "low": "lvl:low", "medium": "lvl:mid", "mid": "lvl:mid",
    "high": "lvl:high", "a couple": "num:2", "a couple of": "num:2", "couple of": "num:2",
    "a few": "num:3", "open up": "act:open", "blast": "act:max", "halfway": "half:",
    "half way": "half:", "half": "half:", "half open": "half:", "fully": "full:", "full": "full:",
    "all the way": "full:", "completely": "full:", "wide open": "full:", "as well": "too:",
    "also": "too:", "same": "same:", "the same": "same:", "don't": "neg:", "do not": "neg:",
    "dont": "neg:", "don't need": "nope:", "don't want": "nope:", "no more": "nope:",
    "no": "nope:", "not": "neg:", "never": "neg:", "hot": "complaint:hot",
    "too hot": "complaint:hot", "too warm": "complaint:hot", "stuffy": "complaint:hot",
    "sweating": "complaint:hot", "boiling": "complaint:hot", "roasting": "complaint:hot",
    "cold": "complaint:cold", "chilly": "complaint:cold", "freezing": "complaint:cold",
    "too cold": "complaint:cold", "too loud": "complaint:loud", "too quiet": "complaint:quiet",
    "can't hear": "complaint:quiet", "too hard": "complaint:strong",
    "too strong": "complaint:strong", "too much air": "complaint:strong",
    "too windy": "complaint:strong", "too weak": "complaint:weak", "fogged": "complaint:fog",
    "fogged up": "complaint:fog", "foggy": "haze:", "misted": "complaint:fog",
    "misted up": "complaint:fog", "steamed up": "complaint:fog", "fogging up": "complaint:fog",
    "can't see": "complaint:blind", "how": "query:", "what": "query:", "what's": "query:",
    "how much": "query:", "how many": "query:", "how far": "query:", "tell me": "query:",
    "degrees": "deg:", "degree": "deg:", "celsius": "deg:", "percent": "pct:", "per cent": "pct:",
    "%": "pct:", "level": "level:", "setting": "level:", "notch": "level:", "step": "level:",
    "brightness": "bright:", "almost home": "aside:", "almost there": "aside:",
    "nearly home": "aside:", "on my way": "aside:", "smells": "aside:", "raining": "aside:",
    "rain": "aside:", "asleep": "aside:", "sleeping": "aside:", "headache": "aside:",
    "on a call": "aside:", "on the phone": "aside:", "highway": "aside:", "tunnel": "aside:",
    "dusty": "aside:", "smoky": "aside:", "smoke": "aside:", "in a hurry": "aside:",
    "leaving": "aside:", "smell": "aside:", "stinks": "aside:", "getting close": "aside:",
    "closed": "act:close", "opened": "act:open", "turned off": "act:off", "turned on": "act:on",
    "switched off": "act:off", "switched on": "act:on", "lowered": "act:down", "raised": "act:up",
    "find": "act:go", "find me": "act:go",
    "start up": "act:on", "power on": "act:on", "power off": "act:off",
    "shut down": "act:off",
    "running": "act:on", "started": "act:start", "has the": "query:", "has it": "query:",
    "misty": "haze:", "mist": "haze:", "misting up": "complaint:fog", "hazy": "haze:",
    "steamy": "complaint:fog", "steamed": "complaint:fog", "steaming up": "complaint:fog",
    "frosted": "complaint:fog", "frosted over": "complaint:fog", "frosted up": "complaint:fog",
    "frosty": "complaint:fog", "iced up": "complaint:fog", "iced over": "complaint:fog",
    "condensation": "complaint:fog", "fog": "haze:", "fogging": "complaint:fog", "crank": "act:up",
    "loud": "complaint:loud", "minutes": "aside:", "minute": "aside:", "hours": "aside:", "sun": "aside:",
    "sunny": "aside:", "glare": "aside:", "my eyes": "aside:", "spilled": "aside:", "dropped": "aside:",
    "groceries": "aside:", "shopping": "aside:", "luggage": "aside:", "suitcase": "aside:", "bags": "aside:",
    "party": "aside:", "guests": "aside:", "meeting": "aside:", "late": "aside:", "running late": "aside:",
    "tired": "aside:", "sleepy": "aside:", "carsick": "aside:", "car sick": "aside:", "sick": "aside:",
    "nauseous": "aside:", "allergies": "aside:", "pollen": "aside:", "bugs": "aside:", "traffic": "aside:",
    "traffic jam": "aside:", "parked": "aside:", "parking": "aside:", "waiting": "aside:", "nice day": "aside:",
    "beautiful day": "aside:", "lovely day": "aside:", "weather": "aside:", "baby": "aside:", "the dog": "aside:",
    "unless": "stop:", "going to": "act:go", "get going to": "act:go", "head over to": "act:go",
    "off to": "act:go", "how's": "query:", "how is": "query:", "hour": "aside:", "an hour": "aside:",
    "we'll be back": "aside:", "be right back": "aside:", "i left": "past:", "bag": "aside:", "phone": "aside:",
    "wallet": "aside:", "keys": "aside:", "jacket": "aside:", "coat": "aside:", "podcast": "aside:",
    "will we make it": "reach:", "should i": "query:", "should we": "query:", "not all the way": "stop:",
    "not fully": "stop:", "not completely": "stop:", "but not all the way": "stop:", "but not fully": "stop:",
    "my back": "zone:mine", "hurts": "aside:", "sore": "aside:", "aches": "aside:",
    "isn't": "neg:", "aren't": "neg:", "doesn't": "neg:", "won't": "neg:", "isn't working": "neg:",
    "not working": "neg:", "doesn't work": "neg:", "stopped working": "neg:", "broken": "neg:",
    "will i make it": "reach:", "can we make it": "reach:", "can i make it": "reach:", "could we make it": "reach:",
    "would we make it": "reach:", "will the car make it": "reach:", "will it make it": "reach:",
    "on this charge": "filler:", "with this charge": "filler:", "on the current charge": "filler:",
    "limit": "thing:charge_limit", "speed limit": "aside:", "burning up": "complaint:hot",
    "baking": "complaint:hot", "melting": "complaint:hot",
    "sweltering": "complaint:hot", "scorching": "complaint:hot", "sauna": "complaint:hot", "oven": "complaint:hot",
    "sweaty": "complaint:hot", "muggy": "complaint:hot", "fridge": "complaint:cold", "icebox": "complaint:cold",
    "shivering": "complaint:cold", "frozen": "complaint:cold", "nippy": "complaint:cold",
    "a bit warm": "complaint:hot", "a little warm": "complaint:hot", "bit warm": "complaint:hot",
    "kind of warm": "complaint:hot", "pretty warm": "complaint:hot", "quite warm": "complaint:hot",
    "really warm": "complaint:hot", "very warm": "complaint:hot", "getting warm": "complaint:hot",
    "is warm": "complaint:hot", "'s warm": "complaint:hot", "feels warm": "complaint:hot",
    "a bit cool": "complaint:cold", "a little cool": "complaint:cold", "getting cool": "complaint:cold",
    "too cool": "complaint:cold", "for some air": "aside:", "for some fresh air": "aside:", "for air": "aside:",
    "fine": "neg:", "i'm ok": "neg:", "i'm good": "neg:", "was": "past:", "were": "past:",
    "last night": "past:", "last time": "past:", "i opened": "past:", "i closed": "past:", "i turned": "past:",
    "i switched": "past:", "i locked": "past:", "i unlocked": "past:", "someone": "past:", "somebody": "past:",
    "beating down": "aside:", "coming down": "aside:", "forgot": "aside:", "i forgot": "aside:",
    "coming": "aside:", "on her way": "aside:", "on his way": "aside:", "arriving": "aside:", "picking up": "aside:",
    "my wife": "person:", "my husband": "person:", "my partner": "person:", "my son": "person:",
    "my daughter": "person:", "my kid": "person:", "my friend": "person:", "my mom": "person:",
    "my dad": "person:", "my girlfriend": "person:", "my boyfriend": "person:", "my mother": "person:",
    "my father": "person:", "my colleague": "person:", "my boss": "person:", "out there": "thing:outside",
    "can't see the road": "aside:",
    "both of us": "zone:row_here", "the two of us": "zone:row_here", "the other side": "zone:other",
    "other side": "zone:other", "the other seat": "zone:other",
    "destination": "act:go", "juice": "thing:battery",
    "notches": "level:", "steps": "level:", "levels": "level:", "clicks": "level:", "click": "level:",
    "can't feel": "complaint:weak", "cannot feel": "complaint:weak", "barely feel": "complaint:weak",
    "hardly feel": "complaint:weak", "not enough air": "complaint:weak", "barely any air": "complaint:weak",
    "hardly any air": "complaint:weak", "on the highway": "aside:", "on the motorway": "aside:",
    "on the freeway": "aside:", "in traffic": "aside:", "broken down": "aside:", "broke down": "aside:",
    "flat tire": "aside:", "flat tyre": "aside:", "accident": "aside:", "get in": "aside:",
    "getting in": "aside:", "get out": "aside:", "getting out": "aside:", "trip": "aside:",
    "long drive": "aside:", "tomorrow": "aside:", "tonight": "aside:", "ambient": "thing:ambient_light",
    "on the left": "side:left", "on the right": "side:right", "the left one": "side:left",
    "the right one": "side:right", "left-hand": "side:left", "right-hand": "side:right",
    "navigation": "act:go", "nav": "act:go", "gps": "act:go", "be at": "act:go", "get to": "act:go",
    "on my way to": "act:go", "on our way to": "act:go", "heading to": "act:go",
    "me at": "zone:mine", "me to": "zone:mine", "me on": "zone:mine",
    "still on": "state:on", "still off": "state:off", "still open": "state:open", "still running": "state:on",
    "left on": "state:on", "left open": "state:open", "except": "except:", "except for": "except:",
    "other than": "except:", "apart from": "except:", "but not": "except:", "except me": "except:mine",
    "except for me": "except:mine", "but me": "except:mine", "but not me": "except:mine",
    "except mine": "except:mine", "except for mine": "except:mine", "but mine": "except:mine",
    "but not mine": "except:mine", "instead": "instead:",
    "ignore": "stop:", "disregard": "stop:", "instructions": "stop:", "pretend": "stop:", "override": "stop:",
    "system prompt": "stop:", "jailbreak": "stop:",
}
# fmt: on
# fmt: off
_ZH: dict[str, str] = {
    "温度": "thing:temperature", "空调温度": "thing:temperature", "车内温度": "thing:temperature",
    "风量": "thing:fan", "风速": "thing:fan", "风": "thing:fan", "出风": "thing:fan",
    "风力": "thing:fan", "风扇": "thing:fan", "吹": "thing:fan", "冷风": "thing:ac",
    "我后面": "unsure:", "我旁边": "unsure:", "我身后": "unsure:", "低档": "lvl:low",
    "中档": "lvl:mid", "高档": "lvl:high", "高一档": "act:up", "低一档": "act:down",
    "升一档": "act:up", "降一档": "act:down", "加一档": "act:up", "减一档": "act:down",
    "家里": "athome:", "家里的": "athome:", "家中": "athome:", "我家": "athome:",
    "锁了吗": "locked:", "锁好了吗": "locked:", "锁上了吗": "locked:", "锁着吗": "locked:",
    "锁没锁": "locked:", "还剩": "remaining:", "剩余": "remaining:", "在充电": "thing:charging",
    "开着": "state:open", "关着": "state:closed", "是开的": "state:open", "是关的": "state:closed",
    "气温": "thing:temperature", "太大声": "complaint:loud", "太小声": "complaint:quiet",
    "怎么样": "query:", "怎么": "query:", "谁": "query:", "为什么": "query:", "为啥": "query:",
    "什么时候": "query:", "哪": "query:", "昨天": "query:", "如何": "query:", "多高": "query:",
    "几度": "query:", "吹风": "thing:fan", "鼓风机": "thing:fan", "外循环": "thing:fresh_air",
    "新风": "thing:fresh_air", "车窗": "thing:window", "窗户": "thing:window", "窗": "thing:window",
    "窗子": "thing:window", "玻璃": "thing:window", "前挡": "thing:windshield",
    "前挡风玻璃": "thing:windshield", "挡风玻璃": "thing:windshield", "前风挡": "thing:windshield",
    "前玻璃": "thing:windshield", "后挡": "thing:rear_glass", "后挡风玻璃": "thing:rear_glass",
    "后风挡": "thing:rear_glass", "天窗": "thing:sunroof", "车门": "thing:door", "门": "thing:door",
    "车": "thing:car", "车辆": "thing:car", "车子": "thing:car", "爱车": "thing:car",
    "座椅": "thing:seat", "座位": "thing:seat", "椅子": "thing:seat",
    "座椅加热": "thing:seat_heating", "加热": "thing:seat_heating",
    "座椅通风": "thing:seat_ventilation", "通风": "thing:seat_ventilation", "音量": "thing:volume",
    "声音": "thing:volume", "音乐": "thing:volume", "歌": "thing:volume", "音响": "thing:volume",
    "充电": "thing:charging", "充电上限": "thing:charge_limit", "充电限制": "thing:charge_limit",
    "续航": "thing:range", "里程": "thing:range", "续航里程": "thing:range", "公里": "thing:range",
    "能跑": "thing:range", "能开": "thing:range", "电量": "thing:battery", "电池": "thing:battery",
    "剩余电量": "thing:battery", "外面": "thing:outside", "室外": "thing:outside",
    "车外": "thing:outside", "外边": "thing:outside", "车内": "thing:inside",
    "车里": "thing:inside", "灯": "thing:light", "电灯": "thing:light", "灯光": "thing:light",
    "打开": "act:on", "开": "act:on", "开启": "act:on", "开一下": "act:on", "开下": "act:on",
    "开个": "act:on", "启动": "act:on", "来个": "act:set", "关": "act:off", "关掉": "act:off",
    "关闭": "act:off", "关上": "act:off", "关了": "act:off", "调高": "act:up", "升高": "act:up",
    "提高": "act:up", "加大": "act:up", "调大": "act:up", "增加": "act:up", "高一点": "act:up",
    "大一点": "act:up", "大点": "act:up", "大些": "act:up", "高点": "act:up", "强一点": "act:up",
    "加强": "act:up", "调低": "act:down", "降低": "act:down", "降": "act:down", "减小": "act:down",
    "调小": "act:down", "减少": "act:down", "低一点": "act:down", "小一点": "act:down",
    "小点": "act:down", "低点": "act:down", "弱一点": "act:down", "减弱": "act:down",
    "升起": "act:close", "升起来": "act:close", "升上去": "act:close", "摇上": "act:close",
    "关严": "act:close", "降下": "act:open", "降下来": "act:open", "摇下": "act:open",
    "放下": "act:open", "最大": "act:max", "开到最大": "act:max", "最高": "act:max",
    "最小": "act:min", "最低": "act:min", "锁": "act:lock", "锁车": "act:lock", "锁上": "act:lock",
    "解锁": "act:unlock", "开锁": "act:unlock", "解开": "act:unlock", "打开锁": "act:unlock",
    "把锁打开": "act:unlock", "开始": "act:start", "停": "act:stop", "停止": "act:stop",
    "暂停": "act:stop", "停了": "act:stop", "静音": "act:mute", "暖": "act:warm",
    "暖和": "act:warm", "热一点": "act:warm", "暖一点": "act:warm", "凉": "act:cool",
    "凉快": "act:cool", "冷一点": "act:cool", "凉一点": "act:cool", "大声": "act:loud",
    "小声": "act:quiet", "响一点": "act:loud", "去": "act:go", "导航": "act:go", "回": "act:go",
    "前往": "act:go", "带我": "act:go", "带我们": "act:go", "设置": "act:set", "调到": "act:set",
    "调成": "act:set", "设成": "act:set", "设为": "act:set", "设定": "act:set", "调": "act:set",
    "开到": "act:set", "往前": "act:forward", "靠前": "act:forward", "向前": "act:forward",
    "往后": "act:backward", "靠后": "act:backward", "向后": "act:backward", "调暗": "act:dim",
    "暗": "act:dim", "调亮": "act:bright", "亮": "act:bright", "除雾": "act:defrost",
    "除霜": "act:defrost", "一点": "bit:", "一点儿": "bit:", "一些": "bit:", "稍微": "bit:",
    "有点": "bit:", "点": "bit:", "一下": "bit:", "全开": "full:", "开到底": "full:",
    "完全": "full:", "也": "too:", "一样": "same:", "这样": "same:", "同样": "same:",
    "两个": "both:", "两边": "both:", "都": "both:", "两侧": "both:", "别": "neg:", "不要": "nope:",
    "不用": "nope:", "不需要": "nope:", "不": "neg:", "没": "neg:", "热": "complaint:hot",
    "好热": "complaint:hot",
    "太热": "complaint:hot", "出汗": "complaint:hot", "闷": "complaint:hot",
    "热死": "complaint:hot", "冷": "complaint:cold", "好冷": "complaint:cold",
    "太冷": "complaint:cold", "冻": "complaint:cold", "吵": "complaint:loud",
    "太吵": "complaint:loud", "听不见": "complaint:quiet", "听不清": "complaint:quiet",
    "雾": "complaint:fog", "起雾": "complaint:fog", "看不清": "complaint:blind",
    "模糊": "complaint:fog", "太大": "complaint:strong", "太猛": "complaint:strong",
    "太强": "complaint:strong", "太小": "complaint:weak", "太弱": "complaint:weak",
    "多少": "query:", "几": "query:", "多远": "query:", "多久": "query:", "什么": "query:",
    "吗": "ask:", "度": "deg:", "摄氏度": "deg:", "百分之": "pct_pre:", "%": "pct:", "档": "level:",
    "级": "level:", "挡": "level:", "亮度": "bright:", "不行": "filler:",
    "热闹": "filler:", "热情": "filler:", "热门": "filler:", "热点": "filler:", "热水": "filler:",
    "热心": "filler:", "冷静": "filler:", "冷淡": "filler:", "冷门": "filler:", "冷笑": "filler:",
    "暖心": "filler:", "凉鞋": "filler:", "开心": "filler:", "关心": "filler:", "关系": "filler:",
    "开玩笑": "filler:", "不得了": "filler:",
    "统一": "filler:", "一起": "filler:", "一直": "filler:", "一会": "filler:", "一半": "half:",
    "快到": "aside:", "下雨": "aside:", "睡着": "aside:", "睡觉": "aside:", "头疼": "aside:",
    "头痛": "aside:", "打电话": "aside:", "高速": "aside:", "隧道": "aside:", "灰尘": "aside:",
    "烟": "aside:", "要走了": "aside:", "出发": "aside:", "到家": "aside:", "马上到": "aside:",
    "味道": "aside:", "臭": "aside:", "难闻": "aside:",
    "还是": "filler:",
    "太足": "complaint:strong",
    "开开": "act:on", "启用": "act:on", "停用": "act:off", "熄灭": "act:off", "点亮": "act:on",
    "了吗": "query:", "好了吗": "query:", "了没": "query:", "了没有": "query:", "没有": "query:",
    "关了吗": "query:", "开了吗": "query:", "关上了吗": "query:", "打开了吗": "query:", "关好了吗": "query:",
    "后玻璃": "thing:rear_glass", "后窗玻璃": "thing:rear_glass", "后挡玻璃": "thing:rear_glass",
    "后车窗玻璃": "thing:rear_glass", "后面的玻璃": "thing:rear_glass", "后挡风": "thing:rear_glass",
    "后风挡玻璃": "thing:rear_glass", "后边的玻璃": "thing:rear_glass", "后玻璃窗": "thing:rear_glass",
    "四个": "zone:all", "全都": "zone:all", "所有的": "zone:all", "每个": "zone:all", "各个": "zone:all",
    "温区": "thing:temperature", "温控器": "thing:temperature", "温控": "thing:temperature",
    "暖气": "thing:heat", "暖风": "thing:heat", "热风": "thing:heat", "地暖": "thing:heat",
    "门锁": "thing:door", "锁打开": "act:unlock", "锁解开": "act:unlock", "门锁打开": "act:unlock",
    "门锁解开": "act:unlock", "打开门锁": "act:unlock", "开门锁": "act:unlock", "解开门锁": "act:unlock",
    "锁门": "act:lock", "锁起来": "act:lock", "锁好": "act:lock", "锁住": "act:lock",
    "大一档": "act:up", "小一档": "act:down", "强一档": "act:up", "弱一档": "act:down",
    "大一级": "act:up", "小一级": "act:down", "高一级": "act:up", "低一级": "act:down",
    "充到": "thing:charge_limit", "充电到": "thing:charge_limit", "充电充到": "thing:charge_limit",
    "充满到": "thing:charge_limit", "成": "wari:",
    "蒸笼": "complaint:hot", "桑拿": "complaint:hot", "烤箱": "complaint:hot", "火炉": "complaint:hot",
    "蒸桑拿": "complaint:hot", "冰窖": "complaint:cold", "冰箱": "complaint:cold", "冻僵": "complaint:cold",
    "有点凉": "complaint:cold", "好凉": "complaint:cold", "太凉": "complaint:cold", "凉飕飕": "complaint:cold",
    "往上": "act:up", "往下": "act:down", "加": "act:up", "减": "act:down", "升": "act:up",
    "格": "level:", "感觉不到": "complaint:weak", "都感觉不到": "complaint:weak", "吹不到": "complaint:weak",
    "没风": "complaint:weak", "没有风": "complaint:weak", "味儿": "aside:", "味": "aside:",
    "漏风": "aside:", "升回去": "act:close", "摇回去": "act:close", "升回来": "act:close",
    "上车": "aside:", "要上车": "aside:", "开一下锁": "act:unlock", "开下锁": "act:unlock",
    "开个锁": "act:unlock", "锁开一下": "act:unlock", "天气不错": "aside:", "天气很好": "aside:",
    "天气真好": "aside:", "天气好": "aside:", "天气真不错": "aside:", "阳光不错": "aside:",
    "坏了": "aside:", "抛锚": "aside:", "故障": "aside:", "打": "act:on", "静个音": "act:mute",
    "静一下音": "act:mute", "充电枪": "aside:", "枪": "aside:", "插好": "aside:", "插上": "aside:",
    "够了": "aside:", "目的地": "act:go", "规划": "act:go", "路线": "act:go", "条缝": "bit:crack",
    "一条缝": "bit:crack", "个缝": "bit:crack", "小缝": "bit:crack", "个小缝": "bit:crack",
    "一丢丢": "bit:", "丢丢": "bit:", "一咪咪": "bit:", "一点点": "bit:", "灭": "act:off",
    "灭掉": "act:off", "灭了": "act:off", "熄了": "act:off", "亮着": "state:on", "还亮着": "state:on",
    "还开着": "state:open", "烧上": "act:on", "烧一下": "act:on", "烧起来": "act:on", "烧": "act:on",
    "前后备箱": "trunk:both", "前后备厢": "trunk:both", "这会儿": "filler:", "此刻": "filler:",
    "洗澡": "aside:", "雾霾": "aside:", "味儿太大": "aside:", "味道太大": "aside:", "味太大": "aside:",
    "味道很大": "aside:", "味儿很大": "aside:", "味儿好大": "aside:", "味道好大": "aside:",
    "左右": "both:", "左右两边": "both:", "左右两侧": "both:", "除了": "except:", "除了我": "except:mine",
    "除了我这边": "except:mine", "除了我的": "except:mine",
    "除了我这里": "except:mine", "除了我自己": "except:mine", "除了自己": "except:mine",
    "除了我这儿": "except:mine", "左边": "side:left", "左侧": "side:left", "左手边": "side:left",
    "右边": "side:right", "右侧": "side:right", "右手边": "side:right", "四扇": "zone:all", "两扇": "both:",
    "别的": "filler:", "门锁上": "act:lock", "门锁好": "act:lock", "门锁住": "act:lock", "门锁起来": "act:lock",
    "切": "act:on", "切成": "act:on", "切到": "act:on", "解一下锁": "act:unlock", "解下锁": "act:unlock",
    "换成": "act:set", "改成": "act:set", "改为": "act:set", "变成": "act:set", "换": "act:set",
    "烤熟": "complaint:hot", "烤化": "complaint:hot", "晒化": "complaint:hot", "蒸熟": "complaint:hot",
    "水汽": "complaint:fog", "水雾": "complaint:fog", "哈气": "complaint:fog", "雾气": "complaint:fog",
    "打个电话": "aside:", "接个电话": "aside:", "接电话": "aside:", "吹脸": "complaint:strong",
    "直吹": "complaint:strong", "吹到脸": "complaint:strong", "快没了": "aside:", "快没电了": "aside:",
    "没电了": "aside:", "电不多了": "aside:", "电量低": "aside:", "充满": "thing:charging",
    "充满电": "thing:charging", "太亮": "aside:", "太暗": "aside:", "刺眼": "aside:", "太刺眼": "aside:",
    "下车": "aside:", "要下车": "aside:", "天黑": "aside:", "天黑了": "aside:",
    "厘米": "len:", "公分": "len:", "毫米": "len:", "cm": "len:", "mm": "len:", "分钟": "len:", "秒": "len:",
    "是不是": "query:", "有没有": "query:",
    "猛一点": "act:up", "猛点": "act:up", "落下来": "act:open", "落下": "act:open", "拉上": "act:close",
    "拉开": "act:open",
    "旁边那个人": "zone:other", "旁边的人": "zone:other", "旁边那位": "zone:other", "旁边座位": "zone:other",
    "旁边的座位": "zone:other", "旁边那个座位": "zone:other", "旁边那个人的": "zone:other", "旁边的人的": "zone:other",
    "关小": "act:down", "开大": "act:up", "开小": "act:down", "到满": "full:", "满电": "full:", "满": "full:",
    "在哪": "act:go", "在哪里": "act:go", "在哪儿": "act:go",
    "我说的是": "same:", "我是说": "same:", "我指的是": "same:", "不是": "aside:", "开着吧": "act:on",
    "还是开着": "act:on", "关回去": "act:off", "回家路上": "filler:", "回家的路上": "filler:",
    "到家之前": "filler:", "回家之前": "filler:", "回家前": "filler:", "到家前": "filler:",
    "不麻烦的话": "aside:", "要是不麻烦": "aside:", "如果不麻烦": "aside:", "不介意的话": "aside:",
    "没什么": "complaint:weak", "没啥": "complaint:weak", "充着电": "thing:charging", "充着": "thing:charging",
    "再来": "more:", "算了": "aside:", "受不了": "filler:", "不对": "aside:", "说错了": "aside:",
    "吹得头疼": "complaint:strong",
    "吹得我头疼": "complaint:strong", "吹得难受": "complaint:strong", "吹得我难受": "complaint:strong",
    "解个锁": "act:unlock", "锁好了没": "locked:", "锁上了没": "locked:", "锁了没": "locked:",
}
# A question ending in "没" ("车在充电没", "锁好了没"): no negation, it asks.
_ZH_ASKED_NOT = re.compile(r"(?:了|在\w*)没有?$")
# fmt: on
# fmt: off
_JA: dict[str, str] = {
    "温度": "thing:temperature", "室温": "thing:temperature", "設定温度": "thing:temperature",
    "設定": "thing:temperature", "空調": "thing:temperature", "風": "thing:fan",
    "風量": "thing:fan", "風力": "thing:fan", "送風": "thing:fan", "ファン": "thing:fan",
    "外気導入": "thing:fresh_air", "外気": "thing:fresh_air", "窓": "thing:window",
    "窓ガラス": "thing:window", "ウィンドウ": "thing:window", "ウインドウ": "thing:window",
    "フロントガラス": "thing:windshield", "リアガラス": "thing:rear_glass",
    "サンルーフ": "thing:sunroof", "ドア": "thing:door", "車": "thing:car", "クルマ": "thing:car",
    "シート": "thing:seat", "座席": "thing:seat", "席": "thing:seat",
    "シートヒーター": "thing:seat_heating", "座席ヒーター": "thing:seat_heating",
    "シートヒータ": "thing:seat_heating", "シートベンチレーション": "thing:seat_ventilation",
    "シートクーラー": "thing:seat_ventilation", "ベンチレーション": "thing:seat_ventilation",
    "音量": "thing:volume", "ボリューム": "thing:volume", "音": "thing:volume",
    "音楽": "thing:volume", "充電": "thing:charging", "充電上限": "thing:charge_limit",
    "航続距離": "thing:range", "航続可能距離": "thing:range", "走れる": "thing:range",
    "電池": "thing:battery", "バッテリー": "thing:battery", "残量": "thing:battery",
    "充電残量": "thing:battery", "電池残量": "thing:battery", "バッテリー残量": "thing:battery",
    "外": "thing:outside", "外気温": "thing:outside", "車外": "thing:outside",
    "車内": "thing:inside", "車の中": "thing:inside", "電気": "thing:light",
    "ライト": "thing:light", "照明": "thing:light", "明かり": "thing:light",
    "あかり": "thing:light", "灯り": "thing:light", "間接照明": "thing:ambient_light",
    "アンビエント": "thing:ambient_light", "冷房": "thing:ac", "クーラー": "thing:ac",
    "内気循環": "thing:recirculation", "つけて": "act:on", "付けて": "act:on", "点けて": "act:on",
    "オン": "act:on", "入れて": "act:on", "いれて": "act:on", "電源を入れて": "act:on",
    "かけて": "act:on", "動かして": "act:on", "消して": "act:off", "けして": "act:off",
    "切って": "act:off", "オフ": "act:off", "止めて": "act:stop", "とめて": "act:stop",
    "停止": "act:stop", "電源を切って": "act:off", "開けて": "act:open", "あけて": "act:open",
    "開いて": "act:open", "下ろして": "act:open", "おろして": "act:open", "開け": "act:open",
    "閉めて": "act:close", "しめて": "act:close", "閉じて": "act:close", "上げて": "act:up",
    "あげて": "act:up", "強く": "act:up", "強めに": "act:up", "強め": "act:up", "高く": "act:up",
    "高め": "act:up", "低め": "act:down", "強めて": "act:up", "弱めて": "act:down",
    "もっと": "more:", "大きい": "act:loud", "大きめ": "act:loud", "熱い": "complaint:hot",
    "熱すぎ": "complaint:hot", "あっつい": "complaint:hot", "私の後ろ": "unsure:",
    "自分の後ろ": "unsure:", "隣": "unsure:", "一番弱く": "act:min", "一番強く": "act:max",
    "一番弱": "act:min", "一番強": "act:max", "弱": "lvl:low", "中": "lvl:mid", "強": "lvl:high",
    "うるさ": "complaint:loud", "小さめ": "act:quiet", "送風口": "thing:fan", "小さい": "act:quiet",
    "ひんやり": "act:cool", "曇り取り": "act:defrost", "曇りを取って": "act:defrost",
    "非常灯": "thing:hazard", "家の": "athome:", "自宅の": "athome:", "うちの": "athome:",
    "スタンド": "thing:light", "ロックされてる": "locked:", "ロックされている": "locked:",
    "施錠されて": "locked:", "鍵かかってる": "locked:", "残り": "remaining:", "充電中": "query:",
    "ついてる": "state:on", "ついている": "state:on", "消えてる": "state:off",
    "開いてる": "state:open", "開いている": "state:open", "閉まってる": "state:closed",
    "吹き出し": "thing:fan", "吹き出し口": "thing:fan", "大きく": "act:loud", "アップ": "act:up",
    "増やして": "act:up", "下げて": "act:down", "さげて": "act:down", "弱く": "act:down",
    "弱めに": "act:down", "弱め": "act:down", "低く": "act:down", "小さく": "act:quiet",
    "ダウン": "act:down", "減らして": "act:down", "最大": "act:max", "マックス": "act:max",
    "最強": "act:max", "最小": "act:min", "最弱": "act:min", "ロック": "thing:car",
    "施錠": "act:lock", "解錠": "act:unlock", "ロック解除": "act:unlock",
    "アンロック": "act:unlock", "ロックを外して": "act:unlock", "ロック外して": "act:unlock",
    "ロックをはずして": "act:unlock", "ロックを解除": "act:unlock",
    "ロックを解除して": "act:unlock", "ロック解除して": "act:unlock", "外して": "act:unlock",
    "ロックをかけて": "act:lock", "ロックかけて": "act:lock", "ロックして": "act:lock",
    "開始": "act:start", "始めて": "act:start", "ミュート": "act:mute", "温めて": "act:warm",
    "あたためて": "act:warm", "暖かく": "act:warm", "温かく": "act:warm", "あったかく": "act:warm",
    "暖めて": "act:warm", "涼しく": "act:cool", "冷やして": "act:cool", "冷たく": "act:cool",
    "寒く": "act:cool", "行きたい": "act:go", "行って": "act:go", "向かって": "act:go",
    "案内": "act:go", "ナビ": "act:go", "帰りたい": "act:go", "帰る": "act:go",
    "連れて行って": "act:go", "行く": "act:go", "まで": "act:go", "にして": "act:set",
    "に設定": "act:set", "設定して": "act:set", "に": "act:set", "前に": "act:forward",
    "前へ": "act:forward", "後ろに": "act:backward", "後ろへ": "act:backward", "暗く": "act:dim",
    "明るく": "act:bright", "少し": "bit:", "ちょっと": "bit:", "ちょい": "bit:",
    "もうちょい": "bit:", "もう少し": "bit:", "すこし": "bit:", "もうちょっと": "bit:",
    "半分": "half:", "半開": "half:", "一緒に": "filler:", "一番": "filler:", "全開": "full:",
    "全部開け": "full:", "それで": "same:", "同じ": "same:", "同じに": "same:", "一緒": "same:",
    "両方": "both:", "両側": "both:", "二つ": "both:", "両サイド": "both:", "2つ": "both:",
    "ないで": "neg:", "いらない": "nope:", "要らない": "nope:", "しないで": "neg:",
    "なくていい": "nope:", "暑い": "complaint:hot", "暑": "complaint:hot",
    "あつい": "complaint:hot",
    "汗": "complaint:hot", "蒸し暑": "complaint:hot", "むしむし": "complaint:hot",
    "寒い": "complaint:cold", "寒": "complaint:cold", "さむい": "complaint:cold",
    "冷える": "complaint:cold", "うるさい": "complaint:loud", "聞こえない": "complaint:quiet",
    "曇": "complaint:fog", "くもって": "complaint:fog", "見えない": "complaint:blind",
    "曇り": "complaint:fog", "きつい": "complaint:strong", "強すぎ": "complaint:strong",
    "弱すぎ": "complaint:weak", "何度": "query:", "どうやって": "query:", "誰": "query:",
    "なぜ": "query:", "どうして": "query:", "なんで": "query:", "いつ": "query:", "どこ": "act:go",
    "昨日": "query:", "開けた": "state:open", "閉めた": "state:closed", "つけた": "state:on",
    "消した": "state:off", "どうやったら": "query:", "どうすれば": "query:", "いくつ": "query:",
    "何キロ": "query:", "どのくらい": "query:", "どれくらい": "query:", "何パーセント": "query:",
    "何%": "query:", "どれだけ": "query:", "教えて": "query:", "度": "deg:", "%": "pct:",
    "パーセント": "pct:", "割": "wari:", "段": "level:", "段階": "level:", "レベル": "level:",
    "明るさ": "bright:", "着く": "aside:", "雨": "aside:", "寝て": "aside:", "寝た": "aside:",
    "頭が痛": "aside:", "電話": "aside:", "高速": "aside:", "トンネル": "aside:",
    "ほこり": "aside:", "煙": "aside:", "出発": "aside:", "着いた": "aside:", "臭い": "aside:",
    "におい": "aside:", "匂い": "aside:", "もうすぐ": "aside:",
    "やっぱり": "filler:", "やはり": "filler:", "それ": "filler:",
    "つける": "act:on", "つけたい": "act:on", "つけます": "act:on", "つけよ": "act:on",
    "入れる": "act:on", "入れたい": "act:on", "入れます": "act:on", "消す": "act:off",
    "消したい": "act:off", "消します": "act:off", "切る": "act:off", "切りたい": "act:off",
    "切ります": "act:off", "止める": "act:stop", "止めたい": "act:stop", "止めます": "act:stop",
    "開ける": "act:open", "開けたい": "act:open", "開けます": "act:open", "下ろす": "act:open",
    "下ろしたい": "act:open", "閉める": "act:close", "閉めたい": "act:close",
    "閉めます": "act:close", "閉じる": "act:close", "上げる": "act:up", "上げたい": "act:up",
    "上げます": "act:up", "下げる": "act:down", "下げたい": "act:down", "下げます": "act:down",
    "鍵閉まって": "locked:", "鍵が閉まって": "locked:", "鍵かかって": "locked:",
    "鍵がかかって": "locked:",
    "帰る前に": "filler:", "着く前に": "filler:", "出る前に": "filler:", "寝る前に": "filler:",
    "でかい": "complaint:loud", "ちっちゃい": "complaint:quiet", "弱い": "complaint:weak",
    "強い": "complaint:strong",
    "点灯": "act:on", "消灯": "act:off", "開放": "act:open", "作動": "act:on", "起動": "act:on",
    "オンにして": "act:on", "オフにして": "act:off",
    "寒くて": "complaint:cold", "さむくて": "complaint:cold", "暑くて": "complaint:hot",
    "あつくて": "complaint:hot", "凍え": "complaint:cold", "凍えそう": "complaint:cold",
    "凍える": "complaint:cold", "暑苦しい": "complaint:hot",
    "上げよう": "act:up", "下げよう": "act:down", "つけよう": "act:on", "消そう": "act:off",
    "開けよう": "act:open", "閉めよう": "act:close", "止めよう": "act:stop", "切ろう": "act:off",
    "入れよう": "act:on", "静かに": "act:quiet", "静かにして": "act:quiet",
    "4枚とも": "zone:all", "四枚とも": "zone:all", "4つとも": "zone:all", "四つとも": "zone:all",
    "4枚": "zone:all", "四枚": "zone:all", "全部とも": "zone:all",
    "2枚とも": "both:", "二枚とも": "both:", "両方とも": "both:", "2つとも": "both:",
    "二つとも": "both:", "両方の": "both:", "走れ": "thing:range",
    "かじかん": "complaint:cold", "かじかむ": "complaint:cold", "冷たい": "complaint:cold",
    "凍えて": "complaint:cold", "ファンの音": "thing:fan", "風の音": "thing:fan", "送風の音": "thing:fan",
    "エアコンの音": "thing:fan", "ちょうだい": "more:", "頂戴": "more:", "ほしい": "more:", "欲しい": "more:",
    "来ない": "complaint:weak", "こない": "complaint:weak", "感じない": "complaint:weak",
    "曇りは取れた": "aside:", "曇りが取れた": "aside:", "曇り取れた": "aside:", "曇りは消えた": "aside:",
    "曇りが消えた": "aside:", "2席とも": "both:", "二席とも": "both:", "両席": "both:", "2席": "both:",
    "二席": "both:", "後ろに下げて": "act:backward", "後ろにずらして": "act:backward",
    "前に出して": "act:forward", "前にずらして": "act:forward", "すきま風": "aside:", "隙間風": "aside:",
    "鍵": "thing:key", "カギ": "thing:key", "かぎ": "thing:key", "暗くなってきた": "aside:",
    "暗くなった": "aside:", "暗くなって": "aside:", "暗い": "aside:", "ガンガン": "filler:",
    "スタート": "act:start", "ストップ": "act:stop", "プラグ": "aside:", "挿した": "aside:",
    "差した": "aside:", "つないだ": "aside:", "繋いだ": "aside:", "もう十分": "aside:", "十分": "aside:",
    "連れてって": "act:go", "連れていって": "act:go", "会う": "aside:", "どんなもん": "query:",
    "どんな": "query:", "どう": "query:", "行ける": "thing:range", "行けそう": "thing:range",
    "充電してる": "thing:charging", "充電している": "thing:charging", "充電してます": "thing:charging",
    "前後のトランク": "trunk:both", "トランク両方": "trunk:both", "今夜": "aside:", "今日は": "filler:",
    "左右": "both:", "左右とも": "both:", "左右両方": "both:", "あと": "more:",
    "自分のところ以外": "except:mine", "自分以外": "except:mine", "私以外": "except:mine",
    "自分の以外": "except:mine", "自分の席以外": "except:mine", "私の席以外": "except:mine",
    "私のところ以外": "except:mine", "僕以外": "except:mine", "俺以外": "except:mine",
    "運転席以外": "except:driver", "助手席以外": "except:passenger", "左側": "side:left", "右側": "side:right",
    "左の": "side:left", "右の": "side:right", "左": "side:left", "右": "side:right",
    "隣の席": "zone:other", "隣の人": "zone:other", "隣の席の": "zone:other", "隣の人の": "zone:other",
    "センチ": "len:", "cm": "len:", "ミリ": "len:", "mm": "len:", "分": "len:", "秒": "len:",
    "終わった": "query:", "終わってる": "query:", "完了した": "query:",
    "上げ": "act:up", "下げ": "act:down", "満タン": "full:", "暖房": "thing:heat",
    "違う": "aside:", "ちがう": "aside:", "違います": "aside:", "じゃなくて": "aside:", "のほう": "same:",
    "の方": "same:", "帰る途中": "filler:", "帰り道": "filler:", "帰りに": "filler:",
    "焼け": "complaint:hot", "溶け": "complaint:hot", "真っ白": "complaint:fog", "効きすぎ": "complaint:strong",
    "顔に当たる": "complaint:strong", "直接当たる": "complaint:strong", "当たる": "complaint:strong",
    "一番低く": "act:min", "一番高く": "act:max", "小さくて": "complaint:quiet", "大きくて": "complaint:loud",
    "うるさくて": "complaint:loud", "強くて": "complaint:strong", "弱くて": "complaint:weak", "暗くて": "aside:",
    "眩しくて": "aside:", "まぶしくて": "aside:", "眩しい": "aside:", "まぶしい": "aside:",
    "熱くて": "complaint:hot", "やばい": "aside:", "かかってる": "locked:", "かかっている": "locked:",
    "ロックした": "locked:", "ロックしてある": "locked:", "鍵かけた": "locked:", "鍵閉めた": "locked:",
    "いいや": "aside:", "もういい": "aside:", "変えて": "act:set", "変更して": "act:set", "切り替えて": "act:set",
    "サウナ": "complaint:hot", "蒸し風呂": "complaint:hot", "オーブン": "complaint:hot", "冷蔵庫": "complaint:cold",
    "冷凍庫": "complaint:cold", "4席とも": "zone:all", "四席とも": "zone:all", "全席とも": "zone:all",
    "4席": "zone:all", "四席": "zone:all",
    "エアコンの風": "thing:fan", "席の人": "filler:", "席の子": "filler:", "席の方": "filler:",
    "つ": "level:", "目的地": "act:go", "行き先": "act:go", "2枚": "both:", "二枚": "both:",
}
# fmt: on
_OWN = {"en": _EN, "zh-CN": _ZH, "ja": _JA}
# The template lists read as frame words: list name → kind.
_TEMPLATE_LISTS = {"zone": "zone", "device": "thing", "color": "color", "place": "place", "trunk": "trunk"}
_CJK_NUMBER = "[零〇一二两三四五六七八九十百]+"
_UNIT_CHARS = frozenset("度%档级挡段割格成")
# Word classes that only mark the request (amount, stress, negation, question …).
_MARKS = frozenset(
    {
        "bit",
        "full",
        "half",
        "too",
        "same",
        "both",
        "neg",
        "query",
        "bright",
        "more",
        "less",
        "state",
        "locked",
        "remaining",
        "ask",
        "unsure",
        "nope",
        "instead",
        "past",
        "person",
        "reach",
    }
)
# Words that add nothing to a bare follow-up ("can you make it a little bit higher please").
_EN_EMPTY = frozenset(
    [
        "a",
        "an",
        "the",
        "it",
        "its",
        "it's",
        "please",
        "just",
        "little",
        "bit",
        "some",
        "me",
        "my",
        "us",
        "we",
        "i",
        "you",
        "can",
        "could",
        "would",
        "will",
        "get",
        "make",
        "turn",
        "put",
        "set",
        "bring",
        "now",
        "again",
        "still",
        "even",
        "lot",
        "way",
        "tiny",
        "notch",
        "tad",
        "touch",
        "one",
        "and",
        "so",
        "then",
        "that",
        "this",
        "there",
        "here",
        "to",
        "for",
        "by",
        "of",
        "in",
        "much",
        "thanks",
        "thank",
        "go",
        "bump",
        "kick",
        "nudge",
        "knock",
        "them",
        "now",
        "actually",
        "instead",
        "ones",
        "those",
        "them",
        "switch",
        "flip",
        "let's",
        "lets",
        "let",
        "maybe",
        "perhaps",
        "kindly",
        "everything",
    ]
)
_CJK_EMPTY = frozenset("再更稍微一点些下吧啊呀了呢嘛哦啦请帮我给把往调をはがもにでとのねよなうくださいお願しっ")
_EN_FOLLOW = re.compile(r"(?:and|also|what about|how about|same for|now) ")
_EN_POSSESSIVE = re.compile(
    r"\b(fan|window|seat|trunk|ac|heater|music|volume|air|car|light|lamp|door|sunroof|radio|heat|temp|battery)'s\b"
)
# A level said as a word, per thing (as the templates' fan_word and heat_word lists read them).
_LEVELS: dict[str, dict[str, float]] = {
    "fan": {"low": 1, "mid": 5, "high": 10},
    "seat_heating": {"low": 1, "mid": 2, "high": 3},
    "seat_ventilation": {"low": 1, "mid": 2, "high": 3},
}
_EN_PROGRESSIVE = re.compile(r"(?:'re|'m|\bare|\bam|\bis)\s*$")  # "we're going shopping"
_EN_ENSURE = re.compile(r"(?:please )?(?:make sure|ensure|be sure|check that|make certain) ")
_ENSURED = {"on": "on", "off": "off", "open": "open", "closed": "close"}


def _ensured(hit: Hit, text: str) -> Hit:
    if hit.kind == "state" and hit.value in _ENSURED:
        return Hit("act", _ENSURED[hit.value], hit.start, hit.end)
    if hit.kind == "locked":
        return Hit("act", "unlock" if "unlocked" in text[hit.start : hit.end] else "lock", hit.start, hit.end)
    return hit


_JA_TOO = re.compile(r"(?:側|の方|のほう|の)?も")
_PAIR_JOINS = {"zh-CN": re.compile(r"(?:和|跟|与|及|以及|还有|、)"), "ja": re.compile(r"(?:と|や|、|も)")}
# A fraction said of an opening: "三分之一" (zh: denominator first), "3分の1" (ja).
_FRACTION = {
    "zh-CN": re.compile(r"(?P<d>[二三四2-4])分之(?P<n>[一二三1-3])"),
    "ja": re.compile(r"(?P<d>[二三四2-4])分の(?P<n>[一二三1-3])"),
}
_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}


def _fraction_percent(match: re.Match[str]) -> str:
    d, n = (int(_DIGIT.get(match.group(k), match.group(k))) for k in ("d", "n"))
    return match.group(0) if n >= d else f"{round(100 * n / d)}%"


_ZH_BOTH_DEFROST = re.compile(r"前后(?:挡)?(除雾|除霜)")
_JA_BOTH_DEFROST = re.compile(
    r"(?:(?:前|フロント)[とも](?:後ろ|リア)[のも]?|前後の?)(?:曇り止め|デフロスター|デフォッガー|曇り取り)"
)
_ZH_REAR_DOOR = re.compile(r"(?<![左右前排座面边])后(车)?门")
_ZH_ALL_BEFORE_VERB = re.compile(r"全(?=关|打开|降|升|摇|锁|解锁)")
_MAX_WORDS = 24  # a longer piece is no terse request; refuse rather than guess at it

# Things the on/off switches of the templates know (GLOBAL_SWITCHES and the ambient light).
_SWITCHES = frozenset(
    {
        "ac",
        "front_defrost",
        "rear_defrost",
        "recirculation",
        "dome_light",
        "ambient_light",
        "headlights",
        "high_beam",
        "hazard",
        "fog_lights",
    }
)
_STEPPED = frozenset({"up", "down", "loud", "quiet", "forward", "backward"})
_DEGREES_ASKED = re.compile(r"何度|几度|多少度")  # "リビングって今何度？": a room's temperature asked
_ZONE_JOIN = re.compile(r"\band\b|&|^(?:的)?(?:和|跟|与|以及|还有|と|や|、)$")
_ZONE_UNIONS = {
    frozenset({"driver", "passenger"}): "front",
    frozenset({"rear_left", "rear_right"}): "rear",
    frozenset({"front", "rear"}): "all",
}
_LIGHTS = frozenset({"light", "ambient_light", "dome_light", "headlights", "high_beam", "hazard", "fog_lights"})
_QUERIES = {"range": "range", "battery": "battery", "inside": "cabin_temperature", "outside": "outside_temperature"}
_UP = {"up": "up", "down": "down", "max": "up", "min": "down", "loud": "up", "quiet": "down"}


@dataclass(frozen=True)
class Hit:
    kind: str
    value: str
    start: int
    end: int


@dataclass
class _Frame:
    """What one piece of an utterance says, word class by word class."""

    text: str
    hits: list[Hit]
    things: list[str] = field(default_factory=list)
    acts: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    numbers: list[tuple[float, str]] = field(default_factory=list)  # value, unit: deg pct level ""
    levels: list[str] = field(default_factory=list)  # low, mid, high: a level said as a word
    marks: set[str] = field(default_factory=set)  # bit full too same both neg query bright
    complaints: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)  # home devices named like a car thing
    states: list[str] = field(default_factory=list)  # a state said: open, closed, on, off
    at_home: bool = False
    trunk: str = ""
    seat_zone: bool = False  # a zone said with its seats ("both front seats", "the back seat")
    sides: list[str] = field(default_factory=list)  # left, right: "on the left in the back"
    excepted: list[str] = field(default_factory=list)  # zones left out ("every window except mine")
    zone_joined: bool = False  # two zones joined by "and" ("the driver and the rear"): no one seat
    aimed: bool = False  # a level or number said as the target ("up to high", "down to 19")
    by: bool = False  # a number said as how far ("fan speed up by one")


def _uniq(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class FrameReader:
    """One language's frame lexicon; build once (the Understander does) and call `read`."""

    def __init__(
        self,
        lang: str,
        template_lists: Mapping[str, Any] | None = None,
        home_areas: Sequence[str] = (),
        home_devices: Mapping[str, str] | None = None,
    ) -> None:
        self.lang = lang
        lexicon: dict[str, tuple[str, str]] = {}
        for name, kind in _TEMPLATE_LISTS.items():
            slot = (template_lists or {}).get(name)
            if isinstance(slot, TextSlotList):
                for slot_value in slot.values:
                    if isinstance(slot_value.text_in, TextChunk):
                        word = " ".join(slot_value.text_in.text.casefold().split())
                        if word:
                            lexicon[word] = (kind, str(slot_value.value_out))
        for word, entry in _OWN[lang].items():
            kind, _, value = entry.partition(":")
            lexicon[word.casefold()] = (kind, value)
        self._spelled_half: re.Pattern[str] | None = None
        if lang == "en":
            engine = get_rbnf_engine("en")
            for number in range(0, 101):
                for spelled in engine.format_number(number).text_by_ruleset.values():
                    for form in {spelled, spelled.replace("-", " ")}:
                        lexicon.setdefault(form.casefold(), ("num", str(number)))
            spelled_numbers = sorted((w for w, (k, _) in lexicon.items() if k == "num"), key=len, reverse=True)
            alternatives = "|".join(re.escape(w) for w in spelled_numbers)
            self._spelled_half = re.compile(rf"(?<![\w'])({alternatives}) point (?:five|5)(?![\w'])")
        for area in home_areas:
            lexicon[area.casefold()] = ("area", area)
        self._devices = dict(home_devices or {})
        self._areas = frozenset(a.casefold() for a in home_areas)
        # A home device named like a car thing ("空调", "エアコン") is the car's unless a room is said.
        self._shared: dict[str, str] = {}
        for name in list(self._devices):
            if lang == "zh-CN" and len(name) >= 3 and "的" not in name:
                # "门廊的灯", "车库的门": the device's name said with "的" before its last word
                for cut in (len(name) - 1, len(name) - 2):
                    lexicon.setdefault(f"{name[:cut]}的{name[cut:]}".casefold(), ("device", name))
        for name in self._devices:
            if lexicon.get(name.casefold(), ("",))[0] == "thing":
                self._shared[name.casefold()] = name
            else:
                lexicon[name.casefold()] = ("device", name)
        self._lexicon = lexicon
        words = "|".join(re.escape(w) for w in sorted(lexicon, key=len, reverse=True))
        if lang == "en":
            self._scan = re.compile(rf"(?<![\w'])(?:(?P<w>{words})|(?P<n>\d+(?:\.\d+)?))(?![\w'])|(?P<p>%)")
        else:
            # Words first: "一点" (a bit), "两个" (both) and "百分之" are no numbers.
            self._scan = re.compile(rf"(?P<w>{words})|(?P<n>\d+(?:\.\d+)?|{_CJK_NUMBER})")

    # -- scanning ---------------------------------------------------------------------------
    def frame(self, text: str) -> _Frame:
        from renkei.apps.assistant.understanding import cjk_number

        if self.lang == "en":
            if self._spelled_half is not None and " point " in text:
                # "nineteen point five" (the normaliser's "nineteen and a half"): one number
                text = self._spelled_half.sub(lambda m: f"{self._lexicon[m.group(1)][1]}.5", text)
            text = _EN_POSSESSIVE.sub(r"\1 's", text)  # "fan's too weak": the thing, then "'s"
            text = re.sub(r"(?<=\ws)'(?=\s|$)", "", text)  # "the kids' seats"
        elif self.lang == "zh-CN":
            text = _ZH_ALL_BEFORE_VERB.sub("全部", text)  # "车窗全关上": every window; "全开" stays fully open
            text = _ZH_REAR_DOOR.sub(r"后排\1门", text)  # "开一下后门": the rear doors
            text = _ZH_BOTH_DEFROST.sub(r"前挡\1后\1", text)  # "前后除雾": the front and the rear one
            text = _FRACTION["zh-CN"].sub(_fraction_percent, text)  # "开三分之一": 33 %
        elif self.lang == "ja":
            # "前と後ろの曇り止め": both defrosters, said as one
            text = _JA_BOTH_DEFROST.sub("フロントデフロスターとリアデフロスター", text)
            text = _FRACTION["ja"].sub(_fraction_percent, text)  # "3分の1開けて": 33 %
        hits: list[Hit] = []
        for match in self._scan.finditer(text):
            if match.group("n") is not None:
                raw = match.group("n")
                if raw in ("一", "两") and text[match.end() : match.end() + 1] not in _UNIT_CHARS:
                    continue  # inside a word ("统一", "一起"), not an amount
                number = float(raw) if re.fullmatch(r"\d+(?:\.\d+)?", raw) else cjk_number(raw)
                if number is not None:
                    hits.append(Hit("num", str(number), match.start(), match.end()))
                continue
            word = match.group(0).strip()
            kind, value = self._lexicon.get(word, ("pct", "") if word == "%" else ("", ""))
            if kind:
                hits.append(Hit(kind, value, match.start(), match.end()))
        if self.lang == "en":
            # "on my side", "on the passenger side": a preposition, not "turn on"
            hits = [
                h
                for k, h in enumerate(hits)
                if not (
                    h.kind == "act"
                    and text[h.start : h.end] == "on"
                    and k + 1 < len(hits)
                    and hits[k + 1].kind == "zone"
                    and text[h.end : hits[k + 1].start].strip() in ("", "the")
                )
            ]
        if self.lang == "en":
            # "slide my seat back", "push it back": a direction after the seat, not the rear seats
            hits = [
                Hit("act", "backward", h.start, h.end)
                if h.kind == "zone"
                and text[h.start : h.end] == "back"
                and (re.search(r"\b(?:seat|it)\s*$", text[: h.start]) is not None)
                else h
                for h in hits
            ]
            # "we're going shopping": where we go, not "get it going"
            hits = [
                h for h in hits if not (text[h.start : h.end] == "going" and _EN_PROGRESSIVE.search(text[: h.start]))
            ]
            if _EN_ENSURE.match(text):
                # "make sure the doors are locked": the state wanted is the request
                hits = [_ensured(h, text) for h in hits]
        seat_of_zone = False
        if self.lang == "ja":
            # "ボリューム2つ上げて": two steps up, not two of something
            counted: list[Hit] = []
            for k, h in enumerate(hits):
                nxt = hits[k + 1] if k + 1 < len(hits) else None
                said = text[h.start : h.end]
                stepped = nxt is not None and nxt.kind == "act" and nxt.start == h.end and nxt.value in _STEPPED
                if h.kind == "both" and said in ("2つ", "二つ") and stepped:
                    counted += [Hit("num", "2", h.start, h.start + 1), Hit("level", "", h.start + 1, h.end)]
                    continue
                after_zone = counted and counted[-1].kind == "zone" and text[counted[-1].end : h.start] in ("", "の")
                if said == "席" and after_zone:
                    seat_of_zone = True  # "後ろの席、風強すぎ": the seats of the zone, where, not what
                    continue
                counted.append(h)
            hits = counted
        if self.lang == "zh-CN" and hits and hits[-1].kind == "neg" and _ZH_ASKED_NOT.search(text):
            hits[-1] = Hit("ask", "", hits[-1].start, hits[-1].end)
        out = _Frame(text, hits)
        out.seat_zone = seat_of_zone
        excepting = False
        for k, hit in enumerate(hits):
            nxt = hits[k + 1] if k + 1 < len(hits) else None
            prev = hits[k - 1] if k else None
            if hit.kind == "num":
                amount = float(hit.value)
                unit = ""
                if nxt is not None and nxt.kind in ("deg", "pct", "level", "wari", "len") and self._near(hit, nxt):
                    unit = nxt.kind
                third = hits[k + 2] if k + 2 < len(hits) else None
                if nxt is not None and nxt.kind in ("more", "less") and third and third.kind in ("deg", "level"):
                    unit = third.kind  # "one more degree", "one more notch" read as "one degree more"
                if prev is not None and prev.kind == "pct_pre" and self._near(prev, hit):
                    unit = "pct"
                if prev is not None and prev.kind == "level" and self._near(prev, hit) and not unit:
                    unit = "level"  # "level two", "setting one"
                if unit == "wari":
                    amount, unit = amount * 10, "pct"
                out.numbers.append((amount, unit))
                out.aimed = out.aimed or self._aimed(text, hit)
                out.by = out.by or (self.lang == "en" and re.search(r"\bby\s*$", text[: hit.start]) is not None)
            elif hit.kind == "thing":
                out.things.append(hit.value)
                shared = self._shared.get(text[hit.start : hit.end].strip())
                if shared is not None:
                    out.shared.append(shared)
            elif hit.kind == "trunk":
                out.things.append("trunk")
                # "トランクとフロントトランク", "前后备箱": both of them
                out.trunk = "both" if out.trunk and out.trunk != hit.value else hit.value
            elif hit.kind == "act":
                out.acts.append(hit.value)
            elif hit.kind == "zone":
                out.seat_zone = out.seat_zone or "seat" in text[hit.start : hit.end]
                if excepting:
                    out.excepted.append(hit.value)  # "every window except the driver's"
                    excepting = False
                    continue
                between = text[prev.end : hit.start] if prev is not None else ""
                if prev is not None and prev.kind == "zone" and _ZONE_JOIN.search(between):
                    out.zone_joined = True  # "the driver and the rear": two zones, not one seat
                out.zones.append(hit.value)
            elif hit.kind == "side":
                out.sides.append(hit.value)
            elif hit.kind == "except":
                if hit.value:
                    out.excepted.append(hit.value)
                else:
                    excepting = True
            elif hit.kind == "complaint":
                out.complaints.append(hit.value)
            elif hit.kind == "color":
                out.colors.append(hit.value)
            elif hit.kind == "place":
                out.places.append(hit.value)
            elif hit.kind == "area":
                out.areas.append(hit.value)
            elif hit.kind == "device":
                out.devices.append(hit.value)
            elif hit.kind == "lvl":
                if self.lang == "ja" and hit.end - hit.start == 1:
                    # "風量を中に", "風量強": 弱/中/強 alone, not inside "電話中" or "勉強"
                    before, after = text[hit.start - 1 : hit.start], text[hit.end : hit.end + 1]
                    if before not in ("", "を", "は", "が", "量", "、", "の") or after not in ("", "に", "で", "、"):
                        continue
                out.levels.append(hit.value)
                out.aimed = out.aimed or self._aimed(text, hit)
            elif hit.kind == "athome":
                out.at_home = True
            elif hit.kind in _MARKS:
                out.marks.add(hit.kind)
                if hit.kind == "state" and hit.value:
                    out.states.append(hit.value)
                if hit.kind == "bit" and hit.value == "crack":
                    out.marks.add("crack")  # "开条缝": a window's gap
            if self.lang == "ja" and hit.kind in ("zone", "thing", "trunk") and _JA_TOO.match(text, hit.end):
                out.marks.add("too")  # "助手席も", "助手席のも", "運転席側も"
        if self.lang == "ja" and text.endswith(("は", "何度", "いくつ", "してる", "している", "してるの")):
            out.marks.add("query")  # "いまバッテリー充電してる？"
        if self.lang == "ja" and text.endswith("も") and out.zones:
            out.marks.add("too")  # "後ろの2枚も"
        if self.lang == "ja" and re.search(r"[0-9二三四]枚", text):
            out.marks.add("pane")  # "後ろの2枚": windows are counted in panes
        if self.lang == "en" and (re.search(r"\btoo$", text) or _EN_FOLLOW.match(text)):
            out.marks.add("too")  # "… too", "and the passenger's window", "what about the back"
        return out

    def is_aside(self, text: str) -> bool:
        """A piece that only sets the scene beside a request ("I'm almost home", "外面有味道",
        "もうすぐ着くから"): it names an aside and nothing that could be a request."""
        if len(text) > 80:
            return False
        f = self.frame(text)
        kinds = {h.kind for h in f.hits}
        context = {"aside", "place", "bit", "thing", "zone", "haze", "num", "person", "past"}  # "快到家了"
        said = bool({"aside", "haze", "past"} & kinds)  # "it's really foggy" beside "fog lights on"
        told = {"state", "aside", "neg", "past"}
        if self.lang == "en" and told & kinds and kinds <= told | {"thing", "trunk", "zone", "filler", "bit"}:
            return True  # "close the windows, the AC is on / isn't working": how a thing is, the reason
        if "person" in kinds:
            # "my wife is cold, warm up the passenger side": about someone we cannot place, a reason
            said, context = True, context | {"complaint"}
        # "电量快没了": how low the battery is only sets the scene for "导航去最近的充电站"
        return said and kinds <= context and set(f.things) <= {"outside", "inside", "car", "battery"}

    def _aimed(self, text: str, hit: Hit) -> bool:
        """Whether a number or level is where the thing should end ("turn it up to high", "down to
        19"), not how far to move it ("up one level")."""
        before = text[: hit.start]
        return self.lang == "en" and re.search(r"\b(?:to|at|on)(?: level| the| setting)?\s*$", before) is not None

    def _near(self, a: Hit, b: Hit) -> bool:
        return b.start - a.end <= (1 if self.lang == "en" else 0)

    # -- composing ----------------------------------------------------------------------------
    def read(self, text: str, *, clauses: bool = True) -> list[Any] | None:
        """Commands (understanding.Command / HomeCommand) for one piece, or None: not understood.
        `clauses`: also try it as several requests with no joint between them."""
        if not text or len(text.split()) > _MAX_WORDS or len(text) > 200:
            return None
        f = self.frame(text)
        if any(h.kind == "stop" for h in f.hits):
            return None  # "ignore previous instructions …", "unless …": nothing here is read, nor set aside
        if self.lang == "en" and _acts_around_a_joint(f):
            return None  # "start charging and set the limit to 90": two requests, read piece by piece
        if f.at_home and not f.areas and not f.devices and "go" in f.acts:
            f.places.append("home")  # "带我回我家": the place, not a room of it
            f.at_home = False
        warmth = any(unit == "deg" or (unit == "" and 10 <= value <= 30) for value, unit in f.numbers)
        if f.places == ["home"] and "go" not in f.acts and warmth:
            f.places, f.at_home = [], True  # "heat the house to 21 degrees": the home's climate
        if f.areas or f.devices or f.at_home:
            home = self._home(f)
            return [home] if home is not None else None
        read = self._car(f)
        if read is None:
            read = self._pair(f)
        if read is None and clauses:
            read = self._clauses(f)
        return read

    def _pair(self, f: _Frame) -> list[Any] | None:
        """Two things joined by "和", "と" … with one request ("サンルーフと窓を全部閉めて", "关闭天窗和
        车窗"): each thing read with the rest of the sentence, and both must read on their own."""
        joins = _PAIR_JOINS.get(self.lang)
        named = [h for h in f.hits if h.kind in ("thing", "trunk")]
        if joins is None or len(named) != 2 or not joins.fullmatch(f.text[named[0].end : named[1].start]):
            return None
        a, b = named
        out: list[Any] = []
        for text in (f.text[: a.end] + f.text[b.end :], f.text[: a.start] + f.text[b.start :]):
            if self.lang == "zh-CN":
                text = text.replace("都", "")  # "车窗和天窗都关上": both things, not both seats
            read = self._car(self.frame(text))
            if not read or any(c.intent.startswith("Follow") for c in read):
                return None
            out += read
        return out

    def _clauses(self, f: _Frame) -> list[Any] | None:
        """Two requests with no joint between them ("打开空调调到二十二度", "turn on the AC set it
        to 22"): a new clause starts at a thing or an action once the current one has both a thing
        (or a number) and an action (or a number). Every clause must name its own thing (or
        degrees, a percentage) and read on its own; follow-ups and complaints do not count."""
        cuts: list[int] = []
        named = acted = False
        for hit in f.hits:
            if named and acted and hit.kind in ("thing", "trunk", "act"):
                cuts.append(hit.start)
                named = acted = False
            if hit.kind in ("thing", "trunk"):
                named = True
            elif hit.kind == "num":
                named = acted = True
            elif hit.kind == "act" and hit.value != "set":
                acted = True
        if not cuts or len(cuts) > 3:
            return None
        bounds = [0, *cuts, len(f.text)]
        out: list[Any] = []
        for start, end in pairwise(bounds):
            clause = self.frame(f.text[start:end].strip())
            if clause.areas or clause.devices or clause.at_home or clause.complaints:
                return None
            if not clause.things and not any(unit in ("deg", "pct") for _, unit in clause.numbers):
                return None
            read = self._car(clause)
            if not read or any(c.intent in ("FollowZone", "FollowAdjust") for c in read):
                return None
            out += read
        return out

    def _cmd(self, intent: str, slots: dict[str, Any], f: _Frame) -> Any:
        from renkei.apps.assistant.understanding import Command

        return Command(intent, slots, f.text)

    def _zone(self, f: _Frame, *, seats: bool = True) -> dict[str, Any] | None:
        """The zone slot, {} for none said, None when two zones conflict."""
        zones = _uniq(z for z in f.zones if not (z == "mine" and len(set(f.zones)) > 1))
        if f.zone_joined and len(set(f.zones)) == 2:
            # "主驾和副驾", "我和副驾": the two together where they make a zone; "我" joined is no seat we know
            union = _ZONE_UNIONS.get(frozenset(f.zones))
            if union is None:
                return None
            zones = [union]
        sides = _uniq(f.sides)
        if len(sides) > 1 or (f.zone_joined and len(zones) > 1):
            return None
        if sides:
            # "on the left in the back", "both windows on the left": the side picks within the zone
            side = sides[0]
            own = "driver" if side == "left" else "passenger"
            within = {"rear": f"rear_{side}", "rear_here": f"rear_{side}", "front": own, "all": side}
            plural = self.lang == "en" and re.search(r"\b(?:windows|doors|seats)\b", f.text) is not None
            if "rear" in zones and own in zones:
                zones = ["rear"]  # "back seat passenger on the right"
            if not zones or zones == ["mine"]:
                zones = [side if "both" in f.marks or plural else own]  # "the windows on the right"
            elif len(zones) == 1 and zones[0] in within:
                zones = [within[zones[0]]]
            elif zones not in ([own], [f"rear_{side}"]):
                return None
        elif sorted(zones) in (["driver", "rear"], ["passenger", "rear"]):
            zones = ["rear_left" if "driver" in zones else "rear_right"]  # "rear, driver's side"
        if "all" in zones and len(zones) > 1:
            zones = [z for z in zones if z != "all"]
        if len(zones) > 1:
            return None
        excepted = _uniq(f.excepted)
        if len(excepted) > 1:
            return None
        if excepted:
            return {"zone": zones[0] if zones else "all", "except": excepted[0]}
        if zones == ["rear_here"] and "both" in f.marks:
            zones = ["rear"]  # "后面两个窗户": both rear seats, whoever says it
        if zones:
            return {"zone": zones[0]}
        return {}

    def _car(self, f: _Frame) -> list[Any] | None:
        felt = [c for c in f.complaints if c in ("hot", "cold")]
        if self.lang == "en" and len(felt) > 1 and re.search(r",|\band\b", f.text):
            return None  # "I'm cold and my seat is cold too": two complaints, read piece by piece
        if "ask" in f.marks and not [a for a in f.acts if a not in ("set", "go")]:
            f.marks.add("query")  # "外面冷吗": with no request in it, 吗 asks
        questions = self._question(f)
        if questions is not None:
            return questions
        if "reach" in f.marks and set(f.acts) <= {"set", "go"} and set(f.things) <= {"car", "battery", "charging"}:
            return [self._cmd("Query", {"what": "range"}, f)]  # "will we make it to the airport"
        if "state" in f.marks and _answers_state(f):
            f.marks.discard("state")  # "the trunk's still open, close it": the state is the reason
        if "state" in f.marks or f.marks & {"unsure", "past", "person"}:
            return None  # "the AC is off", "it was cold": how things are; "behind me": a seat we cannot place
        if "query" in f.marks and [a for a in f.acts if a not in ("set", "go")]:
            return None  # "how do I open the trunk" asks, it does not request
        things = _uniq(f.things)
        acts = _uniq(a for a in f.acts if a != "set")
        steered = things or (self.lang == "en" and set(acts) <= {"warm", "cool"})  # "it's hot, cool it down"
        if steered and acts and set(f.complaints) <= {"hot", "cold"}:
            f.complaints = []  # "暑いし風を強めて": the heat is the reason, the request says what to do
        if not acts and ("more" in f.marks) != ("less" in f.marks) and "query" not in f.marks:
            acts = ["up" if "more" in f.marks else "down"]  # "more air", "风をもっと"; beside a verb only stress
        setting = "set" in f.acts
        # "nope": not wanted ("no AC", "不要吹风", "冷房はいらない") switches off where a thing has
        # no action (the builders check it); any other negation ("不错", "don't open …") stops a guess
        neg = "neg" in f.marks or "nope" in f.marks
        zone = self._zone(f)
        if zone is None:
            return None
        if not zone and self.lang == "en" and re.search(r"\bwindows\b", f.text) and "thing" in {h.kind for h in f.hits}:
            zone = {"zone": "all"}  # "close the windows": every window, as the templates read it
        # Derived things: words that together name one ("seat" + "warm" = seat heating).
        behind = {"driver": "rear_left", "passenger": "rear_right"} | {z: z for z in ("rear_left", "rear_right")}
        if things == ["rear_glass"] and zone.get("zone") in behind and self.lang == "en":
            things, zone = ["window"], {**zone, "zone": behind[zone["zone"]]}  # "driver's side rear window"
        seated = "seat" in things or f.seat_zone  # "ventilation for both front seats" is the seats'
        for word, seat_thing, cabin_thing in (
            ("ventilation", "seat_ventilation", "fan"),
            ("heating", "seat_heating", "temperature"),
        ):
            if word in things:
                things = _uniq((seat_thing if seated else cabin_thing) if t == word else t for t in things)
        if "seat" in things and ("seat_heating" in things or "seat_ventilation" in things):
            things.remove("seat")
        if "seat" in things and "fan" in things:
            things = [t for t in things if t not in ("seat", "fan")] + ["seat_ventilation"]
        if "light" in things and len(things) > 1:
            if not set(things) <= _LIGHTS:
                return None  # "门廊的灯" read as a door and a light: neither is sure
            things.remove("light")  # "ambient light", "hazard lights": the other word names it
        if "key" in things:
            things = [t for t in things if t not in ("door", "car")]  # "ドアの鍵", "車の鍵": the lock
        if zone.get("zone") == "all" and things in (["front_defrost"], ["rear_defrost"]):
            things, zone = ["front_defrost", "rear_defrost"], {}  # "前と後ろの曇り止め": both of them
        for glass, device in (("rear_glass", "rear_defrost"), ("windshield", "front_defrost")):
            if glass in things and {"front_defrost", "rear_defrost"} & set(things):
                # "リアガラス曇ってるから曇り止めつけて": the glass says which defroster
                things = [t for t in things if t not in (glass, "front_defrost", "rear_defrost")] + [device]
        if self.lang == "ja" and "fan" in things and "volume" in things and "の音" in f.text:
            things.remove("volume")  # "ファンの音がうるさい": the fan's noise is the fan
        if "range" in things and "query" in f.marks:
            things = [t for t in things if t not in ("charging", "battery")]  # "この充電で何キロ行ける"
        if not things and acts and set(acts) <= {"forward", "backward"}:
            things = ["seat"]  # "自分の席、後ろに下げて": only a seat moves forward or back
        if not things and f.marks & {"crack", "pane"}:
            things = ["window"]  # "后面两个开条缝", "後ろの2枚": only windows open a crack, or count panes
        if "car" in things and len(things) > 1:
            things.remove("car")
        if "battery" in things and {"charging", "charge_limit"} & set(things) and "query" not in f.marks:
            things.remove("battery")  # "fully charge the battery": the charging
        if "charge_limit" in things:
            things = [t for t in things if t not in ("battery", "charging")]  # "电池最多充到70%"
        elif (
            things
            and set(things) <= {"battery", "charging"}
            and any(u == "pct" for _, u in f.numbers)
            and ("query" not in f.marks and set(acts) <= {"go", "on", "start"})
        ):
            things = ["charge_limit"]  # "バッテリーは70%までにして": how full it is charged
        if "temperature" in things and ("inside" in things or "outside" in things):
            things.remove("temperature")
        asked_how = self.lang == "en" and re.match(r"how (?:cold|hot|warm|chilly|freezing)\b", f.text) is not None
        if asked_how and not acts and not f.numbers and set(things) <= {"outside", "inside", "car"}:
            # "how cold is it in here": a question, never a complaint
            return [self._cmd("Query", {"what": _QUERIES["outside" if "outside" in things else "inside"]}, f)]
        if "outside" in things and set(f.complaints) & {"hot", "cold"} and not acts and not f.numbers:
            # "外面多冷", "it's freezing outside": the weather, not the cabin
            return [self._cmd("Query", {"what": "outside_temperature"}, f)]
        if "query" not in f.marks:
            # "in here", "車内", "外面": where, not what, unless asked about
            things = [t for t in things if t not in ("inside", "outside")]
        if "window" in things and "windshield" in things:
            things.remove("window")
        if things == ["seat"] and any(unit == "deg" for _, unit in f.numbers):
            things = []  # "後ろの席、21度": the seat names where, the degrees what
        # "heat my seat", "heat both rear seats on low" (the seats said in the zone), not "warmer"
        heat_verb = re.search(r"\b(?:heat|warm)\b", f.text) is not None or self.lang != "en"
        cool_verb = re.search(r"\b(?:cool|chill)\b", f.text) is not None or self.lang != "en"
        seat_only = things == ["seat"] or (not things and f.seat_zone)
        if seat_only and "warm" in acts and set(acts) <= {"warm", "up", "on"} and (things or heat_verb):
            things, acts = ["seat_heating"], ["on"]
        if seat_only and "cool" in acts and set(acts) <= {"cool", "down", "on"} and (things or cool_verb):
            things, acts = ["seat_ventilation"], ["on"]
        fog = {"fog", "blind"} & set(f.complaints)
        if any(h.kind == "haze" for h in f.hits) and things in (["window"], ["windshield"], ["rear_glass"]):
            fog.add("fog")  # "the windshield is all misty"; "it's foggy" alone is the weather
        if fog and things in ([], ["window"], ["windshield"], ["rear_glass"]) and set(acts) <= {"on", "defrost"}:
            rear = things == ["rear_glass"] or zone.get("zone") in ("rear", "rear_here")
            if not things and not rear and "fog" not in fog:
                return None  # "I can't see" alone says nothing about glass
            device = "rear_defrost" if rear else "front_defrost"
            # fog said without a request is a complaint: beside one ("前面有雾，开雾灯") only its reason
            said = {"complaint": True} if not acts else {}
            return [self._cmd("Switch", {"device": device, "state": "on", **said}, f)]
        if not things and acts == ["defrost"] and not f.numbers and "neg" not in f.marks:
            device = "rear_defrost" if zone.get("zone") in ("rear", "rear_here") else "front_defrost"
            return [self._cmd("Switch", {"device": device, "state": "on"}, f)]
        if things in (["windshield"], ["rear_glass"]) and acts in (["warm"], ["defrost"], ["on"]):
            device = "front_defrost" if things == ["windshield"] else "rear_defrost"
            return [self._cmd("Switch", {"device": device, "state": "on"}, f)]
        if not acts and not f.numbers and "temperature" in f.things and {"inside", "outside"} & set(f.things):
            where = "outside" if "outside" in f.things else "inside"
            if len({"inside", "outside"} & set(f.things)) == 1:
                return [self._cmd("Query", {"what": _QUERIES[where]}, f)]  # "outside temp"
        if "query" in f.marks and things == ["temperature"] and not acts and not zone and not f.numbers:
            return [self._cmd("Query", {"what": "cabin_temperature"}, f)]  # "这会儿车内温度几度"
        asked = "query" in f.marks or ("remaining" in f.marks and not acts and self.lang == "en")  # "range left?"
        if asked and set(acts) <= {"go"} and len(things) == 1 and things[0] in _QUERIES:
            return [self._cmd("Query", {"what": _QUERIES[things[0]]}, f)]
        aside = any(h.kind == "aside" for h in f.hits)  # "電池やばいから…": the battery sets the scene
        if self.lang == "ja" and not acts and things == ["battery"] and not f.numbers and not aside:
            return [self._cmd("Query", {"what": "battery"}, f)]
        if f.places:
            places = _uniq(f.places)
            if len(places) != 1 or [a for a in acts if a not in ("on", "start")] != ["go"] or neg:
                return None
            if things and things != ["car"]:
                return None
            return [self._cmd("Navigate", {"place": places[0]}, f)]
        if f.colors:
            colors = _uniq(f.colors)
            # only the ambient light takes a colour: "the lights in here blue" means it
            if (
                len(colors) == 1
                and things in (["ambient_light"], ["light"], ["dome_light"])
                and not neg
                and not f.numbers
            ) or (len(colors) == 1 and not things and not neg and not f.numbers and self._nothing_else(f)):
                # "换成红色", "赤にして": only the ambient light takes a colour
                if things == ["light"] and self.lang != "ja":
                    return None
                return [self._cmd("SetAmbientColor", {"color": colors[0], **zone}, f)]
            return None
        acts = [a for a in acts if a != "go"] if things and "go" in acts and not f.places else acts
        if len(things) > 1:
            # "hazards and fog lights on": several switches, one action.
            if all(t in _SWITCHES for t in things) and len(acts) == 1 and acts[0] in ("on", "off") and not f.numbers:
                state = "on" if (acts[0] == "on") != neg else "off"
                return [self._cmd("Switch", {"device": t, "state": state}, f) for t in things]
            return None
        if len(acts) > 1:
            settled = self._settle_acts(acts, things[0] if things else "")
            if settled is None:
                return None
            acts = settled
        act = acts[0] if acts else ""
        thing = things[0] if things else ""
        levels = _uniq(f.levels)
        if levels and not f.numbers:
            if len(levels) > 1 or (act not in ("", "on", "set") and not (act in ("up", "down") and f.aimed)):
                return None
            scale = _LEVELS.get(thing)
            if scale is None:
                return None
            f.numbers = [(scale[levels[0]], "level")]
        numbers = f.numbers
        if len(numbers) > 1:
            return None
        number = numbers[0] if numbers else None
        if number is not None and "half" in f.marks and thing in ("", "seat", "temperature"):
            return None  # "twenty one and at half": a half the normaliser did not fold is a guess
        if thing in ("", "seat") and number is not None and act in ("", "on"):
            value, unit = number
            placed = bool(zone) or "inside" in f.things or thing == "seat"
            if unit == "" and 16 <= value <= 32 and placed and not f.complaints and not neg:
                # "cabin to 19", "front seats 21": only a temperature is set that high by a seat
                return [self._cmd("SetTemperature", {"temperature": value, **zone}, f)]
        if not thing:
            return self._thingless(f, act, number, zone, setting, neg)
        builder = getattr(self, f"_thing_{thing}", None)
        if thing in _SWITCHES:
            builder = self._thing_switch
        if builder is None:
            return None
        result: list[Any] | None = builder(f, thing, act, number, zone, setting, neg)
        return result

    def _question(self, f: _Frame) -> list[Any] | None:
        """ "Is the car locked up", "在充电吗", "今充電中": a question about the car."""
        things = [t for t in _uniq(f.things) if t not in ("car", "key")]  # "車のカギかかってる？"
        if "charging" in things:
            things = [t for t in things if t != "battery"]  # "バッテリー充電してる？"
        acts = [a for a in f.acts if a not in ("set", "go", "lock")]
        zones = [z for z in f.zones if z != "all"]  # "are the doors all locked"
        if acts or f.numbers or "neg" in f.marks or zones or f.complaints:
            return None
        asked = "query" in f.marks or self.lang != "en"  # "doors unlocked please" is a request
        locking = self.lang != "en" and "query" in f.marks and "lock" in f.acts  # "车门是不是都锁了"
        if ("locked" in f.marks or locking) and things in ([], ["door"]) and asked:
            return [self._cmd("Query", {"what": "doors"}, f)]
        if things in (["charging"], ["charge_limit"]) and "query" in f.marks:
            what = "battery" if "remaining" in f.marks else "charging"
            return [self._cmd("Query", {"what": what}, f)]
        if self.lang == "en" and "query" in f.marks:
            if sorted(things) == ["battery", "charging"] and not re.search(r"\bcharging\b", f.text):
                return [self._cmd("Query", {"what": "battery"}, f)]  # "how much charge is in the battery"
            if "lock" in f.acts and things in ([], ["door"]) and re.search(r"\b(?:did|have|has)\b", f.text):
                return [self._cmd("Query", {"what": "doors"}, f)]  # "did you lock the car"
        return None

    def _nothing_else(self, f: _Frame) -> bool:
        """Whether every word of the piece was read (or says nothing): a bare "a bit higher" may
        refer to the last command, "heater up" with an unknown "heater" may not."""
        covered = [False] * len(f.text)
        for hit in f.hits:
            for k in range(hit.start, min(hit.end, len(f.text))):
                covered[k] = True
        rest = "".join(" " if done else ch for ch, done in zip(f.text, covered, strict=True))
        if self.lang == "en":
            return all(word in _EN_EMPTY for word in re.findall(r"[a-z']+", rest))
        return all(ch in _CJK_EMPTY or not ch.isalnum() for ch in rest)

    @staticmethod
    def _settle_acts(acts: list[str], thing: str) -> list[str] | None:
        """Two action words that say one thing ("turn down … lower") or that conflict (None)."""
        groups = [
            {"up", "more", "max", "loud", "warm", "on", "bright"},
            {"down", "less", "min", "quiet", "cool", "off", "dim"},
            {"open", "on", "down"} if thing in ("window", "sunroof", "trunk", "door") else set(),
            {"close", "off", "up"} if thing in ("window", "sunroof", "trunk", "door") else set(),
            {"on", "up", "max"} if thing == "fan" else set(),
            {"stop", "off", "close"},
            {"start", "on"},
            {"go", "on"},
        ]
        for group in groups:
            if set(acts) <= group:
                for preferred in (
                    "open",
                    "close",
                    "max",
                    "min",
                    "stop",
                    "start",
                    "off",
                    "up",
                    "down",
                    "loud",
                    "quiet",
                    "warm",
                    "cool",
                    "bright",
                    "dim",
                    "go",
                    "on",
                ):
                    if preferred in acts:
                        return [preferred]
                return [acts[0]]
        return None

    def _thingless(
        self, f: _Frame, act: str, number: tuple[float, str] | None, zone: dict[str, Any], setting: bool, neg: bool
    ) -> list[Any] | None:
        no_but = "nope" in f.marks and "neg" not in f.marks and re.match(r"no\b", f.text) is not None
        if no_but and number is not None and not act and not zone and not f.complaints and self._nothing_else(f):
            return [self._cmd("FollowValue", {"value": number[0], "unit": number[1]}, f)]  # "no, 18"
        if neg:
            return None
        if number is not None:
            value, unit = number
            if unit == "deg" and 16 <= value <= 32 and act in ("", "on") and not f.complaints:
                return [self._cmd("SetTemperature", {"temperature": value, **zone}, f)]
            if unit == "deg" and 1 <= value <= 5 and value == int(value) and act in ("up", "down", "warm", "cool"):
                direction = "up" if act in ("up", "warm") else "down"
                return [self._cmd("AdjustTemperature", {"direction": direction, "delta": int(value), **zone}, f)]
            if unit == "level" and value == 1 and act in ("up", "down") and not zone and self._nothing_else(f):
                return [self._cmd("FollowAdjust", {"direction": act}, f)]  # "もう一段上げて"
            counted = unit in ("level", "") and value == int(value) and 1 <= value <= 5
            if counted and not zone and not f.complaints and self._nothing_else(f):
                # "up two more", "two notches down": that many steps of the last thing
                direction = act if act in ("up", "down") else "more" if not act and "more" in f.marks else ""
                direction = direction or ("less" if not act and "less" in f.marks else "")
                if direction:
                    return [self._cmd("FollowAdjust", {"direction": direction, "steps": int(value)}, f)]
            charge_said = self.lang == "ja" and "まで" in f.text and set(f.acts) <= {"go", "set"}  # "80%まででいい"
            if charge_said and unit == "pct" and 50 <= value <= 100 and not zone and not f.complaints:
                return [self._cmd("SetChargeLimit", {"percent": int(value)}, f)]
            bare = not f.complaints and self._nothing_else(f)  # "the back ones 30 percent"
            if zone and unit == "pct" and 0 <= value <= 100 and act in ("", "open", "down") and bare:
                return [self._cmd("FollowZone", {**zone, "thing": "window", "percent": int(value)}, f)]
            # "actually, make that 23", "25 instead": the last setting, another value
            again = "instead" in f.marks or re.search(r"\b(?:make|change|set|put|turn) the (?:to |at )?\S", f.text)
            if again and not zone and not act and not f.complaints and unit != "wari" and self._nothing_else(f):
                return [self._cmd("FollowValue", {"value": value, "unit": unit}, f)]
            return None
        amount = f.marks & {"bit", "half", "full"}
        if zone and amount and act in ("", "open", "down") and not f.complaints and self._nothing_else(f):
            # "the back ones just a crack": the last window request for them, by that much
            percent = 10 if "bit" in f.marks else 50 if "half" in f.marks else 100
            if len(f.marks & {"bit", "half", "full"}) == 1:
                return [self._cmd("FollowZone", {**zone, "thing": "window", "percent": percent}, f)]
        if act in ("warm", "cool") and not f.complaints:
            return [self._cmd("AdjustTemperature", {"direction": "up" if act == "warm" else "down", **zone}, f)]
        if act in ("loud", "quiet") and not zone and not f.complaints:
            return [self._cmd("AdjustVolume", {"direction": "up" if act == "loud" else "down"}, f)]
        # not "lock" + words it cannot read, nor "lock" borrowed by an aside ("…, I forgot to")
        read_all = self.lang != "en" or (self._nothing_else(f) and "aside" not in {h.kind for h in f.hits})
        if act in ("lock", "unlock") and zone.get("zone", "mine") in ("mine", "all") and read_all:
            return [self._cmd("Lock", {"state": act}, f)]  # "把我这边的门锁打开": the car has one lock
        if act in ("mute", "unmute") and not zone and not f.complaints:
            return [self._cmd("Mute", {"state": act}, f)]  # "先给我静个音"
        complaints = _uniq(f.complaints)
        if self.lang == "en" and re.match(r"(?:is|are|do|does|was) (?:it|you|that|they|we|he|she)\b", f.text):
            return None  # "is it too cold for you back there": asked of someone, not said
        if len(complaints) == 1 and not act:
            c = complaints[0]
            if c in ("hot", "cold"):
                # "后面好冷": from a rear seat that is the speaker's seat (as the templates read it)
                where = {"zone": "rear_here"} if zone.get("zone") in ("rear", "rear_here") else zone
                slots = {"direction": "down" if c == "hot" else "up", "complaint": True, **where}
                return [self._cmd("AdjustTemperature", slots, f)]
            if c in ("loud", "quiet") and not zone:
                return [self._cmd("AdjustVolume", {"direction": "down" if c == "loud" else "up", "complaint": True}, f)]
            return None
        if zone and f.marks & {"too", "same", "both"} and not f.complaints:
            if act in ("", "on", "set"):
                return [self._cmd("FollowZone", dict(zone), f)]
            if act in ("open", "close", "off"):
                # "運転席側も開けて": the last request again, only if it went the same way
                return [self._cmd("FollowZone", {**zone, "act": act}, f)]
        if not zone and act in ("up", "down") and not f.complaints and self._nothing_else(f):
            return [self._cmd("FollowAdjust", {"direction": act}, f)]  # "もうちょい上げて": the last thing
        if not zone and act in ("open", "close", "on", "off") and not f.complaints and self._nothing_else(f):
            if "bit" in f.marks and self.lang != "en":
                # "再开一点": a little further the same way, not all the way
                return [self._cmd("FollowAdjust", {"direction": "up" if act in ("open", "on") else "down"}, f)]
            return [self._cmd("FollowAct", {"act": act}, f)]  # "now close it", "やっぱり消して": the last thing
        return None

    # -- one builder per thing: (frame, thing, action, number, zone, setting, negated) → commands
    def _thing_temperature(
        self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool
    ) -> Any:
        if neg:
            return None
        if number is not None:
            value, unit = number
            aimed = f.aimed and act in ("up", "down", "warm", "cool")  # "bring the temp down to 19"
            if unit in ("", "deg") and 16 <= value <= 32 and (act in ("", "on") or aimed):
                return [self._cmd("SetTemperature", {"temperature": value, **zone}, f)]
            if (
                unit in ("", "deg", "level")
                and 1 <= value <= 5
                and value == int(value)
                and act in ("up", "down", "warm", "cool")
            ):
                direction = "up" if act in ("up", "warm") else "down"
                return [self._cmd("AdjustTemperature", {"direction": direction, "delta": int(value), **zone}, f)]
            return None
        if act in ("up", "down", "warm", "cool"):
            direction = "up" if act in ("up", "warm") else "down"
            return [self._cmd("AdjustTemperature", {"direction": direction, **zone}, f)]
        if act in ("max", "min") and self.lang != "en":
            # "温度を一番低く": the end of the range, as the templates' 最低/最高
            return [self._cmd("SetTemperature", {"temperature": 32 if act == "max" else 16, **zone}, f)]
        if not act and ("too" in f.marks or "same" in f.marks) and zone:
            return [self._cmd("FollowZone", {**zone, "thing": thing}, f)]
        return None

    def _thing_heat(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        """ "Get the heat going", "turn the heat up": the heating is the set point going up."""
        if act == "on":
            act = "warm"
        elif act in ("off", "stop"):
            return None  # heating off is no set point
        return self._thing_temperature(f, "temperature", act, number, zone, setting, neg)

    def _thing_fan(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        nope = "nope" in f.marks and "neg" not in f.marks
        if nope and not act and number is None and not f.complaints:
            return [self._cmd("AdjustFan", {"direction": "off", **zone}, f)]  # "我这边不要吹风了"
        if neg:
            return None
        if number is not None:
            value, unit = number
            if act not in ("", "on", "up", "down") or value != int(value):
                return None
            if unit == "pct" and 0 <= value <= 100:
                return [self._cmd("SetFan", {"percent": int(value), **zone}, f)]
            if unit in ("", "level") and 0 <= value <= 10 and (act in ("", "on") or f.aimed):
                return [self._cmd("SetFan", {"fan_level": int(value), **zone}, f)]
            if (unit == "level" or (unit == "" and f.by)) and 1 <= value <= 5 and act in ("up", "down"):
                steps = {"steps": int(value)} if value > 1 else {}  # "drop the blower two notches", "up by one"
                return [self._cmd("AdjustFan", {"direction": act, **steps, **zone}, f)]
            return None
        complaints = _uniq(f.complaints)
        complaints = ["strong" if c == "loud" else c for c in complaints]  # "the fan is too loud"
        if complaints in (["strong"], ["weak"]) and not act:
            direction = "down" if complaints == ["strong"] else "up"
            # "後ろ、全然風が来ない": from a rear seat a complaint is the speaker's own, as for the heat
            where = {"zone": "rear_here"} if zone.get("zone") == "rear" else zone
            return [self._cmd("AdjustFan", {"direction": direction, "complaint": True, **where}, f)]
        if f.complaints:
            return None
        if act in ("off", "stop", "close"):
            return [self._cmd("AdjustFan", {"direction": "off", **zone}, f)]
        if act == "max" or (not act and f.marks & {"full", "half"} and not f.marks & {"bit", "neg"}):
            level = 5 if not act and "half" in f.marks and "full" not in f.marks else 10  # "give me full fan"
            return [self._cmd("SetFan", {"fan_level": level, **zone}, f)]
        if act == "min":
            return [self._cmd("SetFan", {"fan_level": 1, **zone}, f)]
        if act in _UP and "full" in f.marks and not f.marks & {"bit", "neg"}:
            # "fan all the way up": the top level, not one step; all the way down is the lowest, as "min"
            return [self._cmd("SetFan", {"fan_level": 10 if _UP[act] == "up" else 1, **zone}, f)]
        if act in _UP:
            return [self._cmd("AdjustFan", {"direction": _UP[act], **zone}, f)]
        if not act and ("too" in f.marks or "same" in f.marks) and zone:
            return [self._cmd("FollowZone", {**zone, "thing": thing}, f)]
        return None

    def _thing_fresh_air(
        self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool
    ) -> Any:
        # "how about some fresh air": the words themselves ask for it
        if number is not None or f.complaints or act not in ("", "on", "off", "open", "close"):
            return None
        if act and neg:
            return None
        # Fresh air on = recirculation off.
        on = (act in ("on", "open", "")) != neg
        # "I need some fresh air" alone asks for it; beside "open the window" it is the reason
        felt = {"complaint": True} if not act and self.lang == "en" else {}
        return [self._cmd("Switch", {"device": "recirculation", "state": "off" if on else "on", **felt}, f)]

    def _thing_switch(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if thing == "ac" and number is not None and act in ("", "on") and not neg and not f.complaints:
            value, unit = number
            if unit in ("", "deg") and 16 <= value <= 32:
                # "冷气开到二十五度": the A/C's set point is the cabin temperature; "打开空调调到
                # 二十二度" also switches it on
                set_point = self._cmd("SetTemperature", {"temperature": value, **zone}, f)
                if act == "on":
                    return [self._cmd("Switch", {"device": "ac", "state": "on"}, f), set_point]
                return [set_point]
        complaints = _uniq(f.complaints)
        if thing == "ac" and not act and number is None and complaints in (["hot"], ["cold"], ["strong"]):
            # "the AC is freezing me", "エアコンが寒すぎる", "冷房きつい": the set point, not the switch
            direction = "down" if complaints == ["hot"] else "up"
            return [self._cmd("AdjustTemperature", {"direction": direction, "complaint": True, **zone}, f)]
        if number is not None or f.complaints:
            return None
        if act and neg:
            return None  # "don't turn on the AC" says what not to do, not what to do
        nope = "nope" in f.marks and "neg" not in f.marks
        if not act and (nope or (setting and self.lang == "ja")):
            act = "on"  # "冷房はいらない" (negated: off), "内気循環にして"
        if act == "max" and not neg:
            act = "on"  # "blast the defroster"
        if act not in ("on", "off", "open", "close", "start", "stop"):
            return None
        on = (act in ("on", "open", "start")) != neg
        slots: dict[str, Any] = {"device": thing, "state": "on" if on else "off"}
        if thing == "ambient_light":
            slots.update(zone)
        return [self._cmd("Switch", slots, f)]

    def _thing_seat_heating(
        self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool
    ) -> Any:
        cool = thing == "seat_ventilation"
        if f.complaints or (act and neg):
            return None
        if number is not None:
            value, unit = number
            aimed = f.aimed and act in ("up", "down")  # "turn my seat heating up to 3"
            if unit in ("", "level") and value in (0, 1, 2, 3) and (act in ("", "on", "set") or aimed):
                slots = {"heat_level": int(value), **zone, **({"mode": "cool"} if cool else {})}
                return [self._cmd("SetSeatHeating", slots, f)]
            if unit == "level" and value in (1, 2) and act in ("up", "down") and not cool:
                steps = {"steps": int(value)} if value > 1 else {}  # "down one level"
                return [self._cmd("AdjustSeatHeating", {"direction": act, **steps, **zone}, f)]
            return None
        if not act and not neg and self.lang == "zh-CN" and f.text.startswith("给"):
            act = "on"  # "给我的座椅加热": heat my seat
        if not act and setting and self.lang == "ja":
            act = "on"  # "…をオンに"
        if act in ("on", "off", "start", "stop"):
            on = (act in ("on", "start")) != neg
            return [self._cmd("Switch", {"device": thing, "state": "on" if on else "off", **zone}, f)]
        if neg:
            return None
        if act in ("max", "min") and not cool:
            return [self._cmd("SetSeatHeating", {"heat_level": 3 if act == "max" else 1, **zone}, f)]
        if act in ("up", "down") and not cool:
            return [self._cmd("AdjustSeatHeating", {"direction": act, **zone}, f)]
        if not act and ("too" in f.marks or "same" in f.marks) and zone:
            return [self._cmd("FollowZone", {**zone, "thing": thing}, f)]
        return None

    _thing_seat_ventilation = _thing_seat_heating

    def _thing_seat(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        complaints = _uniq(f.complaints)
        if complaints in (["hot"], ["cold"]) and not act and number is None and not neg:
            # "シートが熱すぎる", "my seat is freezing": as the templates read a seat complaint
            device = "seat_ventilation" if complaints == ["hot"] else "seat_heating"
            return [self._cmd("Switch", {"device": device, "state": "on", "complaint": True, **zone}, f)]
        if number is not None and act in ("forward", "backward") and not neg and not f.complaints:
            value, unit = number
            if unit in ("level", "") and value == int(value) and 1 <= value <= 5:
                steps = {"steps": int(value)} if value > 1 else {}  # "slide my seat back two notches"
                return [self._cmd("SeatMove", {"direction": act, **steps, **zone}, f)]
            return None
        if neg or number is not None or f.complaints:
            return None
        if act in ("forward", "backward"):
            return [self._cmd("SeatMove", {"direction": act, **zone}, f)]
        if not act and ("too" in f.marks or "same" in f.marks) and zone:
            return [self._cmd("FollowZone", {**zone, "thing": thing}, f)]
        return None

    def _thing_window(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if neg or f.complaints:
            return None
        if self.lang == "en" and re.search(r"\bcrack\b", f.text) and not act:
            act = "open"  # "crack the back windows": open them a crack
            f.marks.add("bit")
        if self.lang == "zh-CN" and re.search(r"开(?:大|小)", f.text):
            return None  # "窗户开大一点": wider than it is now, which no command says; not "raise it"
        if "both" in f.marks and not zone:
            if self.lang != "zh-CN" or not re.search(r"(?:窗|窗户|车窗)都", f.text) or "两" in f.text:
                return None  # both of which? the speaker's row is a guess
            zone = {"zone": "all"}  # "窗户都开一半": every window, as the templates read "车窗都打开"
        opening = act in ("open", "down", "on")
        closing = act in ("close", "up", "off")
        if number is not None:
            value, unit = number
            if (unit == "pct" or (unit == "" and f.aimed)) and 0 <= value <= 100 and (opening or act == ""):
                return [self._cmd("SetWindow", {"percent": int(value), **zone}, f)]  # "… window to 40"
            return None
        if "half" in f.marks and "full" not in f.marks and "bit" not in f.marks:
            return [self._cmd("SetWindow", {"percent": 50, **zone}, f)]
        if "full" in f.marks and (opening or not act):
            return [self._cmd("Window", {"state": "open", **zone}, f)]
        if "bit" in f.marks and (opening or (not act and f.marks & {"crack", "pane"})):
            return [self._cmd("SetWindow", {"percent": 10, **zone}, f)]
        if opening or closing:
            return [self._cmd("Window", {"state": "open" if opening else "close", **zone}, f)]
        if not act and f.marks & {"too", "same"} and zone:
            return [self._cmd("FollowZone", {**zone, "thing": thing}, f)]  # "make the back windows the same"
        return None

    def _thing_sunroof(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if neg or number is not None or zone not in ({}, {"zone": "all"}) or act not in ("open", "close", "on", "off"):
            return None
        if f.marks & {"bit", "half"}:
            return None  # how far a sunroof opens (or tilts) is a guess
        return [self._cmd("Sunroof", {"state": "OPEN" if act in ("open", "on") else "CLOSE"}, f)]

    def _thing_trunk(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if neg or number is not None or act not in ("open", "close", "on", "off"):
            return None
        state = "open" if act in ("open", "on") else "close"
        trunk = "front" if f.trunk == "rear" and zone == {"zone": "front"} else f.trunk  # "the trunk up front"
        trunks = ("rear", "front") if trunk == "both" else (trunk,)
        return [self._cmd("Trunk", {"state": state, "trunk": trunk}, f) for trunk in trunks]

    def _thing_door(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if neg or number is not None:
            return None
        if act in ("lock", "unlock") and zone.get("zone", "mine") in ("mine", "all"):
            return [self._cmd("Lock", {"state": act}, f)]  # "自分のドアのロックを外して": one lock for all
        act = {"on": "open", "off": "close"}.get(act, act)  # "后排两个门都打开"
        if act in ("open", "close"):
            return [self._cmd("Door", {"state": act, **zone}, f)]
        return None

    def _thing_key(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        """ "車の鍵、かけて", "ドアの鍵を開けて": the car's one lock, locked or opened."""
        if neg or number is not None or zone.get("zone", "mine") not in ("mine", "all"):
            return None
        if act in ("on", "close", "lock"):
            return [self._cmd("Lock", {"state": "lock"}, f)]
        if act in ("open", "off", "unlock"):
            return [self._cmd("Lock", {"state": "unlock"}, f)]
        return None

    def _thing_car(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if neg or number is not None or zone or act not in ("lock", "unlock"):
            return None
        return [self._cmd("Lock", {"state": act}, f)]

    def _thing_volume(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if neg:
            return None
        if number is not None:
            value, unit = number
            aimed = f.aimed and act in ("up", "down", "loud", "quiet", "on")  # "turn the music down to 20"
            if unit in ("", "pct") and 0 <= value <= 100 and (act in ("", "set") or aimed):
                return [self._cmd("SetVolume", {"percent": int(value)}, f)]
            stepped = unit == "level" or (unit == "" and value <= 5 and self.lang == "en")  # "volume down two"
            if stepped and 1 <= value <= 5 and value == int(value) and act in _UP and act not in ("max", "min"):
                steps = {"steps": int(value)} if value > 1 else {}  # "volume up two steps"
                return [self._cmd("AdjustVolume", {"direction": _UP[act], **steps}, f)]
            return None
        # "声音太小了听不清": too weak a sound is too quiet
        complaints = _uniq({"weak": "quiet", "strong": "loud"}.get(c, c) for c in f.complaints)
        if complaints in (["loud"], ["quiet"]) and not act:
            direction = "down" if complaints == ["loud"] else "up"
            return [self._cmd("AdjustVolume", {"direction": direction, "complaint": True}, f)]
        if f.complaints:
            return None
        if act in ("up", "down", "loud", "quiet", "max", "min") and act in _UP:
            if "full" in f.marks or act in ("max", "min"):  # "volume all the way up"
                return [self._cmd("SetVolume", {"percent": 100 if _UP[act] == "up" else 0}, f)]
            return [self._cmd("AdjustVolume", {"direction": _UP[act]}, f)]
        if act in ("mute", "off", "close", "stop"):
            return [self._cmd("Mute", {"state": "mute"}, f)]
        if not act and "half" in f.marks and not f.marks & {"bit", "full"}:
            return [self._cmd("SetVolume", {"percent": 50}, f)]  # "half volume", "volume at half"
        return None

    def _thing_charging(self, f: _Frame, thing: str, act: str, number: Any, zone: Any, setting: bool, neg: bool) -> Any:
        if number is not None:
            value, unit = number
            limit_words = thing == "charge_limit" or neg or act in ("", "set", "up", "stop", "max")
            if unit in ("pct", "") and 50 <= value <= 100 and limit_words:
                return [self._cmd("SetChargeLimit", {"percent": int(value)}, f)]
            return None
        if neg or zone:
            return None
        if "full" in f.marks and act in ("", "set", "on", "start", "stop"):
            return [self._cmd("SetChargeLimit", {"percent": 100}, f)]  # "charge to full"
        if thing == "charge_limit":
            return None
        if act in ("start", "on"):
            return [self._cmd("Charging", {"state": "start"}, f)]
        if act in ("stop", "off"):
            return [self._cmd("Charging", {"state": "stop"}, f)]
        return None

    _thing_charge_limit = _thing_charging

    # -- home -----------------------------------------------------------------------------------
    def _home_temperature_asked(self, f: _Frame, areas: list[str], devices: list[str]) -> bool:
        return _home_temperature_asked_impl(f, areas, devices, self._devices)

    def _home(self, f: _Frame) -> Any:
        from renkei.apps.assistant.understanding import HomeCommand

        areas, devices = _uniq(f.areas), _uniq(f.devices)
        states = _uniq(f.states)
        if devices and len(devices) == 1 and len(states) == 1 and not f.numbers and not f.colors:
            # "车库门开着吗", "ガレージは開いてる": how a device is
            name = devices[0]
            return HomeCommand(
                "HassGetState", {"name": name, "state": states[0], "domain": self._devices[name]}, f.text, self.lang
            )
        if self._home_temperature_asked(f, areas, devices) or (
            "query" in f.marks and len(areas) == 1 and not devices and _DEGREES_ASKED.search(f.text) and not f.acts
        ):
            where = {"area": areas[0]} if areas else {"name": devices[0]} if devices else {}
            return HomeCommand("HassClimateGetTemperature", where, f.text, self.lang)
        if "state" in f.marks and _answers_state(f):
            f.marks.discard("state")  # "浴室灯还亮着，关了它": the state is the reason
        if f.marks & {"neg", "query", "state", "ask"} or f.complaints:  # "书房灯关了没" asks
            return None
        if not devices and f.shared:
            # "卧室的空调": the room makes it the home's; its car meaning is no thing of the home
            devices = _uniq(f.shared)
            f.things = [t for t in f.things if t not in ("ac", "temperature")]
        if len(areas) > 1 or len(devices) > 1:
            return None
        acts = _uniq(a for a in f.acts if a not in ("set", "go"))
        slots: dict[str, Any] = {}
        if devices:
            slots["name"] = devices[0]
            slots["domain"] = self._devices[devices[0]]
        if areas:
            slots["area"] = areas[0]
        things = [t for t in _uniq(f.things) if t not in ("car",)]
        if devices and things and devices[0].casefold() in self._areas and not areas:
            # "车库开灯": the garage's light, not the garage door
            del slots["name"], slots["domain"]
            slots["area"] = devices[0]
            devices = []
        domain = slots.get("domain")
        if not devices:
            if not things and areas and (f.colors or {"dim", "bright"} & set(f.acts)):
                things = ["light"]  # "客厅调成蓝色", "dim the living room": only lights take these
            warmth = any(unit == "deg" or (unit == "" and not areas and 10 <= v <= 30) for v, unit in f.numbers)
            if not things and (areas or f.at_home) and warmth:
                things = ["temperature"]  # "bedroom to 23 degrees": only a room's climate takes degrees
            if things == ["light"]:
                domain = slots["domain"] = "light"
            elif things in (["temperature"], ["ac"], ["heat"], ["heating"]):
                domain = slots["domain"] = "climate"  # "the living room AC" at home
            elif things:
                return None
        colors = _uniq(f.colors)
        if colors:
            if domain != "light" or len(colors) != 1 or f.numbers or (acts and acts != ["on"]):
                return None
            return HomeCommand(
                "HassLightSet", {**slots, "color": _COLOR_NAMES.get(colors[0], colors[0])}, f.text, self.lang
            )
        if len(f.numbers) > 1:
            return None
        if not f.numbers and domain == "light" and "half" in f.marks and not acts:
            return HomeCommand("HassLightSet", {**slots, "brightness": 50}, f.text, self.lang)
        if not f.numbers and domain == "light" and acts in (["dim"], ["bright"]) and self.lang == "en":
            # "dim the bedroom lights": low but on; "brighten …": full
            level = 25 if acts == ["dim"] else 100
            return HomeCommand("HassLightSet", {**slots, "brightness": level}, f.text, self.lang)
        if f.numbers:
            value, unit = f.numbers[0]
            if (
                domain == "light"
                and unit in ("pct", "")
                and 0 <= value <= 100
                and acts in ([], ["dim"], ["bright"], ["on"])
            ):
                if unit == "" and "bright" not in f.marks:
                    return None
                return HomeCommand("HassLightSet", {**slots, "brightness": int(value)}, f.text, self.lang)
            heat = acts in ([], ["on"], ["warm"], ["cool"]) or (f.aimed and acts in (["up"], ["down"]))
            if domain == "climate" and unit in ("deg", "") and 5 <= value <= 35 and heat:
                return HomeCommand("HassClimateSetTemperature", {**slots, "temperature": value}, f.text, self.lang)
            return None
        if not domain:
            return None
        if len(acts) != 1:
            return None
        act = acts[0]
        if domain == "cover" and act in ("up", "down"):
            act = "open" if act == "up" else "close"  # "garage door up"
        lowered = any(h.kind == "act" and f.text[h.start : h.end].startswith(_LOWER) for h in f.hits)
        if domain == "cover" and lowered:
            act = "close"  # a window lowered opens, a shutter lowered closes ("シャッターを下ろして", "车库门降下来")
        if act in ("on", "open", "start") and domain != "lock":
            return HomeCommand("HassTurnOn", slots, f.text, self.lang)
        if act in ("off", "close", "stop") and domain != "lock":
            return HomeCommand("HassTurnOff", slots, f.text, self.lang)
        if domain == "lock" and act in ("lock", "close"):
            return HomeCommand("HassTurnOn", slots, f.text, self.lang)
        if domain == "lock" and act in ("unlock", "open"):
            return HomeCommand("HassTurnOff", slots, f.text, self.lang)
        return None


_LOWER = ("下ろ", "おろ", "降", "放下", "落下")  # words that open a car window by lowering it


def _acts_around_a_joint(f: _Frame) -> bool:
    """Whether an action is said on both sides of a joint ("and", "then", a comma)."""
    acts = [h.start for h in f.hits if h.kind == "act" and h.value != "go"]  # "time to go home, navigate there"
    return any(
        any(a < joint.start() for a in acts) and any(a >= joint.end() for a in acts)
        for joint in re.finditer(r",|\band\b|\bthen\b", f.text)
    )


def _answers_state(f: _Frame) -> bool:
    """Whether the one request of the sentence undoes the state it says ("the light's still on,
    turn it off"), so the state is only the reason for it."""
    states, acts = _uniq(f.states), _uniq(a for a in f.acts if a != "set")
    # "开着" is said of a light as of a window: open or on, undone by off or close
    undo = {
        "on": {"off", "stop", "close"},
        "off": {"on", "start", "open"},
        "open": {"close", "up", "off"},
        "closed": {"open", "down", "on"},
    }
    # said first, then undone ("the light's still on, turn it off"); not a verb borrowed from the
    # request before it ("close the windows, the AC is on" is no "close the AC")
    said_first = max((h.start for h in f.hits if h.kind == "state"), default=0) < min(
        (h.start for h in f.hits if h.kind == "act" and h.value != "set"), default=0
    )
    undone = len(states) == 1 and len(acts) == 1 and acts[0] in undo.get(states[0], set())
    return undone and said_first and "query" not in f.marks


def _home_temperature_asked_impl(f: _Frame, areas: list[str], devices: list[str], domains: Mapping[str, str]) -> bool:
    """ "What temperature is it in the living room", "how warm is the bedroom", "is it cold in the
    kitchen": a room's (or the thermostat's) temperature asked, nothing requested."""
    if "query" not in f.marks or f.marks & {"neg", "state"} or f.numbers or f.colors or f.places:
        return False
    if len(areas) + len(devices) > 1 or (devices and domains.get(devices[0]) != "climate"):
        return False
    if not areas and not devices and not f.at_home:
        return False
    words = set(f.things) - {"car", "inside"}
    if not words <= {"temperature", "heating", "heat"} or not set(f.acts) <= {"warm", "cool", "set"}:
        return False
    return bool(words or devices or {"warm", "cool"} & set(f.acts) or set(f.complaints) & {"hot", "cold"}) and set(
        f.complaints
    ) <= {"hot", "cold"}


# Home Assistant names colours; the car lists give hex values.
_COLOR_NAMES = {
    "#FF0000": "red",
    "#FF8000": "orange",
    "#FFD700": "yellow",
    "#00FF00": "green",
    "#00FFFF": "cyan",
    "#0000FF": "blue",
    "#87CEEB": "lightblue",
    "#8000FF": "purple",
    "#FF69B4": "pink",
    "#FFFFFF": "white",
    "#FFB347": "orange",
}
