"""The assistant as a vehicle app: provider of `HMI.AssistantRequest`, publisher of `HMI.AssistantReply`.

Flow: the cockpit (or the CLI, or a phone) actuates AssistantRequest with JSON
``{"id", "text", "lang", "seat", "speaker"}`` → the assistant understands and acts
through the client → it publishes ``{"id", "text", "lang", "speaker", "changes",
"home", "refusals", "voice"}`` on AssistantReply (``voice``: whether cabin microphones
reach the assistant, so screens can offer speech). A request it cannot read gets a reply
with ``"error"`` naming what was wrong; once serving, it publishes ``{"id": null, "status":
"ready", "voice"}``, a reply to nobody. When a voice is recognised (`announce_speaker`)
the assistant actuates `HMI.ActiveProfile` to that person's name; an unknown voice never
replaces a person who is active (the guest profile only when nobody is).

    await run_assistant(client, AssistantSettings(), stop=stop_event)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from renkei.apps.assistant.assistant import AskResult, Assistant, AssistantInputError
from renkei.apps.assistant.settings import AssistantSettings
from renkei.client import BrokerError, VehicleClient
from renkei.vss import Value

log = logging.getLogger(__name__)

HMI = "Vehicle.Cabin.Infotainment.HMI"
REQUEST = f"{HMI}.AssistantRequest"
REPLY = f"{HMI}.AssistantReply"
ACTIVE_PROFILE = f"{HMI}.ActiveProfile"
GUEST = "guest"  # the profile for strangers (the profiles app's own name for it)
MAX_REQUEST_BYTES = 8192


class RequestError(ValueError):
    """An AssistantRequest that cannot be served; the message names the field and the rule."""


def parse_request(raw: Value | None) -> dict[str, Any]:
    if not isinstance(raw, str):
        raise RequestError("AssistantRequest must be JSON text")
    if len(raw.encode("utf-8", "replace")) > MAX_REQUEST_BYTES:
        raise RequestError(f"AssistantRequest exceeds {MAX_REQUEST_BYTES} bytes")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise RequestError(f"AssistantRequest is not valid JSON ({err.msg})") from None
    if not isinstance(data, dict):
        raise RequestError("AssistantRequest must be a JSON object")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RequestError("AssistantRequest.text must be a non-empty string")
    request_id = data.get("id", "")
    if not isinstance(request_id, str | int) or isinstance(request_id, bool):
        raise RequestError("AssistantRequest.id must be a string or an integer")
    lang = data.get("lang") or "en"
    seat = data.get("seat") or "driver"
    speaker = data.get("speaker")
    for name, value in (("lang", lang), ("seat", seat)):
        if not isinstance(value, str):
            raise RequestError(f"AssistantRequest.{name} must be a string")
    if speaker is not None and not isinstance(speaker, str):
        raise RequestError("AssistantRequest.speaker must be a string or null")
    return {"id": request_id, "text": text, "lang": lang, "seat": seat, "speaker": speaker}


def reply_json(request_id: Any, result: AskResult, *, voice: bool = False) -> str:
    body = result.as_dict()
    body["id"] = request_id
    body["voice"] = voice
    return json.dumps(body, ensure_ascii=False)


class AssistantService:
    """Serves AssistantRequest; also the place audio pipelines report recognised speakers to."""

    def __init__(self, client: VehicleClient, settings: AssistantSettings, assistant: Assistant | None = None) -> None:
        self.client = client
        self.settings = settings
        self.assistant = assistant or Assistant(client, settings)
        self.active_profile: str | None = None
        # whether cabin microphones reach this assistant (a Wyoming face): screens offer speech
        self.voice = bool(settings.wyoming_listen)
        self._tasks: set[asyncio.Task[None]] = set()

    async def on_request(self, values: dict[str, Value]) -> None:
        raw = values.get(REQUEST)
        try:
            request = parse_request(raw)
        except RequestError as err:
            await self._publish({"id": _id_of(raw), "error": str(err)})
            return
        # Answer outside the actuation call: the cockpit's request returns at once even when
        # the LLM fallback takes seconds.
        task = asyncio.create_task(self._answer(request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, request: dict[str, Any]) -> None:
        try:
            result = await self.assistant.handle_text(
                request["text"], lang=request["lang"], seat=request["seat"], speaker=request["speaker"]
            )
        except AssistantInputError as err:
            await self._publish({"id": request["id"], "error": str(err)})
            return
        except Exception as err:  # one bad request never stops the assistant
            log.exception("assistant request failed")
            await self._publish({"id": request["id"], "error": f"internal error: {type(err).__name__}"})
            return
        await self._publish_text(reply_json(request["id"], result, voice=self.voice))

    async def _publish(self, body: dict[str, Any]) -> None:
        await self._publish_text(json.dumps({**body, "voice": self.voice}, ensure_ascii=False))

    async def announce_ready(self) -> None:
        """A reply to nobody (`"id": null`) that tells screens the assistant serves, and how."""
        await self._publish({"id": None, "status": "ready"})

    async def _publish_text(self, text: str) -> None:
        try:
            await self.client.publish({REPLY: text})
        except BrokerError as err:
            log.warning("assistant: cannot publish the reply: %s", err)

    async def announce_speaker(self, name: str | None) -> None:
        """A voice was recognised (or not): the cockpit follows a recognised person's profile.

        The rule, and why: a recognised voice switches the car to that person's profile. An
        unrecognised voice never replaces a person who is already active, whoever made them
        active (a recognised voice, the cockpit's picker, a paired phone): it is most often a
        passenger or a guest speaking, and moving the driver's seat, mirrors and climate away
        from them mid-drive because someone else spoke would be wrong. The guest profile is
        applied for an unknown voice only when nobody is active yet (no profile or already
        the guest). The active profile is read back from the broker, so a person chosen on
        the cockpit counts as much as one this service recognised.
        """
        current = await self._current_profile()
        if name:
            if name == current:
                self.active_profile = name
                return
            await self._switch_profile(name)
            return
        if current not in (None, "", GUEST):
            log.info("assistant: unknown voice; %s stays the active profile", current)
            return
        if current != GUEST:
            await self._switch_profile(GUEST)

    async def _current_profile(self) -> str | None:
        try:
            point = (await self.client.get([ACTIVE_PROFILE])).get(ACTIVE_PROFILE)
        except BrokerError:
            return self.active_profile  # cannot read it: what this service last set is our best guess
        return point.value if point is not None and isinstance(point.value, str) else None

    async def _switch_profile(self, profile: str) -> None:
        try:
            await self.client.actuate({ACTIVE_PROFILE: profile})
            self.active_profile = profile
        except BrokerError as err:
            log.info("assistant: ActiveProfile not changed (%s)", err)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _id_of(raw: Value | None) -> Any:
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            data = json.loads(raw)
            if isinstance(data, dict) and isinstance(data.get("id"), str | int):
                return data["id"]
    return None


async def run_assistant(
    client: VehicleClient, settings: AssistantSettings, *, stop: asyncio.Event | None = None
) -> None:
    """Serve the assistant until `stop` is set (or forever). The entry point `renkei run` calls."""
    service = AssistantService(client, settings)
    await asyncio.to_thread(service.assistant.understander.warm_up)
    provider = await client.provide([REQUEST, REPLY], service.on_request)
    log.info("assistant: serving %s", REQUEST)
    speech: Any = None
    try:
        if settings.wyoming_listen:
            speech = await start_voice(service, settings)
        await service.announce_ready()
        if stop is None:
            await asyncio.Event().wait()
        else:
            await stop.wait()
    finally:
        if speech is not None:
            await speech.stop()
        provider.close()
        await service.drain()


def load_speakers(settings: AssistantSettings) -> Any:
    """The voiceprint registry below the data directory, when that part is installed."""
    if settings.data_dir is None:
        return None
    try:
        from renkei.apps.assistant.speakers import SpeakerRegistry
    except ImportError as err:  # torch/resemblyzer missing: the assistant works without voiceprints
        log.warning("assistant: voiceprints unavailable (%s)", err)
        return None
    return SpeakerRegistry(settings.data_dir)  # it keeps its files in data_dir/voiceprints


async def start_voice(service: AssistantService, settings: AssistantSettings) -> Any:
    """Speech from Wyoming satellites: the voice pipeline behind a loopback Wyoming face."""
    from renkei.apps.assistant.voice import VoicePipeline
    from renkei.apps.assistant.wyoming_face import check_listen_uri, serve_wyoming

    uri = check_listen_uri(settings.wyoming_listen or "")
    speakers = await asyncio.to_thread(load_speakers, settings)
    pipeline = VoicePipeline(service.assistant, settings, speakers=speakers, on_speaker=service.announce_speaker)
    warm = getattr(pipeline.stt, "warm_up", None)
    if callable(warm):
        await asyncio.to_thread(warm)
    return await serve_wyoming(pipeline, uri)
