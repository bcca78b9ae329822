"""Loading catalogs and overlays; malformed files name file, path and rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from renkei.vss import Catalog, CatalogError, ChangeType, EntryType

TREE: dict[str, Any] = {
    "Vehicle": {
        "type": "branch",
        "description": "Root.",
        "children": {
            "Speed": {"type": "sensor", "datatype": "float", "unit": "km/h", "description": "Speed."},
            "Cabin": {
                "type": "branch",
                "description": "Cabin.",
                "children": {
                    "Temperature": {
                        "type": "actuator",
                        "datatype": "int8",
                        "min": -20,
                        "max": 50,
                        "default": 21,
                        "description": "Setpoint.",
                        "x-kuksa-changetype": "continuous",
                    },
                    "Mode": {
                        "type": "actuator",
                        "datatype": "string",
                        "allowed": ["AUTO", "MANUAL"],
                        "description": "Mode.",
                    },
                },
            },
            "VIN": {"type": "attribute", "datatype": "string", "description": "VIN.", "default": "TESTVIN"},
        },
    }
}


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_leaves_carry_all_metadata(tmp_path: Path) -> None:
    catalog = Catalog.from_files([write(tmp_path, "car.json", TREE)])
    temp = catalog["Vehicle.Cabin.Temperature"]
    assert (temp.entry_type, temp.datatype, temp.min, temp.max, temp.default) == (
        EntryType.ACTUATOR,
        "int8",
        -20,
        50,
        21,
    )
    assert temp.change_type is ChangeType.CONTINUOUS
    assert catalog["Vehicle.Speed"].change_type is ChangeType.ON_CHANGE
    assert catalog["Vehicle.VIN"].change_type is ChangeType.STATIC
    assert catalog["Vehicle.Cabin.Mode"].allowed == ("AUTO", "MANUAL")
    assert catalog.is_branch("Vehicle.Cabin")
    assert [s.path for s in catalog.match("Vehicle.Cabin")] == ["Vehicle.Cabin.Temperature", "Vehicle.Cabin.Mode"]
    ids = [s.id for s in catalog]
    assert len(set(ids)) == len(ids) and catalog.by_id(ids[0]) is catalog[next(iter(catalog)).path]


def test_overlays_add_change_and_delete_in_order(tmp_path: Path) -> None:
    base = write(tmp_path, "car.json", TREE)
    first = write(
        tmp_path,
        "brand.vspec",
        """
Vehicle.Brand:
  type: branch
  description: Maker's own branch.
Vehicle.Brand.LaunchMode:
  type: actuator
  datatype: boolean
  description: Launch control.
Vehicle.Cabin.Temperature:
  max: 30
