"""The gRPC transport of `VehicleClient`: a broker in another process or on another ECU.

It speaks kuksa.val.v2 (and v1 only where v2 has no call: reading and following
actuator targets), so it works against renkei and against an Eclipse KUKSA
databroker alike. Signal metadata comes from ListMetadata once per pattern and
is cached; values are checked locally with the same validators the broker uses,
then again by the broker. Every failure is a `BrokerError` with the code the
server sent (or UNAVAILABLE when the server cannot be reached).

    client = GrpcClient("127.0.0.1:55555", token=jwt)
    await client.connect()
    await client.actuate({"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 22})
    async with client.subscribe(["Vehicle.Speed"]) as updates:
        async for changes in updates:
            print(changes["Vehicle.Speed"].value)
    await client.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any

import grpc
from kuksa.val.v1 import types_pb2 as t1
from kuksa.val.v1 import val_pb2 as v1
from kuksa.val.v1 import val_pb2_grpc as v1_grpc
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2
from kuksa.val.v2 import val_pb2_grpc as v2_grpc

from renkei.broker import BrokerError, Datapoint, ErrorCode, Field
from renkei.client.base import ActuationHandler
from renkei.client.kuksa_values import KUKSA_ARRAY, KUKSA_FIELD
from renkei.vss import EntryType, Signal, Value, ValueRuleError, compile_validator

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
_ENTRY = {
    t2.ENTRY_TYPE_SENSOR: EntryType.SENSOR,
    t2.ENTRY_TYPE_ACTUATOR: EntryType.ACTUATOR,
    t2.ENTRY_TYPE_ATTRIBUTE: EntryType.ATTRIBUTE,
}


def broker_error(err: grpc.aio.AioRpcError, path: str = "") -> BrokerError:
    """The server's status as a BrokerError of the same name."""
    name = err.code().name
    code = ErrorCode.__members__.get(name, ErrorCode.UNAVAILABLE)
    details = err.details() or name
    if path and details.startswith(f"{path}: "):
        details = details[len(path) + 2 :]
    return BrokerError(code, path, details, name.lower())


def _value_of(message: Any) -> Any:
    field = message.WhichOneof("typed_value")
    if field is None:
        return None
    raw = getattr(message, field)
    return list(raw.values) if field.endswith("_array") else raw


def _seconds(ts: Any) -> float:
    return float(ts.seconds + ts.nanos / 1e9)


def _datapoint(message: t2.Datapoint) -> Datapoint | None:
    has_ts = message.HasField("timestamp")
    if not has_ts and not message.HasField("value"):
        return None
    return Datapoint(_value_of(message.value), _seconds(message.timestamp) if has_ts else 0.0)


def signal_from_metadata(md: t2.Metadata) -> Signal:
    """A renkei Signal from kuksa.val.v2 Metadata (enough to validate and encode values)."""
    name = t2.DataType.Name(md.data_type).removeprefix("DATA_TYPE_").lower()
    datatype = name.removesuffix("_array") + ("[]" if name.endswith("_array") else "")
    if datatype.startswith("timestamp"):
        datatype = datatype.replace("timestamp", "uint64")
    allowed = tuple(_value_of(md.allowed_values) or ()) or None
    return Signal.leaf(
        md.path,
        entry_type=_ENTRY.get(md.entry_type, EntryType.SENSOR),
        datatype=datatype,
        description=md.description,
        unit=md.unit or None,
        min=_value_of(md.min),
        max=_value_of(md.max),
        allowed=allowed,
        comment=md.comment or None,
        deprecation=md.deprecation or None,
        id=md.id,
    )


class _Known:
    """What the client knows about one signal: metadata, validator, encoders."""

    __slots__ = ("field", "signal", "validate")

    def __init__(self, signal: Signal) -> None:
        self.signal = signal
        self.validate = compile_validator(signal)
        self.field = KUKSA_FIELD[signal.base_type]

    def check(self, value: Any) -> Any:
        try:
            return self.validate(value)
        except ValueRuleError as err:
            raise BrokerError.invalid(self.signal.path, str(err), err.rule) from None

    def v2(self, value: Any) -> t2.Value:
        if self.signal.is_array:
            array = getattr(t2, KUKSA_ARRAY[self.field])(values=value)
            return t2.Value(**{f"{self.field}_array": array})
        return t2.Value(**{self.field: value})


