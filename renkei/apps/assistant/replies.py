"""What the assistant says, in English, Simplified Chinese and Japanese.

Every reply is a message key plus values; `say` formats it in the speaker's
language, and `seat_names` names cabin zones the way each language does.

    >>> say("temp_set", "ja", zones=seat_names(["driver"], "ja"), value="22")
    '運転席の温度を22度にしました。'
"""

from __future__ import annotations

from collections.abc import Sequence

MESSAGES: dict[str, dict[str, str]] = {
    "temp_set": {
        "en": "{zones} temperature set to {value} °C.",
        "zh-CN": "{zones}温度已调到{value}度。",
        "ja": "{zones}の温度を{value}度にしました。",
    },
    "fan_set": {
        "en": "{zones} fan set to {value} %.",
        "zh-CN": "{zones}风量已调到{value}%。",
        "ja": "{zones}の風量を{value}%にしました。",
    },
    "switch_on": {"en": "{device} on.", "zh-CN": "已打开{device}。", "ja": "{device}をオンにしました。"},
    "switch_off": {"en": "{device} off.", "zh-CN": "已关闭{device}。", "ja": "{device}をオフにしました。"},
    "seat_heat_set": {
        "en": "{zones} seat heating set to level {value}.",
        "zh-CN": "{zones}座椅加热已调到{value}档。",
        "ja": "{zones}のシートヒーターをレベル{value}にしました。",
    },
    "seat_vent_set": {
        "en": "{zones} seat ventilation set to level {value}.",
        "zh-CN": "{zones}座椅通风已调到{value}档。",
        "ja": "{zones}のシートベンチレーションをレベル{value}にしました。",
    },
    "seat_moved": {
        "en": "{zones} seat moved.",
        "zh-CN": "{zones}座椅已调整。",
        "ja": "{zones}のシートを動かしました。",
    },
    "window_set": {
        "en": "{zones} window at {value} %.",
        "zh-CN": "{zones}车窗已调到{value}%。",
        "ja": "{zones}の窓を{value}%にしました。",
    },
    "window_open": {"en": "{zones} window opened.", "zh-CN": "{zones}车窗已打开。", "ja": "{zones}の窓を開けました。"},
    "window_close": {"en": "{zones} window closed.", "zh-CN": "{zones}车窗已关闭。", "ja": "{zones}の窓を閉めました。"},
    "locked": {"en": "Doors locked.", "zh-CN": "车门已上锁。", "ja": "ドアをロックしました。"},
    "unlocked": {"en": "Doors unlocked.", "zh-CN": "车门已解锁。", "ja": "ドアのロックを解除しました。"},
    "door_open": {"en": "{zones} door opened.", "zh-CN": "{zones}车门已打开。", "ja": "{zones}のドアを開けました。"},
    "door_close": {"en": "{zones} door closed.", "zh-CN": "{zones}车门已关闭。", "ja": "{zones}のドアを閉めました。"},
    "trunk_open": {"en": "Trunk opened.", "zh-CN": "后备箱已打开。", "ja": "トランクを開けました。"},
    "trunk_close": {"en": "Trunk closed.", "zh-CN": "后备箱已关闭。", "ja": "トランクを閉めました。"},
    "sunroof_open": {"en": "Sunroof opening.", "zh-CN": "正在打开天窗。", "ja": "サンルーフを開けます。"},
    "sunroof_close": {"en": "Sunroof closing.", "zh-CN": "正在关闭天窗。", "ja": "サンルーフを閉めます。"},
    "sunroof_tilt": {"en": "Sunroof tilted.", "zh-CN": "天窗已翘起。", "ja": "サンルーフをチルトしました。"},
    "ambient_color": {
        "en": "Ambient light set to {value}.",
        "zh-CN": "氛围灯已换成{value}。",
        "ja": "アンビエントライトを{value}にしました。",
    },
    "volume_set": {"en": "Volume {value} %.", "zh-CN": "音量已调到{value}%。", "ja": "音量を{value}%にしました。"},
    "muted": {"en": "Muted.", "zh-CN": "已静音。", "ja": "ミュートしました。"},
    "charge_limit": {
        "en": "Charge limit set to {value} %.",
        "zh-CN": "充电上限已设为{value}%。",
        "ja": "充電上限を{value}%にしました。",
    },
    "charging_start": {"en": "Charging started.", "zh-CN": "已开始充电。", "ja": "充電を開始しました。"},
    "charging_stop": {"en": "Charging stopped.", "zh-CN": "已停止充电。", "ja": "充電を停止しました。"},
    "navigate": {
        "en": "Navigating to {value}.",
        "zh-CN": "开始导航去{value}。",
        "ja": "{value}へ案内します。",
    },
    "range": {
        "en": "You have about {value} km of range.",
        "zh-CN": "剩余续航约{value}公里。",
        "ja": "航続距離は約{value}キロです。",
    },
    "battery": {
        "en": "The battery is at {value} %.",
        "zh-CN": "电池电量{value}%。",
        "ja": "バッテリー残量は{value}%です。",
    },
    "cabin_temperature": {
        "en": "It is {value} °C in the cabin.",
        "zh-CN": "车内温度{value}度。",
        "ja": "車内は{value}度です。",
    },
    "outside_temperature": {
        "en": "It is {value} °C outside.",
        "zh-CN": "车外温度{value}度。",
        "ja": "外の気温は{value}度です。",
    },
    "doors_locked": {
        "en": "All doors are closed and locked.",
        "zh-CN": "所有车门都已关好并上锁。",
        "ja": "すべてのドアは閉まっていてロックされています。",
    },
    "doors_unlocked": {
        "en": "Not secured: {value}.",
        "zh-CN": "未锁好：{value}。",
        "ja": "ロックされていません: {value}。",
    },
    "charging_yes": {
        "en": "Charging, {value} minutes to the limit.",
        "zh-CN": "正在充电，还需{value}分钟。",
        "ja": "充電中です。あと{value}分です。",
    },
    "charging_no": {"en": "The car is not charging.", "zh-CN": "车辆没有在充电。", "ja": "充電していません。"},
    "unknown_value": {
        "en": "I cannot read that right now.",
        "zh-CN": "暂时无法读取这个信息。",
        "ja": "今はその情報を読み取れません。",
    },
    "home": {
        "en": "Sent to your home: {value}.",
        "zh-CN": "已发送到家里：{value}。",
        "ja": "家に送りました: {value}。",
    },
    "not_understood": {
        "en": "Sorry, I did not understand that.",
        "zh-CN": "抱歉，我没有听懂。",
        "ja": "すみません、わかりませんでした。",
    },
    "no_context": {
        "en": "Sorry, what should I change?",
        "zh-CN": "抱歉，要调整什么呢？",
        "ja": "すみません、何を変えますか？",
    },
    "refused_scope": {
        "en": "Sorry, {who} may not change that from this seat.",
        "zh-CN": "抱歉，{who}在这个座位不能调整这一项。",
        "ja": "すみません、{who}はこの席からそれを変更できません。",
    },
    "refused_moving": {
        "en": "I can't do that while the car is moving: {reason}.",
        "zh-CN": "车辆行驶中无法执行：{reason}。",
        "ja": "走行中はできません: {reason}。",
    },
    "refused_state": {
        "en": "I can't do that now: {reason}.",
        "zh-CN": "现在无法执行：{reason}。",
        "ja": "今はできません: {reason}。",
    },
    "unavailable": {
        "en": "That function is not available right now.",
        "zh-CN": "该功能暂时不可用。",
        "ja": "その機能は今使えません。",
    },
    "invalid": {
        "en": "That value is out of range: {reason}.",
        "zh-CN": "数值超出范围：{reason}。",
        "ja": "値が範囲外です: {reason}。",
    },
    "llm_failed": {
        "en": "Sorry, I could not work that out.",
        "zh-CN": "抱歉，我没能处理这个请求。",
        "ja": "すみません、処理できませんでした。",
    },
    "done": {"en": "Done.", "zh-CN": "好的。", "ja": "完了しました。"},
    "hello": {"en": "Hello {value}.", "zh-CN": "{value}，你好。", "ja": "{value}さん、こんにちは。"},
}

