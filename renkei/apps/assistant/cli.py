"""`renkei ask "TEXT"`: one utterance through the assistant, printing the reply and every change.

Flow: the options are checked here (seat, language, speaker, size) → when a platform runs
(`renkei.runtime.running_platform`: `run.json` in the data directory names the gRPC address,
the CLI token file the credential) the CLI subscribes to `HMI.AssistantReply`, actuates
`HMI.AssistantRequest` with a fresh id, and waits for the reply carrying that id (the
subscription, and a read every few hundred milliseconds in case the reply beat the
subscription) → the reply's `changes` (signals) and `home` (home-device requests, carried
out by the home app) are printed. With no platform running, or with `--local`, the same
utterance runs against a car in this process (`local.py`) and a note says so.

    renkei ask "set the temperature to 22 and open my window" --seat passenger
    renkei ask "把空调调到二十二度" --lang zh-CN
    renkei ask "助手席の窓を半分開けて" --lang ja --json
    renkei ask "open my window" --local            # never touches the running car

    reply = await ask_running(client, "open my window", lang="en", seat="driver", speaker=None)
    reply["text"], reply["changes"], reply["home"]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from renkei.apps.assistant.assistant import AskResult, Assistant, AssistantInputError, check_seat, check_speaker
from renkei.apps.assistant.local import local_car
from renkei.apps.assistant.service import MAX_REQUEST_BYTES, REPLY, REQUEST
from renkei.apps.assistant.settings import SEATS, AssistantSettings
from renkei.apps.assistant.understanding import UnderstandingError, normalize_lang
from renkei.client import BrokerError, ErrorCode, VehicleClient

REPLY_TIMEOUT = 15.0  # seconds; the LLM fallback alone may take its 10 s default
POLL_SECONDS = 0.3
MAX_REPLY_BYTES = 256 * 1024

HEADINGS = {
    "en": ("signal", "value", "home", "scene"),
    "zh-CN": ("信号", "值", "家居", "场景"),
    "ja": ("信号", "値", "ホーム", "シーン"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "local": {
        "en": "No renkei platform answers at {address}; asking a car in this process instead (no real car changes).",
        "zh-CN": "{address} 上没有运行中的 renkei 平台；改为询问本进程内的模拟车辆（真实车辆不会改变）。",
        "ja": "{address} で renkei プラットフォームが応答しません。"
        "このプロセス内の車で代わりに実行します（実車は変わりません）。",
    },
    "forced_local": {
        "en": "--local: asking a car in this process (no real car changes).",
        "zh-CN": "--local：询问本进程内的模拟车辆（真实车辆不会改变）。",
        "ja": "--local: このプロセス内の車で実行します（実車は変わりません）。",
    },
    "timeout": {
        "en": "The assistant did not answer within {seconds:g} s (request {id}). Is the assistant app running? "
        "See `renkei get Vehicle.Cabin.Infotainment.HMI.AssistantReply`.",
        "zh-CN": "助手在 {seconds:g} 秒内没有回答（请求 {id}）。助手应用在运行吗？"
        "可用 `renkei get Vehicle.Cabin.Infotainment.HMI.AssistantReply` 查看。",
        "ja": "アシスタントが {seconds:g} 秒以内に応答しませんでした（リクエスト {id}）。"
        "アシスタントアプリは動作していますか？"
        "`renkei get Vehicle.Cabin.Infotainment.HMI.AssistantReply` で確認できます。",
    },
    "unreadable": {
        "en": " {count} unreadable replies were ignored.",
        "zh-CN": " 已忽略 {count} 条无法读取的回复。",
        "ja": " 読み取れない応答 {count} 件を無視しました。",
    },
    "no_assistant": {
        "en": "The platform at {address} runs, but no assistant serves AssistantRequest ({reason}).",
        "zh-CN": "{address} 上的平台在运行，但没有助手提供 AssistantRequest（{reason}）。",
        "ja": "{address} のプラットフォームは動作していますが、"
        "AssistantRequest を受けるアシスタントがいません（{reason}）。",
    },
    "refused": {
        "en": "The platform refused the request: {reason} [{code}]",
        "zh-CN": "平台拒绝了请求：{reason} [{code}]",
        "ja": "プラットフォームが要求を拒否しました: {reason} [{code}]",
    },
    "token": {
        "en": "The platform at {address} does not accept this CLI's token: {reason}. "
        "Use the token file `renkei run` wrote, or mint one with `renkei token issue`.",
        "zh-CN": "{address} 上的平台不接受此命令行的令牌：{reason}。请使用 `renkei run` 写出的令牌文件，"
        "或用 `renkei token issue` 生成。",
        "ja": "{address} のプラットフォームはこの CLI のトークンを受け付けません: {reason}。"
        "`renkei run` が書き出したトークンファイルを使うか、`renkei token issue` で発行してください。",
    },
    "malformed": {
        "en": "The assistant's reply to {id} is malformed: {reason}",
        "zh-CN": "助手对 {id} 的回复格式不正确：{reason}",
        "ja": "{id} へのアシスタントの応答の形式が正しくありません: {reason}",
    },
    "assistant_error": {
        "en": "The assistant could not serve the request: {reason}",
        "zh-CN": "助手无法处理该请求：{reason}",
        "ja": "アシスタントはこの要求を処理できませんでした: {reason}",
    },
    "too_long": {
        "en": "The text is too long for one request ({size} bytes; at most {limit}).",
        "zh-CN": "文本太长，无法作为一次请求（{size} 字节；最多 {limit}）。",
        "ja": "1 回の要求には長すぎます（{size} バイト、上限 {limit}）。",
    },
    "empty": {
        "en": "Say something: the text is empty.",
        "zh-CN": "请说点什么：文本为空。",
        "ja": "何か話してください: テキストが空です。",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    entry = MESSAGES[key]
    return (entry.get(lang) or entry["en"]).format(**values)


class AskError(Exception):
    """`renkei ask` cannot give an answer; the message (in the asker's language) says why."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ReplyError(ValueError):
    """An AssistantReply that cannot be read as the assistant's answer; names the field."""


# -- the request --------------------------------------------------------------------------------
def build_request(text: str, *, lang: str, seat: str, speaker: str | None, request_id: str) -> str:
    """The AssistantRequest JSON, after the checks the assistant would make (AssistantInputError)."""
    seat = check_seat(seat)
    speaker = check_speaker(speaker)
    try:
        lang = normalize_lang(lang)
    except UnderstandingError as err:
        raise AssistantInputError(str(err)) from None
    if not text.strip():
        raise AssistantInputError(say("empty", lang))
    body = json.dumps(
        {"id": request_id, "text": text, "lang": lang, "seat": seat, "speaker": speaker}, ensure_ascii=False
    )
    size = len(body.encode("utf-8", "replace"))
    if size > MAX_REQUEST_BYTES:
        raise AssistantInputError(say("too_long", lang, size=size, limit=MAX_REQUEST_BYTES))
    return body


def fresh_id() -> str:
    return f"cli-{uuid.uuid4().hex[:16]}"


# -- the reply -----------------------------------------------------------------------------------
UNREADABLE = object()


def reply_id(raw: object) -> object:
    """The id an AssistantReply carries (None: a reply to nobody), or UNREADABLE."""
    if not isinstance(raw, str) or len(raw) > MAX_REPLY_BYTES:
        return UNREADABLE
    try:
        data = json.loads(raw)
    except ValueError:
        return UNREADABLE
    return data.get("id") if isinstance(data, dict) else UNREADABLE


def check_reply(raw: str, request_id: str) -> dict[str, Any]:
    """The reply to `request_id`, every field checked (ReplyError names the first bad one)."""
    if len(raw) > MAX_REPLY_BYTES:
        raise ReplyError(f"it exceeds {MAX_REPLY_BYTES} bytes")
    try:
        data = json.loads(raw)
    except ValueError as err:
        raise ReplyError(f"it is not JSON ({err})") from None
    if not isinstance(data, dict):
        raise ReplyError("it is not a JSON object")
    if data.get("id") != request_id:
        raise ReplyError(f"id {str(data.get('id'))[:40]!r} is not {request_id!r}")
    if "error" in data:
        if not isinstance(data["error"], str):
            raise ReplyError('"error" must be text')
        return {"id": request_id, "error": data["error"]}
    if not isinstance(data.get("text"), str):
        raise ReplyError('"text" must be text')
    for name in ("lang", "seat"):
        if name in data and not isinstance(data[name], str):
            raise ReplyError(f'"{name}" must be text')
    if data.get("speaker") is not None and not isinstance(data["speaker"], str):
        raise ReplyError('"speaker" must be text or null')
    changes = data.get("changes", [])
    if not isinstance(changes, list):
        raise ReplyError('"changes" must be a list')
    for i, change in enumerate(changes):
        if not isinstance(change, dict) or not isinstance(change.get("path"), str) or "value" not in change:
            raise ReplyError(f'changes[{i}] must be {{"path": text, "value": ...}}')
    home = data.get("home", [])
    if not isinstance(home, list):
        raise ReplyError('"home" must be a list')
    for i, item in enumerate(home):
        if not isinstance(item, dict) or not isinstance(item.get("intent"), str):
            raise ReplyError(f'home[{i}] must be {{"intent": text, "slots": {{...}}}}')
        if not isinstance(item.get("slots", {}), dict):
            raise ReplyError(f"home[{i}].slots must be an object")
    if data.get("scene") is not None and not isinstance(data["scene"], str):
        raise ReplyError('"scene" must be text or null')
    scene_home = data.get("scene_home", [])
    if not isinstance(scene_home, list) or not all(isinstance(e, str) for e in scene_home):
        raise ReplyError('"scene_home" must be a list of device ids')
    refusals = data.get("refusals", [])
    if not isinstance(refusals, list) or not all(isinstance(r, str) for r in refusals):
        raise ReplyError('"refusals" must be a list of text')
    return data


async def ask_running(
    client: VehicleClient,
    text: str,
    *,
    lang: str = "en",
    seat: str = "driver",
    speaker: str | None = None,
    wait: float = REPLY_TIMEOUT,
    request_id: str | None = None,
) -> dict[str, Any]:
    """One utterance through the platform's assistant; its checked reply (see `check_reply`).

    Raises AssistantInputError for bad options, BrokerError when the platform refuses the
    request, ReplyError when the matching reply is malformed, TimeoutError when none comes.
    """
    request_id = request_id or fresh_id()
    body = build_request(text, lang=lang, seat=seat, speaker=speaker, request_id=request_id)
    seen: asyncio.Queue[object] = asyncio.Queue()
    opened = asyncio.Event()
    unreadable: set[str] = set()

    async def follow() -> None:
        with contextlib.suppress(BrokerError):
            async with client.subscribe([REPLY], queue_size=32) as replies:
                async for batch in replies:
                    opened.set()
                    point = batch.get(REPLY)
                    if point is not None:
                        seen.put_nowait(point.value)

    follower = asyncio.create_task(follow())
    try:
        # The first batch (the last reply) says the subscription is open; a platform that never
        # answered yet sends none, and the reads below cover a reply that beats the subscription.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(opened.wait(), 0.5)
        await client.actuate({REQUEST: body})
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(seen.get(), min(POLL_SECONDS, left))
            except TimeoutError:
                # the reply may have come before the subscription opened: read the latest one
                point = (await client.get([REPLY])).get(REPLY)
                raw = None if point is None else point.value
            rid = reply_id(raw)
            if rid is UNREADABLE and raw not in (None, ""):
                unreadable.add(str(raw)[:200])
            if rid == request_id and isinstance(raw, str):
                return check_reply(raw, request_id)
        raise TimeoutError(request_id, len(unreadable))
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError, BrokerError):
            await follower


