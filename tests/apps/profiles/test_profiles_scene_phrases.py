"""Scene phrases vs the assistant's own navigation: a configured scene phrase wins, the scene
navigates to the person's own place, and the assistant does not also act. The two apps meet on
`HMI.SceneRequest` (in the platform overlay), never by import."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from renkei.apps.assistant import Assistant, AssistantSettings
from renkei.apps.assistant.settings import DEFAULT_PLACES
from renkei.apps.profiles import HomeStep, Place, Profile, ProfilesApp, ProfileStore, Scene, SceneAction, run_scene
from renkei.apps.profiles.app import SCENE_REQUEST
from renkei.broker import Broker, BrokerError, ErrorCode, Principal
from renkei.client import InProcessClient
from renkei.runtime import COMPONENT_SCOPES
from renkei.vss import EntryType, Value, load_default_catalog

NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
LAT, LON = f"{NAV}.Latitude", f"{NAV}.Longitude"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
# A car whose catalog predates scene requests (an older platform overlay).
WITHOUT_SCENES = f"{SCENE_REQUEST}:\n  delete: true\n"
PROFILES_SCOPE = COMPONENT_SCOPES["profiles"]
MEI_HOME = Place(name="Home", latitude=35.6581, longitude=139.7017, kind="home")


@dataclass
class Cabin:
    broker: Broker
    assistant: Assistant
    app: ProfilesApp | None
    changes: list[dict[str, Value]]


def catalog_without_scene_requests(tmp_path: Path) -> Any:
    overlay = tmp_path / "no-scenes.vspec"
    overlay.write_text(WITHOUT_SCENES)
    return load_default_catalog([overlay])


async def start_cabin(tmp_path: Path, *, profiles: bool = True, scene_signal: bool = True) -> tuple[Cabin, Any]:
    broker = Broker(load_default_catalog() if scene_signal else catalog_without_scene_requests(tmp_path))
    await broker.start()
    changes: list[dict[str, Value]] = []

    async def car(values: dict[str, Value]) -> None:
        changes.append(values)
        broker.publish(values)

    actuators = [
        s.path
        for s in broker.catalog.match("Vehicle.Cabin")
        if s.entry_type is EntryType.ACTUATOR and not s.path.startswith("Vehicle.Cabin.Infotainment.HMI.")
    ]
    broker.provide(actuators, car, name="car")
    store = ProfileStore(tmp_path / "data")
    store.put(Profile(id="mei", display_name="Mei", places=[MEI_HOME]))
    store.close()
    app = None
    stop = asyncio.Event()
    task = None
    if profiles:
        client = InProcessClient(broker, Principal.from_scope_string(PROFILES_SCOPE, subject="profiles"))
        app = ProfilesApp(client, tmp_path / "data")
        task = asyncio.create_task(app.run(stop))
        await asyncio.wait_for(app.ready.wait(), 5)
    assistant_client = InProcessClient(
        broker, Principal.from_scope_string(COMPONENT_SCOPES["assistant"], subject="assistant")
    )
    cabin = Cabin(broker, Assistant(assistant_client, AssistantSettings()), app, changes)

    async def close() -> None:
        stop.set()
        if task is not None:
            await asyncio.wait_for(task, 5)
        await broker.stop()

    return cabin, close


@pytest.fixture
async def cabin(tmp_path: Path) -> AsyncIterator[Cabin]:
    found, close = await start_cabin(tmp_path)
    yield found
    await close()


@pytest.mark.parametrize(
    ("text", "lang", "said"),
    [
        ("I'm going home", "en", "Scene going-home: done."),
        ("我要回家。", "zh-CN", "场景“going-home”已执行。"),
        ("家に帰る", "ja", "シーン「going-home」を実行しました。"),
    ],
)
async def test_a_scene_phrase_runs_the_scene_and_the_assistant_does_not_also_navigate(
    cabin: Cabin, text: str, lang: str, said: str
) -> None:
    result = await cabin.assistant.handle_text(text, lang=lang, speaker="mei")
    assert result.source == "scene" and result.scene == "going-home" and result.text == said
    # one destination, Mei's own home — not the assistant's default "home"
    assert cabin.changes == [{LAT: MEI_HOME.latitude, LON: MEI_HOME.longitude}]
    assert cabin.broker.current_value(LAT) == MEI_HOME.latitude
    assert {c.path for c in result.changes} == {LAT, LON}
    reply = result.as_dict()
    assert reply["scene"] == "going-home" and reply["home"] == []  # nothing for the home app to redo


async def test_other_navigation_stays_the_assistants(cabin: Cabin) -> None:
    result = await cabin.assistant.handle_text("navigate to work", speaker="mei")
    assert result.source == "templates" and result.scene is None
    assert cabin.broker.current_value(LAT) == DEFAULT_PLACES["work"][0]


async def test_the_active_persons_places_are_used_when_nobody_is_named(cabin: Cabin) -> None:
    assert cabin.app is not None
    cabin.app.active = "mei"  # chosen on the cockpit; the voice was not recognised
    result = await cabin.assistant.handle_text("take me home")
    assert result.scene == "going-home" and cabin.broker.current_value(LON) == MEI_HOME.longitude


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "I don't know where"), ("zh-CN", "我还不知道"), ("ja", "まだ分かりません")],
)
async def test_a_scene_whose_place_is_unknown_says_so_and_navigates_nowhere(
    cabin: Cabin, lang: str, words: str
) -> None:
    text = {"en": "take me home", "zh-CN": "带我回家", "ja": "帰宅します"}[lang]
    result = await cabin.assistant.handle_text(text, lang=lang)  # a stranger: no favourite places
    assert result.scene == "going-home" and words in result.text
    assert result.changes == [] and cabin.changes == []
    assert cabin.broker.current_value(LAT) is None  # and the assistant did not navigate either


async def test_a_scene_does_no_more_than_the_speakers_seat_may(cabin: Cabin) -> None:
    result = await cabin.assistant.handle_text("I'm going home", seat="rear-left", speaker="mei")
    assert result.scene == "going-home" and result.changes == []
    assert "Not done" in result.text and LAT in result.text
    assert cabin.changes == []


async def test_without_the_profiles_app_the_assistant_navigates_itself(tmp_path: Path) -> None:
    cabin, close = await start_cabin(tmp_path, profiles=False)
    try:
        result = await cabin.assistant.handle_text("take me home")
        assert result.source == "templates" and result.scene is None
        assert cabin.broker.current_value(LAT) == DEFAULT_PLACES["home"][0]
    finally:
        await close()


async def test_a_catalog_without_scene_requests_is_asked_once(tmp_path: Path) -> None:
    cabin, close = await start_cabin(tmp_path, profiles=True, scene_signal=False)
    try:
        await cabin.assistant.handle_text("take me home")
        assert cabin.assistant.scenes is not None and cabin.assistant.scenes.absent
        assert cabin.broker.current_value(LAT) == DEFAULT_PLACES["home"][0]
    finally:
        await close()


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("not json", ErrorCode.INVALID_ARGUMENT, "is not JSON"),
        ("[1]", ErrorCode.INVALID_ARGUMENT, "JSON object"),
        ('{"text": ""}', ErrorCode.INVALID_ARGUMENT, '"text"'),
        ('{"text": 5}', ErrorCode.INVALID_ARGUMENT, '"text"'),
        ('{"text": "回家", "id": 3}', ErrorCode.INVALID_ARGUMENT, '"id"'),
        ('{"text": "回家", "speaker": ["mei"]}', ErrorCode.INVALID_ARGUMENT, '"speaker"'),
        ('{"text": "回家", "scope": "fly:everywhere"}', ErrorCode.INVALID_ARGUMENT, '"scope"'),
        ('{"text": "open the pod bay doors"}', ErrorCode.NOT_FOUND, "no scene"),
        (json.dumps({"text": "x" * 5000}), ErrorCode.INVALID_ARGUMENT, "at most 4096"),
    ],
)
async def test_hostile_scene_requests_are_refused_by_name(cabin: Cabin, raw: str, code: ErrorCode, words: str) -> None:
    with pytest.raises(BrokerError) as caught:
        await cabin.broker.actuate({SCENE_REQUEST: raw})
    assert caught.value.code is code and words in caught.value.message
    assert cabin.changes == []


async def test_run_scene_keeps_home_steps_to_those_who_may_unlock(tmp_path: Path) -> None:
    broker = Broker(load_default_catalog())
    await broker.start()
    broker.provide([TEMP], lambda values: _confirm(broker, values), name="car")
    scene = Scene(
        name="arrive",
        phrases={"en": ["I'm here"]},
        car=[SceneAction(path=TEMP, value=21.0)],
        home=[HomeStep(entity_id="cover.garage_door", service="open_cover")],
    )
    rear = Principal.from_scope_string("read actuate:Vehicle.Cabin.HVAC", subject="rear-left")
    report = await run_scene(InProcessClient(broker), scene, data_dir=tmp_path, allowed=rear)
    assert report.applied == {TEMP: 21.0}
    assert report.failed == {"cover.garage_door": "rear-left may not command the home"}
    await broker.stop()


async def _confirm(broker: Broker, values: dict[str, Value]) -> None:
    broker.publish(values)
