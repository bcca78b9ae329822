"""Every leaf of the official VSS releases (in ../shared/vss) through the broker:
a valid value is accepted, a mistyped one and an out-of-range one are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkei.broker import Broker, BrokerError, ErrorCode
from renkei.vss import BaseType, Catalog, Signal
from renkei.vss.model import FLOAT32_MAX, INTEGER_RANGES
from renkei.vss.values import MAX_STRING_LENGTH

pytestmark = pytest.mark.shared


def valid_scalar(s: Signal) -> Any:
    if s.allowed:
        return s.allowed[0]
    if s.base_type is BaseType.BOOLEAN:
        return True
    if s.base_type is BaseType.STRING:
        return "LSVAU2180N2183294" if s.pattern else "text"
    value = s.min if s.min is not None else (s.max if s.max is not None and s.max < 0 else 0)
    return float(value) if s.base_type in (BaseType.FLOAT, BaseType.DOUBLE) else int(value)


def mistyped_scalar(s: Signal) -> Any:
    return 12 if s.base_type is BaseType.STRING else "12"


def out_of_range_scalar(s: Signal) -> Any | None:
    if s.max is not None:
        return s.max + 1
    if s.min is not None:
        return s.min - 1
    if s.base_type in INTEGER_RANGES:
        return INTEGER_RANGES[s.base_type][1] + 1
    if s.base_type is BaseType.FLOAT:
        return FLOAT32_MAX * 10
    if s.base_type is BaseType.DOUBLE:
        return float("inf")
    if s.base_type is BaseType.STRING:
        return "not-an-allowed-value" if s.allowed else "x" * (MAX_STRING_LENGTH + 1)
    return None  # booleans have no range


def wrap(s: Signal, value: Any) -> Any:
    return [value] if s.is_array else value


@pytest.mark.parametrize("release", ["4.0", "5.1", "6.0"])
def test_every_leaf_accepts_valid_and_refuses_mistyped_and_out_of_range(shared_dir: Path, release: str) -> None:
    catalog = Catalog.from_files([shared_dir / "vss" / f"vss_release_{release}.json"])
    broker = Broker(catalog)
    ranged = 0
    assert len(catalog) > 900
    for signal in catalog:
        good = wrap(signal, valid_scalar(signal))
        broker.publish({signal.path: good})
        assert broker.get([signal.path])[signal.path].value == good, signal.path  # type: ignore[union-attr]
        with pytest.raises(BrokerError) as mistyped:
            broker.publish({signal.path: wrap(signal, mistyped_scalar(signal))})
        assert mistyped.value.code is ErrorCode.INVALID_ARGUMENT and mistyped.value.path == signal.path
        bad = out_of_range_scalar(signal)
        if bad is None:
            continue
        with pytest.raises(BrokerError) as out:
            broker.publish({signal.path: wrap(signal, bad)})
        assert out.value.code is ErrorCode.INVALID_ARGUMENT, signal.path
        assert out.value.rule in {"max", "min", "datatype-range", "finite", "allowed", "length"}
        ranged += 1
    booleans = sum(1 for s in catalog if s.base_type is BaseType.BOOLEAN)
    assert ranged == len(catalog) - booleans