# Reasons the assistant (or the broker's safety rules) gives, per language.
REASONS: dict[str, dict[str, str]] = {
    "door_moving": {
        "en": "doors cannot open while the vehicle moves",
        "zh-CN": "行驶中不能打开车门",
        "ja": "走行中はドアを開けられません",
    },
    "unlock_moving": {
        "en": "doors cannot unlock while the vehicle moves",
        "zh-CN": "行驶中不能解锁车门",
        "ja": "走行中はロックを解除できません",
    },
    "trunk_moving": {
        "en": "the trunk cannot open while the vehicle moves",
        "zh-CN": "行驶中不能打开后备箱",
        "ja": "走行中はトランクを開けられません",
    },
    "seat_moving": {
        "en": "the driver's seat cannot move while driving",
        "zh-CN": "行驶中不能调节主驾座椅",
        "ja": "走行中は運転席を動かせません",
    },
    "no_cable": {
        "en": "no charging cable is connected",
        "zh-CN": "没有连接充电枪",
        "ja": "充電ケーブルが接続されていません",
    },
}

ZONES: dict[str, dict[str, str]] = {
    "driver": {"en": "Driver", "zh-CN": "主驾", "ja": "運転席"},
    "passenger": {"en": "Passenger", "zh-CN": "副驾", "ja": "助手席"},
    "rear-left": {"en": "Rear left", "zh-CN": "左后排", "ja": "後部座席左"},
    "rear-right": {"en": "Rear right", "zh-CN": "右后排", "ja": "後部座席右"},
    "all": {"en": "All seats", "zh-CN": "全车", "ja": "全席"},
    "rear": {"en": "Rear", "zh-CN": "后排", "ja": "後部座席"},
    "front": {"en": "Front", "zh-CN": "前排", "ja": "前席"},
}