async def ask_local(
    text: str, *, lang: str, seat: str, speaker: str | None, settings: AssistantSettings | None = None
) -> AskResult:
    async with local_car() as car:
        assistant = Assistant(car.client, settings or AssistantSettings())
        return await assistant.handle_text(text, lang=lang, seat=seat, speaker=speaker)


async def ask_platform(
    text: str, *, lang: str, seat: str, speaker: str | None, wait: float, local: bool, note: Console
) -> dict[str, Any]:
    """Against the running platform when one answers, else (or with `local`) a car in this process."""
    says = _lang_or_terminal(lang)
    if local:
        note.print(Text(say("forced_local", says), style="yellow"))
        return (await ask_local(text, lang=lang, seat=seat, speaker=speaker)).as_dict()
    build_request(text, lang=lang, seat=seat, speaker=speaker, request_id="check")  # bad options fail first
    from renkei.client.grpc import GrpcClient
    from renkei.runtime import running_platform
    from renkei.settings import SettingsError, load_settings

    try:
        address, token = running_platform(load_settings())
    except SettingsError as err:
        raise AskError(str(err)) from None
    client = GrpcClient(address, token=token, name="renkei-ask")
    try:
        await client.connect()
    except BrokerError as err:
        if err.code is ErrorCode.UNAVAILABLE:
            note.print(Text(say("local", says, address=address), style="yellow"))
            return (await ask_local(text, lang=lang, seat=seat, speaker=speaker)).as_dict()
        raise AskError(_explain(err, says, address)) from None
    request_id = fresh_id()
    try:
        return await ask_running(client, text, lang=lang, seat=seat, speaker=speaker, wait=wait, request_id=request_id)
    except BrokerError as err:
        raise AskError(_explain(err, says, address)) from None
    except ReplyError as err:
        raise AskError(say("malformed", says, id=request_id, reason=err)) from None
    except TimeoutError as err:
        unreadable = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], int) else 0
        extra = say("unreadable", says, count=unreadable) if unreadable else ""
        raise AskError(say("timeout", says, seconds=wait, id=request_id) + extra) from None
    finally:
        await client.close()


