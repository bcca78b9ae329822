"""The platform's own default catalog: built from our vspec, faithful to VSS 6.0, broad enough.

(a) rebuilding renkei/vss/spec with vss-tools gives exactly the committed default.json;
(b) every leaf matches VSS 6.0's metadata while the descriptions are our own (reads ../shared);
(c) the areas the platform relies on are all there;
plus hostile inputs to scripts/build_catalog.py (broken specs, missing tools, stale output).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from renkei.vss import default_catalog_path, load_default_catalog

REPO = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO / "renkei" / "vss" / "spec"
COMPARED_FIELDS = ("type", "datatype", "unit", "min", "max", "allowed", "default", "pattern")


def _load_build_script() -> ModuleType:
    path = REPO / "scripts" / "build_catalog.py"
    spec = importlib.util.spec_from_file_location("renkei_build_catalog", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


build = _load_build_script()


def leaves(node: dict[str, Any], path: str = "Vehicle") -> Iterator[tuple[str, dict[str, Any]]]:
    if node.get("type") == "branch":
        for name, child in node.get("children", {}).items():
            yield from leaves(child, f"{path}.{name}")
    else:
        yield path, node


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    tree: dict[str, Any] = json.loads(default_catalog_path().read_text(encoding="utf-8"))
    return tree


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, target)
    return target


# (a) ------------------------------------------------------------------------------------------


def test_rebuilding_the_spec_gives_the_committed_json_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "default.json"
    result = build.build_catalog(SPEC_DIR, out)
    assert out.read_bytes() == default_catalog_path().read_bytes(), (
        "renkei/vss/data/default.json is stale: run `make catalog` and commit it"
    )
    assert result.signals == sum(1 for _ in leaves(json.loads(out.read_text())["Vehicle"]))
    assert result.sources == len(list(SPEC_DIR.glob("*.vspec")))


def test_check_mode_accepts_the_committed_json_and_flags_a_stale_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "default.json"
    tree = json.loads(default_catalog_path().read_text(encoding="utf-8"))
    tree["Vehicle"]["children"]["Speed"]["description"] = "edited by hand"
    stale.write_text(build.render(tree), encoding="utf-8")
    assert build.main(["--check", "--output", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert json.loads(stale.read_text())["Vehicle"]["children"]["Speed"]["description"] == ("edited by hand"), (
        "--check must not write"
    )
    assert build.main(["--check", "--output", str(default_catalog_path())]) == 0


def test_the_shipped_catalog_loads_with_the_platform_overlay(committed: dict[str, Any]) -> None:
    catalog = load_default_catalog()
    ours = {path for path, _ in leaves(committed["Vehicle"])}
    assert ours <= {signal.path for signal in catalog.match("Vehicle.**")}
    assert catalog["Vehicle.Speed"].unit == "km/h"


# (b) ------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_every_leaf_follows_vss_6_0_and_the_descriptions_are_ours(shared_dir: Path, committed: dict[str, Any]) -> None:
    official_tree = json.loads((shared_dir / "vss" / "vss_release_6.0.json").read_text())
    official = dict(leaves(official_tree["Vehicle"]))
    ours = dict(leaves(committed["Vehicle"]))
    problems = []
    same_text = []
    for path, node in sorted(ours.items()):
        reference = official.get(path)
        if reference is None:
            problems.append(f"{path}: not a VSS 6.0 leaf")
            continue
        for field in COMPARED_FIELDS:
            if node.get(field) != reference.get(field):
                problems.append(f"{path}: {field} {node.get(field)!r} != {reference.get(field)!r}")
        if not node.get("description", "").strip():
            problems.append(f"{path}: empty description")
        if node.get("description") == reference.get("description"):
            same_text.append(path)
    assert not problems, "\n".join(problems[:40])
    assert len(same_text) <= 0.05 * len(ours), f"descriptions copied from VSS: {same_text[:20]}"


@pytest.mark.shared
def test_branches_follow_vss_6_0_too(shared_dir: Path, committed: dict[str, Any]) -> None:
    official = json.loads((shared_dir / "vss" / "vss_release_6.0.json").read_text())

    def walk(ours: dict[str, Any], theirs: dict[str, Any], path: str) -> Iterator[str]:
        if ours["type"] == "branch" and theirs.get("type") != "branch":
            yield f"{path}: a branch here but not in VSS 6.0"
        for name, child in ours.get("children", {}).items():
            if name not in theirs.get("children", {}):
                yield f"{path}.{name}: missing from VSS 6.0"
            else:
                yield from walk(child, theirs["children"][name], f"{path}.{name}")

    problems = list(walk(committed["Vehicle"], official["Vehicle"], "Vehicle"))
    assert not problems, "\n".join(problems[:40])


# (c) ------------------------------------------------------------------------------------------

REQUIRED = [
    # whole car
    "Vehicle.Speed",
    "Vehicle.IsMoving",
    "Vehicle.TraveledDistance",
    "Vehicle.TraveledDistanceSinceStart",
    "Vehicle.TripDuration",
    "Vehicle.StartTime",
    "Vehicle.AverageSpeed",
    "Vehicle.Acceleration.Longitudinal",
    "Vehicle.AngularVelocity.Yaw",
    "Vehicle.CurbWeight",
    "Vehicle.GrossWeight",
    "Vehicle.Length",
    "Vehicle.WidthExcludingMirrors",
    "Vehicle.VehicleIdentification.VIN",
    "Vehicle.VehicleIdentification.Brand",
    "Vehicle.VehicleIdentification.Model",
    "Vehicle.VehicleIdentification.Year",
    "Vehicle.LowVoltageSystemState",
    "Vehicle.LowVoltageBattery.CurrentVoltage",
    "Vehicle.Exterior.AirTemperature",
    "Vehicle.Exterior.Humidity",
    "Vehicle.Exterior.LightIntensity",
    "Vehicle.Service.DistanceToService",
    "Vehicle.VersionVSS.Major",
    "Vehicle.Connectivity.IsConnectivityAvailable",
    # cabin: doors, windows, seats
    "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen",
    "Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked",
    "Vehicle.Cabin.Door.Row2.DriverSide.IsChildLockActive",
    "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position",
    "Vehicle.Cabin.Door.Row1.DriverSide.Window.Switch",
    "Vehicle.Cabin.Door.Row2.PassengerSide.Shade.Position",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Position",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Height",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Tilt",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Backrest.Recline",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Backrest.LumbarSupport",
    "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling",
    "Vehicle.Cabin.Seat.Row2.Middle.IsBelted",
    "Vehicle.Cabin.Seat.Row2.PassengerSide.OccupancyStatus",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Massage.Level",
    "Vehicle.Cabin.Seat.Row1.DriverSide.Headrest.Height",
    "Vehicle.Occupant.Row1.DriverSide.Identifier.Subject",
    "Vehicle.Occupant.Row2.PassengerSide.Identifier.Issuer",
    # cabin: climate, light, infotainment, misc
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
    "Vehicle.Cabin.HVAC.Station.Row2.Passenger.FanSpeed",
    "Vehicle.Cabin.HVAC.Station.Row1.Passenger.AirDistribution",
    "Vehicle.Cabin.HVAC.IsAirConditioningActive",
    "Vehicle.Cabin.HVAC.IsFrontDefrosterActive",
    "Vehicle.Cabin.HVAC.IsRearDefrosterActive",
    "Vehicle.Cabin.HVAC.IsRecirculationActive",
    "Vehicle.Cabin.HVAC.AmbientAirTemperature",
    "Vehicle.Cabin.HVAC.PowerOptimizeLevel",
    "Vehicle.Cabin.Light.AmbientLight.Row2.PassengerSide.Color",
    "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Intensity",
    "Vehicle.Cabin.Light.Spotlight.Row1.DriverSide.IsLightOn",
    "Vehicle.Cabin.Light.PerceivedAmbientLight",
    "Vehicle.Cabin.Light.IsDomeOn",
    "Vehicle.Cabin.Infotainment.Media.Volume",
    "Vehicle.Cabin.Infotainment.Media.Action",
    "Vehicle.Cabin.Infotainment.Media.Played.Track",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude",
    "Vehicle.Cabin.Infotainment.Navigation.Mute",
    "Vehicle.Cabin.Infotainment.Navigation.GuidanceVoice",
    "Vehicle.Cabin.Infotainment.HMI.CurrentLanguage",
    "Vehicle.Cabin.Infotainment.HMI.DistanceUnit",
    "Vehicle.Cabin.Infotainment.HMI.TemperatureUnit",
    "Vehicle.Cabin.Infotainment.HMI.DayNightMode",
    "Vehicle.Cabin.Infotainment.HMI.Brightness",
    "Vehicle.Cabin.Infotainment.HMI.FontSize",
    "Vehicle.Cabin.Infotainment.SmartphoneProjection.Active",
    "Vehicle.Cabin.RearviewMirror.DimmingLevel",
    "Vehicle.Cabin.Sunroof.Position",
    "Vehicle.Cabin.Sunroof.Shade.Position",
    "Vehicle.Cabin.RearShade.Position",
    "Vehicle.Cabin.IsWindowChildLockEngaged",
    "Vehicle.Cabin.DriverPosition",
    "Vehicle.Cabin.SeatRowCount",
    "Vehicle.Cabin.SeatPosCount",
    # body
    "Vehicle.Body.Lights.Beam.Low.IsOn",
    "Vehicle.Body.Lights.Beam.High.IsOn",
    "Vehicle.Body.Lights.Running.IsOn",
    "Vehicle.Body.Lights.Brake.IsActive",
    "Vehicle.Body.Lights.Fog.Front.IsOn",
    "Vehicle.Body.Lights.Fog.Rear.IsOn",
    "Vehicle.Body.Lights.Hazard.IsSignaling",
    "Vehicle.Body.Lights.DirectionIndicator.Left.IsSignaling",
    "Vehicle.Body.Lights.DirectionIndicator.Right.IsSignaling",
    "Vehicle.Body.Lights.Parking.IsOn",
    "Vehicle.Body.Lights.Backup.IsOn",
    "Vehicle.Body.Lights.LicensePlate.IsOn",
    "Vehicle.Body.Lights.LightSwitch",
    "Vehicle.Body.Lights.IsHighBeamSwitchOn",
    "Vehicle.Body.Mirrors.DriverSide.Pan",
    "Vehicle.Body.Mirrors.PassengerSide.Tilt",
    "Vehicle.Body.Mirrors.DriverSide.IsHeatingOn",
    "Vehicle.Body.Mirrors.PassengerSide.IsFolded",
    "Vehicle.Body.Trunk.Front.IsOpen",
    "Vehicle.Body.Trunk.Rear.IsLocked",
    "Vehicle.Body.Trunk.Rear.IsLightOn",
    "Vehicle.Body.Hood.IsOpen",
    "Vehicle.Body.Windshield.Front.Wiping.Mode",
    "Vehicle.Body.Windshield.Rear.IsHeatingOn",
    "Vehicle.Body.Windshield.Front.WasherFluid.IsLevelLow",
    "Vehicle.Body.Horn.IsActive",
    "Vehicle.Body.Raindetection.Intensity",
    "Vehicle.Body.BodyType",
    "Vehicle.Body.PowerOptimizeLevel",
    # powertrain, battery and charging
    "Vehicle.Powertrain.Type",
    "Vehicle.Powertrain.AccumulatedBrakingEnergy",
    "Vehicle.Powertrain.Range",
    "Vehicle.Powertrain.PowerOptimizeLevel",
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed",
    "Vehicle.Powertrain.TractionBattery.StateOfHealth",
    "Vehicle.Powertrain.TractionBattery.NetCapacity",
    "Vehicle.Powertrain.TractionBattery.GrossCapacity",
    "Vehicle.Powertrain.TractionBattery.NominalVoltage",
    "Vehicle.Powertrain.TractionBattery.CurrentVoltage",
    "Vehicle.Powertrain.TractionBattery.CurrentCurrent",
    "Vehicle.Powertrain.TractionBattery.CurrentPower",
    "Vehicle.Powertrain.TractionBattery.Temperature.Average",
    "Vehicle.Powertrain.TractionBattery.Temperature.Min",
    "Vehicle.Powertrain.TractionBattery.Temperature.Max",
    "Vehicle.Powertrain.TractionBattery.CellVoltage.Min",
    "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy",
    "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy",
    "Vehicle.Powertrain.TractionBattery.DCDC.Temperature",
    "Vehicle.Powertrain.TractionBattery.BatteryConditioning.RequestedMode",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging",
    "Vehicle.Powertrain.TractionBattery.Charging.IsDischarging",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeCurrent.DC",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeVoltage.Phase1",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeRate",
    "Vehicle.Powertrain.TractionBattery.Charging.MaximumChargingCurrent.Phase1",
    "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging",
    "Vehicle.Powertrain.TractionBattery.Charging.TimeToComplete",
    "Vehicle.Powertrain.TractionBattery.Charging.Timer.Mode",
    "Vehicle.Powertrain.TractionBattery.Charging.Timer.Time",
    "Vehicle.Powertrain.TractionBattery.Charging.EvseId",
    "Vehicle.Powertrain.TractionBattery.Charging.PowerLoss",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsFlapOpen",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.RearLeft.IsChargingCableConnected",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.RearRight.IsChargingCableLocked",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.FrontLeft.SupportedInletTypes",
    "Vehicle.Powertrain.ElectricMotor.Speed",
    "Vehicle.Powertrain.ElectricMotor.Torque",
    "Vehicle.Powertrain.ElectricMotor.Power",
    "Vehicle.Powertrain.ElectricMotor.MaxPower",
    "Vehicle.Powertrain.ElectricMotor.MaxTorque",
    "Vehicle.Powertrain.ElectricMotor.Temperature",
    "Vehicle.Powertrain.ElectricMotor.EngineCoolant.Temperature",
    "Vehicle.Powertrain.Transmission.CurrentGear",
    "Vehicle.Powertrain.Transmission.SelectedGear",
    "Vehicle.Powertrain.Transmission.IsParkLockEngaged",
    "Vehicle.Powertrain.Transmission.DriveType",
    "Vehicle.Powertrain.Transmission.GearCount",
    "Vehicle.Powertrain.Transmission.PerformanceMode",
    "Vehicle.Powertrain.Transmission.TravelledDistance",
    # chassis
    "Vehicle.Chassis.SteeringWheel.Angle",
    "Vehicle.Chassis.SteeringWheel.Tilt",
    "Vehicle.Chassis.SteeringWheel.Extension",
    "Vehicle.Chassis.SteeringWheel.HeatingCooling",
    "Vehicle.Chassis.Accelerator.PedalPosition",
    "Vehicle.Chassis.Brake.PedalPosition",
    "Vehicle.Chassis.Brake.IsDriverEmergencyBrakingDetected",
    "Vehicle.Chassis.ParkingBrake.IsEngaged",
    "Vehicle.Chassis.ParkingBrake.IsAutoApplyEnabled",
    "Vehicle.Chassis.Axle.Row1.Wheel.Left.Speed",
    "Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure",
    "Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Temperature",
    "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.IsPressureLow",
    "Vehicle.Chassis.Axle.Row1.TrackWidth",
    "Vehicle.Chassis.Wheelbase",
    # location
    "Vehicle.CurrentLocation.Latitude",
    "Vehicle.CurrentLocation.Longitude",
    "Vehicle.CurrentLocation.Heading",
    "Vehicle.CurrentLocation.Altitude",
    "Vehicle.CurrentLocation.HorizontalAccuracy",
    "Vehicle.CurrentLocation.VerticalAccuracy",
    "Vehicle.CurrentLocation.Timestamp",
    "Vehicle.CurrentLocation.GNSSReceiver.FixType",
    # driver assistance
    "Vehicle.ADAS.ABS.IsEngaged",
    "Vehicle.ADAS.ESC.IsEnabled",
    "Vehicle.ADAS.TCS.IsError",
    "Vehicle.ADAS.EBA.IsEngaged",
    "Vehicle.ADAS.EBD.IsEnabled",
    "Vehicle.ADAS.CruiseControl.IsActive",
    "Vehicle.ADAS.CruiseControl.SpeedSet",
    "Vehicle.ADAS.CruiseControl.AdaptiveDistanceSet",
    "Vehicle.ADAS.LaneDepartureDetection.IsWarning",
    "Vehicle.ADAS.ObstacleDetection.Front.Center.Distance",
    "Vehicle.ADAS.ObstacleDetection.Rear.Left.WarningType",
    "Vehicle.ADAS.DMS.IsWarning",
    "Vehicle.ADAS.ActiveAutonomyLevel",
    "Vehicle.ADAS.SupportedAutonomyLevel",
    "Vehicle.ADAS.IsAutoPowerOptimize",
    # driver
    "Vehicle.Driver.AttentiveProbability",
    "Vehicle.Driver.DistractionLevel",
    "Vehicle.Driver.FatigueLevel",
    "Vehicle.Driver.HeartRate",
    "Vehicle.Driver.IsEyesOnRoad",
    "Vehicle.Driver.IsHandsOnWheel",
]

# Branches the platform deliberately leaves out (an EV platform; no towing or OBD-II).
EXCLUDED = [
    "Vehicle.Powertrain.CombustionEngine",
    "Vehicle.Powertrain.FuelSystem",
    "Vehicle.Powertrain.RangeExtender",
    "Vehicle.Trailer",
    "Vehicle.OBD",
]


def test_the_required_areas_are_covered(committed: dict[str, Any]) -> None:
    ours = {path for path, _ in leaves(committed["Vehicle"])}
    missing = [path for path in REQUIRED if path not in ours]
    assert not missing, f"missing from the default catalog: {missing}"
    every_instance = [
        f"Vehicle.Cabin.Seat.Row{row}.{side}.IsBelted"
        for row in (1, 2)
        for side in ("DriverSide", "Middle", "PassengerSide")
    ] + [
        f"Vehicle.Cabin.Door.Row{row}.{side}.Window.Position"
        for row in (1, 2)
        for side in ("DriverSide", "PassengerSide")
    ]
    assert set(every_instance) <= ours, "instances must be expanded to concrete leaves"
    assert 400 <= len(ours) <= 1000, f"{len(ours)} leaves: outside the planned size"


def test_combustion_and_towing_branches_stay_out(committed: dict[str, Any]) -> None:
    ours = [path for path, _ in leaves(committed["Vehicle"])]
    for branch in EXCLUDED:
        assert not any(path.startswith(branch + ".") or path == branch for path in ours), branch


def test_the_json_has_the_official_export_shape(committed: dict[str, Any]) -> None:
    root = committed["Vehicle"]
    assert set(committed) == {"Vehicle"}
    assert root["type"] == "branch" and root["description"] and root["children"]
    for path, node in leaves(root):
        assert node["type"] in {"sensor", "actuator", "attribute"}, path
        assert set(node) <= build.LEAF_KEYS, path
        assert "instances" not in node, path


# Hostile input to the build step -------------------------------------------------------------


def test_a_missing_spec_directory_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(build.CatalogBuildError, match=r"nowhere.*does not exist"):
        build.build_catalog(missing, tmp_path / "out.json")
    assert build.main(["--spec-dir", str(missing), "--output", str(tmp_path / "o.json")]) == 1
    assert "error: catalog build failed" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_missing_units_file_is_named(spec_copy: Path, tmp_path: Path) -> None:
    (spec_copy / "units.yaml").unlink()
    with pytest.raises(build.CatalogBuildError, match=r"lacks units\.yaml"):
        build.build_catalog(spec_copy, tmp_path / "out.json")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  datatype: float\n", "  datatype: flaot\n", "flaot"),
        ("  unit: km/h\n", "  unit: furlongs/fortnight\n", "furlongs/fortnight"),
        ("  description: Road speed", "  descriptoin: Road speed", "Vehicle.Speed"),
        ("Speed:\n  type: sensor", "Speed:\n  type: gauge", "gauge"),
    ],
    ids=["bad-datatype", "unknown-unit", "misspelt-attribute", "bad-entry-type"],
)
def test_vss_tools_rejections_are_reported_and_nothing_is_written(
    spec_copy: Path, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    root = spec_copy / "Vehicle.vspec"
    text = root.read_text(encoding="utf-8")
    assert old in text
    root.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "default.json"
    out.write_text("previous build\n", encoding="utf-8")
    with pytest.raises(build.CatalogBuildError) as caught:
        build.build_catalog(spec_copy, out)
    message = str(caught.value)
    assert "vss-tools failed to compile" in message and expected in message
    assert out.read_text(encoding="utf-8") == "previous build\n", "a failed build must not write"


def test_a_missing_vss_tools_command_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(build.CatalogBuildError, match="cannot run vss-tools"):
        build.build_catalog(SPEC_DIR, tmp_path / "out.json", vspec_command=[str(tmp_path / "no-such-vspec")])


def test_output_of_the_wrong_shape_is_rejected(tmp_path: Path) -> None:
    # A stand-in tool that "succeeds" but writes a tree without the Vehicle root.
    fake = tmp_path / "fake_vspec.py"
    fake.write_text(
        "import json, sys\n"
        "out = sys.argv[sys.argv.index('--output') + 1]\n"
        "json.dump({'Car': {'type': 'branch', 'description': 'x'}}, open(out, 'w'))\n",
        encoding="utf-8",
    )
    with pytest.raises(build.CatalogBuildError, match="one root, 'Vehicle'"):
        build.build_catalog(SPEC_DIR, tmp_path / "out.json", vspec_command=[sys.executable, str(fake)])