class GrpcUpdates:
    """A live subscription over gRPC; the same shape as the broker's Subscription."""

    def __init__(self, opener: Any, decode: Any) -> None:
        self.dropped = 0  # the server drops oldest for slow readers; it does not say how many
        self._opener = opener
        self._decode = decode
        self._call: Any = None
        self._closed = False
        self._first = True

    def __aiter__(self) -> AsyncIterator[dict[str, Datapoint]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[dict[str, Datapoint]]:
        if self._closed:
            return
        self._call = await self._opener()
        try:
            async for response in self._call:
                batch = self._decode(response, self._first)
                self._first = False
                if batch:
                    yield batch
        except grpc.aio.AioRpcError as err:
            if err.code() is grpc.StatusCode.CANCELLED and self._closed:
                return
            raise broker_error(err) from None

    def close(self) -> None:
        self._closed = True
        if self._call is not None:
            self._call.cancel()

    async def __aenter__(self) -> GrpcUpdates:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class GrpcProvider:
    """A claim held by an open kuksa.val.v2 provider stream; `close()` releases it."""

    def __init__(self, paths: tuple[str, ...], call: Any, task: asyncio.Task[None]) -> None:
        self.paths = paths
        self._call = call
        self._task = task

    def close(self) -> None:
        self._call.cancel()
        self._task.cancel()

    async def __aenter__(self) -> GrpcProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class GrpcClient:
    def __init__(
        self,
        address: str,
        *,
        token: str | None = None,
        root_certificates: bytes | Path | None = None,
        tls_server_name: str | None = None,
        name: str = "",
    ) -> None:
        self.address = address.removeprefix("grpc://").removeprefix("grpcs://")
        self.token = token
        self.name = name
        self._root = Path(root_certificates).read_bytes() if isinstance(root_certificates, Path) else root_certificates
        self._tls_name = tls_server_name
        self._channel: grpc.aio.Channel | None = None
        self._v2: Any = None
        self._v1: Any = None
        self._known: dict[str, _Known] = {}
        self._by_id: dict[int, _Known] = {}
        self._expanded: dict[str, list[str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def _md(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")] if self.token else []

    # -- connection -------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the channel and check the server answers (and accepts the token)."""
        if self._root is not None:
            options = [("grpc.ssl_target_name_override", self._tls_name)] if self._tls_name else []
            creds = grpc.ssl_channel_credentials(self._root)
            self._channel = grpc.aio.secure_channel(self.address, creds, options=options)
        else:
            self._channel = grpc.aio.insecure_channel(self.address)
        self._v2 = v2_grpc.VALStub(self._channel)
        self._v1 = v1_grpc.VALStub(self._channel)
        try:
            await self._v2.GetServerInfo(v2.GetServerInfoRequest(), metadata=self._md, timeout=CONNECT_TIMEOUT)
        except grpc.aio.AioRpcError as err:
            await self.close()
            if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise BrokerError(
                    ErrorCode.UNAVAILABLE, "", f"no broker answers at {self.address} ({err.details()})", "connect"
                ) from None
            raise broker_error(err) from None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._channel is not None:
            channel, self._channel = self._channel, None
            await channel.close()

    async def __aenter__(self) -> GrpcClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _stub(self) -> Any:
        if self._v2 is None:
            raise BrokerError(ErrorCode.UNAVAILABLE, "", "call connect() first", "not-connected")
        return self._v2

    # -- metadata ------------------------------------------------------------------------
    async def _resolve(self, pattern: str) -> list[_Known]:
        paths = self._expanded.get(pattern)
        if paths is None:
            try:
                resp = await self._stub().ListMetadata(v2.ListMetadataRequest(root=pattern), metadata=self._md)
            except grpc.aio.AioRpcError as err:
                raise broker_error(err, pattern) from None
            if not resp.metadata:
                raise BrokerError.not_found(pattern)
            for md in resp.metadata:
                if md.path not in self._known:
                    known = _Known(signal_from_metadata(md))
                    self._known[md.path] = known
                    self._by_id[md.id] = known
            paths = [md.path for md in resp.metadata]
            if len(self._expanded) < 4096:
                self._expanded[pattern] = paths
        return [self._known[p] for p in paths]

    async def _leaf(self, path: str) -> _Known:
        known = self._known.get(path)
        if known is not None:
            return known
        found = await self._resolve(path)
        if len(found) != 1 or found[0].signal.path != path:
            raise BrokerError.invalid(path, "is a branch or wildcard; name one signal", "leaf")
        return found[0]

    async def metadata(self, pattern: str) -> list[Signal]:
        return [k.signal for k in await self._resolve(pattern)]

    # -- values ---------------------------------------------------------------------------
    async def get(self, paths: Iterable[str], field: Field = Field.CURRENT) -> dict[str, Datapoint | None]:
        leaves: list[str] = []
        for pattern in paths:
            leaves.extend(k.signal.path for k in await self._resolve(pattern))
        if not leaves:
            return {}
        if field is Field.TARGET:
            req = v1.GetRequest(entries=[v1.EntryRequest(path=p, view=t1.VIEW_TARGET_VALUE) for p in leaves])
            try:
                resp = await self._v1.Get(req, metadata=self._md)
            except grpc.aio.AioRpcError as err:
                raise broker_error(err) from None
            if resp.errors:
                first = resp.errors[0]
                raise BrokerError(_v1_code(first.error.code), first.path, first.error.message, first.error.reason)
            out: dict[str, Datapoint | None] = dict.fromkeys(leaves)
            for entry in resp.entries:
                dp = entry.actuator_target
                if dp.WhichOneof("value") is not None:
                    out[entry.path] = Datapoint(_v1_value(dp), _seconds(dp.timestamp))
            return out
        ids = [t2.SignalID(path=p) for p in leaves]
        try:
            resp2 = await self._stub().GetValues(v2.GetValuesRequest(signal_ids=ids), metadata=self._md)
        except grpc.aio.AioRpcError as err:
            raise broker_error(err) from None
        return {p: _datapoint(dp) for p, dp in zip(leaves, resp2.data_points, strict=True)}

    async def publish(self, values: Mapping[str, Value], timestamp: float | None = None) -> None:
        """Set current values. Several values go as one atomic v1 Set; one as v2 PublishValue."""
        checked: dict[str, tuple[_Known, Any]] = {}
        for path, value in values.items():
            known = await self._leaf(path)
            checked[path] = (known, known.check(value))
        if not checked:
            return
        if len(checked) == 1 or timestamp is not None:
            for path, (known, value) in checked.items():
                dp = t2.Datapoint(value=known.v2(value))
                if timestamp is not None:
                    dp.timestamp.FromNanoseconds(int(timestamp * 1e9))
                req = v2.PublishValueRequest(signal_id=t2.SignalID(path=path), data_point=dp)
                try:
                    await self._stub().PublishValue(req, metadata=self._md)
                except grpc.aio.AioRpcError as err:
                    raise broker_error(err, path) from None
            return
        updates = [
            v1.EntryUpdate(entry=t1.DataEntry(path=p, value=_v1_datapoint(k, v)), fields=[t1.FIELD_VALUE])
            for p, (k, v) in checked.items()
        ]
        try:
            resp = await self._v1.Set(v1.SetRequest(updates=updates), metadata=self._md)
        except grpc.aio.AioRpcError as err:
            raise broker_error(err) from None
        if resp.errors:
            first = resp.errors[0]
            raise BrokerError(_v1_code(first.error.code), first.path, first.error.message, first.error.reason)

    async def actuate(self, values: Mapping[str, Value]) -> None:
        """All-or-nothing (BatchActuate)."""
        requests = []
        for path, value in values.items():
            known = await self._leaf(path)
            requests.append(v2.ActuateRequest(signal_id=t2.SignalID(path=path), value=known.v2(known.check(value))))
        if not requests:
            return
        try:
            await self._stub().BatchActuate(v2.BatchActuateRequest(actuate_requests=requests), metadata=self._md)
        except grpc.aio.AioRpcError as err:
            path = next(iter(values)) if len(values) == 1 else ""
            raise broker_error(err, path) from None

    # -- streams -----------------------------------------------------------------------------
    def subscribe(
        self,
        patterns: Iterable[str],
        *,
        field: Field = Field.CURRENT,
        queue_size: int = 256,
        min_interval: float = 0.0,
    ) -> GrpcUpdates:
        wanted = list(patterns)
        if field is Field.TARGET:
            entries = [v1.SubscribeEntry(path=p, view=t1.VIEW_TARGET_VALUE) for p in wanted]

            async def open_v1() -> Any:
                return self._v1.Subscribe(v1.SubscribeRequest(entries=entries), metadata=self._md)

            return GrpcUpdates(open_v1, _decode_v1_targets)
        req = v2.SubscribeRequest(
            signal_paths=wanted,
            buffer_size=max(1, min(queue_size, 1000)),
            filter=t2.Filter(min_sample_interval=t2.SampleInterval(interval_ms=int(min_interval * 1000))),
        )

        async def open_v2() -> Any:
            return self._stub().Subscribe(req, metadata=self._md)

        return GrpcUpdates(open_v2, _decode_v2)

    async def provide(self, paths: Iterable[str], on_actuate: ActuationHandler | None = None) -> GrpcProvider:
        """Claim signals over an OpenProviderStream; actuation requests call `on_actuate`."""
        known: list[_Known] = []
        for pattern in paths:
            known.extend(await self._resolve(pattern))
        if not known:
            raise BrokerError.invalid("", "a provider must claim at least one path", "empty")
        actuators = [k for k in known if k.signal.entry_type is EntryType.ACTUATOR]
        others = [k for k in known if k.signal.entry_type is not EntryType.ACTUATOR]
        call = self._stub().OpenProviderStream(metadata=self._md)
        expected = 0
        try:
            if actuators:
                ids = [t2.SignalID(path=k.signal.path) for k in actuators]
                await call.write(
                    v2.OpenProviderStreamRequest(
                        provide_actuation_request=v2.ProvideActuationRequest(actuator_identifiers=ids)
                    )
                )
                expected += 1
            if others:
                intervals = {k.signal.id: t2.SampleInterval() for k in others}
                await call.write(
                    v2.OpenProviderStreamRequest(
                        provide_signal_request=v2.ProvideSignalRequest(signals_sample_intervals=intervals)
                    )
                )
                expected += 1
            for _ in range(expected):
                reply = await call.read()
                if reply is grpc.aio.EOF:
                    raise BrokerError(ErrorCode.UNAVAILABLE, "", "the server closed the provider stream", "provider")
        except grpc.aio.AioRpcError as err:
            call.cancel()
            raise broker_error(err) from None
        task = asyncio.create_task(self._serve(call, on_actuate))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return GrpcProvider(tuple(k.signal.path for k in known), call, task)

    async def _serve(self, call: Any, on_actuate: ActuationHandler | None) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            try:
                while (reply := await call.read()) is not grpc.aio.EOF:
                    if not reply.HasField("batch_actuate_stream_request"):
                        continue
                    requests = reply.batch_actuate_stream_request.actuate_requests
                    values: dict[str, Any] = {}
                    for req in requests:
                        sid = req.signal_id
                        known = (
                            self._by_id.get(sid.id) if sid.WhichOneof("signal") == "id" else self._known.get(sid.path)
                        )
                        if known is not None:
                            values[known.signal.path] = _value_of(req.value)
                    error = t2.Error(code=t2.ERROR_CODE_OK)
                    try:
                        if on_actuate is None:
                            raise BrokerError.unavailable(next(iter(values), ""), "this provider takes no actuation")
                        await on_actuate(values)
                    except Exception as err:  # the provider's own failure goes back to the broker
                        log.warning("actuation handler failed: %s", err)
                        error = t2.Error(code=t2.ERROR_CODE_INVALID_ARGUMENT, message=str(err)[:500])
                    for req in requests:
                        await call.write(
                            v2.OpenProviderStreamRequest(
                                batch_actuate_stream_response=v2.BatchActuateStreamResponse(
                                    signal_id=req.signal_id, error=error
                                )
                            )
                        )
            except grpc.aio.AioRpcError as err:
                if err.code() is not grpc.StatusCode.CANCELLED:
                    log.warning("provider stream ended: %s", err.details())


def _v1_code(http: int) -> ErrorCode:
    return {
        400: ErrorCode.INVALID_ARGUMENT,
        401: ErrorCode.UNAUTHENTICATED,
        403: ErrorCode.PERMISSION_DENIED,
        404: ErrorCode.NOT_FOUND,
        409: ErrorCode.ALREADY_EXISTS,
        412: ErrorCode.FAILED_PRECONDITION,
        429: ErrorCode.RESOURCE_EXHAUSTED,
    }.get(http, ErrorCode.UNAVAILABLE)


def _v1_datapoint(known: _Known, value: Any) -> t1.Datapoint:
    if known.signal.is_array:
        array = getattr(t1, KUKSA_ARRAY[known.field])(values=value)
        return t1.Datapoint(**{f"{known.field}_array": array})
    return t1.Datapoint(**{known.field: value})


def _decode_v2(response: v2.SubscribeResponse, first: bool) -> dict[str, Datapoint]:
    out: dict[str, Datapoint] = {}
    for path, message in response.entries.items():
        dp = _datapoint(message)
        if dp is None:
            continue  # like the in-process broker: the first batch lists only values that exist
        out[path] = dp
    return out


def _decode_v1_targets(response: v1.SubscribeResponse, first: bool) -> dict[str, Datapoint]:
    out: dict[str, Datapoint] = {}
    for update in response.updates:
        dp = update.entry.actuator_target
        out[update.entry.path] = Datapoint(_v1_value(dp), _seconds(dp.timestamp))
    return out


def _v1_value(dp: t1.Datapoint) -> Any:
    which = dp.WhichOneof("value")
    if which is None:
        return None
    raw = getattr(dp, which)
    return list(raw.values) if which.endswith("_array") else raw


__all__ = ["GrpcClient", "GrpcProvider", "GrpcUpdates", "broker_error", "signal_from_metadata"]
