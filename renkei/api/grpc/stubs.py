"""The protocol modules, loaded so the type checker treats them as untyped (Any).

Generated protobuf code has no useful static types here (no types-protobuf, and
our own stubs under `generated/` are excluded from mypy), so every module the
services need is imported once, by name, in this one place.

    from renkei.api.grpc.stubs import sdv_broker, Timestamp
"""

from __future__ import annotations

import importlib
from typing import Any


def _load(name: str) -> Any:
    return importlib.import_module(name)


_SDV = "renkei.api.grpc.generated.sdv.databroker.v1"
sdv_types: Any = _load(f"{_SDV}.types_pb2")
sdv_broker: Any = _load(f"{_SDV}.broker_pb2")
sdv_broker_grpc: Any = _load(f"{_SDV}.broker_pb2_grpc")
sdv_collector: Any = _load(f"{_SDV}.collector_pb2")
sdv_collector_grpc: Any = _load(f"{_SDV}.collector_pb2_grpc")
Timestamp: Any = _load("google.protobuf.timestamp_pb2").Timestamp
descriptor_pb2: Any = _load("google.protobuf.descriptor_pb2")
descriptor_pool: Any = _load("google.protobuf.descriptor_pool")
message_factory: Any = _load("google.protobuf.message_factory")
DecodeError: Any = _load("google.protobuf.message").DecodeError
