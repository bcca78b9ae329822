"""Audio in and out: checks, voice activity, speech-to-text and text-to-speech.

Flow: `prepare_audio` checks and converts any mono/stereo int16/float buffer to
16 kHz int16 → `Endpointer` (webrtcvad, 30 ms frames) finds where speech starts and
ends, and closes an utterance after `end_silence_ms` of silence → a `SpeechToText`
(pocketsphinx offline with a model trained on our own templates, open-vocabulary
model as fallback, or any Wyoming ASR server) → text → `TextToSpeech` (espeak-ng or
a Wyoming TTS server) for the reply.

    audio = prepare_audio(samples, 22050)           # AudioError names what is wrong
    for utterance in Endpointer(aggressiveness=2).feed(audio): ...
    text = await PocketsphinxSTT().transcribe(utterance, "en")
    pcm, rate = await EspeakTTS().synthesize("窗户已打开。", "zh-CN")
"""

from __future__ import annotations

import asyncio
import importlib
import io
import os
import shutil
import tempfile
import threading
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

# Neither ships type information; imported by name so mypy sees them as Any either way.
webrtcvad: Any = importlib.import_module("webrtcvad")

RATE = 16000
FRAME_MS = 30
FRAME_SAMPLES = RATE * FRAME_MS // 1000
MIN_RATE, MAX_RATE = 8000, 192000
MAX_SECONDS = 30.0  # one command; longer input is refused rather than decoded for minutes
MIN_SPEECH_MS = 150

Pcm = npt.NDArray[np.int16]


class AudioError(ValueError):
    """Audio the pipeline refuses; the message names the rule it broke."""


class SpeechError(RuntimeError):
    """A speech engine (pocketsphinx, espeak-ng, a Wyoming server) failed."""