DEVICES: dict[str, dict[str, str]] = {
    "ac": {"en": "A/C", "zh-CN": "空调", "ja": "エアコン"},
    "front_defrost": {"en": "Front defrost", "zh-CN": "前挡除雾", "ja": "フロントデフロスター"},
    "rear_defrost": {"en": "Rear defrost", "zh-CN": "后挡除雾", "ja": "リアデフロスター"},
    "recirculation": {"en": "Recirculation", "zh-CN": "内循环", "ja": "内気循環"},
    "dome_light": {"en": "Dome light", "zh-CN": "阅读灯", "ja": "室内灯"},
    "ambient_light": {"en": "Ambient light", "zh-CN": "氛围灯", "ja": "アンビエントライト"},
    "seat_heating": {"en": "Seat heating", "zh-CN": "座椅加热", "ja": "シートヒーター"},
    "seat_ventilation": {"en": "Seat ventilation", "zh-CN": "座椅通风", "ja": "シートベンチレーション"},
    "headlights": {"en": "Headlights", "zh-CN": "大灯", "ja": "ヘッドライト"},
    "high_beam": {"en": "High beam", "zh-CN": "远光灯", "ja": "ハイビーム"},
    "hazard": {"en": "Hazard lights", "zh-CN": "双闪", "ja": "ハザード"},
    "fog_lights": {"en": "Fog lights", "zh-CN": "雾灯", "ja": "フォグランプ"},
}

PLACE_NAMES: dict[str, dict[str, str]] = {
    "home": {"en": "home", "zh-CN": "家", "ja": "自宅"},
    "work": {"en": "work", "zh-CN": "公司", "ja": "職場"},
    "pudong_airport": {"en": "Pudong Airport", "zh-CN": "浦东机场", "ja": "浦東空港"},
    "hongqiao_station": {"en": "Hongqiao Station", "zh-CN": "虹桥站", "ja": "虹橋駅"},
    "the_bund": {"en": "the Bund", "zh-CN": "外滩", "ja": "外灘"},
    "beijing": {"en": "Beijing", "zh-CN": "北京", "ja": "北京"},
    "shanghai": {"en": "Shanghai", "zh-CN": "上海", "ja": "上海"},
    "tokyo_station": {"en": "Tokyo Station", "zh-CN": "东京站", "ja": "東京駅"},
    "shinjuku": {"en": "Shinjuku", "zh-CN": "新宿", "ja": "新宿"},
    "osaka": {"en": "Osaka", "zh-CN": "大阪", "ja": "大阪"},
    "nearest_charger": {"en": "the nearest charger", "zh-CN": "最近的充电站", "ja": "最寄りの充電スタンド"},
}

COLOR_NAMES: dict[str, dict[str, str]] = {
    "#FF0000": {"en": "red", "zh-CN": "红色", "ja": "赤"},
    "#FF8000": {"en": "orange", "zh-CN": "橙色", "ja": "オレンジ"},
    "#FFD700": {"en": "gold", "zh-CN": "金色", "ja": "金色"},
    "#00FF00": {"en": "green", "zh-CN": "绿色", "ja": "緑"},
    "#00FFFF": {"en": "cyan", "zh-CN": "青色", "ja": "シアン"},
    "#0000FF": {"en": "blue", "zh-CN": "蓝色", "ja": "青"},
    "#87CEEB": {"en": "sky blue", "zh-CN": "天蓝色", "ja": "水色"},
    "#8000FF": {"en": "purple", "zh-CN": "紫色", "ja": "紫"},
    "#FF69B4": {"en": "pink", "zh-CN": "粉色", "ja": "ピンク"},
    "#FFFFFF": {"en": "white", "zh-CN": "白色", "ja": "白"},
    "#FFB347": {"en": "warm white", "zh-CN": "暖白色", "ja": "電球色"},
}

_JOINER = {"en": " ", "zh-CN": "", "ja": ""}
_LIST_SEP = {"en": ", ", "zh-CN": "、", "ja": "・"}


def say(key: str, lang: str, **values: object) -> str:
    entry = MESSAGES[key]
    return (entry.get(lang) or entry["en"]).format(**values)


def reason(key: str, lang: str) -> str:
    entry = REASONS[key]
    return entry.get(lang) or entry["en"]


def _name(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    entry = table.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]


def seat_names(seats: Sequence[str], lang: str) -> str:
    chosen = set(seats)
    if chosen == {"driver", "passenger", "rear-left", "rear-right"}:
        return _name(ZONES, "all", lang)
    if chosen == {"rear-left", "rear-right"}:
        return _name(ZONES, "rear", lang)
    if chosen == {"driver", "passenger"}:
        return _name(ZONES, "front", lang)
    return _LIST_SEP.get(lang, ", ").join(_name(ZONES, s, lang) for s in seats)


def device_name(device: str, lang: str) -> str:
    return _name(DEVICES, device, lang)


def place_name(place: str, lang: str) -> str:
    return _name(PLACE_NAMES, place, lang)


def color_name(color: str, lang: str) -> str:
    return _name(COLOR_NAMES, color, lang)


def join(parts: Sequence[str], lang: str) -> str:
    return _JOINER.get(lang, " ").join(p for p in parts if p)


def number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
