"""A small catalog for broker tests, built in memory so each test states its data."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.broker import Broker
from renkei.vss import Catalog


def leaf(kind: str, datatype: str, **kw: Any) -> dict[str, Any]:
    return {"type": kind, "datatype": datatype, "description": "test signal", **kw}


TREE: dict[str, Any] = {
    "Vehicle": {
        "type": "branch",
        "description": "root",
        "children": {
            "Speed": leaf("sensor", "float", min=-50, max=300, unit="km/h"),
            "IsMoving": leaf("sensor", "boolean"),
            "Odometer": leaf("sensor", "float", **{"x-kuksa-changetype": "continuous"}),
            "VIN": leaf("attribute", "string", default="LSVTEST0000000001"),
            "Tags": leaf("actuator", "string[]"),
            "Cabin": {
                "type": "branch",
                "description": "cabin",
                "children": {
                    "Temperature": leaf("actuator", "float", min=16, max=30),
                    "Fan": leaf("actuator", "uint8", max=100),
                    "Mode": leaf("actuator", "string", allowed=["AUTO", "MANUAL"]),
                    "Door": {
                        "type": "branch",
                        "description": "doors",
                        "children": {
                            "Row1": {
                                "type": "branch",
                                "description": "front doors",
                                "children": {
                                    side: {
                                        "type": "branch",
                                        "description": side,
                                        "children": {
                                            "IsOpen": leaf("actuator", "boolean"),
                                            "IsLocked": leaf("actuator", "boolean"),
                                        },
                                    }
                                    for side in ("DriverSide", "PassengerSide")
                                },
                            }
                        },
                    },
                },
            },
        },
    }
}


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.from_tree(TREE)


@pytest.fixture
async def broker(catalog: Catalog) -> Broker:
    b = Broker(catalog)
    await b.start()
    return b


@pytest.fixture
def catalog_tree() -> dict[str, Any]:
    return TREE
