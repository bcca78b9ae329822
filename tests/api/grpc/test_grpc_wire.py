"""The hand-written wire format (renkei/api/grpc/wire.py) against the generated messages.

Every response the writer builds must parse into exactly the message the codec's
message-based path builds; every provider request the reader decodes must give the
values the generated message gives, and anything it does not handle must come back
as the generated message (so errors stay as they were).
"""

from __future__ import annotations

import random
import struct

import pytest
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from kuksa.val.v1 import types_pb2 as t1
from kuksa.val.v1 import val_pb2 as v1
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2

from renkei.api.grpc.codec import Codec
from renkei.api.grpc.wire import NO_VALUE, PublishPoints, ResponseWriter, decode_provider_request, varint
from renkei.broker import Datapoint
from renkei.vss import BaseType, Catalog, EntryType, Signal

EDGE = {
    BaseType.BOOLEAN: [True, False],
    BaseType.INT8: [-128, -1, 0, 1, 63, 64, 127],
    BaseType.INT16: [-32768, -300, 300, 32767],
    BaseType.INT32: [-(2**31), -65, 64, 2**31 - 1],
    BaseType.INT64: [-(2**63), -(2**40), 2**40, 2**63 - 1],
    BaseType.UINT8: [0, 127, 128, 255],
    BaseType.UINT16: [0, 16383, 16384, 65535],
    BaseType.UINT32: [0, 2**31, 2**32 - 1],
    BaseType.UINT64: [0, 2**63, 2**64 - 1],
    BaseType.FLOAT: [0.0, -0.0, 1.5, -3.25e10, float("inf"), 3.0e38],
    BaseType.DOUBLE: [0.0, 1e300, -2.5e-300, float("-inf")],
    BaseType.STRING: ["", "a", "x" * 200, "車両 データ", "ステアリング 🚗"],
}


