"""`renkei profiles` commands on a temporary data directory: creating and changing profiles,
pausing and wiping, deleting (with the voiceprint), scenes, enrolment errors, and `apply`
when no platform is running. Every wrong input ends with one readable error and exit code 1."""

from __future__ import annotations

import json
import socket
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from renkei.apps.assistant.speakers import SpeakerRegistry
from renkei.apps.profiles import Context, HabitLearner, ProfileStore
from renkei.apps.profiles.cli import app

runner = CliRunner()


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)], env={"RENKEI_LANG": "en"})
    return result.exit_code, result.output


def test_set_show_and_list(tmp_path: Path) -> None:
    code, out = run(tmp_path, "set", "mei", "climate.driver_temperature=22.5", "cockpit.language=zh-CN")
    assert code == 0 and "Saved profile mei" in out
    code, out = run(tmp_path, "set", "mei", "seat.heating=33", "display_name=Mei Lin")
    assert code == 0
    code, out = run(tmp_path, "show", "mei")
    shown = json.loads(out)
    assert shown["climate"]["driver_temperature"] == 22.5 and shown["seat"]["heating"] == 33
    assert shown["cockpit"]["language"] == "zh-CN" and shown["display_name"] == "Mei Lin"
    code, out = run(tmp_path, "ls")
    assert code == 0 and "mei" in out and "guest" in out and "zh-CN" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("set", "mei", "climate.driver_temperature=99"), "climate.driver_temperature"),
        (("set", "mei", "cockpit.language=fr"), "cockpit.language"),
        (("set", "mei", "sunroof.open=true"), "sunroof"),
        (("set", "mei", "no-equals-sign"), "section.field=value"),
        (("set", "mei", "seat.heating.level=1"), "not a section"),
        (("set", "", "seat.heating=1"), "id"),
        (("show", "nobody"), "no profile nobody"),
        (("pause-learning", "nobody"), "no profile nobody"),
        (("delete", "guest"), "guest profile cannot be deleted"),
        (("delete", "nobody"), "no profile nobody"),
        (("apply", "nobody"), "no profile nobody"),
    ],
)
def test_wrong_input_gets_one_clear_error(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    code, out = run(tmp_path, *args)
    assert code == 1 and words in out and "Traceback" not in out


def test_save_reads_a_json_file_and_names_bad_fields(tmp_path: Path) -> None:
    good = tmp_path / "kai.json"
    good.write_text(json.dumps({"id": "kai", "media": {"volume": 50}}))
    assert run(tmp_path, "save", str(good))[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "kai", "media": {"volume": 500}}))
    code, out = run(tmp_path, "save", str(bad))
    assert code == 1 and "media.volume" in out
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, out = run(tmp_path, "save", str(broken))
    assert code == 1 and "broken.json" in out


def test_pause_wipe_and_delete(tmp_path: Path) -> None:
    run(tmp_path, "set", "mei", "media.volume=30")
    store = ProfileStore(tmp_path)
    learner = HabitLearner(store)
    for day in range(3):
        learner.start_session("mei", Context.at(datetime(2026, 3, 2 + day, 8)))
        learner.observe("mei", "Vehicle.Cabin.Infotainment.Media.Volume", 30)
        learner.end_session("mei")
    store.close()
    code, out = run(tmp_path, "pause-learning", "mei")
    assert code == 0 and "paused" in out
    stored = ProfileStore(tmp_path).get("mei")
    assert stored is not None and stored.learning_paused
    assert run(tmp_path, "pause-learning", "mei", "--resume")[0] == 0
    code, out = run(tmp_path, "wipe-history", "mei")
    assert code == 0 and "Forgot 3 learned trips" in out
    assert ProfileStore(tmp_path).sessions("mei") == []
    registry = SpeakerRegistry(tmp_path)
    vector = np.ones(256, dtype=np.float32) / 16
    registry.enroll_embeddings("mei", [vector])
    code, out = run(tmp_path, "delete", "mei")
    assert code == 0 and "voiceprint" in out
    assert ProfileStore(tmp_path).get("mei") is None and SpeakerRegistry(tmp_path).names() == []


def test_scenes_list_and_add(tmp_path: Path) -> None:
    code, out = run(tmp_path, "scenes")
    assert code == 0 and "going-home" in out
    scene = tmp_path / "scene.json"
    scene.write_text(
        json.dumps(
            {
                "name": "movie-night",
                "phrases": {"en": ["movie night"], "zh-CN": ["电影之夜"], "ja": ["映画の夜"]},
                "home": [{"entity_id": "light.living_room", "state": "off"}],
            },
            ensure_ascii=False,
        )
    )
    code, out = run(tmp_path, "scenes", "--add", str(scene))
    assert code == 0 and "movie-night" in out
    scene.write_text(json.dumps({"name": "x", "phrases": {"en": ["x"]}}))
    code, out = run(tmp_path, "scenes", "--add", str(scene))
    assert code == 1 and "at least one car or home action" in out


def test_enrolment_refuses_what_is_not_a_voice(tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    soundfile.write(silent, np.zeros(32000, dtype=np.float32), 16000)
    code, out = run(tmp_path, "enroll", "mei", str(silent))
    assert code == 1 and "clip 1" in out and "silent" in out
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not audio")
    code, out = run(tmp_path, "enroll", "mei", str(not_audio))
    assert code == 1 and "cannot be read as audio" in out
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    soundfile.write(a, np.zeros(16000, dtype=np.float32), 16000)
    soundfile.write(b, np.zeros(8000, dtype=np.float32), 8000)
    code, out = run(tmp_path, "enroll", "mei", str(a), str(b))
    assert code == 1 and "one rate" in out


@pytest.mark.shared
def test_enrolment_from_real_speech(tmp_path: Path, shared_dir: Path) -> None:
    files = sorted((shared_dir / "speech" / "librispeech_test-other" / "1998").glob("*.flac"))[:3]
    code, out = run(tmp_path, "enroll", "sonja", *map(str, files))
    assert code == 0 and "3 clips" in out
    code, out = run(tmp_path, "voices")
    assert code == 0 and "sonja" in out


def test_apply_without_a_running_platform_says_so(tmp_path: Path) -> None:
    run(tmp_path, "set", "mei", "media.volume=30")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(
        app,
        ["apply", "mei", "--data-dir", str(tmp_path)],
        env={"RENKEI_LANG": "en", "RENKEI_GRPC__PORT": str(port), "RENKEI_GRPC__HOST": "127.0.0.1"},
    )
    assert result.exit_code == 1 and "Cannot reach renkei" in result.output
