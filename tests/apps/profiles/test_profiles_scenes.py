"""Custom scene phrases: matching in en / zh-CN / ja, validation, and running a scene against
a real broker and a stand-in home service speaking the home app's JSON-lines protocol."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from renkei.apps.profiles import HomeStep, ProfileError, ProfileStore, Scene, SceneAction, SceneBook, run_scene
from renkei.apps.profiles.model import Place
from renkei.apps.profiles.scenes import normalise_phrase, parse_scene, scene_for_phrase
from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vss import Value, load_default_catalog

TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
HOME = Place(name="Home", latitude=31.2165, longitude=121.4365, kind="home")


@pytest.fixture
def book(tmp_path: Path) -> SceneBook:
    return SceneBook(ProfileStore(tmp_path))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm going home", "en"),
        ("i’m GOING home!", "en"),
        ("  I'm   going home.  ", "en"),
        ("我要回家", "zh-CN"),
        ("我要回家。", "zh-CN"),
        ("家に帰る", "ja"),
        ("家に帰ります。", "ja"),
        ("ｉ'ｍ ｇｏｉｎｇ ｈｏｍｅ", "en"),  # full-width input from an IME
        ("我要回家", "en"),  # a phrase in another language still finds its scene
    ],
)
def test_the_default_going_home_scene_is_found(book: SceneBook, text: str, lang: str) -> None:
    scene = book.scene_for_phrase(text, lang)
    assert scene is not None and scene.name == "going-home"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("I'm going to the gym", "en"), ("", "en"), ("!!!", "en"), ("回", "zh-CN"), ("x" * 600, "en"), (None, "en")],
)
def test_other_sentences_are_not_scenes(book: SceneBook, text: object, lang: str) -> None:
    assert book.scene_for_phrase(text, lang) is None  # type: ignore[arg-type]


def test_a_persons_own_scene_wins_over_the_shared_one(book: SceneBook) -> None:
    mine = Scene(
        name="mei-home",
        owner="mei",
        phrases={"zh-CN": ["我要回家"]},
        car=[SceneAction(navigate="home"), SceneAction(path=TEMP, value=23.0)],
    )
    book.put(mine)
    found = book.scene_for_phrase("我要回家", "zh-CN", person="mei")
    assert found is not None and found.name == "mei-home"
    shared = book.scene_for_phrase("我要回家", "zh-CN", person="wei")
    assert shared is not None and shared.name == "going-home"


def test_module_entry_point_reads_the_data_directory(tmp_path: Path) -> None:
    scene = scene_for_phrase("家に帰る", "ja", data_dir=tmp_path)
    assert scene is not None and scene.name == "going-home"


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"name": "x", "phrases": {"en": ["go"]}}, "at least one car or home action"),
        ({"name": "x", "phrases": {"fr": ["allez"]}, "car": [{"navigate": "home"}]}, "phrases.fr"),
        ({"name": "x", "phrases": {"en": ["..."]}, "car": [{"navigate": "home"}]}, "phrases.en"),
        ({"name": "x", "phrases": {}, "car": [{"navigate": "home"}]}, "phrases"),
        ({"name": "x", "phrases": {"en": ["go"]}, "car": [{"path": TEMP}]}, "needs a value"),
        ({"name": "x", "phrases": {"en": ["go"]}, "car": [{"path": TEMP, "value": 1, "navigate": "home"}]}, "either"),
        ({"name": "bad name!", "phrases": {"en": ["go"]}, "car": [{"navigate": "home"}]}, "name"),
        ({"name": "x", "phrases": {"en": ["go"]}, "home": [{"entity_id": "Light Porch", "state": "on"}]}, "entity_id"),
        ({"name": "x", "phrases": {"en": ["go"]}, "home": [{"entity_id": "light.porch"}]}, "state or service"),
    ],
)
def test_scene_errors_name_the_problem(doc: dict[str, Any], words: str) -> None:
    with pytest.raises(ProfileError) as err:
        parse_scene(doc)
    assert words in str(err.value)


def test_normalised_phrases_ignore_form_not_words() -> None:
    assert normalise_phrase("Take me HOME!") == normalise_phrase("take me home")
    assert normalise_phrase("take me home") != normalise_phrase("take me to work")


async def test_a_scene_moves_the_car_and_the_home(tmp_path: Path) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()

    async def confirm(values: dict[str, Value]) -> None:
        broker.publish(values)

    broker.provide(["Vehicle.Cabin.HVAC", "Vehicle.Cabin.Infotainment.Navigation"], confirm)
    received: list[dict[str, Any]] = []

    async def home_service(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = json.loads(await reader.readline())
        received.append(request)
        ok = request["entity_id"] != "lock.front_door"
        answer = {"ok": True, "entity": {}} if ok else {"ok": False, "code": "refused", "error": "door jammed"}
        writer.write(json.dumps(answer).encode() + b"\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(home_service, path=str(tmp_path / "home.sock"))
    scene = Scene(
        name="arrive",
        phrases={"en": ["I'm going home"]},
        car=[SceneAction(navigate="home"), SceneAction(path=TEMP, value=21.5)],
        home=[
            HomeStep(entity_id="climate.living_room", service="set_temperature", data={"temperature": 21}),
            HomeStep(entity_id="lock.front_door", state="unlocked"),
        ],
    )
    report = await run_scene(InProcessClient(broker), scene, places=[HOME], data_dir=tmp_path)
    assert broker.current_value(TEMP) == 21.5
    assert broker.current_value(f"{NAV}.Latitude") == HOME.latitude
    assert report.home_done == ["climate.living_room"]
    assert report.failed == {"lock.front_door": "door jammed"}
    assert received[0] == {
        "op": "call",
        "entity_id": "climate.living_room",
        "service": "set_temperature",
        "data": {"temperature": 21},
    }
    server.close()
    await server.wait_closed()
    await broker.stop()


async def test_what_cannot_be_done_is_reported_not_raised(tmp_path: Path) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()
    scene = Scene(
        name="x",
        phrases={"en": ["go"]},
        car=[SceneAction(navigate="gym"), SceneAction(path=TEMP, value=21.0)],
        home=[HomeStep(entity_id="light.porch", state="on")],
    )
    report = await run_scene(InProcessClient(broker), scene, places=[HOME], data_dir=tmp_path)
    assert "no favourite place" in report.failed["navigate:gym"]
    assert report.applied == {} and "no provider" in report.failed[TEMP].lower()
    assert "cannot be reached" in report.failed["light.porch"]
    await broker.stop()
