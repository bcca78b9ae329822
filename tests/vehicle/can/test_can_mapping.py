"""Mapping files: the shipped vehicles load, and every kind of bad file is refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from renkei.vehicle.can import MappingError, VehicleMapping, load_vehicle_mapping, opendbc_directory, vehicle_models
from renkei.vehicle.can.mapping import MAPPINGS_DIR
from renkei.vss import Catalog

REPO = Path(__file__).resolve().parents[3]


def test_two_makers_are_shipped(vw: VehicleMapping, gwm: VehicleMapping) -> None:
    assert {"vw_id4", "gwm_haval_h6"} <= set(vehicle_models())
    assert vw.maker != gwm.maker
    for mapping in (vw, gwm):
        # speed, doors, locks, belts, lights, steering and pedals are covered on both
        for needed in (
            "Vehicle.Speed",
            "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen",
            "Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked",
            "Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted",
            "Vehicle.Body.Lights.DirectionIndicator.Left.IsSignaling",
            "Vehicle.Chassis.SteeringWheel.Angle",
            "Vehicle.Chassis.Accelerator.PedalPosition",
        ):
            assert needed in mapping.sensor_paths, (mapping.model, needed)
        assert "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked" in mapping.actuator_paths


def test_dbc_comes_from_the_installed_opendbc_package_not_the_repository(vw: VehicleMapping) -> None:
    assert (opendbc_directory() / "vw_meb.dbc").is_file()
    assert not list(REPO.joinpath("renkei").rglob("*.dbc")), "DBC files must not be copied into the package"
    assert vw.db.get_message_by_name("ESP_21").frame_id == 0xFD


def test_every_mapped_path_exists_in_vss_6(vw: VehicleMapping, gwm: VehicleMapping, catalog: Catalog) -> None:
    for mapping in (vw, gwm):
        for path, _, _ in mapping.describe():
            assert path in catalog


def _load(tmp_path: Path, doc: Any, catalog: Catalog, name: str = "car.yaml") -> VehicleMapping:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if name.endswith(".json") else yaml.safe_dump(doc, allow_unicode=True))
    return load_vehicle_mapping(path, catalog)


def _doc(signals: dict[str, Any], **vehicle: Any) -> dict[str, Any]:
    head = {"model": "test_car", "maker": "Test", "name": {"en": "Test car"}, "dbc": ["opendbc:vw_meb.dbc"]}
    head.update(vehicle)
    return {"vehicle": head, "signals": signals}


SPEED = {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal"}}}


def test_a_kuksa_style_json_file_with_the_dbc_synonym_loads(tmp_path: Path, catalog: Catalog) -> None:
    doc = _doc({"Vehicle.Speed": {"type": "sensor", "datatype": "float", "dbc": {"signal": "ESP_v_Signal"}}})
    mapping = _load(tmp_path, doc, catalog, "car.json")
    (rule,) = mapping.decode_rules
    assert (rule.interval, rule.on_change) == (1.0, False)  # KUKSA's defaults


@pytest.mark.parametrize(
    ("signals", "vehicle", "signal", "rule"),
    [
        ({"Vehicle.Speeed": {"dbc2vss": {"signal": "ESP_v_Signal"}}}, {}, "Vehicle.Speeed", "vss-unknown"),
        ({"Vehicle.Speed": {"dbc2vss": {"signal": "NO_SUCH_SIGNAL"}}}, {}, "Vehicle.Speed", "dbc-signal"),
        ({"Vehicle.Speed": {"dbc2vss": {"signal": "GE_Fahrstufe"}}}, {}, "Vehicle.Speed", "dbc-signal"),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "on_chnage": True}}},
            {},
            "Vehicle.Speed",
            "schema-extra_forbidden",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "interval_ms": -5}}},
            {},
            "Vehicle.Speed",
            "schema-greater_than_equal",
        ),
        ({"Vehicle.Speed": {"vss2dbc": {"signal": "TM_Door_Lock"}}}, {}, "Vehicle.Speed", "vss2dbc-not-actuator"),
        (
            {"Vehicle.Speed": {"type": "actuator", "dbc2vss": {"signal": "ESP_v_Signal"}}},
            {},
            "Vehicle.Speed",
            "vss-type",
        ),
        (
            {"Vehicle.Speed": {"datatype": "int8", "dbc2vss": {"signal": "ESP_v_Signal"}}},
            {},
            "Vehicle.Speed",
            "vss-datatype",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "transform": {"math": "__import__('os')"}}}},
            {},
            "Vehicle.Speed",
            "math-function",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "transform": {"math": "x.real"}}}},
            {},
            "Vehicle.Speed",
            "math-construct",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "transform": {"math": "9^9^9"}}}},
            {},
            "Vehicle.Speed",
            "math-power",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "transform": {"math": "y * 2"}}}},
            {},
            "Vehicle.Speed",
            "math-variable",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "transform": {"math": "(x"}}}},
            {},
            "Vehicle.Speed",
            "math-syntax",
        ),
        (
            {"Vehicle.Speed": {"dbc2vss": {"signal": "ESP_v_Signal", "transform": {}}}},
            {},
            "Vehicle.Speed",
            "schema-value_error",
        ),
        (
            {
                "Vehicle.Chassis.Accelerator.PedalPosition": {
                    "dbc2vss": {"signal": "Accel_Pedal_Pressure", "transform": {"mapping": [{"from": 10, "to": 250}]}}
                }
            },
            {},
            "Vehicle.Chassis.Accelerator.PedalPosition",
            "mapping-to",
        ),
        (
            {
                "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": {
                    "dbc2vss": {
                        "signal": "TSG_FT_01.FT_verriegelt",
                        "transform": {"mapping": [{"from": "locked", "to": True}]},
                    }
                }
            },
            {},
            "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked",
            "mapping-from",
        ),
        (
            {
                "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": {
                    "dbc2vss": {
                        "signal": "TSG_FT_01.FT_verriegelt",
                        "multiplexer": [{"signal": "ESP_v_Signal", "value": 1}],
                    }
                }
            },
            {},
            "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked",
            "multiplexer-frame",
        ),
        (SPEED, {"dbc": ["opendbc:not_a_car.dbc"]}, "vehicle.dbc", "dbc-missing"),
        (SPEED, {"dbc": ["opendbc:../../etc/passwd.dbc"]}, "vehicle.dbc", "dbc-missing"),
        (SPEED, {"model": "Bad Name!"}, "vehicle", "schema-string_pattern_mismatch"),
        ({"not.a.vss.path": {"dbc2vss": {"signal": "ESP_v_Signal"}}}, {}, "signals", "schema-value_error"),
        ({"Vehicle.Speed": {}}, {}, "Vehicle.Speed", "schema-value_error"),
    ],
)
def test_bad_mappings_are_refused_naming_file_signal_and_rule(
    tmp_path: Path, catalog: Catalog, signals: dict[str, Any], vehicle: dict[str, Any], signal: str, rule: str
) -> None:
    with pytest.raises(MappingError) as caught:
        _load(tmp_path, _doc(signals, **vehicle), catalog)
    err = caught.value
    assert (err.file, err.signal, err.rule) == ("car.yaml", signal, rule), str(err)
    assert "car.yaml" in str(err) and rule in str(err)


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        ("vehicle: [unclosed", "file-syntax"),
        ("- just\n- a list\n", "file-shape"),
        ("", "file-shape"),
        ("signals: {}\n", "schema-missing"),
    ],
)
def test_broken_files_are_refused(tmp_path: Path, catalog: Catalog, content: str, rule: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content)
    with pytest.raises(MappingError) as caught:
        load_vehicle_mapping(path, catalog)
    assert caught.value.rule == rule
    assert caught.value.file == "broken.yaml"


def test_unknown_vehicle_lists_the_known_ones(catalog: Catalog) -> None:
    with pytest.raises(MappingError) as caught:
        load_vehicle_mapping("tesla_cybertruck", catalog)
    assert caught.value.rule == "vehicle-unknown"
    assert "vw_id4" in str(caught.value)
    with pytest.raises(MappingError):
        load_vehicle_mapping("../../etc/passwd", catalog)


def test_shipped_mapping_files_are_the_only_package_data_here() -> None:
    assert sorted(p.name for p in MAPPINGS_DIR.iterdir() if p.suffix == ".yaml") == [
        "gwm_haval_h6.yaml",
        "tesla_model3.yaml",
        "vw_id4.yaml",
    ]