def prepare_audio(audio: Any, sample_rate: Any) -> Pcm:
    """Any reasonable buffer → mono 16 kHz int16. Raises AudioError naming the problem."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer):
        raise AudioError(f"sample rate must be an integer number of Hz, got {sample_rate!r}")
    rate = int(sample_rate)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"sample rate {rate} Hz is outside {MIN_RATE}–{MAX_RATE} Hz")
    if isinstance(audio, bytes | bytearray):
        if len(audio) % 2:
            raise AudioError("16-bit audio bytes must have an even length")
        audio = np.frombuffer(bytes(audio), dtype=np.int16)
    if not isinstance(audio, np.ndarray):
        raise AudioError(f"audio must be a numpy array or 16-bit bytes, got {type(audio).__name__}")
    if audio.ndim == 2:
        if audio.shape[1] > 8:
            raise AudioError(f"audio of shape {audio.shape} must be (samples,) or (samples, channels ≤ 8)")
        audio = audio.mean(axis=1)
    elif audio.ndim != 1:
        raise AudioError(f"audio must have one or two dimensions, got {audio.ndim}")
    if audio.size == 0:
        raise AudioError("audio is empty")
    if audio.size > MAX_SECONDS * rate:
        raise AudioError(f"audio of {audio.size / rate:.1f} s exceeds the limit of {MAX_SECONDS:.0f} s")
    if audio.dtype.kind == "f":
        samples = audio.astype(np.float64)
        if not np.all(np.isfinite(samples)):
            raise AudioError("audio contains NaN or infinite samples")
        samples = np.clip(samples, -1.0, 1.0) * 32767.0
    elif audio.dtype.kind in "iu":
        samples = audio.astype(np.float64)
        if audio.dtype.itemsize > 2 or audio.dtype.kind == "u":
            raise AudioError(f"integer audio must be int16, got {audio.dtype}")
    else:
        raise AudioError(f"audio samples must be numbers, got {audio.dtype}")
    if rate != RATE:
        samples = resample(samples, rate, RATE)
    out: Pcm = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
    return out


def resample(samples: npt.NDArray[np.float64], rate: int, target: int) -> npt.NDArray[np.float64]:
    """Band-limited resampling: a windowed-sinc low-pass below the lower Nyquist, then interpolation."""
    if rate > target:
        cutoff = 0.45 * target / rate  # as a fraction of the input rate
        taps = np.arange(-48, 49)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(taps.size)
        samples = np.convolve(samples, kernel / kernel.sum(), mode="same")
    count = max(1, round(samples.size * target / rate))
    positions = np.arange(count) * (rate / target)
    out: npt.NDArray[np.float64] = np.interp(positions, np.arange(samples.size), samples)
    return out


@dataclass
class Utterance:
    audio: Pcm  # 16 kHz int16, speech plus a little context
    speech_end: float  # seconds from the start of the stream to the last voiced frame's end
    decided_at: float  # seconds from the start of the stream when the end was decided


class Endpointer:
    """Streaming voice activity: frames in, utterances out when the speaker stops."""

    def __init__(self, aggressiveness: int = 2, end_silence_ms: int = 240, pre_roll_ms: int = 300) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)
        self._end_frames = max(1, end_silence_ms // FRAME_MS)
        self._pre = max(0, pre_roll_ms // FRAME_MS)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._frames: list[Pcm] = []
        self._history: list[Pcm] = []
        self._voiced = 0
        self._silent = 0
        self._frame_index = 0
        self._last_voiced_end = 0.0

    def feed(self, audio: Pcm) -> Iterator[Utterance]:
        self._buffer = np.concatenate([self._buffer, audio])
        while self._buffer.size >= FRAME_SAMPLES:
            frame, self._buffer = self._buffer[:FRAME_SAMPLES], self._buffer[FRAME_SAMPLES:]
            done = self._frame(frame)
            if done is not None:
                yield done

    def step(self, frame: Pcm) -> tuple[list[Pcm], Utterance | None]:
        """One 30 ms frame in → (frames that now belong to an open utterance, a closed utterance).

        A streaming recogniser feeds the returned frames as they come, so that when the
        speaker stops only the end of the search is left to do.
        """
        was_open = bool(self._frames)
        done = self._frame(frame)
        if done is not None:
            return [frame], done
        if self._frames and not was_open:
            return list(self._frames), None  # the pre-roll and the first voiced frame
        if self._frames:
            return [frame], None
        return [], None

    @property
    def in_speech(self) -> bool:
        return bool(self._frames)

    def flush(self) -> Utterance | None:
        """The end of the stream closes an utterance still open."""
        if self._voiced * FRAME_MS >= MIN_SPEECH_MS and self._frames:
            return self._close()
        self._reset()
        return None

    def _frame(self, frame: Pcm) -> Utterance | None:
        self._frame_index += 1
        speech = self._vad.is_speech(frame.tobytes(), RATE)
        if not self._frames:
            self._history = [*self._history[-self._pre :], frame] if self._pre else []
            if speech:
                self._frames = list(self._history) if self._pre else [frame]
                self._voiced, self._silent = 1, 0
                self._last_voiced_end = self._frame_index * FRAME_MS / 1000
            return None
        self._frames.append(frame)
        if speech:
            self._voiced += 1
            self._silent = 0
            self._last_voiced_end = self._frame_index * FRAME_MS / 1000
            return None
        self._silent += 1
        if self._silent < self._end_frames:
            return None
        if self._voiced * FRAME_MS < MIN_SPEECH_MS:  # a click or a cough, not a command
            self._reset()
            return None
        return self._close()

    def _close(self) -> Utterance:
        utterance = Utterance(np.concatenate(self._frames), self._last_voiced_end, self._frame_index * FRAME_MS / 1000)
        self._reset()
        return utterance

    def _reset(self) -> None:
        self._frames, self._history = [], []
        self._voiced = self._silent = 0


def utterances(audio: Pcm, aggressiveness: int = 2, end_silence_ms: int = 240) -> list[Utterance]:
    endpointer = Endpointer(aggressiveness, end_silence_ms)
    found = list(endpointer.feed(audio))
    last = endpointer.flush()
    return [*found, last] if last is not None else found


# -- speech to text ---------------------------------------------------------------------------------
class SpeechToText(Protocol):
    async def transcribe(self, audio: Pcm, lang: str) -> str: ...


class PocketsphinxSTT:
    """Offline English: a trigram model of our own templates, the general model as fallback.

    Decoding runs in a worker thread with whole-utterance cepstral normalisation, which
    short commands need to be recognised from their first word.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._lock = threading.RLock()
        self.cmn: str | None = None  # cepstral mean of the last utterance, for live decoding
        self._car: Any = None
        self._open: Any = None
        self._cache_dir = cache_dir

    def _decoders(self) -> tuple[Any, Any]:
        with self._lock:
            if self._car is None:
                pocketsphinx: Any = importlib.import_module("pocketsphinx")
                Decoder, get_model_path = pocketsphinx.Decoder, pocketsphinx.get_model_path

                from renkei.apps.assistant.grammar import build_arpa
                from renkei.apps.assistant.understanding import load_car_intents

                model = Path(get_model_path()) / "en-us"
                common = {
                    "hmm": str(model / "en-us"),
                    "dict": str(model / "cmudict-en-us.dict"),
                    "logfn": os.devnull,
                    "dither": True,
                }
                self._open = Decoder(lm=str(model / "en-us.lm.bin"), **common)
                arpa = build_arpa(load_car_intents("en"), self._open.lookup_word)
                folder = self._cache_dir or Path(tempfile.gettempdir())
                folder.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(suffix=".arpa", dir=folder)
                with os.fdopen(fd, "w") as handle:
                    handle.write(arpa)
                try:
                    self._car = Decoder(lm=name, **common)
                finally:
                    os.unlink(name)
            return self._car, self._open

    def warm_up(self) -> None:
        self._decoders()

    def stream(self) -> PocketsphinxStream:
        car, _ = self._decoders()
        return PocketsphinxStream(self, car)

    def decode(self, audio: Pcm, *, open_vocabulary: bool = False) -> str:
        car, general = self._decoders()
        decoder = general if open_vocabulary else car
        # Digital silence (exact zeros, as synthesised or gated audio has) breaks the
        # log-energy features; a microphone's noise floor never does. Add one.
        floor = np.random.default_rng(len(audio)).normal(0.0, 30.0, audio.size)
        padded = np.clip(audio.astype(np.float64) + floor, -32768, 32767).astype(np.int16)
        with self._lock:
            decoder.start_utt()
            decoder.process_raw(padded.tobytes(), False, True)
            decoder.end_utt()
            if not open_vocabulary:
                self.cmn = decoder.get_cmn()
            hyp = decoder.hyp()
        return str(hyp.hypstr) if hyp is not None else ""

    async def transcribe(self, audio: Pcm, lang: str) -> str:
        if lang != "en":
            raise SpeechError(f"pocketsphinx ships an English model only; configure a Wyoming server for {lang}")
        return await asyncio.to_thread(self.decode, audio)


