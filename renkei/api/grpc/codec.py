"""Values and metadata between the broker's Python values and the three wire formats.

Every signal's base type decides which protobuf field carries it. Encoders are
built once per signal and cached, so the streaming hot path does one dict lookup
and one message construction per signal.

    codec = Codec(catalog)
    msg = codec.v2_datapoint("Vehicle.Speed", Datapoint(42.0, time.time()))
    value = v2_value(msg.value)          # 42.0, checked by the broker on write
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from kuksa.val.v1 import types_pb2 as t1
from kuksa.val.v2 import types_pb2 as t2

from renkei.api.grpc.stubs import Timestamp
from renkei.api.grpc.stubs import sdv_types as tsdv
from renkei.broker import BrokerError, Datapoint
from renkei.client.kuksa_values import KUKSA_ARRAY, KUKSA_FIELD  # v1, v2; sdv.databroker.v1 adds "_value"
from renkei.vss import BaseType, Catalog, ChangeType, EntryType, Signal

_ENTRY_V2 = {
    EntryType.SENSOR: t2.ENTRY_TYPE_SENSOR,
    EntryType.ACTUATOR: t2.ENTRY_TYPE_ACTUATOR,
    EntryType.ATTRIBUTE: t2.ENTRY_TYPE_ATTRIBUTE,
}
_ENTRY_V1 = {
    EntryType.SENSOR: t1.ENTRY_TYPE_SENSOR,
    EntryType.ACTUATOR: t1.ENTRY_TYPE_ACTUATOR,
    EntryType.ATTRIBUTE: t1.ENTRY_TYPE_ATTRIBUTE,
}
_CHANGE_SDV = {
    ChangeType.STATIC: tsdv.STATIC,
    ChangeType.ON_CHANGE: tsdv.ON_CHANGE,
    ChangeType.CONTINUOUS: tsdv.CONTINUOUS,
}
MAX_ARRAY = 65536


def timestamp(seconds: float) -> Timestamp:
    whole = math.floor(seconds)
    return Timestamp(seconds=whole, nanos=int((seconds - whole) * 1e9))


def from_timestamp(ts: Timestamp) -> float:
    return float(ts.seconds + ts.nanos / 1e9)


def _plain(message: Any, field: str | None, path: str) -> Any:
    if field is None:
        return None
    raw = getattr(message, field)
    if field.endswith("_array"):
        values = raw.values
        if len(values) > MAX_ARRAY:
            raise BrokerError.invalid(path, f"array of {len(values)} items exceeds {MAX_ARRAY}", "array-size")
        return list(values)
    return raw


_ARRAY_FIELDS = frozenset(f"{name}_array" for name in KUKSA_ARRAY)


def v2_value(message: t2.Value, path: str = "") -> Any:
    """The Python value a kuksa.val.v2 Value carries (None when empty)."""
    return _plain(message, message.WhichOneof("typed_value"), path)


def v1_value(message: t1.Datapoint, path: str = "") -> Any:
    return _plain(message, message.WhichOneof("value"), path)


def sdv_value(message: tsdv.Datapoint, path: str = "") -> Any:
    field = message.WhichOneof("value")
    if field == "failure_value":
        return None
    if field is not None and not field.endswith("_array"):
        return getattr(message, field)
    return _plain(message, field, path)


Encoder = Callable[[Any], Any]


def _encoder(module: Any, target: str, field: str, is_array: bool, scalar_suffix: str = "") -> Encoder:
    """A function value → protobuf message of class `target` in `module`."""
    cls = getattr(module, target)
    if is_array:
        array_cls = getattr(module, KUKSA_ARRAY[field])
        name = f"{field}_array"

        def encode_array(value: Any) -> Any:
            return cls(**{name: array_cls(values=value)})

        return encode_array
    name = field + scalar_suffix

    def encode(value: Any) -> Any:
        return cls(**{name: value})

    return encode


class Codec:
    """Per-catalog encoders for the three protocols, built lazily and cached."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._v2: dict[str, Encoder] = {}
        self._v1: dict[str, Encoder] = {}
        self._sdv: dict[str, Encoder] = {}
        self._v2_fill: dict[str, Callable[[Any, Any], None]] = {}

    # -- kuksa.val.v2 ---------------------------------------------------------------
    def _v2_filler(self, signal: Signal) -> Callable[[Any, Any], None]:
        name = KUKSA_FIELD[signal.base_type]
        if signal.is_array:
            array = f"{name}_array"

            def fill_array(message: Any, value: Any) -> None:
                getattr(message, array).values.extend(value)

            filler = fill_array
        else:

            def fill(message: Any, value: Any) -> None:
                setattr(message, name, value)

            filler = fill
        self._v2_fill[signal.path] = filler
        return filler

    def fill_v2(
        self, entries: Any, batch: Mapping[str, Datapoint | None], key: Callable[[str], Any] | None = None
    ) -> None:
        """Write a batch into a v2 map<key, Datapoint> in place (the streaming hot path).

        Filling the map's own messages avoids building and copying three messages per
        signal; the timestamp is split once per distinct value in the batch.
        """
        fillers = self._v2_fill
        catalog = self.catalog
        last: float | None = None
        seconds = nanos = 0
        for path, dp in batch.items():
            message = entries[path if key is None else key(path)]
            if dp is None:
                message.SetInParent()
                continue
            stamp = dp.timestamp
            if stamp != last:
                last = stamp
                seconds = math.floor(stamp)
                nanos = int((stamp - seconds) * 1e9)
            ts = message.timestamp
            ts.seconds = seconds
            ts.nanos = nanos
            value = dp.value
            if value is not None:
                filler = fillers.get(path)
                if filler is None:
                    filler = self._v2_filler(catalog[path])
                filler(message.value, value)

    def v2_encoder(self, signal: Signal) -> Encoder:
        enc = self._v2.get(signal.path)
        if enc is None:
            enc = _encoder(t2, "Value", KUKSA_FIELD[signal.base_type], signal.is_array)
            self._v2[signal.path] = enc
        return enc

    def v2_datapoint(self, signal: Signal, dp: Datapoint | None) -> t2.Datapoint:
        if dp is None:
            return t2.Datapoint()
        if dp.value is None:
            return t2.Datapoint(timestamp=timestamp(dp.timestamp))
        enc = self._v2.get(signal.path) or self.v2_encoder(signal)
        return t2.Datapoint(timestamp=timestamp(dp.timestamp), value=enc(dp.value))

    def v2_scalar(self, signal: Signal, value: Any) -> t2.Value:
        return _encoder(t2, "Value", KUKSA_FIELD[signal.base_type], False)(value)

    def v2_metadata(self, signal: Signal) -> t2.Metadata:
        data_type = t2.DataType.Value(
            f"DATA_TYPE_{signal.base_type.value.upper()}{'_ARRAY' if signal.is_array else ''}"
        )
        md = t2.Metadata(
            path=signal.path,
            id=signal.id,
            data_type=data_type,
            entry_type=_ENTRY_V2[signal.entry_type],
            description=signal.description,
            comment=signal.comment or "",
            deprecation=signal.deprecation or "",
            unit=signal.unit or "",
        )
        if signal.min is not None:
            md.min.CopyFrom(self.v2_scalar(signal, _cast(signal, signal.min)))
        if signal.max is not None:
            md.max.CopyFrom(self.v2_scalar(signal, _cast(signal, signal.max)))
        if signal.allowed:
            field = KUKSA_FIELD[signal.base_type]
            array = getattr(t2, KUKSA_ARRAY[field])(values=list(signal.allowed))
            md.allowed_values.CopyFrom(t2.Value(**{f"{field}_array": array}))
        return md

    # -- kuksa.val.v1 --------------------------------------------------------------
    def fill_v1(self, message: Any, path: str, dp: Datapoint) -> None:
        """Write one datapoint into a v1 Datapoint message in place (the streaming hot path)."""
        stamp = dp.timestamp
        seconds = math.floor(stamp)
        ts = message.timestamp
        ts.seconds = seconds
        ts.nanos = int((stamp - seconds) * 1e9)
        if dp.value is not None:
            filler = self._v2_fill.get(path)  # v1 and v2 share field names
            if filler is None:
                filler = self._v2_filler(self.catalog[path])
            filler(message, dp.value)

    def v1_datapoint(self, signal: Signal, dp: Datapoint | None) -> t1.Datapoint | None:
        if dp is None or dp.value is None:
            return None
        enc = self._v1.get(signal.path)
        if enc is None:
            enc = _encoder(t1, "Datapoint", KUKSA_FIELD[signal.base_type], signal.is_array)
            self._v1[signal.path] = enc
        msg = enc(dp.value)
        msg.timestamp.CopyFrom(timestamp(dp.timestamp))
        return msg

    def v1_metadata(self, signal: Signal) -> t1.Metadata:
        data_type = t1.DataType.Value(
            f"DATA_TYPE_{signal.base_type.value.upper()}{'_ARRAY' if signal.is_array else ''}"
        )
        md = t1.Metadata(
            data_type=data_type,
            entry_type=_ENTRY_V1[signal.entry_type],
            description=signal.description,
        )
        if signal.comment:
            md.comment = signal.comment
        if signal.deprecation:
            md.deprecation = signal.deprecation
        if signal.unit:
            md.unit = signal.unit
        kind = {
            "int32": "signed",
            "int64": "signed",
            "uint32": "unsigned",
            "uint64": "unsigned",
            "float": "floating_point",
            "double": "floating_point",
            "string": "string",
        }.get(KUKSA_FIELD[signal.base_type])
        if kind is not None and (signal.min is not None or signal.max is not None or signal.allowed):
            restriction = getattr(md.value_restriction, kind)
            if kind != "string":
                if signal.min is not None:
                    restriction.min = _cast(signal, signal.min)
                if signal.max is not None:
                    restriction.max = _cast(signal, signal.max)
            if signal.allowed:
                restriction.allowed_values.extend(signal.allowed)
        if signal.entry_type is EntryType.ACTUATOR:
            md.actuator.SetInParent()
        elif signal.entry_type is EntryType.SENSOR:
            md.sensor.SetInParent()
        else:
            md.attribute.SetInParent()
        return md

    # -- sdv.databroker.v1 -------------------------------------------------------------
    def sdv_datapoint(self, signal: Signal, dp: Datapoint | None) -> tsdv.Datapoint:
        if dp is None or dp.value is None:
            msg = tsdv.Datapoint(failure_value=tsdv.Datapoint.NOT_AVAILABLE)
            if dp is not None:
                msg.timestamp.CopyFrom(timestamp(dp.timestamp))
            return msg
        enc = self._sdv.get(signal.path)
        if enc is None:
            enc = _encoder(tsdv, "Datapoint", KUKSA_FIELD[signal.base_type], signal.is_array, "_value")
            self._sdv[signal.path] = enc
        msg = enc(dp.value)
        msg.timestamp.CopyFrom(timestamp(dp.timestamp))
        return msg

    def sdv_metadata(self, signal: Signal) -> tsdv.Metadata:
        name = KUKSA_FIELD[signal.base_type].upper() if signal.base_type is not BaseType.BOOLEAN else "BOOL"
        if signal.base_type not in (BaseType.FLOAT, BaseType.DOUBLE, BaseType.STRING, BaseType.BOOLEAN):
            name = signal.base_type.value.upper()
        return tsdv.Metadata(
            id=signal.id,
            name=signal.path,
            data_type=tsdv.DataType.Value(name + ("_ARRAY" if signal.is_array else "")),
            change_type=_CHANGE_SDV[signal.change_type],
            description=signal.description,
        )


def _cast(signal: Signal, number: int | float) -> int | float:
    if signal.base_type in (BaseType.FLOAT, BaseType.DOUBLE):
        return float(number)
    return int(number)
