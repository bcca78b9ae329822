"""Decoding: the fast bit extraction agrees with cantools, and bad traffic never becomes a value."""

from __future__ import annotations

import math
from pathlib import Path

import cantools
import pytest
from cantools.database.utils import create_encode_decode_formats, decode_data
from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.vehicle.can import FrameDecoder, VehicleMapping, load_dbc, load_vehicle_mapping
from renkei.vehicle.can.dbc import BitField, normalise_dbc_text
from renkei.vss import Catalog, compile_validator

DATA = Path(__file__).with_name("data")


def _all_fields(mapping: VehicleMapping) -> list[tuple[object, BitField]]:
    out = []
    for message in {r.message.frame_id: r.message for r in mapping.decode_rules}.values():
        for signal in message.signals:
            out.append((message, BitField.of(message, signal.name)))
    return out


@pytest.mark.parametrize("model", ["vw_id4", "gwm_haval_h6", "tesla_model3"])
@settings(max_examples=60, deadline=None)
@given(seed=st.binary(min_size=64, max_size=64))
def test_bit_fields_agree_with_cantools_on_random_payloads(model: str, seed: bytes, catalog: Catalog) -> None:
    mapping = load_vehicle_mapping(model, catalog)
    for message, field in _all_fields(mapping):
        length = message.length  # type: ignore[attr-defined]
        data = seed[:length]
        # cantools, one signal at a time (some opendbc frames have overlapping signals)
        signal = message.get_signal_by_name(field.name)  # type: ignore[attr-defined]
        formats = create_encode_decode_formats([signal], length)
        raw = decode_data(data, length, [signal], formats, False, False, False, False)[field.name]
        scaled = decode_data(data, length, [signal], formats, False, True, False, False)[field.name]
        assert field.raw(data) == raw, (message.name, field.name)  # type: ignore[attr-defined]
        assert math.isclose(field.physical(data), scaled, rel_tol=1e-9, abs_tol=1e-9)


def test_opendbc_dialect_is_normalised() -> None:
    text = 'BO_ 316494247 MEB_Camera_04: 32 XXX\nCM_ 145 "a bare comment";\n'
    out = normalise_dbc_text(text)
    assert f"BO_ {316494247 | 0x80000000} " in out
    assert "bare comment" not in out
    db = load_dbc(["opendbc:vw_meb.dbc"])
    assert db.get_message_by_name("MEB_Camera_04").is_extended_frame


def _frame(mapping: VehicleMapping, name: str, **values: float) -> bytes:
    message = mapping.db.get_message_by_name(name)
    full = {s.name: 0 for s in message.signals}
    full.update(values)
    return bytes(message.encode(full, strict=False))


def test_speed_gear_and_doors_decode_on_vw(vw: VehicleMapping) -> None:
    decoder = FrameDecoder(vw)
    assert decoder.decode(0xFD, _frame(vw, "ESP_21", ESP_v_Signal=87.5), 0.0) == {"Vehicle.Speed": 87.5}
    gear = decoder.decode(0xAD, _frame(vw, "Getriebe_11", GE_Fahrstufe=6), 0.0)
    assert gear == {
        "Vehicle.Powertrain.Transmission.CurrentGear": -1,
        "Vehicle.Powertrain.Transmission.IsParkLockEngaged": False,
    }
    door = decoder.decode(0x3D0, _frame(vw, "TSG_FT_01", FT_Tuer_geoeffnet=1, FT_verriegelt=0), 0.0)
    assert door == {
        "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": True,
        "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": False,
    }
    # steering magnitude + sign bit → signed VSS angle (positive = left)
    left = decoder.decode(0x86, _frame(vw, "LWI_01", LWI_Lenkradwinkel=90.0, LWI_VZ_Lenkradwinkel=0), 1.0)
    right = decoder.decode(0x86, _frame(vw, "LWI_01", LWI_Lenkradwinkel=90.0, LWI_VZ_Lenkradwinkel=1), 2.0)
    assert left == {"Vehicle.Chassis.SteeringWheel.Angle": 90}
    assert right == {"Vehicle.Chassis.SteeringWheel.Angle": -90}


def test_big_endian_frames_decode_on_gwm(gwm: VehicleMapping) -> None:
    decoder = FrameDecoder(gwm)
    data = _frame(gwm, "WHEEL_SPEEDS", FRONT_LEFT_WHEEL_SPEED=50.0, FRONT_RIGHT_WHEEL_SPEED=52.0)
    out = decoder.decode(0x13B, data, 0.0)
    assert out is not None
    assert out["Vehicle.Speed"] == pytest.approx(51.0, abs=0.1)
    assert out["Vehicle.Chassis.Axle.Row1.Wheel.Right.Speed"] == pytest.approx(52.0, abs=0.06)


def test_named_raw_values_like_sna_are_not_published(vw: VehicleMapping) -> None:
    decoder = FrameDecoder(vw)
    raw_fehler = (0xFFFF).to_bytes(2, "little")
    data = bytes(4) + raw_fehler + bytes(2)  # ESP_v_Signal = 65535 'Fehler'
    assert decoder.decode(0xFD, data, 0.0) is None
    assert decoder.stats.not_a_value == 1
    # an 'Init' steering angle (raw 8190) is not a number: nothing published
    init = _frame(vw, "LWI_01")
    init_raw = int.from_bytes(init, "little") | (8190 << 16)
    assert decoder.decode(0x86, init_raw.to_bytes(8, "little"), 0.0) is None


