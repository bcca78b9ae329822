"""The spoken path: espeak-ng commands through VAD, pocketsphinx, understanding and the car;
a Wyoming speech server (a boundary we run here) for Mandarin; hostile audio of every kind."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.server import AsyncEventHandler, AsyncTcpServer
from wyoming.tts import Synthesize

from renkei.apps.assistant import Assistant, AssistantSettings
from renkei.apps.assistant.local import LocalCar, local_car
from renkei.apps.assistant.service import ACTIVE_PROFILE, AssistantService
from renkei.apps.assistant.speech import (
    MAX_SECONDS,
    AudioError,
    EspeakTTS,
    PocketsphinxSTT,
    WyomingSTT,
    WyomingTTS,
    prepare_audio,
    read_wav,
)
from renkei.apps.assistant.voice import VoicePipeline

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
AC = "Vehicle.Cabin.HVAC.IsAirConditioningActive"


def speak(text: str, voice: str = "en-us") -> tuple[np.ndarray, int]:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "--stdout", text], capture_output=True, check=True)
    return read_wav(wav.stdout)


def with_room(pcm: np.ndarray, rate: int, seed: int = 1) -> np.ndarray:
    """Half a second before, a second after, and a microphone's noise floor."""
    audio = np.concatenate([np.zeros(rate // 2, np.int16), pcm, np.zeros(rate, np.int16)]).astype(np.float64)
    audio += np.random.default_rng(seed).normal(0, 30, audio.size)
    return np.clip(audio, -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def stt() -> PocketsphinxSTT:
    recogniser = PocketsphinxSTT()
    recogniser.warm_up()
    return recogniser


@pytest.fixture
async def car() -> AsyncIterator[LocalCar]:
    async with local_car() as car:
        yield car


def changes(voice: Any) -> dict[str, Any]:
    return {c.path: c.value for c in voice.result.changes}


@pytest.mark.slow
@needs_espeak
@pytest.mark.parametrize(
    ("text", "seat", "expected"),
    [
        ("turn on the air conditioning", "driver", {AC: True}),
        ("open my window halfway", "passenger", {"Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position": 50}),
        (
            "set the temperature to twenty two degrees",
            "driver",
            {"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 22.0},
        ),
        (
            "lock the doors",
            "driver",
            {
                f"Vehicle.Cabin.Door.{r}.{s}.IsLocked": True
                for r in ("Row1", "Row2")
                for s in ("DriverSide", "PassengerSide")
            },
        ),
    ],
)
async def test_assistant_spoken_english_through_the_whole_pipeline(
    car: LocalCar, stt: PocketsphinxSTT, text: str, seat: str, expected: dict[str, Any]
) -> None:
    pipeline = VoicePipeline(Assistant(car.client), stt=stt, tts=EspeakTTS())
    pcm, rate = speak(text)
    results = await pipeline.process(with_room(pcm, rate), rate, seat=seat)
    assert len(results) == 1, [r.transcript for r in results]
    assert changes(results[0]) == expected, results[0].transcript
    for path, value in expected.items():
        assert car.broker.current_value(path) == value
    assert results[0].reply_audio is not None and results[0].reply_audio.size > 1000  # it answered aloud


@pytest.mark.slow
@needs_espeak
async def test_assistant_streaming_two_commands_in_one_stream(car: LocalCar, stt: PocketsphinxSTT) -> None:
    pipeline = VoicePipeline(Assistant(car.client), stt=stt, tts=False)
    stream = pipeline.stream(seat="driver")
    first, rate = speak("turn on the air conditioning")
    second, _ = speak("open the trunk")
    audio = prepare_audio(np.concatenate([with_room(first, rate), with_room(second, rate, seed=2)]), rate)
    results = []
    for start in range(0, audio.size, 1600):  # 100 ms chunks, as a microphone delivers them
        results += await stream.feed(audio[start : start + 1600])
    assert [changes(r) for r in results] == [{AC: True}, {"Vehicle.Body.Trunk.Rear.IsOpen": True}]
    assert all(r.decided_s > r.speech_end_s for r in results)


@pytest.mark.slow
@needs_espeak
async def test_assistant_clipped_speech_is_handled(car: LocalCar, stt: PocketsphinxSTT) -> None:
    pcm, rate = speak("turn on the air conditioning")
    clipped = np.clip(pcm.astype(np.int32) * 12, -32768, 32767).astype(np.int16)
    pipeline = VoicePipeline(Assistant(car.client), stt=stt, tts=False)
    results = await pipeline.process(with_room(clipped, rate), rate)
    # Distorted speech may be misheard; it must never do something other than what was said.
    assert all(changes(r) in ({}, {AC: True}) for r in results)


@pytest.mark.parametrize(
    "signal",
    [
        np.zeros(16000 * 3, np.int16),
        np.random.default_rng(1).normal(0, 3000, 16000 * 3).astype(np.int16),
        np.random.default_rng(2).normal(0, 14000, 16000 * 3).clip(-32768, 32767).astype(np.int16),
        (np.sin(np.arange(16000 * 2) * 2 * np.pi * 1000 / 16000) * 20000).astype(np.int16),
    ],
    ids=["silence", "noise", "loud-noise", "tone"],
)
async def test_assistant_silence_and_noise_do_nothing(car: LocalCar, stt: PocketsphinxSTT, signal: np.ndarray) -> None:
    car.reset_changes()
    pipeline = VoicePipeline(Assistant(car.client), stt=stt, tts=False)
    results = await pipeline.process(signal, 16000)
    assert car.changes == []
    assert all(not r.result or not r.result.changes for r in results)


@pytest.mark.parametrize(
    ("audio", "rate", "fragment"),
    [
        (np.zeros(1600, np.int16), 0, "outside"),
        (np.zeros(1600, np.int16), -16000, "outside"),
        (np.zeros(1600, np.int16), 10**9, "outside"),
        (np.zeros(1600, np.int16), 16000.0, "integer"),
        (np.zeros(1600, np.int16), "16000", "integer"),
        (np.zeros(1600, np.int16), True, "integer"),
        (np.zeros(0, np.int16), 16000, "empty"),
        (np.zeros((2, 2, 2), np.int16), 16000, "dimensions"),
        (np.zeros((100, 64), np.int16), 16000, "channels"),
        (np.full(1600, np.nan, np.float32), 16000, "NaN"),
        (np.zeros(1600, np.int32), 16000, "int16"),
        (np.zeros(1600, np.uint8), 16000, "int16"),
        (np.array(["a", "b"]), 16000, "numbers"),
        (b"\x00\x01\x02", 16000, "even length"),
        ([0, 1, 2], 16000, "numpy array"),
        (np.zeros(int(16000 * (MAX_SECONDS + 1)), np.int16), 16000, "exceeds the limit"),
    ],
)
async def test_assistant_rejects_bad_audio(car: LocalCar, audio: Any, rate: Any, fragment: str) -> None:
    pipeline = VoicePipeline(Assistant(car.client), stt=PocketsphinxSTT(), tts=False)
    with pytest.raises(AudioError, match=fragment):
        await pipeline.process(audio, rate)


def test_assistant_audio_accepts_float_stereo_and_other_rates() -> None:
    stereo = np.stack([np.linspace(-1, 1, 44100), np.linspace(1, -1, 44100)], axis=1).astype(np.float32)
    out = prepare_audio(stereo, 44100)
    assert out.dtype == np.int16 and abs(out.size - 16000) <= 1
    assert prepare_audio(np.zeros(800, np.int16).tobytes(), 8000).size == 1600
    loud = prepare_audio(np.full(160, 7.5, np.float64), 16000)  # out-of-range floats are clipped
    assert loud.max() == 32767


# -- Wyoming servers: boundaries that stand in for faster-whisper and a TTS engine ---------------------
class FakeWyoming(AsyncEventHandler):
    heard: ClassVar[list[tuple[str | None, int]]] = []

    def __init__(self, *args: Any, transcript: str, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.transcript = transcript
        self.audio = 0
        self.language: str | None = None

    async def handle_event(self, event: Event) -> bool:
        if Transcribe.is_type(event.type):
            self.language = Transcribe.from_event(event).language
        elif AudioChunk.is_type(event.type):
            self.audio += len(AudioChunk.from_event(event).audio)
        elif AudioStop.is_type(event.type):
            FakeWyoming.heard.append((self.language, self.audio))
            await self.write_event(Transcript(text=self.transcript).event())
            return False
        elif Synthesize.is_type(event.type):
            await self.write_event(AudioStart(rate=22050, width=2, channels=1).event())
            await self.write_event(AudioChunk(rate=22050, width=2, channels=1, audio=b"\x01\x00" * 2205).event())
            await self.write_event(AudioStop().event())
            return False
        return True


@pytest.fixture
async def wyoming_uri() -> AsyncIterator[str]:
    FakeWyoming.heard = []
    server = AsyncTcpServer("127.0.0.1", 0)
    await server.start(lambda r, w: FakeWyoming(r, w, transcript="打开空调"))
    port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        await server.stop()


@needs_espeak
async def test_assistant_mandarin_through_a_wyoming_speech_server(car: LocalCar, wyoming_uri: str) -> None:
    settings = AssistantSettings(stt="wyoming", wyoming_stt=wyoming_uri, tts="wyoming", wyoming_tts=wyoming_uri)
    pipeline = VoicePipeline(Assistant(car.client, settings))
    pcm, rate = speak("打开空调", "cmn")
    results = await pipeline.process(with_room(pcm, rate), rate, seat="driver", lang="zh-CN")
    assert [changes(r) for r in results] == [{AC: True}]
    assert results[0].result is not None and results[0].result.text == "已打开空调。"
    assert FakeWyoming.heard and FakeWyoming.heard[0][0] == "zh" and FakeWyoming.heard[0][1] > 16000
    assert results[0].reply_rate == 22050 and results[0].reply_audio is not None


async def test_assistant_wyoming_server_down_is_not_a_crash() -> None:
    stt = WyomingSTT("tcp://127.0.0.1:9", timeout=1.0)
    with pytest.raises(Exception, match="Wyoming ASR"):
        await stt.transcribe(np.zeros(1600, np.int16), "ja")
    tts = WyomingTTS("tcp://127.0.0.1:9", timeout=1.0)
    with pytest.raises(Exception, match="Wyoming TTS"):
        await tts.synthesize("こんにちは", "ja")


@needs_espeak
async def test_assistant_espeak_speaks_every_language() -> None:
    tts = EspeakTTS()
    for text, lang in (("Window opened.", "en"), ("车窗已打开。", "zh-CN"), ("窓を開けました。", "ja")):
        audio, rate = await tts.synthesize(text, lang)
        assert rate > 8000 and audio.size > rate // 4, lang


# -- speaker identification: a stand-in registry (the real one lives in speakers/) -----------------------
@dataclass
class Match:
    name: str | None
    score: float


class StandInRegistry:
    def __init__(self, name: str | None) -> None:
        self.name = name
        self.calls = 0

    def identify(self, audio: np.ndarray, sample_rate: int) -> Match:
        self.calls += 1
        assert sample_rate == 16000 and audio.dtype == np.float32
        return Match(self.name, 0.91 if self.name else 0.2)


@needs_espeak
async def test_assistant_recognised_speaker_sets_the_active_profile(car: LocalCar) -> None:
    profiles: list[str] = []

    async def cockpit(values: dict[str, Any]) -> None:  # the profiles app's side of the signal
        profiles.append(values[ACTIVE_PROFILE])
        car.broker.publish(values)

    await car.client.provide([ACTIVE_PROFILE], cockpit)
    settings = AssistantSettings(stt="wyoming", wyoming_stt="tcp://127.0.0.1:9", tts="none")
    service = AssistantService(car.client, settings)
    registry = StandInRegistry("mei")

    class Heard:
        async def transcribe(self, audio: np.ndarray, lang: str) -> str:
            return "turn on the air conditioning"

    pipeline = VoicePipeline(
        service.assistant, settings, stt=Heard(), tts=False, speakers=registry, on_speaker=service.announce_speaker
    )
    pcm, rate = speak("turn on the air conditioning")
    audio = with_room(pcm, rate)
    first = await pipeline.process(audio, rate)
    await pipeline.process(audio, rate)  # the same person again: no second profile change
    assert first[0].speaker == "mei" and first[0].result is not None and first[0].result.speaker == "mei"
    assert profiles == ["mei"] and car.broker.current_value(ACTIVE_PROFILE) == "mei"
    registry.name = None  # a passenger nobody enrolled speaks: mei keeps her profile
    await pipeline.process(audio, rate)
    assert profiles == ["mei"] and car.broker.current_value(ACTIVE_PROFILE) == "mei"


# -- the Wyoming face of `run_assistant`: speech from a satellite on loopback ---------------------------
def test_assistant_wyoming_face_refuses_open_network_addresses() -> None:
    from renkei.apps.assistant.wyoming_face import check_listen_uri

    assert check_listen_uri("tcp://127.0.0.1:10700") == "tcp://127.0.0.1:10700"
    for uri in ("tcp://0.0.0.0:10700", "tcp://192.168.1.5:10700", "http://127.0.0.1:1", "tcp://127.0.0.1"):
        with pytest.raises(ValueError, match="wyoming_listen"):
            check_listen_uri(uri)


@pytest.mark.slow
@needs_espeak
async def test_assistant_run_assistant_hears_a_wyoming_satellite(car: LocalCar, tmp_path: Any) -> None:
    import socket

    from wyoming.client import AsyncClient

    from renkei.apps.assistant import run_assistant

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings = AssistantSettings(wyoming_listen=f"tcp://127.0.0.1:{port}", tts="espeak-ng")
    stop = asyncio.Event()
    task = asyncio.create_task(run_assistant(car.client, settings, stop=stop))
    try:
        for _ in range(600):  # warm-up compiles the templates and the speech model
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        pcm, rate = speak("turn on the air conditioning")
        audio = with_room(pcm, rate).tobytes()
        events: list[Event] = []
        async with AsyncClient.from_uri(f"tcp://127.0.0.1:{port}", read_timeout=30) as client:
            await client.write_event(Transcribe(language="en", context={"seat": "passenger"}).event())
            await client.write_event(AudioStart(rate=rate, width=2, channels=1).event())
            for start in range(0, len(audio), 4096):
                await client.write_event(
                    AudioChunk(rate=rate, width=2, channels=1, audio=audio[start : start + 4096]).event()
                )
            await client.write_event(AudioStop().event())
            while (event := await client.read_event()) is not None:
                events.append(event)
                if AudioStop.is_type(event.type):
                    break
        transcript = Transcript.from_event(next(e for e in events if Transcript.is_type(e.type)))
        assert transcript.context is not None and transcript.context["reply"] == "A/C on."
        assert transcript.context["changes"] == [{"path": AC, "value": True}]
        assert car.broker.current_value(AC) is True
        assert any(AudioChunk.is_type(e.type) for e in events)  # the reply, spoken
    finally:
        stop.set()
        await task
