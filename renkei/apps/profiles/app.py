"""The profiles app: follow who is in the car, set the car up for them, learn, and anticipate.

Flow: watch `Vehicle.Cabin.Infotainment.HMI.ActiveProfile` (whoever asks for a change — the
assistant on a recognised voice, a paired phone, the cockpit's picker — the HMI confirms it,
and the confirmed value is what counts) → load that person's profile (the guest profile for
strangers and unknown ids) → actuate every setting through the broker, one batch per part of
the car in parallel, so it lands within a second and one missing controller never blocks the
rest → open a habit session with the context (time, weekday, outside temperature, location,
who is aboard) → publish a suggestion on `HMI.Suggestion` if the person's history makes one
likely → learn from the answer on `HMI.SuggestionResponse` (this app provides it) and from
every target the person sets themselves (TARGET subscription; our own actuations are
recognised and not learned from).

    app = ProfilesApp(client, data_dir)
    await app.run(stop)            # until stop is set
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from renkei.apps.profiles.habits import LEARNED_PATHS, Context, HabitLearner, Suggestion
from renkei.apps.profiles.model import (
    ACTIVE_PROFILE,
    GUEST,
    HMI,
    Profile,
    ProfileError,
    all_setting_paths,
    guest_profile,
    profile_targets,
    remember,
)
from renkei.apps.profiles.scenes import Scene, SceneBook, SceneReport, run_scene
from renkei.apps.profiles.store import ProfileStore
from renkei.client import BrokerError, Datapoint, ErrorCode, Field, Principal, Updates, VehicleClient
from renkei.vss import EntryType, Value

log = logging.getLogger(__name__)

SUGGESTION = f"{HMI}.Suggestion"
RESPONSE = f"{HMI}.SuggestionResponse"
# Utterances offered by the assistant before its own grammar (see `_on_scene_request`).
SCENE_REQUEST = f"{HMI}.SceneRequest"
MAX_SCENE_REQUEST = 4096
OUTSIDE = "Vehicle.Exterior.AirTemperature"
LATITUDE = "Vehicle.CurrentLocation.Latitude"
LONGITUDE = "Vehicle.CurrentLocation.Longitude"
OCCUPANTS = "Vehicle.Occupant.*.*.Identifier.Subject"
ECHO_SECONDS = 5.0  # a target equal to one we set this recently is our own echo
MAX_RESPONSE = 4096


@dataclass
class ApplyReport:
    person: str
    applied: dict[str, Value] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # settings this car has no actuator for
    unserved: list[str] = field(default_factory=list)  # actuators nobody serves right now
    seconds: float = 0.0


class ProfilesApp:
    def __init__(
        self,
        client: VehicleClient,
        data_dir: Path,
        *,
        learner: HabitLearner | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.data_dir = Path(data_dir)
        self.store = ProfileStore(self.data_dir)
        self.scenes = SceneBook(self.store)
        self.learner = learner or HabitLearner(self.store)
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.active: str | None = None
        self.available: set[str] = set()
        self.context_values: dict[str, Value | None] = {}
        self.occupants: dict[str, str] = {}
        self.suggestion: Suggestion | None = None
        self.last_apply: ApplyReport | None = None
        self.applied = asyncio.Event()  # set after each profile application (tests, CLI)
        self.ready = asyncio.Event()  # set once every subscription is in place
        self._echo: dict[str, tuple[Value, float]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._expiry: asyncio.Task[None] | None = None
        for profile_id in self.store.ids():
            profile = self.store.get(profile_id)
            if profile is not None and profile.learning_paused and profile_id != GUEST:
                self.learner.pause(profile_id)

    # -- start-up ------------------------------------------------------------------------------
    async def _discover(self) -> None:
        """Which of the settings and learned signals this car actually has as actuators."""
        wanted = {*all_setting_paths(), *LEARNED_PATHS}
        for path in sorted(wanted):
            try:
                signals = await self.client.metadata(path)
            except BrokerError:
                continue
            if signals and signals[0].entry_type is EntryType.ACTUATOR:
                self.available.add(path)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        await self._discover()
        provider = await self.client.provide([RESPONSE, SUGGESTION], self._on_response)
        scene_provider = await self._serve_scenes()
        subscriptions: list[Updates] = []
        try:
            subscriptions.append(self.client.subscribe([ACTIVE_PROFILE]))
            watchers = [self._watch_profile(subscriptions[-1])]
            learned = sorted(self.available)
            if learned:
                # Targets set before we started are nobody's act now; the subscription repeats them.
                before = await self.client.get(learned, field=Field.TARGET)
                subscriptions.append(self.client.subscribe(learned, field=Field.TARGET))
                watchers.append(self._watch_targets(subscriptions[-1], before))
            patterns = [p for p in (OUTSIDE, LATITUDE, LONGITUDE, OCCUPANTS) if await self._exists(p)]
            if patterns:
                subscriptions.append(self.client.subscribe(patterns))
                watchers.append(self._watch_context(subscriptions[-1]))
            self._tasks = [asyncio.create_task(w) for w in watchers]
            self.ready.set()
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait([stopper, *self._tasks], return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            for task in done:
                error = None if task is stopper or task.cancelled() else task.exception()
                if error is not None:
                    raise error
            if stopper not in done:  # a subscription ended under us: let the supervisor restart us
                raise BrokerError(ErrorCode.UNAVAILABLE, "", "a profiles subscription ended", "subscription")
        finally:
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, BrokerError):
                    await task
            if self._expiry is not None:
                self._expiry.cancel()
            for sub in subscriptions:
                sub.close()
            if self.active is not None:
                self.learner.end_session(self.active)
            if scene_provider is not None:
                scene_provider.close()
            provider.close()
            self.store.close()

    # -- the active person ------------------------------------------------------------------------
    async def _watch_profile(self, sub: Updates) -> None:
        async for changes in sub:
            dp = changes.get(ACTIVE_PROFILE)
            if dp is None or not isinstance(dp.value, str) or dp.value == self.active:
                continue
            try:
                await self.activate(dp.value)
            except (BrokerError, ProfileError) as err:
                log.warning("could not switch to profile %r: %s", dp.value, err)

    def profile_for(self, person: str) -> Profile:
        try:
            profile = self.store.get(person)
        except ProfileError as err:
            log.warning("profile %r cannot be used (%s); applying the guest profile", person, err)
            return guest_profile()
        if profile is None:
            log.info("no profile for %r yet; applying the guest profile", person)
            return guest_profile()
        return profile

    async def activate(self, person: str) -> ApplyReport:
        """Make `person` the one the car follows: apply, start a session, maybe suggest."""
        if self.active is not None:
            self.learner.end_session(self.active)
        self.active = person
        await self._withdraw()
        profile = self.profile_for(person)
        report = await self.apply(profile)
        report.person = person
        if profile.id != GUEST:  # a real, stored person (unknown and malformed ids got the guest)
            # the CLI may have paused learning or wiped history since we last saw this person
            self.learner.pause(person, profile.learning_paused)
            self.learner.reload(person)
            context = self.context()
            self.learner.start_session(person, context)
            suggestion = self.learner.suggest(person, context, places=profile.places, when=self.clock())
            if suggestion is not None:
                await self._offer(suggestion)
        self.last_apply = report
        self.applied.set()
        return report

    async def apply(self, profile: Profile) -> ApplyReport:
        """Actuate every setting of `profile` this car has, one batch per part of the car."""
        started = time.perf_counter()
        report = ApplyReport(profile.id)
        groups = profile_targets(profile)
        batches: list[dict[str, Value]] = []
        for batch in groups.values():
            present = {p: v for p, v in batch.items() if p in self.available}
            report.skipped.extend(p for p in batch if p not in self.available)
            if present:
                batches.append(present)

        def record(path: str, err: BrokerError) -> None:
            if err.code is ErrorCode.UNAVAILABLE and not err.message.startswith("provider "):
                report.unserved.append(path)  # this car build has no controller for it (yet)
            else:
                report.failed[path] = str(err)

        async def one(batch: dict[str, Value]) -> None:
            self._remember_echo(batch)
            try:
                await self.client.actuate(batch)
                report.applied.update(batch)
                return
            except BrokerError as err:
                if len(batch) == 1:
                    record(next(iter(batch)), err)
                    return
            # one refused setting must not cost the others theirs
            for path, value in batch.items():
                try:
                    await self.client.actuate({path: value})
                    report.applied[path] = value
                except BrokerError as err:
                    record(path, err)

        await asyncio.gather(*(one(b) for b in batches))
        report.seconds = time.perf_counter() - started
        if report.failed:
            log.warning("profile %s: %d settings not applied: %s", profile.id, len(report.failed), report.failed)
        if report.unserved:
            log.info("profile %s: no controller serves %s", profile.id, ", ".join(sorted(report.unserved)))
        return report

    # -- learning --------------------------------------------------------------------------------------
    def _remember_echo(self, values: Mapping[str, Value]) -> None:
        now = time.monotonic()
        for path, value in values.items():
            self._echo[path] = (value, now)

    def _is_echo(self, path: str, value: Value | None) -> bool:
        seen = self._echo.get(path)
        return seen is not None and seen[0] == value and time.monotonic() - seen[1] < ECHO_SECONDS

    async def _watch_targets(self, sub: Updates, before: dict[str, Datapoint | None]) -> None:
        async for changes in sub:
            for path, dp in changes.items():
                if before.pop(path, None) == dp:
                    continue
                if dp.value is None or self._is_echo(path, dp.value):
                    continue
                self.person_set(path, dp.value)

    def person_set(self, path: str, value: Value) -> None:
        """The active person changed a setting themselves: learn it, and remember it if static."""
        person = self.active
        if person is None or person == GUEST:
            return
        profile = self.store.get(person)
        if profile is None:
            return
        self.learner.pause(person, profile.learning_paused)
        self.learner.observe(person, path, value)
        if profile.remember_adjustments and not profile.learning_paused:
            updated = remember(profile, path, value)
            if updated is not None:
                self.store.put(updated)

    async def _watch_context(self, sub: Updates) -> None:
        async for changes in sub:
            for path, dp in changes.items():
                if path.endswith("Identifier.Subject"):
                    if isinstance(dp.value, str) and dp.value:
                        self.occupants[path] = dp.value
                    else:
                        self.occupants.pop(path, None)
                else:
                    self.context_values[path] = dp.value

    async def _exists(self, pattern: str) -> bool:
        try:
            return bool(await self.client.metadata(pattern))
        except BrokerError:
            return False

    def context(self) -> Context:
        def number(path: str) -> float | None:
            value = self.context_values.get(path)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

        aboard = set(self.occupants.values())
        if self.active is not None and self.active != GUEST:
            aboard.add(self.active)
        return Context.at(
            self.clock(),
            outside_temp=number(OUTSIDE),
            latitude=number(LATITUDE),
            longitude=number(LONGITUDE),
            aboard=aboard,
        )

    # -- suggestions -----------------------------------------------------------------------------------
    async def _offer(self, suggestion: Suggestion) -> None:
        self.suggestion = suggestion
        await self.client.publish({SUGGESTION: json.dumps(suggestion.to_json(), ensure_ascii=False)})
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.create_task(self._expire(suggestion))

    async def _expire(self, suggestion: Suggestion) -> None:
        """An unanswered suggestion leaves the screen when it expires; silence teaches nothing."""
        await asyncio.sleep(max(0.0, suggestion.expires - time.time()))
        if self.suggestion is suggestion:
            with contextlib.suppress(BrokerError):
                await self._withdraw()

    async def _withdraw(self) -> None:
        if self.suggestion is not None:
            self.suggestion = None
            await self.client.publish({SUGGESTION: "{}"})

    async def _on_response(self, values: dict[str, Value]) -> None:
        raw = values.get(RESPONSE)
        if raw is None:
            raise BrokerError.invalid(next(iter(values)), "only SuggestionResponse can be actuated here", "provider")
        answer = parse_response(raw)
        suggestion = self.learner.open_suggestion(answer["id"])
        if suggestion is None:
            raise BrokerError(ErrorCode.NOT_FOUND, RESPONSE, f"no open suggestion {answer['id']!r}", "suggestion-id")
        if suggestion.expires < time.time():
            self.learner.drop(answer["id"])
            await self._withdraw()
            raise BrokerError(ErrorCode.FAILED_PRECONDITION, RESPONSE, "that suggestion has expired", "expired")
        self.learner.answer(answer["id"], answer["accepted"])
        await self.client.publish({RESPONSE: raw})
        await self._withdraw()
        if answer["accepted"]:
            # each suggested setting on its own (a destination is one setting of two paths), so a
            # car without navigation still gets the temperature it was asked for
            for action in suggestion.actions:
                targets = action.targets()
                self._remember_echo(targets)
                try:
                    await self.client.actuate(targets)
                except BrokerError as err:
                    log.warning("accepted suggestion %s: %s not carried out: %s", suggestion.id, action.key, err)

    # -- scenes ----------------------------------------------------------------------------------------
    async def run_scene(
        self, scene: Scene, *, person: str | None = None, allowed: Principal | None = None
    ) -> SceneReport:
        """Run a scene with `person`'s favourite places (default: the active person's)."""
        who = person or self.active
        places = self.profile_for(who).places if who else []
        self._remember_echo(scene.resolve(places)[0])
        return await run_scene(self.client, scene, places=places, data_dir=self.data_dir, allowed=allowed)

    async def _serve_scenes(self) -> Any:
        """Provide SceneRequest when this car's catalog has it; without it scenes run only on call."""
        if not await self._exists(SCENE_REQUEST):
            log.info("no %s in the catalog: scene phrases are not offered to the assistant", SCENE_REQUEST)
            return None
        try:
            return await self.client.provide([SCENE_REQUEST], self._on_scene_request)
        except BrokerError as err:  # no right, or another owner: the rest of the app still works
            log.warning("scene phrases are not served: %s", err)
            return None

    async def _on_scene_request(self, values: dict[str, Value]) -> None:
        """The rule where scenes and the assistant meet: a configured scene phrase wins.

        The assistant offers every utterance here before its own grammar. When the text is a
        scene phrase (the speaker's own scenes first, then everyone's), this app runs the whole
        scene — its navigation goes to the person's own favourite place — with at most the
        rights in the request's `scope`, publishes the outcome as SceneRequest's current value
        and returns; the assistant then does not act on the text itself. Any other text is
        refused with NOT_FOUND (rule "no-scene") and the assistant carries on.
        """
        raw = values.get(SCENE_REQUEST)
        request = parse_scene_request(raw)
        speaker = request["speaker"]
        person = speaker if speaker and speaker != GUEST else (self.active if self.active != GUEST else None)
        scene = self.scenes.scene_for_phrase(request["text"], request["lang"], person=person)
        if scene is None:
            raise BrokerError(ErrorCode.NOT_FOUND, SCENE_REQUEST, "no scene has this phrase", "no-scene")
        allowed = None
        if request["scope"] is not None:
            try:
                allowed = Principal.from_scope_string(request["scope"], subject=speaker or request["seat"] or "")
            except ValueError as err:  # a malformed scope (ScopeError)
                raise BrokerError.invalid(SCENE_REQUEST, f'"scope": {err}', "scene-request") from None
        report = await self.run_scene(scene, person=person, allowed=allowed)
        outcome = {
            "id": request["id"],
            "scene": scene.name,
            "applied": report.applied,
            "failed": report.failed,
            "home": report.home_done,
            "missing_places": report.missing_places,
        }
        await self.client.publish({SCENE_REQUEST: json.dumps(outcome, ensure_ascii=False)})


