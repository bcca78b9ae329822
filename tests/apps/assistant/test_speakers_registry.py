"""Voiceprint storage and input checks that need no speech model: encryption, keys, deletion,
names, and every kind of malformed audio the registry must refuse with a named rule."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from renkei.apps.assistant.speakers import (
    AudioError,
    SpeakerMatch,
    SpeakerRegistry,
    VoiceprintError,
    car_noise,
    check_audio,
    mix_at_snr,
)

RATE = 16_000


def unit(seed: int) -> np.ndarray:
    v = np.abs(np.random.default_rng(seed).normal(size=256)).astype(np.float32)
    return v / np.linalg.norm(v)


def tone(seconds: float, rate: int = RATE, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_voiceprints_are_encrypted_and_files_do_not_name_people(tmp_path: Path) -> None:
    registry = SpeakerRegistry(tmp_path)
    registry.enroll_embeddings("王芳", [unit(1), unit(2)])
    registry.enroll_embeddings("Alice", [unit(3)])
    files = sorted((tmp_path / "voiceprints").glob("*.vp"))
    assert len(files) == 2
    for file in files:
        blob = file.read_bytes()
        assert b"Alice" not in blob and "王芳".encode() not in blob and b"embedding" not in blob
        assert "alice" not in file.name.lower()
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    key = tmp_path / "voiceprints" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert sorted(SpeakerRegistry(tmp_path).names()) == ["Alice", "王芳"]


def test_a_wrong_key_cannot_read_voiceprints(tmp_path: Path) -> None:
    SpeakerRegistry(tmp_path, key=b"k" * 32).enroll_embeddings("bob", [unit(1)])
    with pytest.raises(VoiceprintError, match="cannot be decrypted") as err:
        SpeakerRegistry(tmp_path, key=b"x" * 32).names()
    assert err.value.rule == "key"


def test_a_tampered_file_is_detected(tmp_path: Path) -> None:
    registry = SpeakerRegistry(tmp_path)
    registry.enroll_embeddings("bob", [unit(1)])
    file = next((tmp_path / "voiceprints").glob("*.vp"))
    blob = bytearray(file.read_bytes())
    blob[-5] ^= 0xFF
    file.write_bytes(bytes(blob))
    with pytest.raises(VoiceprintError, match="tampered"):
        SpeakerRegistry(tmp_path).names()


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    SpeakerRegistry(tmp_path)
    key = tmp_path / "voiceprints" / "key"
    os.chmod(key, 0o644)
    with pytest.raises(VoiceprintError, match="chmod 600") as err:
        SpeakerRegistry(tmp_path)
    assert err.value.rule == "key-permissions"


@pytest.mark.parametrize("key", [b"short", b"x" * 31, b"x" * 33, "x" * 32])
def test_given_keys_must_be_32_bytes(tmp_path: Path, key: object) -> None:
    with pytest.raises(VoiceprintError, match="32 bytes"):
        SpeakerRegistry(tmp_path, key=key)  # type: ignore[arg-type]


def test_delete_removes_the_voiceprint_for_good(tmp_path: Path) -> None:
    registry = SpeakerRegistry(tmp_path)
    registry.enroll_embeddings("carol", [unit(1)])
    registry.enroll_embeddings("dave", [unit(2)])
    registry.delete("carol")
    assert registry.names() == ["dave"]
    assert len(list((tmp_path / "voiceprints").glob("*.vp"))) == 1
    assert SpeakerRegistry(tmp_path).names() == ["dave"]
    with pytest.raises(VoiceprintError, match="no voiceprint") as err:
        registry.delete("carol")
    assert err.value.rule == "unknown"


def test_another_process_enrolling_is_seen(tmp_path: Path) -> None:
    running = SpeakerRegistry(tmp_path)
    assert running.names() == []
    SpeakerRegistry(tmp_path).enroll_embeddings("erin", [unit(1)])
    assert running.names() == ["erin"]


def test_matching_uses_the_threshold(tmp_path: Path) -> None:
    registry = SpeakerRegistry(tmp_path, threshold=0.9)
    registry.enroll_embeddings("frank", [unit(1)])
    near = unit(1) + 0.05 * unit(9)
    near /= np.linalg.norm(near)
    assert registry.match_embedding(near).name == "frank"
    far = unit(77)
    match = registry.match_embedding(far)
    assert match.score < 0.9 or match.name == "frank"
    if match.score < 0.9:
        assert match == SpeakerMatch(None, match.score)
    assert registry.closest(far).name == "frank"


def test_empty_registry_answers_unknown_without_a_model(tmp_path: Path) -> None:
    assert SpeakerRegistry(tmp_path).identify(tone(2.0), RATE) == SpeakerMatch(None, 0.0)


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "guest", "GUEST", "bad\nname", "tab\there", 42, None, b"bytes"])
def test_bad_names_are_refused(tmp_path: Path, name: object) -> None:
    with pytest.raises(VoiceprintError) as err:
        SpeakerRegistry(tmp_path).enroll_embeddings(name, [unit(1)])  # type: ignore[arg-type]
    assert err.value.rule == "name"


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, 2.0, float("nan")])
def test_threshold_out_of_range_is_refused(tmp_path: Path, threshold: float) -> None:
    with pytest.raises(VoiceprintError, match="threshold"):
        SpeakerRegistry(tmp_path, threshold=threshold)


@pytest.mark.parametrize(
    ("audio", "rate", "rule"),
    [
        ([0.1] * 32000, RATE, "type"),
        ("not audio", RATE, "type"),
        (tone(2.0), 16000.0, "sample-rate"),
        (tone(2.0), True, "sample-rate"),
        (tone(2.0), 4000, "sample-rate"),
        (tone(2.0), 1_000_000, "sample-rate"),
        (tone(2.0).astype(np.complex64), RATE, "dtype"),
        (np.zeros(32000, dtype=np.uint8), RATE, "dtype"),
        (np.array(["a"] * 32000), RATE, "dtype"),
        (np.full(32000, np.nan, dtype=np.float32), RATE, "finite"),
        (np.where(np.arange(32000) == 5, np.inf, 0.1).astype(np.float32), RATE, "finite"),
        (tone(2.0) * 1000, RATE, "range"),
        (tone(0.5), RATE, "too-short"),
        (np.zeros(0, dtype=np.float32), RATE, "too-short"),
        (tone(31.0), RATE, "too-long"),
        (np.zeros(32000, dtype=np.float32), RATE, "silence"),
        (np.full(32000, 1e-5, dtype=np.float32), RATE, "silence"),
        (np.clip(tone(2.0, amplitude=3.0), -1, 1), RATE, "clipping"),
        (np.clip(tone(2.0, amplitude=3.0) * 32767, -32768, 32767).astype(np.int16), RATE, "clipping"),
        (np.zeros((10, 10, 10), dtype=np.float32), RATE, "shape"),
        (np.zeros((2, 32000), dtype=np.float32), RATE, "shape"),
    ],
)
def test_malformed_audio_is_refused_with_the_rule(tmp_path: Path, audio: object, rate: object, rule: str) -> None:
    with pytest.raises(AudioError) as err:
        check_audio(audio, rate, purpose="identify")
    assert err.value.rule == rule
    registry = SpeakerRegistry(tmp_path)
    registry.enroll_embeddings("gina", [unit(1)])
    with pytest.raises(AudioError):
        registry.identify(audio, rate)  # type: ignore[arg-type]


def test_common_formats_are_accepted_and_resampled() -> None:
    stereo = np.stack([tone(2.0, 48_000), tone(2.0, 48_000)], axis=1)
    out = check_audio(stereo, 48_000, purpose="identify")
    assert out.dtype == np.float32 and out.ndim == 1 and abs(out.shape[0] - 32000) <= 2
    pcm = (tone(2.0, 8_000) * 32767).astype(np.int16)
    out = check_audio(pcm, 8_000, purpose="identify")
    assert abs(out.shape[0] - 32000) <= 2 and np.max(np.abs(out)) < 0.35


def test_enrolment_accepts_longer_clips_than_identification() -> None:
    check_audio(tone(45.0), RATE, purpose="enroll")
    with pytest.raises(AudioError, match="at most 60 s"):
        check_audio(tone(61.0), RATE, purpose="enroll")


@pytest.mark.parametrize(
    ("clips", "rule"),
    [([], "clips"), ([tone(2.0)] * 21, "clips"), (tone(2.0), "clips"), ("abc", "clips")],
)
def test_enrolment_needs_a_list_of_clips(tmp_path: Path, clips: object, rule: str) -> None:
    with pytest.raises(VoiceprintError) as err:
        SpeakerRegistry(tmp_path).enroll("hana", clips, RATE)  # type: ignore[arg-type]
    assert err.value.rule == rule


def test_a_bad_clip_in_enrolment_is_named(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="clip 2") as err:
        SpeakerRegistry(tmp_path).enroll("hana", [tone(2.0), np.zeros(32000, np.float32)], RATE)
    assert err.value.rule == "silence"
    assert SpeakerRegistry(tmp_path).names() == []


def test_car_noise_is_low_frequency_and_mixes_at_the_asked_snr() -> None:
    rng = np.random.default_rng(3)
    noise = car_noise(RATE * 2, RATE, rng)
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    freqs = np.fft.rfftfreq(noise.size, 1 / RATE)
    assert spectrum[freqs < 500].sum() / spectrum.sum() > 0.9
    speech = tone(2.0, amplitude=0.2)
    mixed = mix_at_snr(speech, noise, 10.0)
    residual = mixed - speech
    snr = 10 * np.log10(np.mean(speech.astype(np.float64) ** 2) / np.mean(residual.astype(np.float64) ** 2))
    assert snr == pytest.approx(10.0, abs=0.1)
    with pytest.raises(ValueError, match="same shape"):
        mix_at_snr(speech, noise[:100], 10.0)


def test_a_broken_model_install_is_named_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    registry = SpeakerRegistry(tmp_path)
    registry.enroll_embeddings("ivy", [unit(1)])
    monkeypatch.setitem(sys.modules, "resemblyzer", None)  # as if the package were not installed
    with pytest.raises(VoiceprintError, match=r"torch==2\.13\.0") as err:
        registry.identify(tone(2.0), RATE)
    assert err.value.rule == "model"
