"""Synthetic cabin noise for measuring voiceprints the way a car hears them.

What a moving car adds to a microphone is mostly low-frequency: road and tyre rumble (a
broadband noise whose energy falls with frequency, like brown noise, rolled off above a few
hundred hertz) and a tonal hum from the drivetrain (a fundamental of 25–45 Hz with decaying
harmonics whose pitch drifts slightly). `car_noise` builds exactly that in the frequency
domain; `mix_at_snr` adds it to speech at a chosen signal-to-noise ratio (power over the
whole clip).

    >>> rng = np.random.default_rng(7)
    >>> noisy = mix_at_snr(speech, car_noise(len(speech), 16_000, rng), snr_db=10.0)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ROAD_CUTOFF_HZ = 400.0  # second-order roll-off of the road rumble
BROWN_FLOOR_HZ = 20.0  # below this the 1/f slope is flattened (no DC drift)
HUM_SHARE = 0.3  # share of the noise power in the drivetrain hum


def car_noise(length: int, sample_rate: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """`length` samples of road rumble plus drivetrain hum, unit RMS."""
    if length < 1 or sample_rate < 1:
        raise ValueError(f"length {length} and sample rate {sample_rate} must both be positive")
    freqs = np.fft.rfftfreq(length, 1.0 / sample_rate)
    spectrum = rng.normal(size=freqs.size) + 1j * rng.normal(size=freqs.size)
    brown = 1.0 / np.maximum(freqs, BROWN_FLOOR_HZ)
    lowpass = 1.0 / np.sqrt(1.0 + (freqs / ROAD_CUTOFF_HZ) ** 4)
    road = np.fft.irfft(spectrum * brown * lowpass, n=length)
    road /= np.sqrt(np.mean(road**2)) + 1e-12

    t = np.arange(length) / sample_rate
    fundamental = rng.uniform(25.0, 45.0)
    drift = 1.0 + 0.03 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * fundamental * np.cumsum(drift) / sample_rate
    hum = sum(np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 7))
    hum = np.asarray(hum, dtype=np.float64)
    hum /= np.sqrt(np.mean(hum**2)) + 1e-12

    noise = np.sqrt(1 - HUM_SHARE) * road + np.sqrt(HUM_SHARE) * hum
    noise /= np.sqrt(np.mean(noise**2)) + 1e-12
    return np.asarray(noise, dtype=np.float32)


def mix_at_snr(
    speech: npt.NDArray[np.floating], noise: npt.NDArray[np.floating], snr_db: float
) -> npt.NDArray[np.float32]:
    """Speech plus noise scaled to `snr_db`; the mixture is scaled down if it would clip."""
    if speech.shape != noise.shape:
        raise ValueError(f"speech {speech.shape} and noise {noise.shape} must have the same shape")
    speech_power = float(np.mean(np.square(speech, dtype=np.float64)))
    noise_power = float(np.mean(np.square(noise, dtype=np.float64)))
    if speech_power <= 0 or noise_power <= 0:
        raise ValueError("speech and noise must both carry some power")
    gain = np.sqrt(speech_power / (noise_power * 10 ** (snr_db / 10)))
    mixed = speech.astype(np.float64) + gain * noise.astype(np.float64)
    peak = float(np.max(np.abs(mixed)))
    if peak > 0.98:
        mixed *= 0.98 / peak
    return np.asarray(mixed, dtype=np.float32)
