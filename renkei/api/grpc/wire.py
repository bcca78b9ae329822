"""The protobuf wire format by hand, for the two streaming hot paths of the gRPC face.

A provider publishing 101 signals every millisecond and a subscriber receiving
them cost the broker one Python object per field per signal when they go through
protobuf messages. Here the two busiest messages skip that:

* out: `ResponseWriter` writes `SubscribeResponse` / `SubscribeByIdResponse` (v2)
  and v1 `SubscribeResponse` bytes from per-signal cached pieces (the key, the
  field tag) and the value packed with `struct`;
* in: `decode_provider_request` reads a pure `PublishValuesRequest` through a
  shadow message whose datapoints are left as bytes, and unpacks scalars itself.

Anything outside the common shape (arrays, repeated or unknown fields, values the
fast encoders do not take) falls back to the generated messages, so what a client
sees or gets refused is unchanged; only the cost differs.

    writer = ResponseWriter(catalog)
    data = writer.v2_entries({"Vehicle.Speed": Datapoint(42.0, time.time())})
    v2.SubscribeResponse.FromString(data)          # the same message fill_v2 builds
    decode_provider_request(data_from_provider)    # PublishPoints or OpenProviderStreamRequest
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2

from renkei.api.grpc.stubs import DecodeError, Timestamp, descriptor_pb2, descriptor_pool, message_factory
from renkei.broker import Datapoint
from renkei.client.kuksa_values import KUKSA_ARRAY, KUKSA_FIELD
from renkei.vss import BaseType, Catalog, Signal

_MASK32 = 0xFFFF_FFFF
_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_SMALL_LIMIT = 4096  # varints of sizes and ids below this come from a table
_SMALL = [bytes([n]) if n < 0x80 else bytes([(n & 0x7F) | 0x80, n >> 7]) for n in range(_SMALL_LIMIT)]
_pack_float = struct.Struct("<f").pack
_pack_double = struct.Struct("<d").pack
_unpack_float = struct.Struct("<f").unpack_from
_unpack_double = struct.Struct("<d").unpack_from


def varint(n: int) -> bytes:
    """Protobuf's base-128 varint of a non-negative number below 2**64."""
    if n < _SMALL_LIMIT:
        return _SMALL[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(tag: bytes, body: bytes) -> bytes:
    """A length-delimited field: tag, length, body."""
    n = len(body)
    return tag + (_SMALL[n] if n < _SMALL_LIMIT else varint(n)) + body


# -- values out ------------------------------------------------------------------------------------
# kuksa.val v2 `Value` and v1 `Datapoint` number their typed fields alike (string 11 … double 18,
# int32/int64 as zigzag sint32/sint64), so one encoder serves both.
ValueEncoder = Callable[[Any], bytes]


def _zigzag(n: int) -> int:
    return (n << 1) if n >= 0 else ((-n) << 1) - 1


def _scalar_encoder(base: BaseType, slow: ValueEncoder) -> ValueEncoder:
    """value → the bytes of its typed field; `slow` (the generated message) for anything unusual."""
    if base is BaseType.FLOAT:

        def enc_float(v: Any) -> bytes:
            if type(v) is float:
                try:
                    return b"\x8d\x01" + _pack_float(v)
                except OverflowError:  # beyond float32: let protobuf decide, as before
                    pass
            return slow(v)

        return enc_float
    if base is BaseType.DOUBLE:

        def enc_double(v: Any) -> bytes:
            return b"\x91\x01" + _pack_double(v) if type(v) is float else slow(v)

        return enc_double
    if base is BaseType.BOOLEAN:

        def enc_bool(v: Any) -> bytes:
            if v is True:
                return b"\x60\x01"
            if v is False:
                return b"\x60\x00"
            return slow(v)

        return enc_bool
    if base is BaseType.STRING:

        def enc_string(v: Any) -> bytes:
            if type(v) is str:
                try:
                    return _field(b"\x5a", v.encode())
                except UnicodeEncodeError:
                    pass
            return slow(v)

        return enc_string
    tag, low, high, zigzag = {
        BaseType.INT8: (b"\x68", *_INT32, True),
        BaseType.INT16: (b"\x68", *_INT32, True),
        BaseType.INT32: (b"\x68", *_INT32, True),
        BaseType.INT64: (b"\x70", *_INT64, True),
        BaseType.UINT8: (b"\x78", 0, _MASK32, False),
        BaseType.UINT16: (b"\x78", 0, _MASK32, False),
        BaseType.UINT32: (b"\x78", 0, _MASK32, False),
        BaseType.UINT64: (b"\x80\x01", 0, _MASK64, False),
    }[base]

    def enc_int(v: Any) -> bytes:
        if type(v) is int and low <= v <= high:
            return tag + varint(_zigzag(v) if zigzag else v)
        return slow(v)

    return enc_int


def _timestamp_field(stamp: float) -> bytes:
    """Field 1 (a google.protobuf.Timestamp) as `codec.timestamp` splits it."""
    seconds = math.floor(stamp)
    nanos = int((stamp - seconds) * 1e9)
    if not _INT64[0] <= seconds <= _INT64[1]:
        raise ValueError(f"timestamp {stamp} is out of range")
    body = (b"\x08" + varint(seconds & _MASK64) if seconds else b"") + (b"\x10" + varint(nanos) if nanos else b"")
    return _field(b"\x0a", body)


class _Piece:
    """What a response repeats for one signal: its value encoder, key and cached entry heads."""

    __slots__ = ("encode", "heads", "key")

    def __init__(self, encode: ValueEncoder, key: bytes) -> None:
        self.encode = encode
        self.key = key
        self.heads: dict[int, bytes] = {}  # by (value size << 8 | timestamp size)

    def v2_head(self, value_size: int, stamp_size: int) -> bytes:
        """Map entry tag and length, key, datapoint tag and length, value tag and length."""
        value_len = varint(value_size)
        point_size = 1 + len(value_len) + value_size + stamp_size
        before_value = self.key + b"\x12" + varint(point_size) + b"\x12" + value_len
        head = b"\x0a" + varint(len(before_value) + value_size + stamp_size) + before_value
        return self._keep(value_size, stamp_size, head)

    def v1_head(self, value_size: int, stamp_size: int, slot: bytes) -> bytes:
        """Update tag and length, entry tag and length, path, datapoint tag and length."""
        point_size = value_size + stamp_size
        entry_size = len(self.key) + 1 + len(varint(point_size)) + point_size
        update_size = 1 + len(varint(entry_size)) + entry_size + len(_V1_FIELD)
        head = b"\x0a" + varint(update_size) + b"\x0a" + varint(entry_size) + self.key + slot + varint(point_size)
        return self._keep(value_size, stamp_size, head)

    def _keep(self, value_size: int, stamp_size: int, head: bytes) -> bytes:
        if len(self.heads) < 64:  # strings vary in length; keep the cache bounded
            self.heads[(value_size << 8) | stamp_size] = head
        return head


_V1_FIELD = b"\x12\x01\x02"  # fields: [FIELD_VALUE] (packed); FIELD_ACTUATOR_TARGET is 3, same size


class ResponseWriter:
    """Subscription responses as bytes; per-signal pieces built once and cached.

    Each map entry (v2) or datapoint (v1) is written value first, timestamp last (parsers
    take fields in any order), so everything before the value bytes depends only on the
    signal and two sizes, and is cached as one piece.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._values: dict[str, ValueEncoder] = {}
        self._by_path: dict[str, _Piece] = {}
        self._by_id: dict[str, _Piece] = {}
        self._v1: dict[bool, dict[str, _Piece]] = {False: {}, True: {}}

    def value_encoder(self, path: str) -> ValueEncoder:
        enc = self._values.get(path)
        if enc is None:
            enc = self._build(self.catalog[path])
            self._values[path] = enc
        return enc

    @staticmethod
    def _build(signal: Signal) -> ValueEncoder:
        name = KUKSA_FIELD[signal.base_type]
        if signal.is_array:
            array_cls = getattr(t2, KUKSA_ARRAY[name])
            field_name = f"{name}_array"

            def enc_array(v: Any) -> bytes:
                data: bytes = t2.Value(**{field_name: array_cls(values=v)}).SerializeToString()
                return data

            return enc_array

        def slow(v: Any) -> bytes:
            data: bytes = t2.Value(**{name: v}).SerializeToString()
            return data

        return _scalar_encoder(signal.base_type, slow)

    def _entries(self, batch: Mapping[str, Datapoint | None], pieces: dict[str, _Piece], by_id: bool) -> bytes:
        parts: list[bytes] = []
        append = parts.append
        last: float | None = None
        stamp = b""
        stamp_size = 0
        for path, dp in batch.items():
            piece = pieces.get(path)
            if piece is None:
                piece = pieces[path] = self._piece(path, by_id)
            if dp is None:
                append(_field(b"\x0a", piece.key + b"\x12\x00"))
                continue
            if dp[1] != last:
                last = dp[1]
                stamp = _timestamp_field(last)
                stamp_size = len(stamp)
            value = dp[0]
            if value is None:
                append(_field(b"\x0a", piece.key + _field(b"\x12", stamp)))
                continue
            vb = piece.encode(value)
            head = piece.heads.get((len(vb) << 8) | stamp_size) or piece.v2_head(len(vb), stamp_size)
            append(head)
            append(vb)
            append(stamp)
        return b"".join(parts)

    def _piece(self, path: str, by_id: bool) -> _Piece:
        key = b"\x08" + varint(self.catalog[path].id & _MASK64) if by_id else _field(b"\x0a", path.encode())
        return _Piece(self.value_encoder(path), key)

    def v2_entries(self, batch: Mapping[str, Datapoint | None]) -> bytes:
        """A kuksa.val.v2 SubscribeResponse: map<path, Datapoint> entries = 1."""
        return self._entries(batch, self._by_path, False)

    def v2_entries_by_id(self, batch: Mapping[str, Datapoint | None]) -> bytes:
        """A kuksa.val.v2 SubscribeByIdResponse: map<int32 id, Datapoint> entries = 1."""
        return self._entries(batch, self._by_id, True)

    def v1_updates(self, batch: Mapping[str, Datapoint], target: bool) -> bytes:
        """A kuksa.val.v1 SubscribeResponse: updates { entry { path, value | actuator_target }, fields }."""
        pieces = self._v1[target]
        slot, fields = (b"\x1a", b"\x12\x01\x03") if target else (b"\x12", _V1_FIELD)
        parts: list[bytes] = []
        append = parts.append
        last: float | None = None
        stamp = b""
        stamp_size = 0
        for path, dp in batch.items():
            piece = pieces.get(path)
            if piece is None:
                piece = pieces[path] = self._piece(path, False)
            if dp[1] != last:
                last = dp[1]
                stamp = _timestamp_field(last)
                stamp_size = len(stamp)
            value = dp[0]
            vb = b"" if value is None else piece.encode(value)
            head = piece.heads.get((len(vb) << 8) | stamp_size) or piece.v1_head(len(vb), stamp_size, slot)
            append(head)
            append(vb)
            append(stamp)
            append(fields)
        return b"".join(parts)


# -- values in ------------------------------------------------------------------------------------
class _Unusual(Exception):
    """The fast reader met something only the generated message reads right."""


def _shadow_request() -> Any:
    """OpenProviderStreamRequest as far as publish_values_request, datapoints left as bytes.

    Wire-compatible with kuksa.val.v2: map<int32, Datapoint> is repeated {key = 1; value = 2}.
    """
    fdp = descriptor_pb2.FileDescriptorProto(name="renkei/grpc_wire_shadow.proto", package="renkei.wire")
    fdp.syntax = "proto3"
    f = descriptor_pb2.FieldDescriptorProto
    opt, rep = f.LABEL_OPTIONAL, f.LABEL_REPEATED
    point = fdp.message_type.add(name="RawDatapoint")
    point.field.add(name="timestamp", number=1, type=f.TYPE_BYTES, label=opt)
    point.field.add(name="value", number=2, type=f.TYPE_BYTES, label=opt)
    entry = fdp.message_type.add(name="RawEntry")
    entry.field.add(name="key", number=1, type=f.TYPE_INT32, label=opt)
    entry.field.add(name="value", number=2, type=f.TYPE_MESSAGE, type_name=".renkei.wire.RawDatapoint", label=opt)
    publish = fdp.message_type.add(name="RawPublish")
    publish.field.add(name="request_id", number=1, type=f.TYPE_UINT32, label=opt)
    publish.field.add(name="data_points", number=2, type=f.TYPE_MESSAGE, type_name=".renkei.wire.RawEntry", label=rep)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("renkei.wire.RawPublish"))


_RawPublish = _shadow_request()
NO_VALUE: Any = object()  # a datapoint without a typed value (the caller reports it per signal)


class PublishPoints(NamedTuple):
    """A decoded PublishValuesRequest: values by source time (None: now), then by signal id.

    A datapoint without a typed value maps to NO_VALUE (the session reports it per signal).
    """

    request_id: int
    groups: dict[float | None, dict[int, Any]]


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _Unusual
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _read_value(vb: bytes) -> Any:
    """The scalar a kuksa.val.v2 Value's bytes carry; _Unusual for arrays and odd shapes."""
    if not vb:
        return NO_VALUE
    size = len(vb)
    first = vb[0]
    if first == 0x8D:
        if size == 6 and vb[1] == 0x01:
            return _unpack_float(vb, 2)[0]
        raise _Unusual
    if first == 0x91:
        if size == 10 and vb[1] == 0x01:
            return _unpack_double(vb, 2)[0]
        raise _Unusual
    if first == 0x5A:
        n, pos = _read_varint(vb, 1)
        if pos + n != size:
            raise _Unusual
        try:
            return vb[pos:].decode()
        except UnicodeDecodeError:
            raise _Unusual from None
    if first in (0x60, 0x68, 0x70, 0x78):
        n, pos = _read_varint(vb, 1)
        if pos != size:
            raise _Unusual
        if first == 0x60:
            return n != 0
        if first == 0x68:
            return _unzigzag(n & _MASK32)
        if first == 0x70:
            return _unzigzag(n & _MASK64)
        return n & _MASK32
    if first == 0x80 and size > 2 and vb[1] == 0x01:
        n, pos = _read_varint(vb, 2)
        if pos != size:
            raise _Unusual
        return n & _MASK64
    raise _Unusual


# Every bool and every int below 64 in magnitude is two bytes: a table reads them at once.
_SHORT: dict[bytes, Any] = {
    **{bytes([0x60, n]): n != 0 for n in range(0x80)},
    **{bytes([0x68, n]): _unzigzag(n) for n in range(0x80)},
    **{bytes([0x70, n]): _unzigzag(n) for n in range(0x80)},
    **{bytes([0x78, n]): n for n in range(0x80)},
}


def _read_stamp(tb: bytes) -> float | None:
    ts = Timestamp.FromString(tb)
    # An unset timestamp reads as 0 s: "now" (no provider stamps values at the epoch).
    return (ts.seconds + ts.nanos * 1e-9) or None


def _publish_start(data: bytes) -> int:
    """Where the body starts when `data` is exactly one publish_values_request (field 2), else 0."""
    if len(data) < 2 or data[0] != 0x12:
        return 0
    try:
        n, pos = _read_varint(data, 1)
    except _Unusual:
        return 0
    return pos if pos + n == len(data) else 0


def decode_provider_request(data: bytes) -> Any:
    """An OpenProviderStreamRequest's bytes → PublishPoints (fast) or the generated message."""
    start = _publish_start(data)
    if start:
        try:
            return _read_publish(data[start:])
        except (_Unusual, DecodeError):
            pass
    return v2.OpenProviderStreamRequest.FromString(data)


def _read_publish(body: bytes) -> PublishPoints:
    raw = _RawPublish.FromString(body)
    groups: dict[float | None, dict[int, Any]] = {}
    group: dict[int, Any] = {}
    last_tb: bytes | None = None
    read_value = _read_value
    float_tag = b"\x8d\x01"
    short = _SHORT.get
    miss = _SHORT
    count = 0
    for entry in raw.data_points:
        dp = entry.value
        tb = dp.timestamp
        if tb != last_tb:
            last_tb = tb
            stamp = _read_stamp(tb)
            group = groups.get(stamp) or groups.setdefault(stamp, {})
        vb = dp.value
        if len(vb) == 6 and vb[:2] == float_tag:
            group[entry.key] = _unpack_float(vb, 2)[0]
        else:
            value = short(vb, miss)
            group[entry.key] = read_value(vb) if value is miss else value
        count += 1
    if sum(map(len, groups.values())) != count:
        raise _Unusual  # a signal twice in one map: the generated message knows which one wins
    return PublishPoints(raw.request_id, groups)


__all__ = ["NO_VALUE", "PublishPoints", "ResponseWriter", "decode_provider_request", "varint"]
