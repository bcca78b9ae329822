"""Profile documents and their store: validation that names the field, the guest profile, the
table from settings to VSS paths (checked against the official VSS 6.0 release), persistence."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from renkei.apps.profiles import GUEST, Profile, ProfileError, ProfileStore, guest_profile, parse_profile
from renkei.apps.profiles.model import SETTING_PATHS, all_setting_paths, profile_targets, remember
from renkei.vss import Catalog, EntryType, load_default_catalog
from renkei.vss.catalog import platform_overlay_path


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"id": "a", "climate": {"driver_temperature": 45}}, "climate.driver_temperature"),
        ({"id": "a", "seat": {"heating": 300}}, "seat.heating"),
        ({"id": "a", "seat": {"position_mm": "far"}}, "seat.position_mm"),
        ({"id": "a", "ambient": {"color": "orange"}}, "ambient.color"),
        ({"id": "a", "cockpit": {"language": "fr"}}, "cockpit.language"),
        ({"id": "a", "cockpit": {"visible_panels": ["MAP", "MAP"]}}, "cockpit.visible_panels"),
        ({"id": "a", "cockpit": {"visible_panels": ["RADAR"]}}, "cockpit.visible_panels.0"),
        ({"id": "a", "cockpit": {"visible_panels": []}}, "cockpit.visible_panels"),
        ({"id": "a", "places": [{"name": "x", "latitude": 123, "longitude": 0}]}, "places.0.latitude"),
        ({"id": "a", "mirrors": {"driver_pan": 101}}, "mirrors.driver_pan"),
        ({"id": "a", "media": {"volume": -1}}, "media.volume"),
        ({"id": "a", "sunroof": {"open": True}}, "sunroof"),
        ({"id": ""}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"id": "a\nb"}, "id"),
        ({"id": 7}, "id"),
        ({}, "id"),
        ({"id": "a", "places": [{"name": "p", "latitude": 1, "longitude": 1}] * 51}, "places"),
    ],
)
def test_errors_name_the_field(doc: dict[str, object], field: str) -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile(doc)
    assert f"{field}:" in str(err.value)


@pytest.mark.parametrize("doc", [None, "text", 42, [1, 2]])
def test_non_documents_are_refused(doc: object) -> None:
    with pytest.raises(ProfileError):
        parse_profile(doc)


@pytest.mark.shared
def test_every_setting_drives_a_vss_60_path(shared_dir: Path) -> None:
    official = Catalog.from_files([shared_dir / "vss" / "vss_release_6.0.json"])
    overlaid = Catalog.from_files([shared_dir / "vss" / "vss_release_6.0.json"], [platform_overlay_path()])
    for path in all_setting_paths():
        # VisiblePanels and DisplayLanguage are renkei's own overlay signals; the rest is plain VSS 6.0
        own = path.endswith(("VisiblePanels", "DisplayLanguage"))
        signal = overlaid.get(path) if own else official.get(path)
        assert signal is not None, f"{path} is not in VSS 6.0"
        assert signal.entry_type is EntryType.ACTUATOR, path


def test_profile_values_pass_the_default_catalogs_rules() -> None:
    from renkei.vss import compile_validator

    catalog = load_default_catalog()
    full = Profile.model_validate(
        {
            "id": "max",
            "seat": {"position_mm": 1000, "height_mm": 300, "tilt_deg": -20, "recline_deg": 60, "heating": -100},
            "mirrors": {"driver_pan": -100, "driver_tilt": 100, "passenger_pan": 0, "passenger_tilt": 0},
            "climate": {"driver_temperature": 16, "passenger_temperature": 30, "fan_speed": 100,
                        "air_conditioning": False},
            "ambient": {"on": False, "color": "#00ff00", "intensity": 1},
            "media": {"volume": 100},
            "cockpit": {"font_size": "EXTRA_LARGE", "day_night": "DAY", "distance_unit": "MILES",
                        "temperature_unit": "F", "visible_panels": ["DRIVING", "HOME", "ASSISTANT"]},
        }
    )  # fmt: skip
    groups = profile_targets(full)
    assert set(groups) == {"seat", "mirrors", "climate", "lights", "media", "cockpit"}
    for batch in groups.values():
        for path, value in batch.items():
            if path.endswith("CurrentLanguage"):
                continue
            compile_validator(catalog[path])(value)  # raises if the car would refuse it


def test_unset_settings_are_left_alone() -> None:
    groups = profile_targets(Profile(id="min", climate={"driver_temperature": 21}))  # type: ignore[arg-type]
    assert groups == {"climate": {"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 21.0}}


def test_guest_profile_is_neutral_and_does_not_learn() -> None:
    guest = guest_profile()
    assert guest.id == GUEST and guest.learning_paused and not guest.remember_adjustments
    assert guest.seat.position_mm is None and guest.places == []


def test_adjustments_are_remembered_for_static_settings_only() -> None:
    profile = Profile(id="mei")
    seat = remember(profile, "Vehicle.Cabin.Seat.Row1.DriverSide.Position", 250)
    assert seat is not None and seat.seat.position_mm == 250
    assert remember(seat, "Vehicle.Cabin.Seat.Row1.DriverSide.Position", 250) is None  # unchanged
    assert remember(profile, "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 20.0) is None  # habits learn it
    assert remember(profile, "Vehicle.Cabin.Seat.Row1.DriverSide.Position", 5000) is None  # beyond our range
    assert remember(profile, "Vehicle.Speed", 3) is None


def test_store_round_trip_delete_and_privacy(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    assert store.ids() == [GUEST] and store.get(GUEST) == guest_profile()
    store.put(Profile(id="王芳", display_name="王芳", media={"volume": 12}))  # type: ignore[arg-type]
    assert store.ids() == [GUEST, "王芳"]
    stored = store.get("王芳")
    assert stored is not None and stored.media.volume == 12
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.add_session("王芳", 1.0, {"hour": 8, "weekend": False})
    store.delete("王芳")
    assert store.get("王芳") is None and store.sessions("王芳") == []
    with pytest.raises(ProfileError, match="no profile"):
        store.delete("王芳")
    with pytest.raises(ProfileError, match="id"):
        store.get("")
    store.close()


def test_every_table_entry_has_a_matching_profile_field() -> None:
    profile = Profile(id="x")
    for section, name in SETTING_PATHS:
        assert name in type(getattr(profile, section)).model_fields