""",
    )
    second = write(
        tmp_path, "later.yaml", "Vehicle.Cabin.Temperature:\n  max: 28\nVehicle.Cabin.Mode:\n  delete: true\n"
    )
    catalog = Catalog.from_files([base], overlays=[first, second])
    assert catalog["Vehicle.Brand.LaunchMode"].datatype == "boolean"
    assert catalog["Vehicle.Cabin.Temperature"].max == 28
    assert "Vehicle.Cabin.Mode" not in catalog
    assert catalog["Vehicle.Speed"].unit == "km/h"


@pytest.mark.parametrize(
    ("content", "path", "rule"),
    [
        ("{not json", "", "syntax"),
        ({"Vehicle": {"type": "branch", "children": {"Speed": {"type": "sensor"}}}}, "Vehicle.Speed", "datatype"),
        (
            {"Vehicle": {"type": "branch", "children": {"Speed": {"type": "sensor", "datatype": "float32"}}}},
            "Vehicle.Speed",
            "datatype",
        ),
        (
            {"Vehicle": {"type": "branch", "children": {"X": {"type": "gadget", "datatype": "float"}}}},
            "Vehicle.X",
            "type",
        ),
        (
            {
                "Vehicle": {
                    "type": "branch",
                    "children": {"X": {"type": "sensor", "datatype": "uint8", "min": 10, "max": 5}},
                }
            },
            "Vehicle.X",
            "range",
        ),
        (
            {"Vehicle": {"type": "branch", "children": {"X": {"type": "sensor", "datatype": "uint8", "max": 300}}}},
            "Vehicle.X",
            "max",
        ),
        (
            {"Vehicle": {"type": "branch", "children": {"X": {"type": "sensor", "datatype": "string", "min": 1}}}},
            "Vehicle.X",
            "min",
        ),
        (
            {
                "Vehicle": {
                    "type": "branch",
                    "children": {"X": {"type": "sensor", "datatype": "uint8", "allowed": [1, "two"]}},
                }
            },
            "Vehicle.X",
            "allowed",
        ),
        (
            {"Vehicle": {"type": "branch", "children": {"X": {"type": "sensor", "datatype": "uint8", "default": -1}}}},
            "Vehicle.X",
            "default",
        ),
        (
            {
                "Vehicle": {
                    "type": "branch",
                    "children": {"X": {"type": "sensor", "datatype": "string", "x-kuksa-changetype": "sometimes"}},
                }
            },
            "Vehicle.X",
            "x-kuksa-changetype",
        ),
        (
            {"Vehicle": {"type": "branch", "children": {"Bad Name": {"type": "sensor", "datatype": "float"}}}},
            "Vehicle.Bad Name",
            "name",
        ),
        ({"Vehicle": {"type": "branch", "children": {"X": "not an object"}}}, "Vehicle.X", "node"),
        ({"Vehicle": {"type": "branch", "datatype": "float", "children": {}}}, "Vehicle", "branch"),
        (
            {
                "Vehicle": {
                    "type": "branch",
                    "children": {"X": {"type": "sensor", "datatype": "float", "children": {"Y": {}}}},
                }
            },
            "Vehicle.X",
            "children",
        ),
    ],
)
def test_malformed_catalogs_name_file_path_and_rule(tmp_path: Path, content: Any, path: str, rule: str) -> None:
    file = write(tmp_path, "broken.json", content)
    with pytest.raises(CatalogError) as caught:
        Catalog.from_files([file])
    err = caught.value
    assert (err.source, err.path, err.rule) == (str(file), path, rule)
    assert str(file) in str(err)


def test_malformed_overlays(tmp_path: Path) -> None:
    base = write(tmp_path, "car.json", TREE)
    typo = write(tmp_path, "typo.vspec", "Vehicle.Cabn.Fan:\n  type: actuator\n  datatype: uint8\n")
    with pytest.raises(CatalogError, match=r"parent branch 'Vehicle\.Cabn' does not exist") as caught:
        Catalog.from_files([base], [typo])
    assert caught.value.rule == "parent"
    bad_yaml = write(tmp_path, "bad.yaml", "Vehicle.Speed: [unclosed\n")
    with pytest.raises(CatalogError, match="invalid YAML at line"):
        Catalog.from_files([base], [bad_yaml])
    ghost = write(tmp_path, "ghost.yaml", "Vehicle.Nothing:\n  delete: true\n")
    with pytest.raises(CatalogError, match="does not exist"):
        Catalog.from_files([base], [ghost])
    under_leaf = write(tmp_path, "leaf.yaml", "Vehicle.Speed.Unit:\n  type: sensor\n  datatype: string\n")
    with pytest.raises(CatalogError, match="is a leaf, not a branch"):
        Catalog.from_files([base], [under_leaf])


def test_missing_unreadable_and_hostile_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the file"):
        Catalog.from_files([tmp_path / "absent.json"])
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CatalogError, match="not UTF-8"):
        Catalog.from_files([binary])
    # 200 levels of nesting is refused before it can exhaust the stack
    node: dict[str, Any] = {"type": "sensor", "datatype": "float", "description": "deep"}
    for i in range(200):
        node = {"type": "branch", "description": "b", "children": {f"L{i}": node}}
    deep = write(tmp_path, "deep.json", {"Vehicle": node})
    with pytest.raises(CatalogError, match="levels deep"):
        Catalog.from_files([deep])
    with pytest.raises(CatalogError, match="root branch"):
        Catalog.from_files([write(tmp_path, "list.json", [1, 2, 3])])