class PocketsphinxStream:
    """One utterance decoded while it is spoken; `finish` only closes the search.

    Live cepstral normalisation starts from the mean of the previous utterance (the same
    microphone and cabin); before any utterance was heard it falls back to decoding the
    whole utterance at the end, which is slower but right from the first word.
    """

    def __init__(self, owner: PocketsphinxSTT, decoder: Any) -> None:
        self._owner = owner
        self._decoder = decoder
        self._live = owner.cmn is not None
        self._audio: list[Pcm] = []
        self._rng = np.random.default_rng(0)
        if self._live:
            with owner._lock:
                decoder.set_cmn(owner.cmn)
                decoder.start_utt()

    def feed(self, frame: Pcm) -> None:
        floor = self._rng.normal(0.0, 30.0, frame.size)
        frame = np.clip(frame.astype(np.float64) + floor, -32768, 32767).astype(np.int16)
        if not self._live:
            self._audio.append(frame)
            return
        with self._owner._lock:
            self._decoder.process_raw(frame.tobytes(), False, False)

    def finish(self) -> str:
        decoder = self._decoder
        with self._owner._lock:
            if not self._live:
                decoder.start_utt()
                if self._audio:
                    decoder.process_raw(np.concatenate(self._audio).tobytes(), False, True)
            decoder.end_utt()
            self._owner.cmn = decoder.get_cmn()
            hyp = decoder.hyp()
        return str(hyp.hypstr) if hyp is not None else ""


