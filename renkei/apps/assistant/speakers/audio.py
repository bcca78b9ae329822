"""Checks a clip of audio before it reaches the voiceprint model, and brings it to 16 kHz mono.

Flow: `check_audio(audio, sample_rate, purpose=...)` refuses what the model cannot judge fairly
(wrong type or dtype, NaN, values out of range, wrong or absurd sample rate, too short, too long,
silence, clipping) with an `AudioError` that names the rule → converts to float32 mono → resamples
to `MODEL_RATE` with soxr (a dependency of librosa, which resemblyzer uses).

    >>> clip = check_audio(samples_int16, 44_100, purpose="identify")
    >>> clip.dtype, clip.ndim
    (dtype('float32'), 1)
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import soxr  # type: ignore[import-untyped]

MODEL_RATE = 16_000
MIN_RATE = 8_000
MAX_RATE = 192_000
MAX_CHANNELS = 8
MIN_SECONDS = 1.0
MAX_SECONDS: dict[str, float] = {"identify": 30.0, "enroll": 60.0}
SILENCE_DBFS = -55.0  # quieter than this over the whole clip: nobody is speaking
CLIP_LEVEL = 0.999
MAX_CLIPPED_SHARE = 0.01  # more than 1 % of samples at full scale: the microphone saturated
FLOAT_TOLERANCE = 1.0001

Purpose = Literal["identify", "enroll"]
FloatAudio = npt.NDArray[np.float32]


class AudioError(ValueError):
    """Audio the voiceprint model must not judge; `rule` names what was wrong."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _as_float(audio: npt.NDArray[Any]) -> FloatAudio:
    kind = audio.dtype
    if kind == np.int16:
        return (audio.astype(np.float32) / 32768.0).astype(np.float32)
    if kind == np.int32:
        return (audio.astype(np.float64) / 2147483648.0).astype(np.float32)
    if kind in (np.float32, np.float64):
        if not np.all(np.isfinite(audio)):
            raise AudioError("finite", "audio contains NaN or infinite samples")
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > FLOAT_TOLERANCE:
            raise AudioError(
                "range",
                f"float audio must lie in [-1, 1]; its peak is {peak:.3g} (pass int16 samples as int16, not as floats)",
            )
        return audio.astype(np.float32)
    raise AudioError(
        "dtype",
        f"audio of dtype {kind} is not supported; use int16, int32, float32 or float64 samples",
    )


def _check_shape(audio: npt.NDArray[Any]) -> None:
    if audio.ndim == 1:
        return
    if audio.ndim == 2 and 1 <= audio.shape[1] <= MAX_CHANNELS and audio.shape[0] > audio.shape[1]:
        return  # (samples, channels): downmixed once the samples are floats
    raise AudioError(
        "shape",
        f"audio must be 1-D mono samples or (samples, channels≤{MAX_CHANNELS}); got shape {audio.shape}",
    )


def check_audio(audio: object, sample_rate: object, *, purpose: Purpose) -> FloatAudio:
    """Validated float32 mono samples at `MODEL_RATE`, or an `AudioError` naming the rule."""
    if not isinstance(audio, np.ndarray):
        raise AudioError("type", f"audio must be a numpy array of samples, not {type(audio).__name__}")
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer):
        raise AudioError("sample-rate", f"sample rate must be an integer in Hz, not {sample_rate!r}")
    rate = int(sample_rate)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError("sample-rate", f"sample rate {rate} Hz is outside [{MIN_RATE}, {MAX_RATE}] Hz")
    _check_shape(audio)
    samples = _as_float(audio)
    if samples.ndim == 2:
        samples = samples.mean(axis=1, dtype=np.float32)
    seconds = samples.shape[0] / rate
    if seconds < MIN_SECONDS:
        raise AudioError("too-short", f"audio lasts {seconds:.2f} s; at least {MIN_SECONDS:.1f} s of speech is needed")
    limit = MAX_SECONDS[purpose]
    if seconds > limit:
        raise AudioError("too-long", f"audio lasts {seconds:.1f} s; {purpose} accepts at most {limit:.0f} s per clip")
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    level = 20 * np.log10(rms) if rms > 0 else -np.inf
    if level < SILENCE_DBFS:
        raise AudioError("silence", f"audio is silent ({level:.0f} dBFS); nobody seems to be speaking")
    clipped = float(np.mean(np.abs(samples) >= CLIP_LEVEL))
    if clipped > MAX_CLIPPED_SHARE:
        raise AudioError(
            "clipping",
            f"{clipped:.1%} of the samples are at full scale; the recording is clipped (lower the gain)",
        )
    if rate != MODEL_RATE:
        samples = np.asarray(soxr.resample(samples, rate, MODEL_RATE), dtype=np.float32)
    return samples