def test_interval_and_on_change_follow_kuksa(vw: VehicleMapping) -> None:
    decoder = FrameDecoder(vw)
    speed = _frame(vw, "ESP_21", ESP_v_Signal=10.0)
    assert decoder.decode(0xFD, speed, 10.00) is not None
    assert decoder.decode(0xFD, speed, 10.05) is None  # within interval_ms 100
    assert decoder.stats.throttled == 1
    assert decoder.decode(0xFD, speed, 10.11) is not None  # interval passed; not on_change → sent again
    door = _frame(vw, "TSG_HFS_01", HFS_Tuer_geoeffnet=1)
    assert decoder.decode(0x3CE, door, 0.0) is not None
    assert decoder.decode(0x3CE, door, 0.001) is None  # on_change: same values
    assert decoder.stats.unchanged >= 2
    closed = _frame(vw, "TSG_HFS_01", HFS_Tuer_geoeffnet=0)
    assert decoder.decode(0x3CE, closed, 0.002) == {"Vehicle.Cabin.Door.Row2.DriverSide.IsOpen": False}


def test_unknown_ids_and_wrong_lengths_are_counted_not_decoded(vw: VehicleMapping) -> None:
    decoder = FrameDecoder(vw)
    assert decoder.decode(0x7FF, bytes(8), 0.0) is None
    assert decoder.decode(0xFD, bytes(7), 0.0) is None
    assert decoder.decode(0xFD, bytes(64), 0.0) is None
    assert decoder.decode(0xFD, "not bytes", 0.0) is None  # type: ignore[arg-type]
    stats = decoder.stats
    assert (stats.unknown_id, stats.wrong_length, stats.decoded_frames) == (1, 3, 0)


def test_values_outside_the_vss_range_are_counted_and_dropped(vw: VehicleMapping) -> None:
    decoder = FrameDecoder(vw)
    # Accel_Pedal_Pressure: 9 bits × 0.4 → up to 204 %, but VSS PedalPosition is 0..100
    message = vw.db.get_message_by_name("Motor_51")
    too_far = _frame(vw, "Motor_51", Accel_Pedal_Pressure=180.0)
    assert len(too_far) == message.length
    assert decoder.decode(message.frame_id, too_far, 0.0) is None
    assert decoder.stats.out_of_range == 1
    fine = _frame(vw, "Motor_51", Accel_Pedal_Pressure=42.0)
    assert decoder.decode(message.frame_id, fine, 1.0) == {"Vehicle.Chassis.Accelerator.PedalPosition": 42}


@pytest.mark.parametrize("model", ["vw_id4", "gwm_haval_h6", "tesla_model3"])
@settings(max_examples=150, deadline=None)
@given(frame=st.tuples(st.integers(0, 0x7FF), st.binary(min_size=0, max_size=64)))
def test_corrupt_payloads_never_publish_an_invalid_value(
    model: str, frame: tuple[int, bytes], catalog: Catalog
) -> None:
    mapping = load_vehicle_mapping(model, catalog)
    decoder = FrameDecoder(mapping)
    frame_ids = sorted(mapping.frame_ids)
    frame_id, data = frame
    # half of the examples hit a mapped id with a right-sized random payload
    if frame_id % 2:
        message = mapping.decoders_for(frame_ids[frame_id % len(frame_ids)])[0].message
        frame_id = message.frame_id
        data = (data * 64)[: message.length] if data else bytes(message.length)
    out = decoder.decode(frame_id, data, 0.0) or {}
    for path, value in out.items():
        assert compile_validator(catalog[path])(value) == value


def test_multiplexed_signals_decode_only_in_their_variant(catalog: Catalog) -> None:
    mapping = load_vehicle_mapping(DATA / "mux_test.yaml", catalog)
    decoder = FrameDecoder(mapping)
    db = cantools.database.load_file(DATA / "mux_test.dbc")
    message = db.get_message_by_name("SEAT_STATUS")

    def frame(**values: float) -> bytes:
        base = {"ROW": 1, "LEFT_BELT": 0, "RIGHT_BELT": 0, "LEFT_BELT_R2": 0, "CABIN_TEMP": 20.0, "STEER": 0.0}
        base.update(values)
        if base["ROW"] == 2:
            base.pop("LEFT_BELT")
            base.pop("RIGHT_BELT")
        else:
            base.pop("LEFT_BELT_R2")
        return bytes(message.encode(base, strict=False))

    row1 = decoder.decode(0x401, frame(ROW=1, LEFT_BELT=2, RIGHT_BELT=1, STEER=-12.3), 0.0)
    assert row1 is not None
    assert row1["Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted"] is True
    assert row1["Vehicle.Cabin.Seat.Row1.PassengerSide.IsBelted"] is False
    assert row1["Vehicle.Chassis.SteeringWheel.Angle"] == -12  # big-endian signed
    assert "Vehicle.Cabin.Seat.Row2.DriverSide.IsBelted" not in row1
    row2 = decoder.decode(0x401, frame(ROW=2, LEFT_BELT_R2=2, STEER=-12.3), 1.0)
    assert row2 is not None
    assert row2["Vehicle.Cabin.Seat.Row2.DriverSide.IsBelted"] is True
    assert "Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted" not in row2
    assert "Vehicle.Cabin.Seat.Row1.PassengerSide.IsBelted" not in row2
    # the SNA code of the temperature is named: no value, counted
    assert row1["Vehicle.Exterior.AirTemperature"] == 20.0
    before = decoder.stats.not_a_value
    sna = decoder.decode(0x401, frame(ROW=1, LEFT_BELT=2, RIGHT_BELT=1, CABIN_TEMP=87.5), 2.0)
    assert sna is None or "Vehicle.Exterior.AirTemperature" not in sna
    assert decoder.stats.not_a_value == before + 1
