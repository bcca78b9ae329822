"""Validation of values against signal metadata, and parsing typed text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkei.vss import EntryType, Signal, ValueRuleError, compile_validator, parse_text
from renkei.vss.model import INTEGER_RANGES, BaseType
from renkei.vss.values import MAX_ARRAY_LENGTH, MAX_STRING_LENGTH


def leaf(datatype: str, **kw: object) -> Signal:
    return Signal.leaf("Vehicle.Test", entry_type=EntryType.SENSOR, datatype=datatype, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("datatype", "value", "rule"),
    [
        ("boolean", 1, "datatype"),
        ("boolean", "true", "datatype"),
        ("uint8", 256, "datatype-range"),
        ("uint8", -1, "datatype-range"),
        ("int8", True, "datatype"),
        ("int16", 1.5, "datatype"),
        ("int32", "12", "datatype"),
        ("float", "12.0", "datatype"),
        ("float", math.nan, "finite"),
        ("float", math.inf, "finite"),
        ("double", -math.inf, "finite"),
        ("float", 1e39, "datatype-range"),
        ("string", 12, "datatype"),
        ("string", "x" * (MAX_STRING_LENGTH + 1), "length"),
        ("uint8[]", [1, 2, 300], "datatype-range"),
        ("uint8[]", 5, "datatype"),
        ("string[]", ["a", 1], "datatype"),
        ("float[]", [0.0] * (MAX_ARRAY_LENGTH + 1), "length"),
        ("boolean", None, "datatype"),
        ("float", {"value": 1}, "datatype"),
    ],
)
def test_wrong_values_are_refused_with_their_rule(datatype: str, value: object, rule: str) -> None:
    with pytest.raises(ValueRuleError) as caught:
        compile_validator(leaf(datatype))(value)
    assert caught.value.rule == rule


def test_min_max_and_allowed() -> None:
    speed = compile_validator(leaf("float", min=0, max=250))
    assert speed(250) == 250.0 and isinstance(speed(250), float)
    with pytest.raises(ValueRuleError, match="above the maximum 250"):
        speed(250.5)
    with pytest.raises(ValueRuleError, match="below the minimum 0"):
        speed(-0.1)
    gear = compile_validator(leaf("string", allowed=("P", "R", "N", "D")))
    assert gear("D") == "D"
    with pytest.raises(ValueRuleError, match="allowed values: P, R, N, D"):
        gear("X")
    modes = compile_validator(leaf("string[]", allowed=("A", "B")))
    with pytest.raises(ValueRuleError, match=r"element \[1\]"):
        modes(["A", "C"])


def test_integral_floats_are_accepted_for_integer_types() -> None:
    # JSON and protobuf clients often send 3.0 for 3
    assert compile_validator(leaf("uint8"))(3.0) == 3


def test_string_pattern() -> None:
    vin = compile_validator(leaf("string", pattern=r"[A-HJ-NPR-Z0-9]{17}"))
    assert vin("LSVAU2180N2183294") == "LSVAU2180N2183294"
    with pytest.raises(ValueRuleError) as caught:
        vin("not-a-vin")
    assert caught.value.rule == "pattern"


@pytest.mark.parametrize("base", sorted(INTEGER_RANGES, key=str))
@given(data=st.data())
def test_integer_types_accept_exactly_their_range(base: BaseType, data: st.DataObject) -> None:
    lo, hi = INTEGER_RANGES[base]
    check = compile_validator(leaf(base.value))
    inside = data.draw(st.integers(lo, hi))
    assert check(inside) == inside
    outside = data.draw(st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1)))
    with pytest.raises(ValueRuleError):
        check(outside)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_validation_never_lets_a_non_finite_through(x: float) -> None:
    check = compile_validator(leaf("double", min=-1000, max=1000))
    try:
        result = check(x)
    except ValueRuleError:
        assert not (math.isfinite(x) and -1000 <= x <= 1000)
    else:
        assert math.isfinite(result) and -1000 <= result <= 1000  # type: ignore[operator]


@pytest.mark.parametrize(
    ("datatype", "text", "expected"),
    [
        ("boolean", "on", True),
        ("boolean", "FALSE", False),
        ("uint8", "42", 42),
        ("float", "21.5", 21.5),
        ("string", "  D ", "D"),
        ("uint8[]", "1, 2,3", [1, 2, 3]),
        ("string[]", '["a", "b"]', ["a", "b"]),
        ("float[]", "", []),
    ],
)
def test_parse_text(datatype: str, text: str, expected: object) -> None:
    assert parse_text(leaf(datatype), text) == expected


@pytest.mark.parametrize(
    ("datatype", "text", "fragment"),
    [
        ("boolean", "maybe", "not a boolean"),
        ("uint8", "4.2", "not an integer"),
        ("float", "warm", "not a number"),
        ("uint8[]", "[1,", "not valid JSON"),
        ("uint8", "999", "does not fit in uint8"),
    ],
)
def test_parse_text_errors_say_what_to_write(datatype: str, text: str, fragment: str) -> None:
    with pytest.raises(ValueRuleError, match=fragment):
        parse_text(leaf(datatype), text)
