"""LLM fallback: what the templates do not cover goes to an OpenAI-compatible chat endpoint.

Flow: the utterance, the seat and the language → chat-completions request offering the
car's functions as tools, listing only the signals the speaker may change → every tool
call the model returns is checked here against the speaker's scopes and the offered
list (the model is never trusted to respect them) → allowed calls go through the client
like any other command → the tool results go back for a short spoken reply.

    fallback = LlmFallback(LlmSettings(base_url="http://127.0.0.1:8080/v1", model="qwen2.5"))
    result = await run_llm(assistant, fallback, "I'm carsick", "en", "passenger", None, principal, result)

Works with DeepSeek's API, a local llama.cpp server, or anything speaking the protocol.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from renkei.apps.assistant import replies
from renkei.apps.assistant.actions import Plan
from renkei.apps.assistant.settings import LlmSettings
from renkei.apps.assistant.understanding import HOME_INTENTS, HomeCommand
from renkei.client import BrokerError, Principal
from renkei.vss import EntryType, Signal, Value

if TYPE_CHECKING:
    from renkei.apps.assistant.assistant import AskResult, Assistant

log = logging.getLogger(__name__)

# The car functions offered to a model: the branches a cabin assistant is for.
OFFERED_BRANCHES = (
    "Vehicle.Cabin.HVAC",
    "Vehicle.Cabin.Seat",
    "Vehicle.Cabin.Door",
    "Vehicle.Cabin.Light",
    "Vehicle.Cabin.Sunroof",
    "Vehicle.Cabin.Infotainment.Media",
    "Vehicle.Cabin.Infotainment.Navigation",
    "Vehicle.Body.Lights",
    "Vehicle.Body.Trunk",
    "Vehicle.Body.Windshield",
    "Vehicle.Powertrain.TractionBattery.Charging",
)
READABLE_BRANCHES = (*OFFERED_BRANCHES, "Vehicle.Speed", "Vehicle.Exterior", "Vehicle.Powertrain.TractionBattery")
MAX_OFFERED = 400
MAX_ROUNDS = 3
MAX_REPLY_CHARS = 600
LANG_NAMES = {"en": "English", "zh-CN": "Simplified Chinese", "ja": "Japanese"}


class LlmError(RuntimeError):
    """The endpoint failed or answered something that is not a chat completion."""


class LlmFallback:
    def __init__(self, settings: LlmSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._transport = transport

    async def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key is not None:
            headers["Authorization"] = f"Bearer {self.settings.api_key.get_secret_value()}"
        body = {"model": self.settings.model, "messages": messages, "tools": tools, "temperature": 0}
        try:
            async with httpx.AsyncClient(timeout=self.settings.timeout, transport=self._transport) as http:
                response = await http.post(f"{self.settings.base_url}/chat/completions", json=body, headers=headers)
        except httpx.HTTPError as err:
            raise LlmError(f"cannot reach the LLM endpoint: {type(err).__name__}") from None
        if response.status_code != 200:
            raise LlmError(f"the LLM endpoint answered HTTP {response.status_code}")
        try:
            data = response.json()
            message = data["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LlmError("the LLM endpoint did not answer with a chat completion") from None
        if not isinstance(message, dict):
            raise LlmError("the LLM endpoint answered a message that is not an object")
        return message


def offered_paths(signals: Sequence[Signal], principal: Principal) -> list[str]:
    """Actuators under the cabin branches that this speaker may change, and nothing else."""
    paths = [
        s.path
        for s in signals
        if s.entry_type is EntryType.ACTUATOR and s.path.startswith(OFFERED_BRANCHES) and principal.may_actuate(s.path)
    ]
    return sorted(paths)[:MAX_OFFERED]


def tool_specs(paths: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": "set_signal",
                "description": "Change one car function, addressed by its COVESA VSS path.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string", "enum": list(paths)},
                        "value": {"description": "The new value (number, boolean or text, as the signal needs)."},
                    },
                    "required": ["path", "value"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_signal",
                "description": "Read the current value of a car signal by its VSS path.",
                "parameters": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}},
                    "required": ["path"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "home_command",
                "description": "Ask the user's home to do something (Home Assistant intent and slots).",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "intent": {"type": "string", "enum": sorted(HOME_INTENTS)},
                        "slots": {"type": "object"},
                    },
                    "required": ["intent"],
                },
            },
        },
    ]


def system_prompt(lang: str, seat: str, speaker: str | None) -> str:
    who = f"{speaker}, sitting in the {seat} seat" if speaker else f"the person in the {seat} seat"
    return (
        "You are the voice assistant of a car. You are talking with "
        f"{who}. Use the tools to act; 'my' means their seat. Only the listed signals can be "
        "changed for this person; do not try others. Answer in one short sentence in "
        f"{LANG_NAMES.get(lang, 'English')}."
    )


async def run_llm(
    assistant: Assistant,
    fallback: LlmFallback,
    text: str,
    lang: str,
    seat: str,
    speaker: str | None,
    principal: Principal,
    result: AskResult,
) -> AskResult:
    try:
        signals = await assistant.client.metadata("Vehicle")
    except BrokerError:
        signals = []
    offered = offered_paths(signals, principal)
    offered_set = set(offered)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt(lang, seat, speaker)},
        {"role": "user", "content": text},
    ]
    tools = tool_specs(offered)
    calls_done = 0
    result.source = "llm"
    try:
        for _ in range(MAX_ROUNDS):
            message = await fallback.chat(messages, tools)
            calls = message.get("tool_calls") or []
            if not isinstance(calls, list) or not calls:
                content = message.get("content")
                result.text = _clip(content) if isinstance(content, str) and content.strip() else ""
                break
            messages.append({"role": "assistant", "content": message.get("content") or "", "tool_calls": calls})
            for call in calls:
                calls_done += 1
                if calls_done > fallback.settings.max_tool_calls:
                    outcome = "refused: too many actions in one request"
                    result.refusals.append(outcome)
                else:
                    outcome = await _tool(assistant, call, principal, offered_set, lang, seat, result)
                call_id = call.get("id", "") if isinstance(call, dict) else ""
                messages.append({"role": "tool", "tool_call_id": str(call_id), "content": outcome})
    except LlmError as err:
        log.warning("assistant: LLM fallback failed: %s", err)
        result.refusals.append(str(err))
        result.text = replies.say("llm_failed", lang)
        return result
    result.understood = bool(result.changes or result.home_commands or result.text)
    if not result.text:
        if result.refusals:
            result.text = result.refusals[-1]
        elif result.changes or result.home_commands:
            result.text = replies.say("done", lang)
        else:
            result.text = replies.say("not_understood", lang)
    elif result.refusals and not result.changes:
        # A model may claim success; what happened is what the scopes allowed.
        result.text = result.refusals[-1]
    return result


async def _tool(
    assistant: Assistant,
    call: Any,
    principal: Principal,
    offered: set[str],
    lang: str,
    seat: str,
    result: AskResult,
) -> str:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return "error: malformed tool call"
    name = function.get("name")
    raw_args = function.get("arguments") or "{}"
    try:
        args = json.loads(raw_args) if isinstance(raw_args, str) else raw_args
    except ValueError:
        return "error: arguments are not JSON"
    if not isinstance(args, dict):
        return "error: arguments must be an object"
    if name == "set_signal":
        path, value = args.get("path"), args.get("value")
        if not isinstance(path, str) or path not in offered or not principal.may_actuate(path):
            refusal = replies.say("refused_scope", lang, who=replies.ZONES.get(seat, {}).get(lang, seat))
            result.refusals.append(refusal)
            log.info("assistant: LLM asked for %r outside the speaker's scopes", path)
            return f"refused: {path!r} may not be changed by this person"
        if not isinstance(value, bool | int | float | str):
            return "error: value must be a number, a boolean or text"
        before = len(result.refusals)
        text = await assistant.execute(Plan(changes={path: _value(value)}, reply="ok"), principal, lang, result)
        return "done" if len(result.refusals) == before else f"refused: {text}"
    if name == "get_signal":
        path = args.get("path")
        if not isinstance(path, str) or not path.startswith(READABLE_BRANCHES) or not principal.may_read(path):
            return "refused: not readable for this person"
        try:
            got = await assistant.client.get([path])
        except BrokerError as err:
            return f"error: {err.message}"
        point = got.get(path)
        return json.dumps(None if point is None else point.value)
    if name == "home_command":
        intent = args.get("intent")
        slots = args.get("slots") or {}
        if intent not in HOME_INTENTS or not isinstance(slots, dict):
            return "error: unknown home intent"
        plain = {str(k)[:40]: v for k, v in slots.items() if isinstance(v, str | int | float | bool)}
        result.home_commands.append(HomeCommand(str(intent), plain, "", lang))
        return "sent to the home"
    return f"error: unknown tool {str(name)[:40]!r}"


def _value(value: bool | int | float | str) -> Value:
    return value


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REPLY_CHARS else text[: MAX_REPLY_CHARS - 1] + "…"
