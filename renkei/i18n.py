"""Messages a person reads in the terminal, in English, Simplified Chinese and Japanese.

The language comes from `RENKEI_LANG`, else the locale (`LC_ALL`, `LANG`):
``zh*`` → zh-CN, ``ja*`` → ja, anything else → en.

    >>> text("cli.insecure", lang="ja")
    '警告: 安全でないモードです。トークンなしで誰でも車のすべての信号を読み書きできます。開発専用です。'
"""

from __future__ import annotations

import os

LANGS = ("en", "zh-CN", "ja")

MESSAGES: dict[str, dict[str, str]] = {
    "cli.insecure": {
        "en": "WARNING: insecure mode. Anyone can read and change every signal of the car without a token. Development only.",
        "zh-CN": "警告：不安全模式。任何人无需令牌即可读取和修改车辆的所有信号。仅供开发使用。",
        "ja": "警告: 安全でないモードです。トークンなしで誰でも車のすべての信号を読み書きできます。開発専用です。",
    },
    "cli.started": {
        "en": "renkei is running. Stop with Ctrl+C.",
        "zh-CN": "renkei 正在运行。按 Ctrl+C 停止。",
        "ja": "renkei が動作中です。Ctrl+C で停止します。",
    },
    "cli.cockpit": {"en": "Cockpit", "zh-CN": "驾驶舱", "ja": "コックピット"},
    "cli.grpc": {
        "en": "gRPC broker (kuksa.val v1/v2, sdv.databroker.v1)",
        "zh-CN": "gRPC 数据代理",
        "ja": "gRPC ブローカー",
    },
    "cli.token_file": {"en": "CLI token", "zh-CN": "命令行令牌", "ja": "CLI トークン"},
    "cli.watch_hint": {
        "en": "Watch it live: renkei watch Vehicle.Speed",
        "zh-CN": "实时查看：renkei watch Vehicle.Speed",
        "ja": "ライブ表示: renkei watch Vehicle.Speed",
    },
    "cli.stopping": {"en": "Stopping renkei ...", "zh-CN": "正在停止 renkei ...", "ja": "renkei を停止しています ..."},
    "cli.not_running": {
        "en": "Cannot reach renkei at {address}: {reason}. Start it with `make run` (or `renkei run`) first.",
        "zh-CN": "无法连接 {address} 上的 renkei：{reason}。请先用 `make run`（或 `renkei run`）启动。",
        "ja": "{address} の renkei に接続できません: {reason}。先に `make run`（または `renkei run`）で起動してください。",
    },
    "cli.component_failed": {
        "en": "{name} stopped with an error: {error}. Restarting in {delay:.0f} s.",
        "zh-CN": "{name} 出错停止：{error}。{delay:.0f} 秒后重启。",
        "ja": "{name} がエラーで停止しました: {error}。{delay:.0f} 秒後に再起動します。",
    },
    "cli.component_missing": {
        "en": "{name} is not available in this build ({error}); the rest of the platform runs without it.",
        "zh-CN": "此版本中没有 {name}（{error}）；平台的其余部分照常运行。",
        "ja": "このビルドには {name} がありません（{error}）。他の機能はそのまま動作します。",
    },
}


def current_lang() -> str:
    raw = os.environ.get("RENKEI_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or "en"
    low = raw.lower()
    if low.startswith("zh"):
        return "zh-CN"
    if low.startswith("ja"):
        return "ja"
    return "en"


def text(key: str, *, lang: str | None = None, **values: object) -> str:
    entry = MESSAGES[key]
    template = entry.get(lang or current_lang()) or entry["en"]
    return template.format(**values)
