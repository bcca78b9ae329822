"""The assistant's core: one utterance (text, language, seat, speaker) → actions and a reply.

Flow: `Understander.parse` → for each command `Planner.plan` → scope check against
the speaker's (or seat's) rights, not the model's or the template's word → one
all-or-nothing `client.actuate` per command → the reply in the speaker's language.
What the templates do not cover goes to the LLM fallback when one is configured.

    assistant = Assistant(client, AssistantSettings())
    result = await assistant.handle_text("打开我的座椅加热", lang="zh-CN", seat="passenger")
    result.text, result.changes   # '副驾座椅加热已打开。', [SignalChange('...Row1.PassengerSide.HeatingCooling', 67)]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from renkei.apps.assistant import replies
from renkei.apps.assistant.actions import Conversation, Plan, Planner
from renkei.apps.assistant.settings import SEATS, AssistantSettings
from renkei.apps.assistant.understanding import (
    HomeCommand,
    HomeDevice,
    Understander,
    UnderstandingError,
    normalize_lang,
)
from renkei.client import BrokerError, ErrorCode, Principal, VehicleClient
from renkei.vss import Value

log = logging.getLogger(__name__)

# The scene owner's (the profiles app's) request signal; see `SceneOffer`.
SCENE_REQUEST = "Vehicle.Cabin.Infotainment.HMI.SceneRequest"
MAX_SCENE_TEXT = 200  # scene phrases are at most 200 characters
SCENE_TEXT: dict[str, dict[str, str]] = {
    "done": {"en": "Scene {scene}: done.", "zh-CN": "场景“{scene}”已执行。", "ja": "シーン「{scene}」を実行しました。"},
    "partly": {"en": "Not done: {items}.", "zh-CN": "未完成：{items}。", "ja": "できなかったこと: {items}。"},
    "place": {
        "en": "I don't know where {place} is for you yet: add it to your profile's favourite places.",
        "zh-CN": "我还不知道您的“{place}”在哪里：请在档案的常用地点中添加。",
        "ja": "あなたの「{place}」の場所がまだ分かりません。プロフィールのお気に入りの場所に追加してください。",
    },
}


class SceneOffer:
    """Where the assistant and custom scenes meet: on the broker, never by import.

    The rule: a configured scene phrase wins. Every utterance (up to 200 characters) is first
    offered to the scene owner by actuating `HMI.SceneRequest` with ``{"id", "text", "lang",
    "seat", "speaker", "scope"}`` (``scope``: the speaker's rights, so a scene never does more
    than the person may). The owner (the profiles app) runs the scene — including its
    navigation, to the person's own favourite place — and publishes the outcome as the
    signal's value; the assistant then answers from that outcome and does not act on the text
    itself, so "I'm going home" never both runs the scene and navigates to the assistant's
    default "home". NOT_FOUND with rule "no-scene" means "not a scene phrase"; no owner (the
    app is not running), or a catalog without the signal, means the assistant's grammar alone.

        outcome = await SceneOffer(client).offer("我要回家", "zh-CN", "driver", "mei", principal)
        outcome["scene"], outcome["applied"], outcome["failed"], outcome["missing_places"]
    """

    def __init__(self, client: VehicleClient) -> None:
        self.client = client
        self.absent = False  # the catalog has no SceneRequest: stop asking

    async def offer(
        self, text: str, lang: str, seat: str, speaker: str | None, principal: Principal
    ) -> dict[str, Any] | None:
        if self.absent or not text.strip() or len(text) > MAX_SCENE_TEXT:
            return None
        request_id = uuid.uuid4().hex[:12]
        body = {"id": request_id, "text": text, "lang": lang, "seat": seat, "speaker": speaker}
        body["scope"] = principal.scope_string
        try:
            await self.client.actuate({SCENE_REQUEST: json.dumps(body, ensure_ascii=False)})
            point = (await self.client.get([SCENE_REQUEST])).get(SCENE_REQUEST)
        except BrokerError as err:
            if err.code is ErrorCode.NOT_FOUND and err.rule != "no-scene" and "no scene" not in err.message:
                self.absent = True
            elif err.code not in (ErrorCode.NOT_FOUND, ErrorCode.UNAVAILABLE):
                log.info("assistant: the scene owner refused %r: %s", text[:40], err)
            return None
        try:
            outcome = json.loads(point.value) if point is not None and isinstance(point.value, str) else None
        except ValueError:
            outcome = None
        if not isinstance(outcome, dict) or outcome.get("id") != request_id:
            log.warning("assistant: the scene owner ran a scene but its outcome is unreadable")
            return {"id": request_id, "scene": "?", "applied": {}, "failed": {}, "home": [], "missing_places": []}
        return outcome


def scene_reply(outcome: dict[str, Any], lang: str, result: AskResult) -> AskResult:
    """What the assistant says after a scene ran, and the changes it reports."""
    applied = outcome.get("applied") if isinstance(outcome.get("applied"), dict) else {}
    failed = outcome.get("failed") if isinstance(outcome.get("failed"), dict) else {}
    missing = [p for p in outcome.get("missing_places") or [] if isinstance(p, str)]
    home = [h for h in outcome.get("home") or [] if isinstance(h, str)]
    result.understood = True
    result.source = "scene"
    result.scene = str(outcome.get("scene", "?"))
    result.commands.append(f"scene:{result.scene}")
    result.changes.extend(SignalChange(str(p), v) for p, v in (applied or {}).items())
    result.scene_home = home
    words = SCENE_TEXT["done"]
    parts = [(words.get(lang) or words["en"]).format(scene=result.scene)] if applied or home else []
    for place in missing:
        text = (SCENE_TEXT["place"].get(lang) or SCENE_TEXT["place"]["en"]).format(
            place=replies.place_name(place, lang)
        )
        parts.append(text)
        result.refusals.append(text)
    rest = [str(k) for k in (failed or {}) if not str(k).startswith("navigate:")]
    if rest:
        text = (SCENE_TEXT["partly"].get(lang) or SCENE_TEXT["partly"]["en"]).format(items=", ".join(rest[:5]))
        parts.append(text)
        result.refusals.append(text)
    result.text = replies.join(parts, lang) or (words.get(lang) or words["en"]).format(scene=result.scene)
    return result


class AssistantInputError(ValueError):
    """A request the assistant refuses to look at (bad seat, language, text); the message names it."""


@dataclass(frozen=True)
class SignalChange:
    path: str
    value: Value


@dataclass
class AskResult:
    """The answer to one utterance: what was said back and everything it changed."""

    text: str
    lang: str
    seat: str
    speaker: str | None = None
    changes: list[SignalChange] = field(default_factory=list)
    home_commands: list[HomeCommand] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    understood: bool = False
    source: str = "none"  # templates | llm | none
    commands: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    scene: str | None = None  # the scene phrase this was, when a scene ran instead
    scene_home: list[str] = field(default_factory=list)  # home devices the scene commanded

    def as_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"scene": self.scene, "scene_home": self.scene_home} if self.scene else {}
        return extra | {
            "text": self.text,
            "lang": self.lang,
            "seat": self.seat,
            "speaker": self.speaker,
            "changes": [{"path": c.path, "value": c.value} for c in self.changes],
            "home": [h.as_dict() for h in self.home_commands],
            "refusals": list(self.refusals),
            "understood": self.understood,
            "source": self.source,
        }


def check_seat(seat: str) -> str:
    if not isinstance(seat, str) or seat not in SEATS:
        raise AssistantInputError(f"seat {str(seat)[:30]!r} is not known (use one of {', '.join(SEATS)})")
    return seat


def check_speaker(speaker: str | None) -> str | None:
    if speaker is None or speaker == "":
        return None
    if not isinstance(speaker, str) or len(speaker) > 64 or not speaker.isprintable():
        raise AssistantInputError("speaker must be a printable name of at most 64 characters")
    return speaker


class Assistant:
    """Keeps templates compiled and the conversation per seat; serve many utterances with one."""

    def __init__(
        self,
        client: VehicleClient,
        settings: AssistantSettings | None = None,
        *,
        understander: Understander | None = None,
    ) -> None:
        self.client = client
        self.settings = settings or AssistantSettings()
        if understander is None:
            devices = None
            if self.settings.home_devices is not None:
                devices = [HomeDevice(d.name, d.domain, d.area, d.entity_id) for d in self.settings.home_devices]
            understander = Understander(devices) if devices is not None else Understander()
        self.understander = understander
        self.planner = Planner(client, self.settings)
        self.conversations: dict[str, Conversation] = {}
        self.scenes = SceneOffer(client) if self.settings.scenes else None
        self._lock = asyncio.Lock()
        self._llm: Any = None
        if self.settings.llm is not None:
            from renkei.apps.assistant.llm import LlmFallback

            self._llm = LlmFallback(self.settings.llm)

    async def handle_text(
        self, text: str, *, lang: str = "en", seat: str = "driver", speaker: str | None = None
    ) -> AskResult:
        started = time.perf_counter()
        seat = check_seat(seat)
        speaker = check_speaker(speaker)
        try:
            lang = normalize_lang(lang)
        except UnderstandingError as err:
            raise AssistantInputError(str(err)) from None
        if not isinstance(text, str):
            raise AssistantInputError(f"text must be a string, got {type(text).__name__}")
        async with self._lock:  # one utterance at a time keeps follow-ups in order
            result = await self._handle(text, lang, seat, speaker)
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    async def _handle(self, text: str, lang: str, seat: str, speaker: str | None) -> AskResult:
        result = AskResult(text="", lang=lang, seat=seat, speaker=speaker)
        principal = self.settings.principal_for(seat, speaker)
        if self.scenes is not None:  # a configured scene phrase wins (see SceneOffer)
            outcome = await self.scenes.offer(text, lang, seat, speaker, principal)
            if outcome is not None:
                return scene_reply(outcome, lang, result)
        try:
            understanding = self.understander.parse(text, lang)
        except UnderstandingError as err:
            result.text = replies.say("not_understood", lang)
            result.refusals.append(str(err))
            return result
        if not understanding.understood:
            if self._llm is not None and text.strip():
                from renkei.apps.assistant.llm import run_llm

                return await run_llm(self, self._llm, text, lang, seat, speaker, principal, result)
            result.text = replies.say("not_understood", lang)
            return result
        result.understood = True
        result.source = "templates"
        convo = self.conversations.setdefault(seat, Conversation())
        parts: list[str] = []
        for cmd in understanding.commands:
            if isinstance(cmd, HomeCommand):
                result.home_commands.append(cmd)
                result.commands.append(f"home:{cmd.intent}")
                parts.append(replies.say("home", lang, value=cmd.text))
                continue
            result.commands.append(cmd.intent)
            plan = await self.planner.plan(cmd, seat, lang, convo)
            refused = len(result.refusals)
            parts.append(await self.execute(plan, principal, lang, result))
            if plan.memory is not None and len(result.refusals) == refused:
                convo.last, convo.seats, convo.at = plan.memory, plan.seats, time.monotonic()
        result.text = replies.join(parts, lang)
        return result

    async def execute(self, plan: Plan, principal: Principal, lang: str, result: AskResult) -> str:
        """Check the speaker's scopes, actuate all of the plan or none of it, and say what happened."""
        if plan.refusal:
            result.refusals.append(plan.refusal)
            return plan.refusal
        for path in plan.reads:
            if not principal.may_read(path):
                return self._refuse(result, replies.say("refused_scope", lang, who=_who(principal, lang)))
        for path in plan.changes:
            if not principal.may_actuate(path):
                log.info("assistant: %s may not actuate %s", principal.subject, path)
                return self._refuse(result, replies.say("refused_scope", lang, who=_who(principal, lang)))
        if not plan.changes:
            return plan.reply
        try:
            await self.client.actuate(plan.changes)
        except BrokerError as err:
            return self._refuse(result, explain_broker_error(err, lang))
        result.changes.extend(SignalChange(p, v) for p, v in plan.changes.items())
        return plan.reply

    @staticmethod
    def _refuse(result: AskResult, text: str) -> str:
        result.refusals.append(text)
        return text


