"""kuksa.val.v2.VAL on the renkei broker: every RPC of KUKSA databroker's current API.

Flow: a call → `Gate` (bearer token → Principal) → broker (`get`, `publish`,
`actuate`, `provide`, `subscribe`) → responses in v2 types via `Codec`. The
provider stream (`OpenProviderStream`) turns a claim into a broker `Provider`
whose actuation requests travel back down the same stream; when the stream
ends the claim is released at once and subscribers see "no value".

    channel = grpc.aio.insecure_channel("127.0.0.1:55555")
    stub = val_pb2_grpc.VALStub(channel)
    await stub.GetValue(val_pb2.GetValueRequest(signal_id=types_pb2.SignalID(path="Vehicle.Speed")))
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2
from kuksa.val.v2 import val_pb2_grpc

from renkei import __version__ as RENKEI_VERSION
from renkei.api.grpc.codec import _ARRAY_FIELDS, Codec, from_timestamp, v2_value
from renkei.api.grpc.guard import (
    MAX_BUFFER_SIZE,
    MAX_PATHS,
    Gate,
    abort_with,
    check_path,
    check_paths,
    follow,
    streaming,
    unary,
)
from renkei.api.grpc.wire import NO_VALUE, PublishPoints, ResponseWriter
from renkei.broker import Broker, BrokerError, Datapoint, ErrorCode, Principal, Provider
from renkei.vss import EntryType, Signal

log = logging.getLogger(__name__)
SERVER_NAME = "renkei"
_ERROR_V2 = {
    ErrorCode.NOT_FOUND: t2.ERROR_CODE_NOT_FOUND,
    ErrorCode.PERMISSION_DENIED: t2.ERROR_CODE_PERMISSION_DENIED,
}


def v2_error(err: BrokerError) -> t2.Error:
    return t2.Error(code=_ERROR_V2.get(err.code, t2.ERROR_CODE_INVALID_ARGUMENT), message=str(err))


def buffer_size(requested: int) -> int:
    """KUKSA: 0 keeps only the latest message; more than MAX_BUFFER_SIZE is refused."""
    if requested < 0 or requested > MAX_BUFFER_SIZE:
        raise BrokerError.invalid("", f"buffer_size {requested} is outside [0, {MAX_BUFFER_SIZE}]", "buffer-size")
    return max(1, requested)


def min_interval(flt: t2.Filter) -> float:
    return float(flt.min_sample_interval.interval_ms) / 1000.0


class ValV2(val_pb2_grpc.VALServicer):  # type: ignore[misc]
    def __init__(self, broker: Broker, gate: Gate, codec: Codec) -> None:
        self.broker = broker
        self.gate = gate
        self.codec = codec
        self.catalog = broker.catalog
        self.writer = ResponseWriter(broker.catalog)

    # -- helpers ------------------------------------------------------------------
    def signal_of(self, signal_id: t2.SignalID) -> Signal:
        which = signal_id.WhichOneof("signal")
        if which == "id":
            found = self.catalog.by_id(signal_id.id)
            if found is None:
                raise BrokerError.not_found(f"id {signal_id.id}")
            return found
        if which is None:
            raise BrokerError.invalid("", "the signal_id names neither a path nor an id", "signal-id")
        return self.broker.signal(check_path(signal_id.path))

    def read(self, signal: Signal, principal: Principal) -> Datapoint | None:
        return self.broker.get([signal.path], principal=principal)[signal.path]

    # -- reading -------------------------------------------------------------------
    @unary
    async def GetValue(self, request: v2.GetValueRequest, context: grpc.aio.ServicerContext) -> v2.GetValueResponse:
        principal = self.gate.principal(context)
        signal = self.signal_of(request.signal_id)
        return v2.GetValueResponse(data_point=self.codec.v2_datapoint(signal, self.read(signal, principal)))

    @unary
    async def GetValues(self, request: v2.GetValuesRequest, context: grpc.aio.ServicerContext) -> v2.GetValuesResponse:
        principal = self.gate.principal(context)
        if not request.signal_ids:
            raise BrokerError.invalid("", "the request names no signal", "empty")
        if len(request.signal_ids) > MAX_PATHS:
            raise BrokerError.invalid("", f"{len(request.signal_ids)} signals exceed {MAX_PATHS}", "batch-size")
        signals = [self.signal_of(s) for s in request.signal_ids]
        values = self.broker.get([s.path for s in signals], principal=principal)
        return v2.GetValuesResponse(data_points=[self.codec.v2_datapoint(s, values[s.path]) for s in signals])

    @unary
    async def ListMetadata(
        self, request: v2.ListMetadataRequest, context: grpc.aio.ServicerContext
    ) -> v2.ListMetadataResponse:
        principal = self.gate.principal(context)
        root = check_path(request.root) if request.root else "**"
        signals = self.broker.resolve(root, principal)
        return v2.ListMetadataResponse(metadata=[self.codec.v2_metadata(s) for s in signals])

    @unary
    async def GetServerInfo(
        self, request: v2.GetServerInfoRequest, context: grpc.aio.ServicerContext
    ) -> v2.GetServerInfoResponse:
        self.gate.principal(context)
        return v2.GetServerInfoResponse(name=SERVER_NAME, version=RENKEI_VERSION, commit_hash="")

    # -- subscriptions ----------------------------------------------------------------
    def _open(self, principal: Principal, patterns: list[str], request: Any) -> Any:
        return self.broker.subscribe(
            patterns,
            principal=principal,
            queue_size=buffer_size(request.buffer_size),
            min_interval=min_interval(request.filter),
            name=f"grpc-v2:{principal.subject}",
        )

    def _first(self, sub: Any) -> dict[str, Datapoint | None]:
        """KUKSA sends every subscribed signal at once, those without a value as empty."""
        initial = sub.get_nowait() or {}
        return {path: initial.get(path) for path in sub.paths}

    @streaming
    async def Subscribe(
        self, request: v2.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[v2.SubscribeResponse]:
        principal = self.gate.principal(context)
        sub = self._open(principal, check_paths(request.signal_paths), request)
        # Responses go out as wire bytes (wire.ResponseWriter): a SubscribeResponse each.
        encode = self.writer.v2_entries
        async with self.gate.stream(principal) as live:
            yield encode(self._first(sub))
            async for batch in follow(sub, live):
                yield encode(batch)

    @streaming
    async def SubscribeById(
        self, request: v2.SubscribeByIdRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[v2.SubscribeByIdResponse]:
        principal = self.gate.principal(context)
        if not request.signal_ids:
            raise BrokerError.invalid("", "the request names no signal", "empty")
        paths = [self.signal_of(t2.SignalID(id=i)).path for i in request.signal_ids]
        sub = self._open(principal, paths, request)
        encode = self.writer.v2_entries_by_id  # SubscribeByIdResponse bytes
        async with self.gate.stream(principal) as live:
            yield encode(self._first(sub))
            async for batch in follow(sub, live):
                yield encode(batch)

    # -- actuation -------------------------------------------------------------------
    def _actuation(self, req: v2.ActuateRequest) -> tuple[str, Any]:
        signal = self.signal_of(req.signal_id)
        value = v2_value(req.value, signal.path)
        if value is None:
            raise BrokerError.invalid(signal.path, "the request carries no value", "datatype")
        return signal.path, value

    @unary
    async def Actuate(self, request: v2.ActuateRequest, context: grpc.aio.ServicerContext) -> v2.ActuateResponse:
        principal = self.gate.principal(context)
        await self.broker.actuate(dict([self._actuation(request)]), principal=principal)
        return v2.ActuateResponse()

    @unary
    async def BatchActuate(
        self, request: v2.BatchActuateRequest, context: grpc.aio.ServicerContext
    ) -> v2.BatchActuateResponse:
        principal = self.gate.principal(context)
        if not request.actuate_requests:
            raise BrokerError.invalid("", "the request names no actuator", "empty")
        values: dict[str, Any] = {}
        for req in request.actuate_requests:
            path, value = self._actuation(req)
            values[path] = value
        await self.broker.actuate(values, principal=principal)
        return v2.BatchActuateResponse()

    async def ActuateStream(self, request_iterator: Any, context: grpc.aio.ServicerContext) -> v2.ActuateResponse:
        try:
            principal = self.gate.principal(context)
            async for req in request_iterator:
                await self.broker.actuate(dict([self._actuation(req)]), principal=principal)
        except BrokerError as err:
            await abort_with(context, err)
        return v2.ActuateResponse()

    # -- publishing ------------------------------------------------------------------
    @unary
    async def PublishValue(
        self, request: v2.PublishValueRequest, context: grpc.aio.ServicerContext
    ) -> v2.PublishValueResponse:
        principal = self.gate.principal(context)
        signal = self.signal_of(request.signal_id)
        dp = request.data_point
        value = v2_value(dp.value, signal.path)
        if value is None:
            raise BrokerError.invalid(signal.path, "the data point carries no value", "datatype")
        ts = from_timestamp(dp.timestamp) if dp.HasField("timestamp") else None
        self.broker.publish({signal.path: value}, principal=principal, timestamp=ts)
        return v2.PublishValueResponse()

    async def OpenProviderStream(
        self, request_iterator: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[v2.OpenProviderStreamResponse]:
        try:
            principal = self.gate.principal(context)
        except BrokerError as err:
            await abort_with(context, err)
        session = ProviderSession(self, principal)
        async with self.gate.stream(principal) as live:
            live.on_end.append(session.wake)
            reader = asyncio.create_task(session.read(request_iterator))
            try:
                while True:
                    item = await session.outbox.get()
                    if item is None:
                        break
                    yield item
                if live.ended is not None:
                    await abort_with(context, live.ended)
                if session.error is not None:
                    await abort_with(context, session.error)
            finally:
                reader.cancel()
                session.close()


class ProviderSession:
    """One OpenProviderStream: its claims, its outbox, and the reader of its requests."""

    def __init__(self, service: ValV2, principal: Principal) -> None:
        self.service = service
        self.broker = service.broker
        self.principal = principal
        self.outbox: asyncio.Queue[v2.OpenProviderStreamResponse | None] = asyncio.Queue()
        self.providers: list[Provider] = []
        self.claimed: dict[int, Signal] = {}
        self.claimed_paths: dict[int, str] = {}
        self.error: BrokerError | None = None

    def wake(self) -> None:
        self.outbox.put_nowait(None)

    def fail(self, err: BrokerError) -> None:
        if self.error is None:
            self.error = err
        self.wake()

    def close(self) -> None:
        for provider in self.providers:
            provider.close()
        self.providers.clear()

    async def read(self, request_iterator: Any) -> None:
        # A client may half-close right after claiming (kuksa-client does); the
        # claim lives until the call itself ends, so reaching the end is not an error.
        try:
            async for req in request_iterator:
                if type(req) is PublishPoints:  # the common case, decoded by wire.py
                    self.publish_points(req)
                    continue
                which = req.WhichOneof("action")
                if which == "publish_values_request":
                    self.publish(req.publish_values_request)
                elif which == "provide_actuation_request":
                    self.provide_actuation(req.provide_actuation_request)
                elif which == "provide_signal_request":
                    self.provide_signal(req.provide_signal_request)
                elif which == "batch_actuate_stream_response":
                    resp = req.batch_actuate_stream_response
                    if resp.HasField("error") and resp.error.code not in (t2.ERROR_CODE_OK, 0):
                        log.warning("provider refused actuation of %s: %s", resp.signal_id, resp.error.message)
                elif which == "provider_error_indication":
                    if not self.claimed:
                        raise BrokerError(ErrorCode.FAILED_PRECONDITION, "", "no signal claimed yet", "aborted")
                    self.fail(BrokerError(ErrorCode.UNAVAILABLE, "", "the provider reported an error", "provider"))
                    return
                elif which is None:
                    raise BrokerError.invalid("", "the provider stream request carries no action", "action")
        except BrokerError as err:
            self.fail(err)
        except grpc.aio.AioRpcError:
            self.wake()

    def _signals(self, ids: Any) -> list[Signal]:
        return [self.service.signal_of(s) for s in ids]

    def provide_actuation(self, req: v2.ProvideActuationRequest) -> None:
        signals = self._signals(req.actuator_identifiers)
        if not signals:
            raise BrokerError.invalid("", "the claim names no actuator", "empty")
        for s in signals:
            if s.entry_type is not EntryType.ACTUATOR:
                raise BrokerError.invalid(s.path, f"is a {s.entry_type.value}, not an actuator", "not-actuator")
        provider = self.broker.provide(
            [s.path for s in signals], self.forward, principal=self.principal, name=f"grpc-v2:{self.principal.subject}"
        )
        self.providers.append(provider)
        self.claimed.update({s.id: s for s in signals})
        self.claimed_paths.update({s.id: s.path for s in signals})
        self.outbox.put_nowait(v2.OpenProviderStreamResponse(provide_actuation_response=v2.ProvideActuationResponse()))

    def provide_signal(self, req: v2.ProvideSignalRequest) -> None:
        ids = list(req.signals_sample_intervals.keys())
        signals = self._signals(t2.SignalID(id=i) for i in ids)
        if not signals:
            raise BrokerError.invalid("", "the claim names no signal", "empty")
        provider = self.broker.provide(
            [s.path for s in signals], None, principal=self.principal, name=f"grpc-v2:{self.principal.subject}"
        )
        self.providers.append(provider)
        self.claimed.update({s.id: s for s in signals})
        self.claimed_paths.update({s.id: s.path for s in signals})
        self.outbox.put_nowait(v2.OpenProviderStreamResponse(provide_signal_response=v2.ProvideSignalResponse()))

    async def forward(self, values: dict[str, Any]) -> None:
        """The broker's actuation request for this provider goes down the stream."""
        signal = self.broker.signal
        scalar = self.service.codec.v2_encoder
        requests = [
            v2.ActuateRequest(signal_id=t2.SignalID(id=signal(p).id), value=scalar(signal(p))(v))
            for p, v in values.items()
        ]
        self.outbox.put_nowait(
            v2.OpenProviderStreamResponse(
                batch_actuate_stream_request=v2.BatchActuateStreamRequest(actuate_requests=requests)
            )
        )

    def _stray(self, sid: int, errors: dict[int, t2.Error]) -> None:
        """A published id this stream has not claimed: unknown (reported) or not ours (raised)."""
        known = self.service.catalog.by_id(sid)
        if known is None:
            errors[sid] = t2.Error(code=t2.ERROR_CODE_NOT_FOUND, message=f"id {sid}: no such signal")
            return
        if self.broker.provider_of(known.path) is not None:
            raise BrokerError(ErrorCode.ALREADY_EXISTS, known.path, "another provider owns it", "claimed")
        raise BrokerError(
            ErrorCode.FAILED_PRECONDITION,
            known.path,
            "claim the signal with ProvideSignalRequest before publishing it",
            "aborted",
        )

    def publish(self, req: v2.PublishValuesRequest) -> None:
        claimed = self.claimed
        errors: dict[int, t2.Error] = {}
        groups: dict[float | None, dict[str, Any]] = {}
        for sid, dp in req.data_points.items():
            signal = claimed.get(sid)
            if signal is None:
                self._stray(sid, errors)
                continue
            value_message = dp.value
            field = value_message.WhichOneof("typed_value")
            if field is None:
                errors[sid] = _no_value(signal.path)
                continue
            if field in _ARRAY_FIELDS:
                try:
                    value = v2_value(value_message, signal.path)
                except BrokerError as err:
                    errors[sid] = v2_error(err)
                    continue
            else:
                value = getattr(value_message, field)
            # An unset timestamp reads as 0 s: "now" (no provider stamps values at the epoch).
            stamp = dp.timestamp
            ts: float | None = (stamp.seconds + stamp.nanos * 1e-9) or None
            group = groups.get(ts)
            if group is None:
                groups[ts] = {signal.path: value}
            else:
                group[signal.path] = value
        self._commit(req.request_id, groups, errors)

    def publish_points(self, req: PublishPoints) -> None:
        """`publish` for a request wire.py decoded: the same checks, without protobuf objects."""
        paths = self.claimed_paths
        errors: dict[int, t2.Error] = {}
        groups: dict[float | None, dict[str, Any]] = {}
        for ts, points in req.groups.items():
            values: dict[str, Any] = {}
            for sid, value in points.items():
                path = paths.get(sid)
                if path is None:
                    self._stray(sid, errors)
                elif value is NO_VALUE:
                    errors[sid] = _no_value(path)
                else:
                    values[path] = value
            if values:
                groups[ts] = values
        self._commit(req.request_id, groups, errors)

    def _commit(self, request_id: int, groups: dict[float | None, dict[str, Any]], errors: dict[int, t2.Error]) -> None:
        for ts, values in groups.items():
            try:
                self.broker.publish(values, principal=self.principal, timestamp=ts)
            except BrokerError:
                # Per-signal results: publish what is valid, report the rest.
                for path, value in values.items():
                    try:
                        self.broker.publish({path: value}, principal=self.principal, timestamp=ts)
                    except BrokerError as err:
                        errors[self.broker.signal(path).id] = v2_error(err)
        if errors:
            self.outbox.put_nowait(
                v2.OpenProviderStreamResponse(
                    publish_values_response=v2.PublishValuesResponse(request_id=request_id, status=errors)
                )
            )


def _no_value(path: str) -> t2.Error:
    return t2.Error(code=t2.ERROR_CODE_INVALID_ARGUMENT, message=f"{path}: the data point carries no value")


__all__ = ["SERVER_NAME", "ProviderSession", "ValV2", "v2_error"]
