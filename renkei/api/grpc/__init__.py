"""The gRPC face of the broker: kuksa.val.v2, kuksa.val.v1 and sdv.databroker.v1 on one port.

Flow: `serve_grpc(broker, auth, settings)` builds one `grpc.aio` server with the
three services (each calls the same `Broker` with the caller's `Principal`),
binds TCP (`settings.host:settings.port`, port 0 picks a free one; TLS when
`tls_cert`/`tls_key` are set) and optionally a Unix socket, and returns a
`GrpcServer`. `stop()` ends every open stream with UNAVAILABLE, then stops.

    server = await serve_grpc(broker, Authenticator(verifier), settings.grpc)
    print(server.address)              # "127.0.0.1:55555"
    ...
    await server.stop()
"""

from __future__ import annotations

# isort: split
# The engine is chosen before grpc is first imported (see engine.py).
from renkei.api.grpc import engine

# isort: split
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from kuksa.val.v1 import val_pb2_grpc as v1_grpc
from kuksa.val.v2 import val_pb2_grpc as v2_grpc

from renkei.api.grpc.codec import Codec
from renkei.api.grpc.databroker_v1 import DatabrokerBroker, DatabrokerCollector
from renkei.api.grpc.guard import Gate
from renkei.api.grpc.stubs import sdv_broker_grpc as broker_pb2_grpc
from renkei.api.grpc.stubs import sdv_collector_grpc as collector_pb2_grpc
from renkei.api.grpc.val_v1 import ValV1
from renkei.api.grpc.val_v2 import ValV2
from renkei.api.grpc.wire import decode_provider_request
from renkei.broker import Authenticator, Broker
from renkei.settings import GrpcSettings

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
SERVICES = ("kuksa.val.v2.VAL", "kuksa.val.v1.VAL", "sdv.databroker.v1.Broker", "sdv.databroker.v1.Collector")


class _Collector:
    """Stands in for the server while generated code registers a service, to adjust its handlers."""

    def __init__(self) -> None:
        self.name = ""
        self.handlers: dict[str, Any] = {}

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        pass

    def add_registered_method_handlers(self, name: str, handlers: dict[str, Any]) -> None:
        self.name = name
        self.handlers = dict(handlers)


def _bytes_or_message(serialize: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    """Streams on the hot path yield ready wire bytes (see wire.py); the rest yield messages."""

    def serializer(message: Any) -> bytes:
        return message if type(message) is bytes else serialize(message)

    return serializer


def _add_val_v2(servicer: ValV2, server: grpc.aio.Server) -> None:
    """kuksa.val.v2 as generated, except that the provider stream's publish requests are read
    by `wire.decode_provider_request` and subscription responses may be bytes."""
    collector = _Collector()
    v2_grpc.add_VALServicer_to_server(servicer, collector)
    handlers = collector.handlers
    for method in ("Subscribe", "SubscribeById", "OpenProviderStream"):
        handlers[method] = handlers[method]._replace(
            response_serializer=_bytes_or_message(handlers[method].response_serializer)
        )
    handlers["OpenProviderStream"] = handlers["OpenProviderStream"]._replace(
        request_deserializer=decode_provider_request
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(collector.name, handlers),))
    server.add_registered_method_handlers(collector.name, handlers)


def _add_val_v1(servicer: ValV1, server: grpc.aio.Server) -> None:
    """kuksa.val.v1 as generated, except that Subscribe responses may be bytes."""
    collector = _Collector()
    v1_grpc.add_VALServicer_to_server(servicer, collector)
    handlers = collector.handlers
    handlers["Subscribe"] = handlers["Subscribe"]._replace(
        response_serializer=_bytes_or_message(handlers["Subscribe"].response_serializer)
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(collector.name, handlers),))
    server.add_registered_method_handlers(collector.name, handlers)


class GrpcServer:
    """A running gRPC face. `port` is the bound TCP port; `address` is "host:port"."""

    def __init__(self, server: grpc.aio.Server, gate: Gate, host: str, port: int, unix_socket: Path | None) -> None:
        self._server = server
        self._gate = gate
        self.host = host
        self.port = port
        self.unix_socket = unix_socket
        self._stopped = False

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def open_streams(self) -> int:
        return self._gate.open_streams

    async def stop(self, grace: float = 1.0) -> None:
        """End every stream with UNAVAILABLE (not OK), let unary calls finish, then stop."""
        if self._stopped:
            return
        self._stopped = True
        self._gate.shutdown()
        await self._server.stop(grace)
        self._gate.detach()
        if self.unix_socket is not None:
            self.unix_socket.unlink(missing_ok=True)


def _credentials(settings: GrpcSettings) -> grpc.ServerCredentials | None:
    if settings.tls_cert is None and settings.tls_key is None:
        return None
    if settings.tls_cert is None or settings.tls_key is None:
        raise ValueError("TLS needs both grpc.tls_cert and grpc.tls_key (PEM files)")
    try:
        cert = Path(settings.tls_cert).read_bytes()
        key = Path(settings.tls_key).read_bytes()
    except OSError as err:
        raise ValueError(f"cannot read the gRPC TLS certificate or key: {err}") from None
    return grpc.ssl_server_credentials([(key, cert)])


async def serve_grpc(broker: Broker, auth: Authenticator, settings: GrpcSettings) -> GrpcServer:
    """Start the gRPC face; raises ValueError or OSError naming what could not be bound."""
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.so_reuseport", 0),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 5000),
    ]
    server = grpc.aio.server(options=options)
    gate = Gate(auth)
    codec = Codec(broker.catalog)
    _add_val_v2(ValV2(broker, gate, codec), server)
    _add_val_v1(ValV1(broker, gate, codec), server)
    broker_pb2_grpc.add_BrokerServicer_to_server(DatabrokerBroker(broker, gate, codec), server)
    collector_pb2_grpc.add_CollectorServicer_to_server(DatabrokerCollector(broker, gate, codec), server)
    credentials = _credentials(settings)
    host = settings.host
    target = f"[{host}]:{settings.port}" if ":" in host else f"{host}:{settings.port}"
    try:
        secure = credentials is not None
        port = server.add_secure_port(target, credentials) if secure else server.add_insecure_port(target)
    except RuntimeError as err:
        raise OSError(f"cannot listen for gRPC on {target}: {err}") from None
    if port == 0:
        raise OSError(f"cannot listen for gRPC on {target} (in use or not a local address)")
    unix_socket = settings.unix_socket
    if unix_socket is not None:
        unix_socket = Path(unix_socket)
        unix_socket.parent.mkdir(parents=True, exist_ok=True)
        unix_socket.unlink(missing_ok=True)
        uds = f"unix:{unix_socket}"
        bound = server.add_insecure_port(uds) if credentials is None else server.add_secure_port(uds, credentials)
        if bound == 0:
            raise OSError(f"cannot listen for gRPC on {uds}")
    await server.start()
    log.info(
        "gRPC face on %s%s (%s)%s",
        target.rsplit(":", 1)[0],
        f":{port}",
        ", ".join(SERVICES),
        " — INSECURE: no token needed" if auth.insecure else "",
    )
    if not engine.POLLING_ENGINE:
        log.info("gRPC runs on its EventEngine threads (grpc was imported before renkei.api.grpc)")
    return GrpcServer(server, gate, host, port, unix_socket)


__all__ = ["SERVICES", "GrpcServer", "serve_grpc"]
