"""How each VSS datatype travels in KUKSA's protobuf `Value` (kuksa.val v1 and v2 share the names).

Both ends of the wire read this one table: the gRPC face (`renkei.api.grpc`) encodes and
decodes with it, and so does `GrpcClient`. sdv.databroker.v1 adds "_value" to the scalar
names; arrays are messages named here.

    >>> from renkei.vss import BaseType
    >>> KUKSA_FIELD[BaseType.UINT8], KUKSA_ARRAY[KUKSA_FIELD[BaseType.UINT8]]
    ('uint32', 'Uint32Array')
"""

from __future__ import annotations

from renkei.vss import BaseType

# protobuf has no 8- or 16-bit integers: they widen to the 32-bit field of the same sign.
KUKSA_FIELD: dict[str, str] = {
    BaseType.STRING: "string",
    BaseType.BOOLEAN: "bool",
    BaseType.INT8: "int32",
    BaseType.INT16: "int32",
    BaseType.INT32: "int32",
    BaseType.INT64: "int64",
    BaseType.UINT8: "uint32",
    BaseType.UINT16: "uint32",
    BaseType.UINT32: "uint32",
    BaseType.UINT64: "uint64",
    BaseType.FLOAT: "float",
    BaseType.DOUBLE: "double",
}
KUKSA_ARRAY: dict[str, str] = {
    "string": "StringArray",
    "bool": "BoolArray",
    "int32": "Int32Array",
    "int64": "Int64Array",
    "uint32": "Uint32Array",
    "uint64": "Uint64Array",
    "float": "FloatArray",
    "double": "DoubleArray",
}
