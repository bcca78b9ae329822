"""Who is speaking: enrolled voiceprints, kept encrypted, matched on this machine only.

Flow: `enroll(name, clips, rate)` → each clip is checked (`check_audio`) → resemblyzer's
speaker encoder (its weights ship inside the pip package; loaded once, lazily, on the CPU)
turns each clip into a 256-number embedding → their normalised mean is the voiceprint → it is
sealed with AES-256-GCM and written to `<data_dir>/voiceprints/<opaque id>.vp`.
`identify(audio, rate)` embeds the clip the same way and returns the closest voiceprint by
cosine similarity, or `name=None` when even the closest is below the calibrated threshold.

The key is 32 random bytes in `<data_dir>/voiceprints/key` (mode 0600, refused if anyone else
may read it) unless the caller passes one. File names are an HMAC of the person's name under
that key, so the directory does not reveal who is enrolled. Nothing here opens a network
connection.

    registry = SpeakerRegistry(data_dir)
    registry.enroll("mei", [clip1, clip2, clip3], 16_000)
    match = registry.identify(new_clip, 16_000)      # SpeakerMatch(name='mei', score=0.86)
    registry.delete("mei")
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from renkei.apps.assistant.speakers.audio import MODEL_RATE, AudioError, check_audio

# Calibrated by `python -m benchmarks.bench_voiceprints` on held-out LibriSpeech utterances
# (never the clips it reports on): the score that keeps false acceptance of strangers low
# while still accepting enrolled people on 2 s clips. See docs/profiles.md.
DEFAULT_THRESHOLD = 0.717
# A car's microphone hears mostly rumble and hum below ~150 Hz, where a voice carries little
# that tells people apart; filtering it from enrolment and identification alike cut the refusals
# of enrolled people in car noise from 19 % to 5 % (docs/profiles.md).
HIGHPASS_HZ = 150.0
EMBEDDING_SIZE = 256
MIN_SPEECH_SECONDS = 0.5  # after trimming pauses, less than this is not enough voice
MAX_ENROLL_CLIPS = 20
MAX_NAME_LENGTH = 64
RESERVED_NAMES = frozenset({"guest"})
KEY_FILE = "key"
SUFFIX = ".vp"
_MAGIC = b"RKVP1"
_NONCE = 12
MODEL_NAME = "resemblyzer-0.1.4 VoiceEncoder (pretrained.pt)"


class VoiceprintError(ValueError):
    """A registry operation that cannot be done; `rule` names why."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class SpeakerMatch:
    """The closest enrolled person (None: nobody close enough) and the cosine score."""

    name: str | None
    score: float


def _resemblyzer() -> Any:
    """The resemblyzer module, or a clear error saying how to install it properly."""
    try:
        import resemblyzer  # type: ignore[import-untyped]
    except ModuleNotFoundError as err:
        hint = (
            "webrtcvad needs pkg_resources: install webrtcvad-wheels after resemblyzer, or setuptools<81"
            if err.name == "pkg_resources"
            else "install torch==2.13.0 (CPU) first, then resemblyzer and webrtcvad-wheels"
        )
        raise VoiceprintError("model", f"the voiceprint model cannot be loaded ({err}); {hint}") from None
    return resemblyzer


class _Encoder:
    """resemblyzer's encoder, loaded once per process from the weights inside its package."""

    _lock = threading.Lock()
    _model: Any = None

    @classmethod
    def weights_path(cls) -> Path:
        return Path(str(resources.files("resemblyzer").joinpath("pretrained.pt")))

    @classmethod
    def model(cls) -> Any:
        with cls._lock:
            if cls._model is None:
                VoiceEncoder = _resemblyzer().VoiceEncoder
                weights = cls.weights_path()
                if not weights.is_file():
                    raise VoiceprintError("model", f"resemblyzer's weights are missing at {weights}")
                cls._model = VoiceEncoder(device="cpu", verbose=False, weights_fpath=weights)
            return cls._model

    @classmethod
    def embed(cls, clip: npt.NDArray[np.float32], highpass_hz: float | None = HIGHPASS_HZ) -> npt.NDArray[np.float32]:
        preprocess_wav = _resemblyzer().preprocess_wav
        if highpass_hz:
            clip = highpass(clip, highpass_hz)
        speech = preprocess_wav(clip)  # volume normalised, long pauses removed (webrtcvad)
        if speech.shape[0] < MIN_SPEECH_SECONDS * MODEL_RATE:
            raise AudioError(
                "no-speech",
                f"only {speech.shape[0] / MODEL_RATE:.2f} s of voice found; at least {MIN_SPEECH_SECONDS} s is needed",
            )
        model = cls.model()
        with cls._lock:  # the model is not re-entrant across threads
            embedding = model.embed_utterance(speech)
        return np.asarray(embedding, dtype=np.float32)


