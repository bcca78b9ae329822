"""What the home app tells a person, in English, Simplified Chinese and Japanese.

>>> message("home.offline", "ja", backend="mqtt")
'ホーム (mqtt) に接続できません。再接続しています。車の機能には影響しません。'
"""

from __future__ import annotations

from typing import Any

LANGS = ("en", "zh-CN", "ja")

MESSAGES: dict[str, dict[str, str]] = {
    "home.title": {"en": "Home", "zh-CN": "家居", "ja": "ホーム"},
    "home.offline": {
        "en": "Cannot reach the home ({backend}); reconnecting. The car's own functions are not affected.",
        "zh-CN": "无法连接家居（{backend}），正在重新连接。车辆自身功能不受影响。",
        "ja": "ホーム ({backend}) に接続できません。再接続しています。車の機能には影響しません。",
    },
    "home.online": {
        "en": "Connected to the home ({backend}).",
        "zh-CN": "已连接家居（{backend}）。",
        "ja": "ホーム ({backend}) に接続しました。",
    },
    "home.dropped": {
        "en": "Not sent: {command} waited {age:.0f} s while the home was offline, too long to be safe.",
        "zh-CN": "未发送：家居离线期间 {command} 已等待 {age:.0f} 秒，为安全起见已取消。",
        "ja": "送信しませんでした: ホームのオフライン中に {command} が {age:.0f} 秒待機し、安全のため取り消しました。",
    },
    "home.failed": {
        "en": "The home did not do {command}: {reason}",
        "zh-CN": "家居未能执行 {command}：{reason}",
        "ja": "ホームは {command} を実行できませんでした: {reason}",
    },
    "home.car_command_refused": {
        "en": "A request from the home ({command}) was refused: {reason}",
        "zh-CN": "来自家居的请求（{command}）被拒绝：{reason}",
        "ja": "ホームからの要求 ({command}) を拒否しました: {reason}",
    },
    "home.automation": {
        "en": "Automation “{name}”: {why}",
        "zh-CN": "自动化“{name}”：{why}",
        "ja": "オートメーション「{name}」: {why}",
    },
    "home.automations_invalid": {
        "en": "Automations are off: {file} has a problem: {problem}",
        "zh-CN": "自动化已停用：{file} 有问题：{problem}",
        "ja": "オートメーションは停止中です: {file} に問題があります: {problem}",
    },
    "home.token": {
        "en": "Home Assistant refused the access token; create a new long-lived token and update the settings.",
        "zh-CN": "Home Assistant 拒绝了访问令牌；请创建新的长期令牌并更新设置。",
        "ja": "Home Assistant がアクセストークンを拒否しました。新しい長期トークンを作成して設定を更新してください。",
    },
    "cli.entity": {"en": "Entity", "zh-CN": "实体", "ja": "エンティティ"},
    "cli.name": {"en": "Name", "zh-CN": "名称", "ja": "名前"},
    "cli.area": {"en": "Area", "zh-CN": "区域", "ja": "エリア"},
    "cli.state": {"en": "State", "zh-CN": "状态", "ja": "状態"},
    "cli.details": {"en": "Details", "zh-CN": "详情", "ja": "詳細"},
    "cli.offline_note": {
        "en": "The home is offline; states may be old.",
        "zh-CN": "家居离线，状态可能已过时。",
        "ja": "ホームはオフラインです。状態が古い可能性があります。",
    },
    "cli.done": {"en": "{entity}: {state}", "zh-CN": "{entity}：{state}", "ja": "{entity}: {state}"},
    "cli.not_running": {
        "en": "The home app is not running (no service at {socket}). Start the platform with `renkei run`.",
        "zh-CN": "家居应用未运行（{socket} 没有服务）。请先用 `renkei run` 启动平台。",
        "ja": "ホームアプリが動作していません ({socket} にサービスがありません)。`renkei run` で起動してください。",
    },
    "cli.error": {"en": "Error: {reason}", "zh-CN": "错误：{reason}", "ja": "エラー: {reason}"},
    "cli.valid": {
        "en": "{file}: {count} automations, all valid.",
        "zh-CN": "{file}：{count} 个自动化，全部有效。",
        "ja": "{file}: {count} 件のオートメーション、すべて有効です。",
    },
}


# Home Assistant's state words as a person reads them (the programs keep the words themselves).
STATE_WORDS: dict[str, dict[str, str]] = {
    "on": {"zh-CN": "开", "ja": "オン"},
    "off": {"zh-CN": "关", "ja": "オフ"},
    "open": {"zh-CN": "已打开", "ja": "開"},
    "closed": {"zh-CN": "已关闭", "ja": "閉"},
    "opening": {"zh-CN": "正在打开", "ja": "開いています"},
    "closing": {"zh-CN": "正在关闭", "ja": "閉じています"},
    "locked": {"zh-CN": "已上锁", "ja": "施錠"},
    "unlocked": {"zh-CN": "未上锁", "ja": "解錠"},
    "heat": {"zh-CN": "制热", "ja": "暖房"},
    "cool": {"zh-CN": "制冷", "ja": "冷房"},
    "auto": {"zh-CN": "自动", "ja": "自動"},
    "heat_cool": {"zh-CN": "制热/制冷", "ja": "冷暖房"},
    "unavailable": {"zh-CN": "不可用", "ja": "利用不可"},
    "unknown": {"zh-CN": "未知", "ja": "不明"},
}


def state_word(state: str, lang: str) -> str:
    return STATE_WORDS.get(state, {}).get(lang, state)


def message(key: str, lang: str = "en", **values: Any) -> str:
    entry = MESSAGES[key]
    return (entry.get(lang) or entry["en"]).format(**values)


def all_languages(key: str, **values: Any) -> dict[str, str]:
    return {lang: message(key, lang, **values) for lang in LANGS}
