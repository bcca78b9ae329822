"""Custom scenes: a phrase a person says ("I'm going home" / "我要回家" / "家に帰る") that sets
several things in the car and at home at once.

Flow: scenes are stored in `ProfileStore` as validated `Scene` documents → the assistant offers
each utterance to the profiles app on `HMI.SceneRequest` before its own grammar (a configured
scene phrase wins; see `ProfilesApp._on_scene_request`), which asks
`SceneBook.scene_for_phrase(text, lang)`; the match ignores case, width, punctuation and spacing →
`run_scene(client, scene, places=...)` actuates the car part through the broker (grouped, so one
missing controller does not block the rest) and sends the home part to the home app's service
socket (`<data dir>/home.sock`, JSON lines) without importing the home app.

    book = SceneBook(ProfileStore(data_dir))
    book.put(Scene(name="going-home", phrases={"en": ["I'm going home"], "zh-CN": ["我要回家"]},
                   car=[SceneAction(navigate="home"), SceneAction(path=TEMP, value=21.5)],
                   home=[HomeStep(entity_id="climate.living_room", service="set_temperature",
                                  data={"temperature": 21})]))
    scene = book.scene_for_phrase("我要回家。", "zh-CN")
    report = await run_scene(client, scene, places=profile.places, data_dir=data_dir)
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from renkei.apps.profiles.model import Lang, Place, ProfileError
from renkei.apps.profiles.store import ProfileStore
from renkei.client import BrokerError, Principal, VehicleClient
from renkei.vss import Value

NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
# Whoever may unlock the car may run a scene's home steps (open the garage, unlock the door).
HOME_RIGHT = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"
HOME_SOCKET = "home.sock"
HOME_TIMEOUT = 5.0
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_phrase(text: str) -> str:
    """Compare phrases the way a person hears them: width, case, punctuation and spaces ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return _PUNCT.sub("", folded)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SceneAction(_Strict):
    """One car setting: a VSS actuator and its value, or a destination from the person's places."""

    path: str | None = Field(default=None, min_length=1, max_length=256)
    value: Value | None = None
    navigate: str | None = Field(default=None, min_length=1, max_length=80, description="a place kind or name")

    @model_validator(mode="after")
    def _one_kind(self) -> SceneAction:
        if (self.path is None) == (self.navigate is None):
            raise ValueError("give either path and value, or navigate")
        if self.path is not None and self.value is None:
            raise ValueError(f"{self.path} needs a value")
        return self