TYPES = [
    "boolean",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
    "string",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """Every VSS datatype, scalar and array (the default catalog has no int64 or uint64)."""
    signals = [
        Signal.leaf(
            f"Vehicle.Test.{name.capitalize()}{'Array' if is_array else ''}",
            entry_type=EntryType.SENSOR,
            datatype=name + ("[]" if is_array else ""),
            id=index + 1,
        )
        for index, (name, is_array) in enumerate((n, a) for n in TYPES for a in (False, True))
    ]
    return Catalog(signals, {"Vehicle": "", "Vehicle.Test": ""})


def test_the_catalog_covers_every_type(catalog: Catalog) -> None:
    assert len(one_of_each(catalog)) == 2 * len(TYPES)


def one_of_each(catalog: Catalog) -> dict[tuple[BaseType, bool], Signal]:
    found: dict[tuple[BaseType, bool], Signal] = {}
    for signal in catalog:
        found.setdefault((signal.base_type, signal.is_array), signal)
    return found


def batches(catalog: Catalog) -> list[dict[str, Datapoint | None]]:
    """Batches covering every type, edge values, no value, never set, odd timestamps."""
    signals = one_of_each(catalog)
    out: list[dict[str, Datapoint | None]] = []
    stamps = [1_700_000_000.123456, 1_700_000_000.0, 0.5, -1.25, 4_102_444_800.999999]
    for round_ in range(max(len(v) for v in EDGE.values())):
        batch: dict[str, Datapoint | None] = {}
        for (base, is_array), signal in signals.items():
            values = EDGE[base]
            value = values[round_ % len(values)]
            stamp = stamps[(round_ + len(batch)) % len(stamps)]
            batch[signal.path] = Datapoint([value, value] if is_array else value, stamp)
        out.append(batch)
    paths = [s.path for s in signals.values()]
    out.append({paths[0]: None, paths[1]: Datapoint(None, 12.5), paths[2]: Datapoint(None, 0.0)})
    return out


def test_v2_responses_parse_to_what_the_codec_builds(catalog: Catalog) -> None:
    writer, codec = ResponseWriter(catalog), Codec(catalog)
    for batch in batches(catalog):
        expected = v2.SubscribeResponse()
        codec.fill_v2(expected.entries, batch)
        assert v2.SubscribeResponse.FromString(writer.v2_entries(batch)) == expected
        by_id = v2.SubscribeByIdResponse()
        codec.fill_v2(by_id.entries, batch, lambda p: catalog[p].id)
        assert v2.SubscribeByIdResponse.FromString(writer.v2_entries_by_id(batch)) == by_id


def test_v1_updates_parse_to_what_the_codec_builds(catalog: Catalog) -> None:
    writer, codec = ResponseWriter(catalog), Codec(catalog)
    for batch in batches(catalog):
        plain = {p: dp for p, dp in batch.items() if dp is not None}
        for target in (False, True):
            expected = v1.SubscribeResponse()
            for path, dp in plain.items():
                update = expected.updates.add()
                update.entry.path = path
                codec.fill_v1(update.entry.actuator_target if target else update.entry.value, path, dp)
                update.fields.append(t1.FIELD_ACTUATOR_TARGET if target else t1.FIELD_VALUE)
            assert v1.SubscribeResponse.FromString(writer.v1_updates(plain, target)) == expected


def test_float_beyond_float32_is_left_to_protobuf(catalog: Catalog) -> None:
    signal = one_of_each(catalog)[(BaseType.FLOAT, False)]
    writer, codec = ResponseWriter(catalog), Codec(catalog)
    batch: dict[str, Datapoint | None] = {signal.path: Datapoint(1e300, 1.0)}
    expected = v2.SubscribeResponse()
    codec.fill_v2(expected.entries, batch)
    got = v2.SubscribeResponse.FromString(writer.v2_entries(batch))
    assert got == expected
    assert got.entries[signal.path].value.float == float("inf")


def test_random_batches_round_trip(catalog: Catalog) -> None:
    rng = random.Random(7)
    writer, codec = ResponseWriter(catalog), Codec(catalog)
    scalars = [s for s in catalog if not s.is_array]
    for _ in range(30):
        batch: dict[str, Datapoint | None] = {}
        for signal in rng.sample(scalars, 8):
            value = rng.choice(EDGE[signal.base_type])
            batch[signal.path] = Datapoint(value, rng.uniform(-1e9, 5e9))
        expected = v2.SubscribeResponse()
        codec.fill_v2(expected.entries, batch)
        assert v2.SubscribeResponse.FromString(writer.v2_entries(batch)) == expected


# -- provider requests in -----------------------------------------------------------------------------
def publish_request(points: dict[int, t2.Datapoint], request_id: int = 9) -> bytes:
    req = v2.OpenProviderStreamRequest(
        publish_values_request=v2.PublishValuesRequest(request_id=request_id, data_points=points)
    )
    data: bytes = req.SerializeToString()
    return data


def stamp(seconds: int, nanos: int) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


def reference(data: bytes) -> dict[int, object]:
    """What the generated message carries, per id (NO_VALUE for an empty datapoint)."""
    msg = v2.OpenProviderStreamRequest.FromString(data).publish_values_request
    out: dict[int, object] = {}
    for sid, dp in msg.data_points.items():
        field = dp.value.WhichOneof("typed_value")
        out[sid] = NO_VALUE if field is None else getattr(dp.value, field)
    return out


def test_scalars_decode_as_the_generated_message_reads_them(catalog: Catalog) -> None:
    codec = Codec(catalog)
    for (base, is_array), signal in one_of_each(catalog).items():
        if is_array:
            continue
        for value in EDGE[base]:
            points = {signal.id: t2.Datapoint(timestamp=stamp(1_700_000_000, 5), value=codec.v2_encoder(signal)(value))}
            data = publish_request(points)
            decoded = decode_provider_request(data)
            assert isinstance(decoded, PublishPoints), (base, value)
            assert decoded.request_id == 9
            (ts, group), *_ = decoded.groups.items()
            assert ts == pytest.approx(1_700_000_000.000000005)
            got, want = group[signal.id], reference(data)[signal.id]
            assert type(got) is type(want)
            assert got == want or (got != got and want != want), (base, value, got, want)


def test_groups_split_by_timestamp_and_unset_means_now(catalog: Catalog) -> None:
    signals = [s for s in catalog if not s.is_array][:4]
    points = {
        signals[0].id: t2.Datapoint(timestamp=stamp(10, 0), value=t2.Value(float=1.0)),
        signals[1].id: t2.Datapoint(value=t2.Value(float=2.0)),  # no timestamp
        signals[2].id: t2.Datapoint(timestamp=stamp(10, 0), value=t2.Value(float=3.0)),
        signals[3].id: t2.Datapoint(timestamp=stamp(11, 0)),  # no value
    }
    decoded = decode_provider_request(publish_request(points, request_id=0))
    assert isinstance(decoded, PublishPoints)
    assert decoded.request_id == 0
    assert decoded.groups == {
        10.0: {signals[0].id: 1.0, signals[2].id: 3.0},
        None: {signals[1].id: 2.0},
        11.0: {signals[3].id: NO_VALUE},
    }


def test_anything_unusual_comes_back_as_the_generated_message(catalog: Catalog) -> None:
    array = one_of_each(catalog)[(BaseType.FLOAT, True)]
    data = publish_request({array.id: t2.Datapoint(value=t2.Value(float_array=t2.FloatArray(values=[1.0, 2.0])))})
    assert isinstance(decode_provider_request(data), v2.OpenProviderStreamRequest)
    claim = v2.OpenProviderStreamRequest(
        provide_signal_request=v2.ProvideSignalRequest(signals_sample_intervals={array.id: t2.SampleInterval()})
    ).SerializeToString()
    assert decode_provider_request(claim) == v2.OpenProviderStreamRequest.FromString(claim)
    # The same id twice in one map: the generated message decides which one wins.
    entry = b"\x08" + varint(5) + b"\x12\x08\x12\x06\x8d\x01" + struct.pack("<f", 1.0)
    later = b"\x08" + varint(5) + b"\x12\x08\x12\x06\x8d\x01" + struct.pack("<f", 2.0)
    body = b"\x12" + varint(len(entry)) + entry + b"\x12" + varint(len(later)) + later
    twice = b"\x12" + varint(len(body)) + body
    decoded = decode_provider_request(twice)
    assert isinstance(decoded, v2.OpenProviderStreamRequest)
    assert decoded.publish_values_request.data_points[5].value.float == 2.0
    # A Value carrying an unknown field next to its float is read by protobuf, not by hand.
    odd_value = b"\x8d\x01" + struct.pack("<f", 4.0) + b"\xf8\x07\x01"
    point = b"\x12" + varint(len(odd_value)) + odd_value
    entry = b"\x08\x05\x12" + varint(len(point)) + point
    body = b"\x12" + varint(len(entry)) + entry
    decoded = decode_provider_request(b"\x12" + varint(len(body)) + body)
    assert isinstance(decoded, v2.OpenProviderStreamRequest)
    assert decoded.publish_values_request.data_points[5].value.float == 4.0


@pytest.mark.parametrize(
    "data",
    [
        b"\x12\x05\x12\x03\x08\x05\x12",  # truncated entry
        b"\x12\x02\x12\xff",  # length beyond the end
        # a string value that is not UTF-8
        b"\x12\x0b\x12\x09\x08\x05\x12\x05\x12\x03\x5a\x01\xff",
    ],
)
def test_malformed_requests_fail_as_the_generated_message_fails(data: bytes) -> None:
    with pytest.raises(DecodeError):
        v2.OpenProviderStreamRequest.FromString(data)
    with pytest.raises(DecodeError):
        decode_provider_request(data)


def test_varint_matches_protobuf_around_every_boundary() -> None:
    numbers = {0, 1, 2**64 - 1} | {2**k + d for k in range(1, 64) for d in (-1, 0, 1)}
    for n in sorted(numbers):
        expected = t2.Value(uint64=n).SerializeToString()[2:]  # after the two-byte tag of field 16
        assert varint(n) == expected, n