def _json_object(raw: object, path: str, limit: int, rule: str, shape: str) -> dict[str, Any]:
    """The JSON object an app request signal carries, or INVALID_ARGUMENT naming what was wrong."""
    if not isinstance(raw, str) or len(raw) > limit:
        raise BrokerError.invalid(path, f"must be JSON text of at most {limit} characters", rule)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise BrokerError.invalid(path, f"is not JSON ({err.msg} at character {err.pos})", rule) from None
    if not isinstance(data, dict):
        raise BrokerError.invalid(path, f"must be a JSON object {shape}", rule)
    return data


def parse_scene_request(raw: object) -> dict[str, Any]:
    """{"id", "text", "lang", "seat", "speaker", "scope"} from SceneRequest, or INVALID_ARGUMENT."""

    def bad(message: str) -> BrokerError:
        return BrokerError.invalid(SCENE_REQUEST, message, "scene-request")

    data = _json_object(raw, SCENE_REQUEST, MAX_SCENE_REQUEST, "scene-request", '{"id", "text", "lang", ...}')
    if not isinstance(data.get("text"), str) or not data["text"].strip():
        raise bad('"text" must be the words said')
    if not isinstance(data.get("id", ""), str):
        raise bad('"id" must be text')
    for name in ("lang", "seat", "speaker", "scope"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise bad(f'"{name}" must be text or null')
    return {
        "id": data.get("id", ""),
        "text": data["text"],
        "lang": data.get("lang") or "en",
        "seat": data.get("seat"),
        "speaker": data.get("speaker") or None,
        "scope": data.get("scope"),
    }


def parse_response(raw: object) -> dict[str, Any]:
    """{"id": str, "accepted": bool} from the JSON text on SuggestionResponse, or INVALID_ARGUMENT."""

    def bad(message: str) -> BrokerError:
        return BrokerError.invalid(RESPONSE, message, "suggestion-response")

    data = _json_object(raw, RESPONSE, MAX_RESPONSE, "suggestion-response", '{"id": ..., "accepted": true|false}')
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise bad('"id" must name the suggestion being answered')
    if not isinstance(data.get("accepted"), bool):
        raise bad('"accepted" must be true or false')
    return {"id": data["id"], "accepted": data["accepted"]}