class WyomingSTT:
    """Any Wyoming ASR server (faster-whisper for Mandarin and Japanese, for example)."""

    def __init__(self, uri: str, timeout: float = 15.0) -> None:
        self.uri = uri
        self.timeout = timeout

    async def transcribe(self, audio: Pcm, lang: str) -> str:
        from wyoming.asr import Transcribe, Transcript
        from wyoming.audio import AudioChunk, AudioStart, AudioStop
        from wyoming.client import AsyncClient

        fmt = {"rate": RATE, "width": 2, "channels": 1}
        try:
            async with AsyncClient.from_uri(
                self.uri, connect_timeout=self.timeout, read_timeout=self.timeout
            ) as client:
                await client.write_event(Transcribe(language=lang.split("-")[0]).event())
                await client.write_event(AudioStart(**fmt).event())
                data = audio.tobytes()
                step = FRAME_SAMPLES * 2 * 10
                for start in range(0, len(data), step):
                    await client.write_event(AudioChunk(audio=data[start : start + step], **fmt).event())
                await client.write_event(AudioStop().event())
                while True:
                    event = await client.read_event()
                    if event is None:
                        raise SpeechError("the Wyoming ASR server closed the connection without a transcript")
                    if Transcript.is_type(event.type):
                        return str(Transcript.from_event(event).text)
        except (OSError, TimeoutError, ValueError) as err:
            raise SpeechError(f"Wyoming ASR at {self.uri}: {type(err).__name__}: {err}") from None


# -- text to speech ---------------------------------------------------------------------------------
class TextToSpeech(Protocol):
    async def synthesize(self, text: str, lang: str) -> tuple[Pcm, int]: ...


ESPEAK_VOICES = {"en": "en-us", "zh-CN": "cmn", "ja": "ja"}
MAX_SPOKEN_CHARS = 1000


def read_wav(data: bytes) -> tuple[Pcm, int]:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            if wav.getsampwidth() != 2:
                raise SpeechError(f"expected 16-bit audio, got {8 * wav.getsampwidth()}-bit")
            frames = wav.readframes(wav.getnframes())
            samples = np.frombuffer(frames, dtype=np.int16)
            if wav.getnchannels() > 1:
                samples = samples.reshape(-1, wav.getnchannels()).mean(axis=1).astype(np.int16)
            return samples.copy(), wav.getframerate()
    except (wave.Error, EOFError) as err:
        raise SpeechError(f"not a WAV file: {err}") from None


class EspeakTTS:
    """espeak-ng (Debian package `espeak-ng`): small, offline, speaks all three languages."""

    def __init__(self, binary: str = "espeak-ng", speed: int = 165) -> None:
        self.binary = binary
        self.speed = speed

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    async def synthesize(self, text: str, lang: str) -> tuple[Pcm, int]:
        if not text.strip():
            return np.zeros(0, dtype=np.int16), 22050
        if not self.available():
            raise SpeechError(f"{self.binary} is not installed (Debian: apt-get install espeak-ng)")
        voice = ESPEAK_VOICES.get(lang, "en-us")
        process = await asyncio.create_subprocess_exec(
            self.binary,
            "-v",
            voice,
            "-s",
            str(self.speed),
            "--stdout",
            "--",
            text[:MAX_SPOKEN_CHARS],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise SpeechError(f"espeak-ng failed ({process.returncode}): {err.decode(errors='replace')[:200]}")
        return read_wav(out)


class WyomingTTS:
    def __init__(self, uri: str, timeout: float = 15.0) -> None:
        self.uri = uri
        self.timeout = timeout

    async def synthesize(self, text: str, lang: str) -> tuple[Pcm, int]:
        from wyoming.audio import AudioChunk, AudioStart, AudioStop
        from wyoming.client import AsyncClient
        from wyoming.tts import Synthesize, SynthesizeVoice

        chunks: list[bytes] = []
        rate = RATE
        try:
            async with AsyncClient.from_uri(
                self.uri, connect_timeout=self.timeout, read_timeout=self.timeout
            ) as client:
                voice = SynthesizeVoice(language=lang)
                await client.write_event(Synthesize(text=text[:MAX_SPOKEN_CHARS], voice=voice).event())
                while True:
                    event = await client.read_event()
                    if event is None:
                        raise SpeechError("the Wyoming TTS server closed the connection mid-answer")
                    if AudioStart.is_type(event.type):
                        rate = AudioStart.from_event(event).rate
                    elif AudioChunk.is_type(event.type):
                        chunks.append(AudioChunk.from_event(event).audio)
                    elif AudioStop.is_type(event.type):
                        break
        except (OSError, TimeoutError, ValueError) as err:
            raise SpeechError(f"Wyoming TTS at {self.uri}: {type(err).__name__}: {err}") from None
        return np.frombuffer(b"".join(chunks), dtype=np.int16).copy(), rate
