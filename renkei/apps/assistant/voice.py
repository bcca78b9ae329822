"""The spoken path: audio → utterances → text → who spoke → the assistant → spoken reply.

Flow: `prepare_audio` (checks, 16 kHz mono) → `Endpointer` (webrtcvad) cuts utterances
→ speech-to-text (pocketsphinx on our templates; open vocabulary when that yields
nothing we understand; or a Wyoming server) → `SpeakerIdentifier.identify` (the
voiceprint registry in speakers/) names the person, and the cockpit follows their
profile → `Assistant.handle_text` acts → text-to-speech answers.

    pipeline = VoicePipeline(assistant, settings, speakers=SpeakerRegistry(data_dir))
    results = await pipeline.process(samples, 44100, seat="passenger")
    results[0].transcript, results[0].result.changes, results[0].reply_audio
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from renkei.apps.assistant.assistant import AskResult, Assistant, check_seat
from renkei.apps.assistant.settings import AssistantSettings
from renkei.apps.assistant.speech import (
    FRAME_SAMPLES,
    RATE,
    Endpointer,
    EspeakTTS,
    Pcm,
    PocketsphinxStream,
    PocketsphinxSTT,
    SpeechError,
    SpeechToText,
    TextToSpeech,
    Utterance,
    WyomingSTT,
    WyomingTTS,
    prepare_audio,
    utterances,
)

log = logging.getLogger(__name__)


class SpeakerMatchLike(Protocol):
    @property
    def name(self) -> str | None: ...

    @property
    def score(self) -> float: ...


class SpeakerIdentifier(Protocol):
    """What the voiceprint registry (speakers/) offers the pipeline."""

    def identify(self, audio: np.ndarray, sample_rate: int) -> SpeakerMatchLike: ...


@dataclass
class VoiceResult:
    transcript: str
    speaker: str | None = None
    speaker_score: float | None = None
    result: AskResult | None = None
    reply_audio: Pcm | None = None
    reply_rate: int = RATE
    timings_ms: dict[str, float] = field(default_factory=dict)
    speech_end_s: float = 0.0  # where the speech ended in the input stream
    decided_s: float = 0.0  # where in the stream the end of speech was decided


def make_stt(settings: AssistantSettings) -> SpeechToText:
    if settings.stt == "wyoming":
        if not settings.wyoming_stt:
            raise ValueError("stt = 'wyoming' needs wyoming_stt = 'tcp://host:port'")
        return WyomingSTT(settings.wyoming_stt)
    return PocketsphinxSTT(settings.data_dir)


def make_tts(settings: AssistantSettings) -> TextToSpeech | None:
    if settings.tts == "none":
        return None
    if settings.tts == "wyoming":
        if not settings.wyoming_tts:
            raise ValueError("tts = 'wyoming' needs wyoming_tts = 'tcp://host:port'")
        return WyomingTTS(settings.wyoming_tts)
    return EspeakTTS()


class VoicePipeline:
    def __init__(
        self,
        assistant: Assistant,
        settings: AssistantSettings | None = None,
        *,
        stt: SpeechToText | None = None,
        tts: TextToSpeech | bool | None = True,
        speakers: SpeakerIdentifier | None = None,
        on_speaker: Callable[[str | None], Awaitable[None]] | None = None,
    ) -> None:
        self.assistant = assistant
        self.settings = settings or assistant.settings
        self.stt = stt or make_stt(self.settings)
        self.tts: TextToSpeech | None = make_tts(self.settings) if tts is True else (tts or None)
        self.speakers = speakers
        self.on_speaker = on_speaker

    async def process(
        self, audio: Any, sample_rate: Any, *, seat: str = "driver", lang: str | None = None
    ) -> list[VoiceResult]:
        """A buffer of audio (any rate, mono or stereo) → one result per utterance in it."""
        seat = check_seat(seat)
        pcm = prepare_audio(audio, sample_rate)
        found = utterances(pcm, self.settings.vad_aggressiveness, self.settings.end_silence_ms)
        return [await self.handle_utterance(u, seat=seat, lang=lang) for u in found]

    def stream(self, *, seat: str = "driver", lang: str | None = None) -> VoiceStream:
        """Live audio, chunk by chunk: the recogniser runs while the person speaks."""
        return VoiceStream(self, check_seat(seat), lang or self.settings.default_lang)

    async def handle_utterance(
        self, utterance: Utterance, *, seat: str, lang: str | None = None, transcript: str | None = None
    ) -> VoiceResult:
        lang = lang or self.settings.default_lang
        timings: dict[str, float] = {}
        started = time.perf_counter()
        identify = asyncio.create_task(self._identify(utterance.audio))
        if transcript is None:
            try:
                transcript = await self.stt.transcribe(utterance.audio, lang)
            except SpeechError as err:
                log.warning("assistant: speech-to-text failed: %s", err)
                identify.cancel()
                return VoiceResult("", speech_end_s=utterance.speech_end, decided_s=utterance.decided_at)
        timings["stt"] = (time.perf_counter() - started) * 1000
        name, score = await identify
        timings["speaker"] = (time.perf_counter() - started) * 1000
        if self.on_speaker is not None and self.speakers is not None:
            await self.on_speaker(name)
        result = await self.assistant.handle_text(transcript, lang=lang, seat=seat, speaker=name)
        if not result.understood and isinstance(self.stt, PocketsphinxSTT):
            wide = await asyncio.to_thread(self.stt.decode, utterance.audio, open_vocabulary=True)
            if wide and wide != transcript:
                retry = await self.assistant.handle_text(wide, lang=lang, seat=seat, speaker=name)
                if retry.understood:
                    transcript, result = wide, retry
        timings["action"] = (time.perf_counter() - started) * 1000
        voice = VoiceResult(
            transcript,
            name,
            score,
            result,
            timings_ms=timings,
            speech_end_s=utterance.speech_end,
            decided_s=utterance.decided_at,
        )
        if self.tts is not None and result.text:
            try:
                voice.reply_audio, voice.reply_rate = await self.tts.synthesize(result.text, result.lang)
            except SpeechError as err:
                log.warning("assistant: text-to-speech failed: %s", err)
            timings["tts"] = (time.perf_counter() - started) * 1000
        return voice

    async def _identify(self, audio: Pcm) -> tuple[str | None, float | None]:
        if self.speakers is None:
            return None, None
        try:
            match = await asyncio.to_thread(self.speakers.identify, audio.astype(np.float32) / 32768.0, RATE)
        except Exception as err:  # a voiceprint failure must not cost the command
            log.info("assistant: speaker not identified: %s", err)
            return None, None
        return match.name, float(match.score)


class VoiceStream:
    """Feed live 16 kHz audio as it arrives; every utterance that ends is acted on at once."""

    def __init__(self, pipeline: VoicePipeline, seat: str, lang: str) -> None:
        self.pipeline = pipeline
        self.seat = seat
        self.lang = lang
        settings = pipeline.settings
        self._endpointer = Endpointer(settings.vad_aggressiveness, settings.end_silence_ms)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._decoding: PocketsphinxStream | None = None
        self.frames_seen = 0

    async def feed(self, audio: Pcm) -> list[VoiceResult]:
        self._buffer = np.concatenate([self._buffer, audio])
        results: list[VoiceResult] = []
        while self._buffer.size >= FRAME_SAMPLES:
            frame, self._buffer = self._buffer[:FRAME_SAMPLES], self._buffer[FRAME_SAMPLES:]
            result = await self.feed_frame(frame)
            if result is not None:
                results.append(result)
        return results

    async def feed_frame(self, frame: Pcm) -> VoiceResult | None:
        self.frames_seen += 1
        frames, done = self._endpointer.step(frame)
        stt = self.pipeline.stt
        if frames and self._decoding is None and isinstance(stt, PocketsphinxSTT) and self.lang == "en":
            self._decoding = stt.stream()
        if self._decoding is not None:
            for item in frames:
                self._decoding.feed(item)
        if done is None:
            return None
        transcript: str | None = None
        if self._decoding is not None:
            decoding, self._decoding = self._decoding, None
            transcript = await asyncio.to_thread(decoding.finish)
        return await self.pipeline.handle_utterance(done, seat=self.seat, lang=self.lang, transcript=transcript)
