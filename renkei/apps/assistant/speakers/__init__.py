"""Voiceprints: enrol occupants from a few utterances and tell who is speaking, offline.

Flow: the voice pipeline hands `SpeakerRegistry.identify` each utterance (any common sample
rate; it is checked and resampled) and gets a `SpeakerMatch`; a name selects that person's
profile (the pipeline actuates `Vehicle.Cabin.Infotainment.HMI.ActiveProfile`), None means a
stranger (the guest profile). Voiceprints are sealed with AES-256-GCM in the data directory.

    registry = SpeakerRegistry(settings.data_dir)
    registry.enroll("mei", clips, 16_000)
    registry.identify(utterance, 48_000)   # SpeakerMatch(name='mei', score=0.84)
"""

from renkei.apps.assistant.speakers.audio import MODEL_RATE, AudioError, check_audio
from renkei.apps.assistant.speakers.noise import car_noise, mix_at_snr
from renkei.apps.assistant.speakers.registry import (
    DEFAULT_THRESHOLD,
    SpeakerMatch,
    SpeakerRegistry,
    VoiceprintError,
    check_name,
    embed,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MODEL_RATE",
    "AudioError",
    "SpeakerMatch",
    "SpeakerRegistry",
    "VoiceprintError",
    "car_noise",
    "check_audio",
    "check_name",
    "embed",
    "mix_at_snr",
]