class HomeStep(_Strict):
    """One home device command, as the home app's service understands it."""

    entity_id: str = Field(min_length=3, max_length=80, pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    state: str | None = Field(default=None, max_length=40)
    service: str | None = Field(default=None, max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> HomeStep:
        if (self.state is None) == (self.service is None):
            raise ValueError("give either state or service")
        return self

    def request(self) -> dict[str, Any]:
        if self.state is not None:
            return {"op": "set", "entity_id": self.entity_id, "state": self.state}
        return {"op": "call", "entity_id": self.entity_id, "service": self.service, "data": self.data}


class Scene(_Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    owner: str | None = Field(default=None, max_length=64, description="the person it belongs to; None: everyone")
    phrases: dict[Lang, list[str]] = Field(min_length=1)
    car: list[SceneAction] = Field(default_factory=list, max_length=50)
    home: list[HomeStep] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _check(self) -> Scene:
        if not self.car and not self.home:
            raise ValueError("a scene needs at least one car or home action")
        for lang, phrases in self.phrases.items():
            if not phrases or any(not normalise_phrase(p) or len(p) > 200 for p in phrases):
                raise ValueError(f"phrases.{lang}: give 1 or more phrases of 1–200 characters")
        return self

    def targets(self, places: list[Place] | tuple[Place, ...] = ()) -> dict[str, Value]:
        """The car settings to actuate; a destination is looked up in `places` (kind or name)."""
        targets, problems = self.resolve(places)
        if problems:
            raise ProfileError(next(iter(problems.values())))
        return targets

    def resolve(self, places: list[Place] | tuple[Place, ...] = ()) -> tuple[dict[str, Value], dict[str, str]]:
        """(the car settings that can be resolved, {action: why not} for those that cannot)."""
        out: dict[str, Value] = {}
        problems: dict[str, str] = {}
        for action in self.car:
            if action.navigate is not None:
                wanted = action.navigate.casefold()
                place = next((p for p in places if p.kind == wanted or p.name.casefold() == wanted), None)
                if place is None:
                    problems[f"navigate:{action.navigate}"] = (
                        f"car.navigate: no favourite place called {action.navigate!r}"
                    )
                    continue
                out[f"{NAV}.Latitude"] = place.latitude
                out[f"{NAV}.Longitude"] = place.longitude
            elif action.path is not None and action.value is not None:
                out[action.path] = action.value
        return out, problems


def parse_scene(data: object) -> Scene:
    try:
        return Scene.model_validate(data)
    except ValidationError as err:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'scene'}: {e['msg']}" for e in err.errors()]
        raise ProfileError("scene: " + "; ".join(problems)) from None


def default_scenes() -> list[Scene]:
    """The scenes every car starts with; people add their own or change these."""
    return [
        Scene(
            name="going-home",
            phrases={
                "en": ["I'm going home", "I am going home", "take me home", "going home"],
                "zh-CN": ["我要回家", "回家", "带我回家"],
                "ja": ["家に帰る", "家に帰ります", "帰宅します"],
            },
            car=[SceneAction(navigate="home")],
            home=[],
        ),
        Scene(
            name="going-to-work",
            phrases={
                "en": ["I'm going to work", "take me to work"],
                "zh-CN": ["我要去上班", "去公司"],
                "ja": ["会社に行く", "仕事に行きます"],
            },
            car=[SceneAction(navigate="work")],
        ),
    ]


class SceneBook:
    """The stored scenes, looked up by phrase."""

    def __init__(self, store: ProfileStore) -> None:
        self.store = store
        if not store.scene_docs():
            for scene in default_scenes():
                self.put(scene)

    def all(self) -> list[Scene]:
        return [parse_scene(doc) for doc in self.store.scene_docs()]

    def put(self, scene: Scene) -> None:
        self.store.put_scene(scene.name, scene.model_dump(mode="json", exclude_none=True))

    def delete(self, name: str) -> bool:
        return self.store.delete_scene(name)

    def scene_for_phrase(self, text: str, lang: str, *, person: str | None = None) -> Scene | None:
        """The scene whose phrase this is (the speaker's language first, then any), or None."""
        if not isinstance(text, str) or not isinstance(lang, str) or len(text) > 500:
            return None
        said = normalise_phrase(text)
        if not said:
            return None
        scenes = [s for s in self.all() if s.owner in (None, person)]
        scenes.sort(key=lambda s: s.owner is None)  # the person's own scenes win
        for same_lang in (True, False):
            for scene in scenes:
                for phrase_lang, phrases in scene.phrases.items():
                    if (phrase_lang == lang) != same_lang:
                        continue
                    if any(normalise_phrase(p) == said for p in phrases):
                        return scene
        return None


def scene_for_phrase(text: str, lang: str, *, data_dir: Path | None = None, person: str | None = None) -> Scene | None:
    """The assistant's entry: the stored scene `text` names, in the platform's data directory."""
    if data_dir is None:
        from renkei.settings import load_settings

        data_dir = load_settings().data_dir
    store = ProfileStore(data_dir)
    try:
        return SceneBook(store).scene_for_phrase(text, lang, person=person)
    finally:
        store.close()


@dataclass
class SceneReport:
    applied: dict[str, Value] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # path or entity → reason
    home_done: list[str] = field(default_factory=list)
    missing_places: list[str] = field(default_factory=list)  # destinations the person has not saved


async def _home_request(socket_path: Path, request: dict[str, Any]) -> dict[str, Any]:
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(socket_path)), HOME_TIMEOUT)
    try:
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), HOME_TIMEOUT)
        answer: dict[str, Any] = json.loads(line or b"{}")
        return answer
    finally:
        writer.close()


async def run_scene(
    client: VehicleClient,
    scene: Scene,
    *,
    places: list[Place] | tuple[Place, ...] = (),
    data_dir: Path | None = None,
    allowed: Principal | None = None,
) -> SceneReport:
    """Do everything a scene says; what could not be done is reported, never raised.

    `allowed` narrows the scene to what the person who said it may do (a voice from the rear
    seat does not move the front seats); it never widens the client's own rights.
    """
    report = SceneReport()
    targets, problems = scene.resolve(places)
    report.failed.update(problems)
    report.missing_places = [a.navigate for a in scene.car if a.navigate and f"navigate:{a.navigate}" in problems]
    groups: dict[str, dict[str, Value]] = {}
    for path, value in targets.items():
        if allowed is not None and not allowed.may_actuate(path):
            report.failed[path] = f"{allowed.subject or 'this person'} may not change it"
            continue
        group = NAV if path.startswith(NAV) else path
        groups.setdefault(group, {})[path] = value

    async def one(batch: dict[str, Value]) -> None:
        try:
            await client.actuate(batch)
            report.applied.update(batch)
        except BrokerError as err:
            for path in batch:
                report.failed[path] = str(err)

    await asyncio.gather(*(one(b) for b in groups.values()))
    for step in scene.home:
        if allowed is not None and not allowed.may_actuate(HOME_RIGHT):
            report.failed[step.entity_id] = f"{allowed.subject or 'this person'} may not command the home"
            continue
        if data_dir is None:
            report.failed[step.entity_id] = "no data directory to find the home app in"
            continue
        try:
            answer = await _home_request(Path(data_dir) / HOME_SOCKET, step.request())
        except (OSError, TimeoutError, ValueError) as err:
            report.failed[step.entity_id] = f"the home app cannot be reached ({err})"
            continue
        if answer.get("ok"):
            report.home_done.append(step.entity_id)
        else:
            report.failed[step.entity_id] = str(answer.get("error", "refused"))
    return report


__all__ = [
    "HomeStep",
    "Scene",
    "SceneAction",
    "SceneBook",
    "SceneReport",
    "default_scenes",
    "normalise_phrase",
    "parse_scene",
    "run_scene",
    "scene_for_phrase",
]
