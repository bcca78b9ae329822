"""Check and coerce values against a signal's metadata; parse typed text.

`compile_validator(signal)` returns a function that takes any Python object and
either returns the value to store (ints widened to float for float signals) or
raises `ValueRuleError` naming the rule that was broken. The broker compiles one
per leaf at start, so the hot path does no metadata lookups.

    >>> check = compile_validator(Signal.leaf("Vehicle.Speed", entry_type=EntryType.SENSOR,
    ...                                       datatype="float", min=0, max=250))
    >>> check(12)
    12.0
    >>> check(300)
    Traceback (most recent call last):
    ...
    renkei.vss.values.ValueRuleError: 300 is above the maximum 250
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from renkei.vss.model import (
    FLOAT32_MAX,
    FLOAT_TYPES,
    INTEGER_RANGES,
    BaseType,
    Scalar,
    Signal,
    Value,
)

# Limits that keep one hostile write from exhausting memory downstream.
MAX_STRING_LENGTH = 64 * 1024
MAX_ARRAY_LENGTH = 4096

Validator = Callable[[Any], Value]


class ValueRuleError(ValueError):
    """A value broke a rule of its signal. `rule` is a short machine-readable name."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _scalar_checker(signal: Signal) -> Callable[[Any], Scalar]:
    base = signal.base_type
    if base is BaseType.BOOLEAN:

        def check_bool(v: Any) -> Scalar:
            if v is True or v is False:
                return v is True
            raise ValueRuleError("datatype", f"{_describe(v)} is not a boolean (expected true or false)")

        return check_bool

    if base is BaseType.STRING:
        regex = re.compile(signal.pattern) if signal.pattern else None

        def check_str(v: Any) -> Scalar:
            if type(v) is not str:
                raise ValueRuleError("datatype", f"{_describe(v)} is not a string")
            if len(v) > MAX_STRING_LENGTH:
                raise ValueRuleError(
                    "length",
                    f"string of {len(v)} characters exceeds the limit of {MAX_STRING_LENGTH}",
                )
            if regex is not None and not regex.fullmatch(v):
                raise ValueRuleError("pattern", f"{_describe(v)} does not match the pattern {signal.pattern!r}")
            return v

        return check_str

    lo = signal.min
    hi = signal.max
    if base in INTEGER_RANGES:
        type_lo, type_hi = INTEGER_RANGES[base]
        name = base.value

        def check_int(v: Any) -> Scalar:
            if type(v) is not int:
                if isinstance(v, float) and v.is_integer() and not isinstance(v, bool):
                    v = int(v)
                else:
                    raise ValueRuleError("datatype", f"{_describe(v)} is not an integer ({name})")
            if v < type_lo or v > type_hi:
                raise ValueRuleError("datatype-range", f"{v} does not fit in {name} [{type_lo}, {type_hi}]")
            if lo is not None and v < lo:
                raise ValueRuleError("min", f"{v} is below the minimum {lo}")
            if hi is not None and v > hi:
                raise ValueRuleError("max", f"{v} is above the maximum {hi}")
            number: int = v
            return number

        return check_int

    if base in FLOAT_TYPES:
        limit = FLOAT32_MAX if base is BaseType.FLOAT else math.inf
        name = base.value

        def check_float(v: Any) -> Scalar:
            t = type(v)
            if t is float:
                pass
            elif t is int:
                v = float(v)
            else:
                raise ValueRuleError("datatype", f"{_describe(v)} is not a number ({name})")
            if v != v or v in (math.inf, -math.inf):
                raise ValueRuleError("finite", f"{v} is not a finite number")
            if abs(v) > limit:
                raise ValueRuleError("datatype-range", f"{v} does not fit in a 32-bit float")
            if lo is not None and v < lo:
                raise ValueRuleError("min", f"{_fmt(v)} is below the minimum {lo}")
            if hi is not None and v > hi:
                raise ValueRuleError("max", f"{_fmt(v)} is above the maximum {hi}")
            return float(v)

        return check_float

    raise AssertionError(f"unhandled base type {base}")  # pragma: no cover - enum is closed


def _fmt(v: float) -> str:
    return str(int(v)) if v.is_integer() else repr(v)


def compile_validator(signal: Signal) -> Validator:
    """Build the function that validates and coerces writes to `signal`."""
    check = _scalar_checker(signal)
    allowed = frozenset(signal.allowed) if signal.allowed else None

    def check_allowed(v: Scalar) -> Scalar:
        if allowed is not None and v not in allowed:
            shown = ", ".join(map(str, signal.allowed or ()))
            raise ValueRuleError("allowed", f"{_describe(v)} is not one of the allowed values: {shown}")
        return v

    if not signal.is_array:
        if allowed is None:
            return check

        def check_scalar_allowed(v: Any) -> Value:
            return check_allowed(check(v))

        return check_scalar_allowed

    def check_array(v: Any) -> Value:
        if not isinstance(v, list | tuple):
            raise ValueRuleError("datatype", f"{_describe(v)} is not an array ({signal.datatype})")
        if len(v) > MAX_ARRAY_LENGTH:
            raise ValueRuleError("length", f"array of {len(v)} elements exceeds the limit of {MAX_ARRAY_LENGTH}")
        out: list[Scalar] = []
        for index, element in enumerate(v):
            try:
                out.append(check_allowed(check(element)))
            except ValueRuleError as err:
                raise ValueRuleError(err.rule, f"element [{index}]: {err}") from None
        return out

    return check_array


_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no"}


def parse_text(signal: Signal, text: str) -> Value:
    """Turn what a person typed (CLI, forms) into a value of the signal's datatype.

    Arrays are written as JSON (`[1, 2]`) or comma-separated (`1,2`). The result is
    also validated, so the caller gets one clear error either way.
    """

    def scalar(part: str) -> Scalar:
        part = part.strip()
        base = signal.base_type
        if base is BaseType.BOOLEAN:
            low = part.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueRuleError("datatype", f"{part!r} is not a boolean (write true or false)")
        if base is BaseType.STRING:
            return part
        try:
            if base in INTEGER_RANGES:
                return int(part, 10)
            return float(part)
        except ValueError:
            kind = "an integer" if base in INTEGER_RANGES else "a number"
            raise ValueRuleError("datatype", f"{part!r} is not {kind} ({signal.datatype})") from None

    value: Value
    if signal.is_array:
        stripped = text.strip()
        if stripped.startswith("["):
            try:
                loaded = json.loads(stripped)
            except json.JSONDecodeError as err:
                raise ValueRuleError("syntax", f"array is not valid JSON: {err.msg}") from None
            value = list(loaded) if isinstance(loaded, list) else loaded
        else:
            value = [scalar(p) for p in stripped.split(",")] if stripped else []
    else:
        value = scalar(text)
    return compile_validator(signal)(value)
