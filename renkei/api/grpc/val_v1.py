"""kuksa.val.v1.VAL on the renkei broker: what kuksa-client (and its CLI) still calls.

Get (current, target and metadata views; paths may be branches or wildcards),
Set (current values → publish, actuator targets → actuate, metadata → refused:
the catalog changes through overlays, not at run time), Subscribe (current and
target values), GetServerInfo (also kuksa-client's `authorize` probe). Errors
about single entries travel in-band as KUKSA v1 does (`errors`, HTTP-like codes);
a missing or bad token is the gRPC status UNAUTHENTICATED.

    stub = val_pb2_grpc.VALStub(channel)
    await stub.Get(val_pb2.GetRequest(entries=[val_pb2.EntryRequest(path="Vehicle.Speed")]))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from kuksa.val.v1 import types_pb2 as t1
from kuksa.val.v1 import val_pb2 as v1
from kuksa.val.v1 import val_pb2_grpc

from renkei import __version__ as RENKEI_VERSION
from renkei.api.grpc.codec import Codec, from_timestamp, timestamp, v1_value
from renkei.api.grpc.guard import Gate, LiveStream, abort_with, check_path, follow, streaming, unary
from renkei.api.grpc.val_v2 import SERVER_NAME
from renkei.api.grpc.wire import ResponseWriter
from renkei.broker import Broker, BrokerError, Datapoint, ErrorCode, Field, Principal
from renkei.vss import Signal

_HTTP = {
    ErrorCode.INVALID_ARGUMENT: (400, "bad_request"),
    ErrorCode.UNAUTHENTICATED: (401, "unauthorized"),
    ErrorCode.PERMISSION_DENIED: (403, "forbidden"),
    ErrorCode.NOT_FOUND: (404, "not_found"),
    ErrorCode.ALREADY_EXISTS: (409, "conflict"),
    ErrorCode.FAILED_PRECONDITION: (412, "precondition_failed"),
    ErrorCode.RESOURCE_EXHAUSTED: (429, "too_many_requests"),
    ErrorCode.UNAVAILABLE: (503, "unavailable"),
}
_METADATA_FIELDS = {
    t1.FIELD_METADATA,
    t1.FIELD_METADATA_DATA_TYPE,
    t1.FIELD_METADATA_DESCRIPTION,
    t1.FIELD_METADATA_ENTRY_TYPE,
    t1.FIELD_METADATA_COMMENT,
    t1.FIELD_METADATA_DEPRECATION,
    t1.FIELD_METADATA_UNIT,
    t1.FIELD_METADATA_VALUE_RESTRICTION,
    t1.FIELD_METADATA_ACTUATOR,
    t1.FIELD_METADATA_SENSOR,
    t1.FIELD_METADATA_ATTRIBUTE,
}
MAX_ENTRIES = 10_000


def v1_error(err: BrokerError) -> t1.Error:
    code, reason = _HTTP.get(err.code, (500, "internal_error"))
    return t1.Error(code=code, reason=reason, message=str(err))


def _wants(view: int, fields: Any) -> tuple[bool, bool, bool]:
    """(current value, target, metadata) asked for by a view and its fields."""
    if view in (t1.VIEW_UNSPECIFIED, t1.VIEW_CURRENT_VALUE):
        return True, False, False
    if view == t1.VIEW_TARGET_VALUE:
        return False, True, False
    if view == t1.VIEW_METADATA:
        return False, False, True
    if view == t1.VIEW_ALL:
        return True, True, True
    wanted = set(fields)
    return t1.FIELD_VALUE in wanted, t1.FIELD_ACTUATOR_TARGET in wanted, bool(wanted & _METADATA_FIELDS)


class ValV1(val_pb2_grpc.VALServicer):  # type: ignore[misc]
    def __init__(self, broker: Broker, gate: Gate, codec: Codec) -> None:
        self.broker = broker
        self.gate = gate
        self.codec = codec
        self.writer = ResponseWriter(broker.catalog)

    @unary
    async def GetServerInfo(
        self, request: v1.GetServerInfoRequest, context: grpc.aio.ServicerContext
    ) -> v1.GetServerInfoResponse:
        self.gate.principal(context)
        return v1.GetServerInfoResponse(name=SERVER_NAME, version=RENKEI_VERSION)

    @unary
    async def Get(self, request: v1.GetRequest, context: grpc.aio.ServicerContext) -> v1.GetResponse:
        principal = self.gate.principal(context)
        if len(request.entries) > MAX_ENTRIES:
            raise BrokerError.invalid("", f"{len(request.entries)} entries exceed {MAX_ENTRIES}", "batch-size")
        response = v1.GetResponse()
        for req in request.entries:
            try:
                signals = self.broker.resolve(check_path(req.path), principal)
                want_value, want_target, want_meta = _wants(req.view, req.fields)
                current = self.broker.get([s.path for s in signals], principal=principal) if want_value else {}
                target = (
                    self.broker.get([s.path for s in signals], field=Field.TARGET, principal=principal)
                    if want_target
                    else {}
                )
            except BrokerError as err:
                response.errors.append(t1.DataEntryError(path=req.path[:256], error=v1_error(err)))
                continue
            for signal in signals:
                entry = t1.DataEntry(path=signal.path)
                if want_value:
                    dp = self.codec.v1_datapoint(signal, current.get(signal.path))
                    if dp is not None:
                        entry.value.CopyFrom(dp)
                if want_target:
                    dp = self.codec.v1_datapoint(signal, target.get(signal.path))
                    if dp is not None:
                        entry.actuator_target.CopyFrom(dp)
                if want_meta:
                    entry.metadata.CopyFrom(self.codec.v1_metadata(signal))
                response.entries.append(entry)
        if response.errors:
            response.error.CopyFrom(response.errors[0].error)
        return response

    @unary
    async def Set(self, request: v1.SetRequest, context: grpc.aio.ServicerContext) -> v1.SetResponse:
        return await self._set(request.updates, self.gate.principal(context))

    async def _set(self, updates: Any, principal: Principal) -> v1.SetResponse:
        if len(updates) > MAX_ENTRIES:
            raise BrokerError.invalid("", f"{len(updates)} updates exceed {MAX_ENTRIES}", "batch-size")
        response = v1.SetResponse()
        current: dict[str, Any] = {}
        targets: dict[str, Any] = {}
        stamp: float | None = None
        catalog = self.broker.catalog
        value_only = [t1.FIELD_VALUE]
        for update in updates:
            entry = update.entry
            path = entry.path
            try:
                signal = catalog.get(path) or self.broker.signal(check_path(path))
                fields = update.fields
                if fields == value_only:  # the feeder's common case, without set arithmetic
                    current[path] = self._value(signal, entry.value)
                    if stamp is None:
                        ts = entry.value.timestamp
                        stamp = (ts.seconds + ts.nanos * 1e-9) or None
                    continue
                wanted = set(fields)
                if wanted & _METADATA_FIELDS:
                    raise BrokerError.invalid(
                        path, "metadata is read-only at run time; change it with a catalog overlay", "read-only"
                    )
                if t1.FIELD_VALUE in wanted:
                    current[signal.path] = self._value(signal, entry.value)
                    if stamp is None and entry.value.HasField("timestamp"):
                        stamp = from_timestamp(entry.value.timestamp)
                if t1.FIELD_ACTUATOR_TARGET in wanted:
                    targets[signal.path] = self._value(signal, entry.actuator_target)
                if not wanted & {t1.FIELD_VALUE, t1.FIELD_ACTUATOR_TARGET}:
                    raise BrokerError.invalid(path, "say which field to set (value or actuator_target)", "fields")
            except BrokerError as err:
                response.errors.append(t1.DataEntryError(path=path[:256], error=v1_error(err)))
        if not response.errors:
            try:
                if current:
                    # one source timestamp per batch: the first one given (feeders stamp frames)
                    self.broker.publish(current, principal=principal, timestamp=stamp)
                if targets:
                    await self.broker.actuate(targets, principal=principal)
            except BrokerError as err:
                response.errors.append(t1.DataEntryError(path=err.path, error=v1_error(err)))
        if response.errors:
            response.error.CopyFrom(response.errors[0].error)
        return response

    async def StreamedUpdate(
        self, request_iterator: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[v1.StreamedUpdateResponse]:
        """Set over a stream (feeders): a response is sent only for requests that had errors."""
        try:
            principal = self.gate.principal(context)
            async for request in request_iterator:
                outcome = await self._set(request.updates, principal)
                if outcome.errors:
                    yield v1.StreamedUpdateResponse(error=outcome.error, errors=outcome.errors)
        except BrokerError as err:
            await abort_with(context, err)

    def _value(self, signal: Signal, dp: t1.Datapoint) -> Any:
        value = v1_value(dp, signal.path)
        if value is None:
            raise BrokerError.invalid(signal.path, "the update carries no value", "datatype")
        return value

    @streaming
    async def Subscribe(
        self, request: v1.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[v1.SubscribeResponse]:
        principal = self.gate.principal(context)
        if not request.entries:
            raise BrokerError.invalid("", "the request names no signal", "empty")
        current: list[str] = []
        target: list[str] = []
        for entry in request.entries:
            want_value, want_target, _ = _wants(entry.view, entry.fields)
            path = check_path(entry.path)
            if want_value:
                current.append(path)
            if want_target:
                target.append(path)
        subs = []
        if current:
            subs.append(self.broker.subscribe(current, principal=principal, name=f"grpc-v1:{principal.subject}"))
        if target:
            subs.append(
                self.broker.subscribe(
                    target, field=Field.TARGET, principal=principal, name=f"grpc-v1:{principal.subject}"
                )
            )
        if not subs:
            raise BrokerError.invalid("", "subscribe to the value or the actuator_target", "fields")
        # Like KUKSA: the first response holds every subscribed entry at once, empty when unset.
        first = v1.SubscribeResponse()
        for sub in subs:
            initial = sub.get_nowait() or {}
            first.updates.extend(self._update(p, initial.get(p), sub.field) for p in sub.paths)
        async with self.gate.stream(principal) as live:
            yield first
            # Updates go out as wire bytes (wire.ResponseWriter): a SubscribeResponse each.
            encode = self.writer.v1_updates
            async for fld, batch in _merged(subs, live):
                yield encode(batch, fld is Field.TARGET)

    def _update(self, path: str, dp: Datapoint | None, fld: Field) -> v1.EntryUpdate:
        signal = self.broker.signal(path)
        if dp is None:
            encoded = t1.Datapoint()
        else:
            encoded = self.codec.v1_datapoint(signal, dp) or t1.Datapoint(timestamp=timestamp(dp.timestamp))
        if fld is Field.TARGET:
            return v1.EntryUpdate(
                entry=t1.DataEntry(path=path, actuator_target=encoded), fields=[t1.FIELD_ACTUATOR_TARGET]
            )
        return v1.EntryUpdate(entry=t1.DataEntry(path=path, value=encoded), fields=[t1.FIELD_VALUE])


async def _merged(subs: list[Any], live: LiveStream) -> AsyncIterator[tuple[Field, dict[str, Datapoint]]]:
    if len(subs) == 1:
        async for batch in follow(subs[0], live):
            yield subs[0].field, batch
        return
    queue: asyncio.Queue[tuple[Field, dict[str, Datapoint]] | BaseException | None] = asyncio.Queue()

    async def pump(sub: Any) -> None:
        try:
            async for batch in follow(sub, live):
                queue.put_nowait((sub.field, batch))
        except BaseException as err:
            queue.put_nowait(err)
        else:
            queue.put_nowait(None)

    tasks = [asyncio.create_task(pump(s)) for s in subs]
    try:
        while True:
            item = await queue.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        for task in tasks:
            task.cancel()
        for sub in subs:
            sub.close()
