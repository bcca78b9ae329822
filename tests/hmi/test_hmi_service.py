"""The cockpit as owner of the HMI display settings (no browser needed)."""

from __future__ import annotations

import asyncio

import pytest

from renkei.broker import Broker, BrokerError, ErrorCode, Principal
from renkei.hmi import HMI_DEFAULTS, LANGUAGE, HmiService

HMI = "Vehicle.Cabin.Infotainment.HMI"


async def test_claims_settings_publishes_defaults_and_confirms(broker: Broker) -> None:
    hmi = HmiService(broker)
    hmi.start()
    try:
        assert set(hmi.owned) == set(HMI_DEFAULTS)
        assert broker.current_value(LANGUAGE) == "en"
        await broker.actuate({f"{HMI}.DayNightMode": "NIGHT"})
        assert broker.current_value(f"{HMI}.DayNightMode") == "NIGHT"
        with pytest.raises(BrokerError) as err:
            broker.provide([f"{HMI}.FontSize"], None)
        assert err.value.code is ErrorCode.ALREADY_EXISTS
    finally:
        hmi.stop()
    assert broker.provider_of(f"{HMI}.FontSize") is None


async def test_keeps_values_a_profile_already_set(broker: Broker) -> None:
    broker.publish({f"{HMI}.FontSize": "EXTRA_LARGE"})
    hmi = HmiService(broker)
    hmi.start()
    assert broker.current_value(f"{HMI}.FontSize") == "EXTRA_LARGE"
    hmi.stop()


async def test_another_owner_keeps_its_setting(broker: Broker) -> None:
    other = broker.provide([f"{HMI}.ActiveProfile"], None, name="profiles")
    hmi = HmiService(broker)
    hmi.start()
    assert f"{HMI}.ActiveProfile" not in hmi.owned and LANGUAGE in hmi.owned
    with pytest.raises(BrokerError) as err:
        await hmi.apply({f"{HMI}.ActiveProfile": "x"}, None)
    assert err.value.code is ErrorCode.UNAVAILABLE
    hmi.stop()
    other.close()


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({LANGUAGE: "fr"}, "language"),
        ({LANGUAGE: 7}, "language"),
        ({"Vehicle.Speed": 3.0}, "hmi-setting"),
        ({f"{HMI}.FontSize": "HUGE"}, "allowed"),
        ({f"{HMI}.VisiblePanels": ["DRIVING", "ROCKETS"]}, "allowed"),
    ],
)
async def test_bad_settings_are_refused_by_name(broker: Broker, values: dict[str, object], rule: str) -> None:
    hmi = HmiService(broker)
    hmi.start()
    try:
        with pytest.raises(BrokerError) as err:
            await hmi.apply(values, None)  # type: ignore[arg-type]
        assert rule in err.value.rule, err.value
    finally:
        hmi.stop()


async def test_language_needs_the_right_to_change_it(broker: Broker) -> None:
    hmi = HmiService(broker)
    hmi.start()
    try:
        reader = Principal.from_scope_string("read", subject="viewer")
        with pytest.raises(BrokerError) as err:
            await hmi.apply({LANGUAGE: "ja"}, reader)
        assert err.value.code is ErrorCode.PERMISSION_DENIED
        await hmi.apply({LANGUAGE: "ja"}, Principal.from_scope_string("read actuate", subject="cockpit"))
        assert broker.current_value(LANGUAGE) == "ja"
    finally:
        hmi.stop()


async def test_route_is_recorded_point_by_point(broker: Broker) -> None:
    hmi = HmiService(broker)
    hmi.start()
    await asyncio.sleep(0)
    for i in range(5):
        broker.publish({"Vehicle.CurrentLocation.Latitude": 35.0 + i / 100, "Vehicle.CurrentLocation.Longitude": 139.0})
    broker.publish({"Vehicle.CurrentLocation.Latitude": 35.04})  # no movement: no new point
    await asyncio.sleep(0.05)
    assert [round(lat, 2) for lat, _ in hmi.trail] == [35.0, 35.01, 35.02, 35.03, 35.04]
    hmi.stop()
