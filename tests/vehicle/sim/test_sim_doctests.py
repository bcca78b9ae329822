"""The examples in the simulator modules' docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "battery",
    "body",
    "cabin",
    "consumption",
    "cycles",
    "params",
    "powertrain",
    "route",
    "scenario",
    "vehicle",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"renkei.vehicle.sim.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
