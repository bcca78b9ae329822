"""Fixtures of the CAN adapter tests: the platform catalog, brokers, mappings, a virtual bus name."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vehicle.can import VehicleMapping, load_vehicle_mapping
from renkei.vss import Catalog, load_default_catalog

DATA = Path(__file__).with_name("data")
_channels = itertools.count()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_default_catalog()


@pytest.fixture(scope="session")
def vw(catalog: Catalog) -> VehicleMapping:
    return load_vehicle_mapping("vw_id4", catalog)


@pytest.fixture(scope="session")
def gwm(catalog: Catalog) -> VehicleMapping:
    return load_vehicle_mapping("gwm_haval_h6", catalog)


@pytest.fixture
def channel() -> str:
    """A fresh python-can virtual channel name, so tests never hear each other."""
    return f"renkei-test-{next(_channels)}"


@pytest.fixture
def broker(catalog: Catalog) -> Broker:
    return Broker(catalog)


@pytest.fixture
def client(broker: Broker) -> InProcessClient:
    return InProcessClient(broker, name="test")
