"""What one VSS leaf is: path, entry type, datatype, unit, limits and allowed values.

The catalog (`renkei.vss.catalog`) builds these from VSS JSON exports; the broker
validates every write with the validator compiled from them (`renkei.vss.values`).

    >>> sig = Signal.leaf("Vehicle.Speed", entry_type=EntryType.SENSOR, datatype="float", unit="km/h")
    >>> sig.base_type, sig.is_array
    (<BaseType.FLOAT: 'float'>, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# A value as it travels through the platform. None means "no value available".
Scalar = bool | int | float | str
Value = Scalar | list[bool] | list[int] | list[float] | list[str] | list[Scalar]


class EntryType(StrEnum):
    BRANCH = "branch"
    SENSOR = "sensor"
    ACTUATOR = "actuator"
    ATTRIBUTE = "attribute"


class ChangeType(StrEnum):
    """KUKSA's `x-kuksa-changetype`: when subscribers hear about a publish."""

    CONTINUOUS = "continuous"  # every publish is delivered
    ON_CHANGE = "onchange"  # only publishes that change the value
    STATIC = "static"  # set once (attributes); delivered when changed


class BaseType(StrEnum):
    BOOLEAN = "boolean"
    STRING = "string"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    UINT64 = "uint64"
    FLOAT = "float"
    DOUBLE = "double"


INTEGER_RANGES: dict[BaseType, tuple[int, int]] = {
    BaseType.INT8: (-(2**7), 2**7 - 1),
    BaseType.INT16: (-(2**15), 2**15 - 1),
    BaseType.INT32: (-(2**31), 2**31 - 1),
    BaseType.INT64: (-(2**63), 2**63 - 1),
    BaseType.UINT8: (0, 2**8 - 1),
    BaseType.UINT16: (0, 2**16 - 1),
    BaseType.UINT32: (0, 2**32 - 1),
    BaseType.UINT64: (0, 2**64 - 1),
}
FLOAT_TYPES = frozenset({BaseType.FLOAT, BaseType.DOUBLE})
FLOAT32_MAX = 3.4028234663852886e38


def parse_datatype(datatype: str) -> tuple[BaseType, bool]:
    """Split a VSS datatype such as ``uint8[]`` into (base type, is_array).

    Raises ValueError naming the datatype when it is not a VSS primitive.
    """
    is_array = datatype.endswith("[]")
    base = datatype[:-2] if is_array else datatype
    try:
        return BaseType(base), is_array
    except ValueError:
        known = ", ".join(t.value for t in BaseType)
        raise ValueError(f"unknown datatype {datatype!r} (VSS types: {known}, or one of them + '[]')") from None


@dataclass(frozen=True, slots=True)
class Signal:
    """One leaf of the catalog. Branches are not Signals; the catalog keeps them apart."""

    path: str
    entry_type: EntryType
    datatype: str
    base_type: BaseType
    is_array: bool
    description: str = ""
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    allowed: tuple[Scalar, ...] | None = None
    default: Value | None = None
    comment: str | None = None
    deprecation: str | None = None
    pattern: str | None = None
    change_type: ChangeType = ChangeType.ON_CHANGE
    # Position in the catalog: stable for one catalog, used as the numeric id of
    # kuksa.val.v2 (SubscribeById) and sdv.databroker.v1.
    id: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def leaf(cls, path: str, *, entry_type: EntryType, datatype: str, **kw: Any) -> Signal:
        base, is_array = parse_datatype(datatype)
        return cls(
            path=path,
            entry_type=entry_type,
            datatype=datatype,
            base_type=base,
            is_array=is_array,
            **kw,
        )

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def is_numeric(self) -> bool:
        return self.base_type in INTEGER_RANGES or self.base_type in FLOAT_TYPES