def _explain(err: BrokerError, lang: str, address: str) -> str:
    if err.code is ErrorCode.UNAUTHENTICATED:
        return say("token", lang, address=address, reason=err.message)
    if err.code is ErrorCode.UNAVAILABLE:
        return say("no_assistant", lang, address=address, reason=err.message)
    return say("refused", lang, reason=err.message, code=err.code.value)


def _lang_or_terminal(lang: str) -> str:
    try:
        return normalize_lang(lang)
    except UnderstandingError:
        from renkei.i18n import current_lang

        return current_lang()


def ask_command(
    text: Annotated[str, typer.Argument(help="What the person says or types.")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="en, zh-CN or ja.")] = "en",
    seat: Annotated[str, typer.Option("--seat", "-s", help=f"Where the voice comes from: {', '.join(SEATS)}.")] = (
        "driver"
    ),
    speaker: Annotated[str | None, typer.Option("--speaker", help="Who is speaking (a profile name).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    local: Annotated[
        bool, typer.Option("--local", help="Ask a car in this process even when a platform is running.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the running assistant's reply.")
    ] = REPLY_TIMEOUT,
) -> None:
    """Run one utterance through the voice assistant and show the reply and every change it caused.

    Talks to the running platform (`renkei run`) when there is one; otherwise, or with --local,
    to a car in this process.
    """
    console = Console()
    notes = Console(stderr=True)
    if not (0 < timeout <= 600):
        notes.print(Text(f"--timeout must be between 0 and 600 s, not {timeout}", style="red"))
        raise typer.Exit(2)
    try:
        reply = asyncio.run(
            ask_platform(text, lang=lang, seat=seat, speaker=speaker, wait=timeout, local=local, note=notes)
        )
    except AssistantInputError as err:
        notes.print(Text(str(err), style="red"))  # the message quotes user input: never markup
        raise typer.Exit(2) from None
    except AskError as err:
        notes.print(Text(str(err), style="red"))
        raise typer.Exit(err.exit_code) from None
    if as_json:
        typer.echo(json.dumps(reply, ensure_ascii=False, indent=2))
    else:
        print_reply(console, reply)
    if "error" in reply:
        says = _lang_or_terminal(lang)
        if not as_json:
            notes.print(Text(say("assistant_error", says, reason=reply["error"]), style="red"))
        raise typer.Exit(1)