def embed(audio: np.ndarray, sample_rate: int, *, highpass_hz: float | None = HIGHPASS_HZ) -> npt.NDArray[np.float32]:
    """The L2-normalised 256-number voice embedding of one checked clip (for measurement)."""
    return _Encoder.embed(check_audio(audio, sample_rate, purpose="identify"), highpass_hz)


@functools.cache
def _highpass_sections(cutoff_hz: float) -> npt.NDArray[np.float64]:
    from scipy.signal import butter  # type: ignore[import-untyped]

    return np.asarray(butter(4, cutoff_hz, btype="highpass", fs=MODEL_RATE, output="sos"), dtype=np.float64)


def highpass(clip: npt.NDArray[np.float32], cutoff_hz: float = 150.0) -> npt.NDArray[np.float32]:
    """Remove road rumble and drivetrain hum below `cutoff_hz` (zero-phase 4th-order Butterworth)."""
    from scipy.signal import sosfiltfilt

    return np.asarray(sosfiltfilt(_highpass_sections(cutoff_hz), clip), dtype=np.float32)


def check_name(name: object) -> str:
    """A person's name as stored: NFC text, 1–64 characters, no control characters."""
    if not isinstance(name, str):
        raise VoiceprintError("name", f"a speaker's name must be text, not {type(name).__name__}")
    clean = unicodedata.normalize("NFC", name.strip())
    if not 1 <= len(clean) <= MAX_NAME_LENGTH:
        raise VoiceprintError("name", f"a speaker's name must have 1 to {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in clean):
        raise VoiceprintError("name", "a speaker's name must not contain control characters")
    if clean.lower() in RESERVED_NAMES:
        raise VoiceprintError("name", f"{clean!r} is reserved for strangers and cannot be enrolled")
    return clean


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


class SpeakerRegistry:
    """Enrolled voiceprints in one data directory; see the module docstring."""

    def __init__(self, data_dir: Path, key: bytes | None = None, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.0 < threshold < 1.0:
            raise VoiceprintError("threshold", f"threshold {threshold} must lie between 0 and 1")
        self.threshold = threshold
        self.directory = Path(data_dir) / "voiceprints"
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._key = self._load_key(key)
        self._prints: dict[str, npt.NDArray[np.float32]] = {}
        self._seen: tuple[int, int] | None = None
        self._lock = threading.Lock()

    # -- keys and files -------------------------------------------------------------------
    def _load_key(self, key: bytes | None) -> bytes:
        if key is not None:
            if not isinstance(key, bytes) or len(key) != 32:
                raise VoiceprintError("key", "a voiceprint key must be exactly 32 bytes (AES-256)")
            return key
        path = self.directory / KEY_FILE
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first; read theirs
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(secrets.token_bytes(32))
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise VoiceprintError(
                "key-permissions",
                f"{path} may be read by others (mode {mode:o}); run `chmod 600 {path}` "
                "or delete it together with the voiceprints",
            )
        data = path.read_bytes()
        if len(data) != 32:
            raise VoiceprintError("key", f"{path} does not hold a 32-byte key")
        return data

    def _file_for(self, name: str) -> Path:
        ident = hmac.new(self._key, name.encode(), hashlib.sha256).hexdigest()[:32]
        return self.directory / f"{ident}{SUFFIX}"

    def _seal(self, path: Path, record: dict[str, Any]) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        aad = _MAGIC + path.stem.encode()
        return _MAGIC + nonce + AESGCM(self._key).encrypt(nonce, json.dumps(record).encode(), aad)

    def _open(self, path: Path) -> dict[str, Any]:
        blob = path.read_bytes()
        if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + _NONCE + 16:
            raise VoiceprintError("file", f"{path.name} is not a renkei voiceprint file")
        nonce = blob[len(_MAGIC) : len(_MAGIC) + _NONCE]
        try:
            plain = AESGCM(self._key).decrypt(nonce, blob[len(_MAGIC) + _NONCE :], _MAGIC + path.stem.encode())
        except InvalidTag:
            raise VoiceprintError(
                "key", f"{path.name} cannot be decrypted with this key (wrong key or tampered file)"
            ) from None
        record: dict[str, Any] = json.loads(plain)
        return record

    def _refresh(self) -> None:
        """Re-read the directory when another process (the CLI) enrolled or deleted someone."""
        info = self.directory.stat()
        seen = (info.st_mtime_ns, info.st_ino)
        if seen == self._seen:
            return
        prints: dict[str, npt.NDArray[np.float32]] = {}
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            record = self._open(path)
            vector = np.asarray(record["embedding"], dtype=np.float32)
            if vector.shape != (EMBEDDING_SIZE,):
                raise VoiceprintError("file", f"{path.name} holds an embedding of the wrong size")
            prints[str(record["name"])] = vector
        self._prints, self._seen = prints, seen

    # -- public API ---------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load the speaker model now (about 2 s on first use) rather than on the first utterance."""
        _Encoder.model()

    def names(self) -> list[str]:
        with self._lock:
            self._refresh()
            return sorted(self._prints)

    def enroll(self, name: str, clips: Sequence[np.ndarray], sample_rate: int) -> None:
        """Make (or replace) `name`'s voiceprint from a few clips of their voice (3 or more is best)."""
        person = check_name(name)
        if isinstance(clips, np.ndarray | str | bytes) or not isinstance(clips, Sequence):
            raise VoiceprintError("clips", "clips must be a list of audio arrays, one per utterance")
        if not 1 <= len(clips) <= MAX_ENROLL_CLIPS:
            raise VoiceprintError("clips", f"enrolment needs 1 to {MAX_ENROLL_CLIPS} clips, got {len(clips)}")
        checked = []
        for index, clip in enumerate(clips):
            try:
                checked.append(check_audio(clip, sample_rate, purpose="enroll"))
            except AudioError as err:
                raise AudioError(err.rule, f"clip {index + 1}: {err}") from None
        embeddings = []
        for index, clip in enumerate(checked):
            try:
                embeddings.append(_Encoder.embed(clip))
            except AudioError as err:
                raise AudioError(err.rule, f"clip {index + 1}: {err}") from None
        self.enroll_embeddings(person, embeddings, seconds=sum(c.shape[0] for c in checked) / MODEL_RATE)

    def enroll_embeddings(
        self, name: str, embeddings: Sequence[npt.NDArray[np.float32]], *, seconds: float = 0.0
    ) -> None:
        """Store a voiceprint from embeddings made by `embed` (enrol and measure share this path)."""
        person = check_name(name)
        if not embeddings:
            raise VoiceprintError("clips", "at least one embedding is needed")
        mean = np.mean(np.stack(embeddings), axis=0)
        voiceprint = (mean / np.linalg.norm(mean)).astype(np.float32)
        path = self._file_for(person)
        record = {
            "name": person,
            "embedding": [float(x) for x in voiceprint],
            "clips": len(embeddings),
            "seconds": round(seconds, 2),
            "enrolled_at": time.time(),
            "model": MODEL_NAME,
        }
        with self._lock:
            _write_private(path, self._seal(path, record))
            self._seen = None

    def delete(self, name: str) -> None:
        """Remove `name`'s voiceprint for good; unknown names raise `VoiceprintError`."""
        person = check_name(name)
        path = self._file_for(person)
        with self._lock:
            try:
                path.unlink()
            except FileNotFoundError:
                raise VoiceprintError("unknown", f"no voiceprint is enrolled for {person!r}") from None
            self._seen = None

    def identify(self, audio: np.ndarray, sample_rate: int) -> SpeakerMatch:
        """The enrolled person speaking in `audio`, or name None for a stranger."""
        clip = check_audio(audio, sample_rate, purpose="identify")
        with self._lock:
            self._refresh()
            if not self._prints:
                return SpeakerMatch(None, 0.0)
        return self.match_embedding(_Encoder.embed(clip))

    def match_embedding(self, embedding: npt.NDArray[np.float32]) -> SpeakerMatch:
        """Closest voiceprint to an embedding from `embed`, thresholded like `identify`."""
        closest = self.closest(embedding)
        return closest if closest.score >= self.threshold else SpeakerMatch(None, closest.score)

    def closest(self, embedding: npt.NDArray[np.float32]) -> SpeakerMatch:
        """The closest voiceprint whatever its score (closed-set identification)."""
        with self._lock:
            self._refresh()
            prints = dict(self._prints)
        if not prints:
            return SpeakerMatch(None, 0.0)
        names = list(prints)
        scores = np.stack([prints[n] for n in names]) @ embedding
        best = int(np.argmax(scores))
        return SpeakerMatch(names[best], float(scores[best]))