def _who(principal: Principal, lang: str) -> str:
    subject = principal.subject
    if subject in replies.ZONES:
        return replies.ZONES[subject].get(lang) or subject
    return subject or "?"


def explain_broker_error(err: BrokerError, lang: str) -> str:
    """A broker refusal as a sentence in the speaker's language."""
    if err.code is ErrorCode.FAILED_PRECONDITION:
        path = err.path
        key = None
        if ".Door." in path and path.endswith("IsOpen"):
            key = "door_moving"
        elif path.endswith("IsLocked"):
            key = "unlock_moving"
        elif ".Trunk." in path:
            key = "trunk_moving"
        reason = replies.reason(key, lang) if key else err.message
        return replies.say("refused_moving", lang, reason=reason)
    if err.code is ErrorCode.PERMISSION_DENIED:
        return replies.say("refused_scope", lang, who=_who(Principal("assistant", ()), lang))
    if err.code is ErrorCode.INVALID_ARGUMENT:
        return replies.say("invalid", lang, reason=err.message)
    return replies.say("unavailable", lang)


_assistants: weakref.WeakKeyDictionary[Any, Assistant] = weakref.WeakKeyDictionary()


async def ask(
    client: VehicleClient, text: str, *, lang: str = "en", seat: str = "driver", speaker: str | None = None
) -> AskResult:
    """One utterance through the assistant of this client (follow-ups see earlier asks)."""
    try:
        assistant = _assistants.get(client)
    except TypeError:
        assistant = None
    if assistant is None:
        assistant = Assistant(client, AssistantSettings())
        with contextlib.suppress(TypeError):  # a client that cannot be weakly referenced
            _assistants[client] = assistant
    return await assistant.handle_text(text, lang=lang, seat=seat, speaker=speaker)
