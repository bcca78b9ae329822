"""A Wyoming face for the assistant: satellites and microphones send speech, the car reacts.

Flow: a client connects (a Wyoming satellite, a phone, `wyoming` tools) → `Transcribe`
(language; the seat in its context: ``{"seat": "passenger"}``) → `AudioStart`,
`AudioChunk`…, `AudioStop` → the voice pipeline (VAD, speech-to-text, speaker, action)
→ `Transcript` with the reply in its context (``{"reply", "lang", "changes", "home"}``),
followed by the spoken reply as `AudioStart`/`AudioChunk`/`AudioStop`. `Describe` is
answered with an `Info` naming the assistant's languages.

The Wyoming protocol has no authentication, so the face listens on loopback or a Unix
socket only; a remote satellite reaches it through an authenticated tunnel.

    server = await serve_wyoming(pipeline, "tcp://127.0.0.1:10700")
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlparse

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Attribution, Describe, Info
from wyoming.server import AsyncEventHandler, AsyncServer

from renkei.apps.assistant.speech import AudioError, prepare_audio
from renkei.apps.assistant.understanding import LANGS, UnderstandingError, normalize_lang
from renkei.apps.assistant.voice import VoicePipeline

log = logging.getLogger(__name__)
MAX_STREAM_BYTES = 48000 * 2 * 2 * 30  # 30 s of 48 kHz 16-bit stereo


def check_listen_uri(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme == "unix":
        return uri
    if parsed.scheme != "tcp" or not parsed.hostname or parsed.port is None:
        raise ValueError(f"wyoming_listen {uri!r} must be tcp://HOST:PORT or unix://PATH")
    host = parsed.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"wyoming_listen {uri!r}: Wyoming has no authentication; listen on loopback or a Unix socket")
    return uri


def _info() -> Info:
    attribution = Attribution(name="renkei", url="")
    model = AsrModel(
        name="renkei-assistant",
        description="renkei car assistant (VAD, pocketsphinx or Wyoming ASR, understanding, action)",
        attribution=attribution,
        installed=True,
        languages=list(LANGS),
        version=None,
    )
    program = AsrProgram(
        name="renkei",
        description="renkei voice assistant",
        attribution=attribution,
        installed=True,
        models=[model],
        version=None,
    )
    return Info(asr=[program])


class AssistantHandler(AsyncEventHandler):
    def __init__(self, pipeline: VoicePipeline, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pipeline = pipeline
        self.lang: str = pipeline.settings.default_lang
        self.seat = "driver"
        self.rate = 16000
        self.width = 2
        self.channels = 1
        self.audio = bytearray()

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(_info().event())
            return True
        if Transcribe.is_type(event.type):
            request = Transcribe.from_event(event)
            try:
                self.lang = normalize_lang(request.language) if request.language else self.lang
            except UnderstandingError as err:
                await self._error(str(err))
                return False
            seat = (request.context or {}).get("seat")
            if isinstance(seat, str):
                self.seat = seat
            return True
        if AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            self.rate, self.width, self.channels = start.rate, start.width, start.channels
            self.audio.clear()
            return True
        if AudioChunk.is_type(event.type):
            self.audio += AudioChunk.from_event(event).audio
            if len(self.audio) > MAX_STREAM_BYTES:
                await self._error("audio stream exceeds 30 s")
                return False
            return True
        if AudioStop.is_type(event.type):
            await self._answer()
            return False
        return True

    async def _answer(self) -> None:
        if self.width != 2 or not 1 <= self.channels <= 8:
            await self._error(f"audio must be 16-bit with 1–8 channels, got {8 * self.width}-bit × {self.channels}")
            return
        usable = len(self.audio) - len(self.audio) % (2 * self.channels)
        samples = np.frombuffer(bytes(self.audio[:usable]), dtype=np.int16)
        if self.channels > 1:
            samples = samples.reshape(-1, self.channels)
        try:
            pcm = prepare_audio(samples, self.rate)
            results = await self.pipeline.process(pcm, 16000, seat=self.seat, lang=self.lang)
        except (AudioError, ValueError) as err:
            await self._error(str(err))
            return
        transcript = " ".join(r.transcript for r in results if r.transcript)
        answers = [r.result for r in results if r.result is not None]
        context = {
            "reply": " ".join(a.text for a in answers),
            "lang": self.lang,
            "seat": self.seat,
            "changes": [{"path": c.path, "value": c.value} for a in answers for c in a.changes],
            "home": [h.as_dict() for a in answers for h in a.home_commands],
        }
        await self.write_event(Transcript(text=transcript, context=context).event())
        spoken = [r for r in results if r.reply_audio is not None and r.reply_audio.size]
        if spoken:
            rate = spoken[0].reply_rate
            await self.write_event(AudioStart(rate=rate, width=2, channels=1).event())
            for reply in spoken:
                assert reply.reply_audio is not None
                await self.write_event(
                    AudioChunk(rate=rate, width=2, channels=1, audio=reply.reply_audio.tobytes()).event()
                )
            await self.write_event(AudioStop().event())

    async def _error(self, message: str) -> None:
        from wyoming.error import Error

        await self.write_event(Error(text=message, code="renkei-assistant").event())


async def serve_wyoming(pipeline: VoicePipeline, uri: str) -> AsyncServer:
    """Start listening (non-blocking); `await server.stop()` ends it."""
    server = AsyncServer.from_uri(check_listen_uri(uri))
    await server.start(lambda reader, writer: AssistantHandler(pipeline, reader, writer))
    log.info("assistant: Wyoming face on %s", uri)
    return server