def print_reply(console: Console, reply: dict[str, Any]) -> None:
    """The reply, then a table of every signal it changed and each request for the home."""
    if "error" in reply:
        return
    console.print(Text(str(reply.get("text", "")), style="bold"))  # replies may quote the user or a model
    heads = HEADINGS.get(str(reply.get("lang")), HEADINGS["en"])
    changes = reply.get("changes") or []
    if changes:
        table = Table(show_header=True)
        table.add_column(heads[0])
        table.add_column(heads[1])
        for change in changes:
            table.add_row(Text(str(change["path"])), Text(_show(change["value"])))
        console.print(table)
    for home in reply.get("home") or []:
        slots = json.dumps(home.get("slots", {}), ensure_ascii=False)
        console.print(Text(f"{heads[2]}: {home['intent']} {slots}"))
    if reply.get("scene"):
        devices = ", ".join(reply.get("scene_home") or [])
        console.print(Text(f"{heads[3]}: {reply['scene']}" + (f" ({heads[2]}: {devices})" if devices else "")))


def print_result(console: Console, result: AskResult) -> None:
    print_reply(console, result.as_dict())


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def main() -> None:  # pragma: no cover - `python -m renkei.apps.assistant.cli "..."`
    typer.run(ask_command)


if __name__ == "__main__":  # pragma: no cover
    main()
