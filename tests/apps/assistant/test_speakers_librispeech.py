"""Voiceprints on real speech (../shared/speech/librispeech_test-other, FLAC via soundfile): a
small subset of the benchmark with lower floors, so it runs in well under two minutes. The full
figures come from `python -m benchmarks.bench_voiceprints`."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile

from renkei.apps.assistant.speakers import (
    DEFAULT_THRESHOLD,
    AudioError,
    SpeakerRegistry,
    car_noise,
    embed,
    mix_at_snr,
)

pytestmark = pytest.mark.shared

SPEECH = Path(__file__).resolve().parents[4] / "shared" / "speech" / "librispeech_test-other"
RATE = 16_000
ENROLLED = ("1688", "1998", "2609", "3080")  # 2 men, 2 women
STRANGERS = ("2033", "3331")


def utterances(speaker: str) -> list[np.ndarray]:
    files = sorted((SPEECH / speaker).glob("*.flac"))
    assert len(files) == 10, f"expected 10 utterances for reader {speaker} in {SPEECH}"
    out = []
    for file in files:
        samples, rate = soundfile.read(file, dtype="float32")
        assert rate == RATE
        out.append(samples)
    return out


def clips_2s(wavs: list[np.ndarray], limit: int) -> list[np.ndarray]:
    size = 2 * RATE
    found = [w[s : s + size] for w in wavs for s in range(0, len(w) - size + 1, size)]
    return found[:limit]


@pytest.fixture(scope="module")
def enrolled(tmp_path_factory: pytest.TempPathFactory) -> SpeakerRegistry:
    registry = SpeakerRegistry(tmp_path_factory.mktemp("voice"))
    for speaker in ENROLLED:
        registry.enroll(f"reader-{speaker}", [u[: 20 * RATE] for u in utterances(speaker)[:2]], RATE)
    return registry


def identify_all(registry: SpeakerRegistry, clips: list[np.ndarray]) -> list[str | None]:
    names: list[str | None] = []
    for clip in clips:
        try:
            names.append(registry.identify(clip, RATE).name)
        except AudioError:
            names.append("refused")
    return names


def test_enrolled_readers_are_recognised_from_2s_clips(enrolled: SpeakerRegistry) -> None:
    assert enrolled.names() == sorted(f"reader-{s}" for s in ENROLLED)
    right = total = 0
    for speaker in ENROLLED:
        names = identify_all(enrolled, clips_2s(utterances(speaker)[6:9], 6))
        right += sum(n == f"reader-{speaker}" for n in names)
        total += len(names)
    assert total >= 20
    assert right / total >= 0.85, f"{right}/{total} clean clips recognised at threshold {DEFAULT_THRESHOLD}"


def test_closed_set_survives_car_noise(enrolled: SpeakerRegistry) -> None:
    rng = np.random.default_rng(11)
    right = total = 0
    for speaker in ENROLLED:
        for clip in clips_2s(utterances(speaker)[6:9], 5):
            noisy = mix_at_snr(clip, car_noise(clip.size, RATE, rng), 10.0)
            total += 1
            right += enrolled.closest(embed(noisy, RATE)).name == f"reader-{speaker}"
    assert right / total >= 0.9, f"{right}/{total} noisy clips identified"


def test_strangers_are_mostly_not_accepted(enrolled: SpeakerRegistry) -> None:
    names = [n for s in STRANGERS for n in identify_all(enrolled, clips_2s(utterances(s)[6:9], 6))]
    accepted = sum(n not in (None, "refused") for n in names)
    assert accepted / len(names) <= 0.1, f"{accepted}/{len(names)} stranger clips accepted"


def test_a_different_sample_rate_gives_the_same_person(enrolled: SpeakerRegistry) -> None:
    import soxr  # type: ignore[import-untyped]

    clip = clips_2s(utterances("1998")[7:9], 1)[0]
    at_44k = np.asarray(soxr.resample(clip, RATE, 44_100), dtype=np.float32)
    pcm = np.clip(at_44k * 32767, -32768, 32767).astype(np.int16)
    assert enrolled.identify(pcm, 44_100).name == "reader-1998"


def test_nothing_goes_to_the_network(enrolled: SpeakerRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("voiceprints must never open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    clip = clips_2s(utterances("2609")[7:9], 1)[0]
    assert enrolled.identify(clip, RATE).name == "reader-2609"
    enrolled.enroll("reader-extra", [utterances("533")[1]], RATE)
    enrolled.delete("reader-extra")


def test_the_model_weights_ship_in_the_package() -> None:
    import resemblyzer  # type: ignore[import-untyped]

    weights = Path(resemblyzer.__file__).parent / "pretrained.pt"
    assert weights.is_file() and weights.stat().st_size > 1_000_000
