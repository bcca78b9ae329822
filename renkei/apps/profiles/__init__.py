"""Profiles and personalisation: each person's car, applied when they get in; habits learned.

Flow: `run_profiles(client, data_dir)` (started by `renkei run`) → `ProfilesApp` follows
`Vehicle.Cabin.Infotainment.HMI.ActiveProfile`, applies that person's `Profile` through the
broker, learns what they set (`HabitLearner`) and offers suggestions on `HMI.Suggestion`;
answers come back on `HMI.SuggestionResponse`, which this app provides. Scenes
(`scene_for_phrase`) turn a custom phrase into several car and home actions; the assistant
offers every utterance on `HMI.SceneRequest` (provided here when the catalog has it) and a
scene phrase wins over its own grammar.

    await run_profiles(client, settings.data_dir, stop=stop_event)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from renkei.apps.profiles.app import ApplyReport, ProfilesApp, parse_response
from renkei.apps.profiles.habits import Context, HabitLearner, Kernel, SuggestedAction, Suggestion
from renkei.apps.profiles.model import GUEST, Place, Profile, ProfileError, guest_profile, parse_profile
from renkei.apps.profiles.scenes import HomeStep, Scene, SceneAction, SceneBook, run_scene, scene_for_phrase
from renkei.apps.profiles.store import ProfileStore
from renkei.client import VehicleClient


async def run_profiles(client: VehicleClient, data_dir: Path, *, stop: asyncio.Event | None = None) -> None:
    """The profiles app until `stop` is set (or forever)."""
    await ProfilesApp(client, data_dir).run(stop)


__all__ = [
    "GUEST",
    "ApplyReport",
    "Context",
    "HabitLearner",
    "HomeStep",
    "Kernel",
    "Place",
    "Profile",
    "ProfileError",
    "ProfileStore",
    "ProfilesApp",
    "Scene",
    "SceneAction",
    "SceneBook",
    "SuggestedAction",
    "Suggestion",
    "guest_profile",
    "parse_profile",
    "parse_response",
    "run_profiles",
    "run_scene",
    "scene_for_phrase",
]
