"""sdv.databroker.v1 (Broker + Collector) on the renkei broker, for Velocitas apps.

The KUKSA databroker dropped this API in 0.7, but the Velocitas Python SDK
(0.15.x) speaks nothing else. Broker: GetDatapoints, SetDatapoints (actuators:
asks their provider, like an app's `set()`), Subscribe with the SDK's query form
`SELECT <path>[, <path>] [WHERE <path> <op> <literal> [AND ...]]` (paths may be
branches or wildcards), GetMetadata. Collector: RegisterDatapoints (the catalog
is fixed: known names get their ids, unknown ones are refused), UpdateDatapoints
and StreamDatapoints (current values). Stubs: `generated/` (our own .proto files).

    SDV_VEHICLEDATABROKER_ADDRESS=grpc://127.0.0.1:55555 python my_velocitas_app.py
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from renkei.api.grpc.codec import Codec, from_timestamp, sdv_value
from renkei.api.grpc.guard import MAX_PATHS, Gate, abort_with, check_path, check_paths, follow, streaming, unary
from renkei.api.grpc.stubs import sdv_broker as b1
from renkei.api.grpc.stubs import sdv_broker_grpc as broker_pb2_grpc
from renkei.api.grpc.stubs import sdv_collector as c1
from renkei.api.grpc.stubs import sdv_collector_grpc as collector_pb2_grpc
from renkei.api.grpc.stubs import sdv_types as tsdv
from renkei.broker import Broker, BrokerError, ErrorCode, Principal, Right
from renkei.vss import EntryType, Signal

MAX_QUERY = 4096
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    "<>": operator.ne,
    "==": operator.eq,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(r"\s*([A-Za-z0-9_.]+)\s*(>=|<=|!=|<>|==|=|>|<)\s*(.+?)\s*$")


def datapoint_error(err: BrokerError) -> int:
    if err.code is ErrorCode.NOT_FOUND:
        return int(tsdv.UNKNOWN_DATAPOINT)
    if err.code is ErrorCode.PERMISSION_DENIED:
        return int(tsdv.ACCESS_DENIED)
    if err.code is ErrorCode.INVALID_ARGUMENT:
        return int(tsdv.OUT_OF_BOUNDS if err.rule in ("min", "max", "allowed", "range") else tsdv.INVALID_TYPE)
    return int(tsdv.INTERNAL_ERROR)


class Condition:
    """`<path> <op> <literal>` of a WHERE clause, evaluated on the latest values."""

    def __init__(self, text: str) -> None:
        match = _CONDITION.match(text)
        if match is None:
            raise BrokerError.invalid("", f"cannot read the condition {text.strip()[:80]!r} (path op value)", "query")
        self.path, op, literal = match.groups()
        self.test = _OPS[op]
        self.literal = _literal(literal)

    def holds(self, value: Any) -> bool:
        if value is None:
            return False
        try:
            return bool(self.test(value, self.literal))
        except TypeError:
            return False


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = float(text)
    except ValueError:
        raise BrokerError.invalid(
            "", f"{text[:40]!r} is not a number, true/false or a quoted string", "query"
        ) from None
    if not math.isfinite(number):
        raise BrokerError.invalid("", f"{text[:40]!r} is not a finite number", "query")
    return int(number) if number.is_integer() and "." not in text else number


def parse_query(query: str) -> tuple[list[str], list[Condition]]:
    """`SELECT a, b WHERE a > 3 AND b = 'x'` → (["a", "b"], [conditions])."""
    if len(query) > MAX_QUERY:
        raise BrokerError.invalid("", f"query of {len(query)} characters exceeds {MAX_QUERY}", "query")
    match = re.match(r"\s*SELECT\s+(.+?)(?:\s+WHERE\s+(.+))?\s*$", query, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise BrokerError.invalid("", "the query must read 'SELECT <path>[, <path>] [WHERE ...]'", "query")
    paths = check_paths(p.strip() for p in match.group(1).split(","))
    conditions = (
        [Condition(c) for c in re.split(r"\s+AND\s+", match.group(2), flags=re.IGNORECASE)] if match.group(2) else []
    )
    return paths, conditions


class DatabrokerBroker(broker_pb2_grpc.BrokerServicer):  # type: ignore[misc]
    def __init__(self, broker: Broker, gate: Gate, codec: Codec) -> None:
        self.broker = broker
        self.gate = gate
        self.codec = codec

    @unary
    async def GetDatapoints(
        self, request: b1.GetDatapointsRequest, context: grpc.aio.ServicerContext
    ) -> b1.GetDatapointsReply:
        principal = self.gate.principal(context)
        if len(request.datapoints) > MAX_PATHS:
            raise BrokerError.invalid("", f"{len(request.datapoints)} paths exceed {MAX_PATHS}", "batch-size")
        reply = b1.GetDatapointsReply()
        for path in request.datapoints:
            try:
                signal = self.broker.signal(check_path(path))
                dp = self.broker.get([signal.path], principal=principal)[signal.path]
                reply.datapoints[signal.path].CopyFrom(self.codec.sdv_datapoint(signal, dp))
            except BrokerError as err:
                failure = (
                    tsdv.Datapoint.ACCESS_DENIED
                    if err.code is ErrorCode.PERMISSION_DENIED
                    else tsdv.Datapoint.UNKNOWN_DATAPOINT
                )
                reply.datapoints[path[:256]].CopyFrom(tsdv.Datapoint(failure_value=failure))
        return reply

    @unary
    async def SetDatapoints(
        self, request: b1.SetDatapointsRequest, context: grpc.aio.ServicerContext
    ) -> b1.SetDatapointsReply:
        principal = self.gate.principal(context)
        if len(request.datapoints) > MAX_PATHS:
            raise BrokerError.invalid("", f"{len(request.datapoints)} values exceed {MAX_PATHS}", "batch-size")
        reply = b1.SetDatapointsReply()
        targets: dict[str, Any] = {}
        for path, dp in request.datapoints.items():
            try:
                signal = self.broker.signal(check_path(path))
                if signal.entry_type is not EntryType.ACTUATOR:
                    raise BrokerError(ErrorCode.PERMISSION_DENIED, path, "only actuators can be set", "not-actuator")
                value = sdv_value(dp, path)
                if value is None:
                    raise BrokerError.invalid(path, "the datapoint carries no value", "datatype")
                targets[signal.path] = value
            except BrokerError as err:
                reply.errors[path[:256]] = datapoint_error(err)
        if targets and not reply.errors:
            try:
                await self.broker.actuate(targets, principal=principal)
            except BrokerError as err:
                if err.code in (ErrorCode.UNAVAILABLE, ErrorCode.FAILED_PRECONDITION) or not err.path:
                    raise
                reply.errors[err.path] = datapoint_error(err)
        return reply

    @unary
    async def GetMetadata(
        self, request: b1.GetMetadataRequest, context: grpc.aio.ServicerContext
    ) -> b1.GetMetadataReply:
        principal = self.gate.principal(context)
        names = list(request.names) or ["**"]
        signals: list[Signal] = []
        for name in names:
            try:
                signals.extend(self.broker.resolve(check_path(name), principal))
            except BrokerError as err:
                if err.code is not ErrorCode.NOT_FOUND:
                    raise
        return b1.GetMetadataReply(list=[self.codec.sdv_metadata(s) for s in signals])

    @streaming
    async def Subscribe(
        self, request: b1.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[b1.SubscribeReply]:
        principal = self.gate.principal(context)
        paths, conditions = parse_query(request.query)
        for cond in conditions:
            self.broker.resolve(cond.path, principal)  # the condition's signal must exist and be readable
        sub = self.broker.subscribe(paths, principal=principal, name=f"grpc-sdv:{principal.subject}")
        signal = self.broker.signal
        encode = self.codec.sdv_datapoint
        async with self.gate.stream(principal) as live:
            async for batch in follow(sub, live):
                if conditions and not all(
                    c.holds(v.value if (v := batch.get(c.path)) else self.broker.current_value(c.path))
                    for c in conditions
                ):
                    continue
                yield b1.SubscribeReply(fields={p: encode(signal(p), dp) for p, dp in batch.items()})


class DatabrokerCollector(collector_pb2_grpc.CollectorServicer):  # type: ignore[misc]
    def __init__(self, broker: Broker, gate: Gate, codec: Codec) -> None:
        self.broker = broker
        self.gate = gate
        self.codec = codec

    @unary
    async def RegisterDatapoints(
        self, request: c1.RegisterDatapointsRequest, context: grpc.aio.ServicerContext
    ) -> c1.RegisterDatapointsReply:
        principal = self.gate.principal(context)
        reply = c1.RegisterDatapointsReply()
        for item in request.list:
            signal = self.broker.signal(check_path(item.name))
            principal.require(Right.PROVIDE, signal.path)
            expected = self.codec.sdv_metadata(signal).data_type
            if item.data_type != expected:
                raise BrokerError.invalid(
                    signal.path,
                    f"registered as {tsdv.DataType.Name(item.data_type)} but the catalog says "
                    f"{tsdv.DataType.Name(expected)}; the catalog is fixed at run time",
                    "datatype",
                )
            reply.results[signal.path] = signal.id
        return reply

    def _apply(self, datapoints: Any, principal: Principal) -> dict[int, int]:
        errors: dict[int, int] = {}
        groups: dict[float | None, dict[str, Any]] = {}
        ids: dict[str, int] = {}
        for sid, dp in datapoints.items():
            signal = self.broker.catalog.by_id(sid)
            if signal is None:
                errors[sid] = int(tsdv.UNKNOWN_DATAPOINT)
                continue
            try:
                value = sdv_value(dp, signal.path)
            except BrokerError as err:
                errors[sid] = datapoint_error(err)
                continue
            ts = from_timestamp(dp.timestamp) if dp.HasField("timestamp") else None
            groups.setdefault(ts, {})[signal.path] = value
            ids[signal.path] = sid
        for ts, values in groups.items():
            try:
                self.broker.publish(values, principal=principal, timestamp=ts)
            except BrokerError:
                for path, value in values.items():
                    try:
                        self.broker.publish({path: value}, principal=principal, timestamp=ts)
                    except BrokerError as err:
                        errors[ids[path]] = datapoint_error(err)
        return errors

    @unary
    async def UpdateDatapoints(
        self, request: c1.UpdateDatapointsRequest, context: grpc.aio.ServicerContext
    ) -> c1.UpdateDatapointsReply:
        principal = self.gate.principal(context)
        if len(request.datapoints) > MAX_PATHS:
            raise BrokerError.invalid("", f"{len(request.datapoints)} values exceed {MAX_PATHS}", "batch-size")
        return c1.UpdateDatapointsReply(errors=self._apply(request.datapoints, principal))

    async def StreamDatapoints(
        self, request_iterator: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[c1.StreamDatapointsReply]:
        try:
            principal = self.gate.principal(context)
            async for request in request_iterator:
                if len(request.datapoints) > MAX_PATHS:
                    raise BrokerError.invalid("", f"{len(request.datapoints)} values exceed {MAX_PATHS}", "batch-size")
                errors = self._apply(request.datapoints, principal)
                if errors:
                    yield c1.StreamDatapointsReply(errors=errors)
        except BrokerError as err:
            await abort_with(context, err)


__all__ = ["DatabrokerBroker", "DatabrokerCollector", "parse_query"]
