"""TLS with a self-made CA, the Unix-socket option, and shutdown semantics."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
from collections.abc import Callable
from pathlib import Path

import grpc
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kuksa.val.v2 import types_pb2 as t2
from kuksa.val.v2 import val_pb2 as v2
from kuksa.val.v2 import val_pb2_grpc as v2_grpc
from kuksa_client.grpc.aio import VSSClient

from renkei.api.grpc import GrpcServer, serve_grpc
from renkei.broker import Authenticator, Broker, BrokerError, ErrorCode, TokenIssuer
from renkei.client.grpc import GrpcClient
from renkei.settings import GrpcSettings

pytestmark = pytest.mark.shared
SPEED = "Vehicle.Speed"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for localhost / 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("renkei test CA"))
        .issuer_name(_name("renkei test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_pem, cert_pem, key_pem


async def test_tls_with_a_self_made_ca(
    tmp_path: Path, broker: Broker, auth: Authenticator, token: Callable[[str], str]
) -> None:
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    srv = await serve_grpc(broker, auth, GrpcSettings(host="127.0.0.1", port=0, tls_cert=cert, tls_key=key))
    try:
        broker.publish({SPEED: 64.0})
        async with VSSClient(
            "127.0.0.1", srv.port, token=token("read"), root_certificates=ca, tls_server_name="localhost"
        ) as kc:
            assert (await kc.get_current_values([SPEED]))[SPEED].value == 64.0
        async with GrpcClient(
            srv.address, token=token("read"), root_certificates=ca, tls_server_name="localhost"
        ) as rc:
            assert (await rc.get([SPEED]))[SPEED].value == 64.0  # type: ignore[union-attr]
        # plaintext to a TLS port does not get through
        with pytest.raises(BrokerError) as err:
            await GrpcClient(srv.address, token=token("read")).connect()
        assert err.value.code is ErrorCode.UNAVAILABLE
        # a CA that did not sign the server certificate is refused
        (tmp_path / "other").mkdir()
        other_ca, _, _ = make_ca_and_server_cert(tmp_path / "other")
        with pytest.raises(BrokerError):
            await GrpcClient(
                srv.address, token=token("read"), root_certificates=other_ca, tls_server_name="localhost"
            ).connect()
    finally:
        await srv.stop(0.2)


async def test_tls_needs_both_files(tmp_path: Path, broker: Broker, auth: Authenticator) -> None:
    _, cert, _ = make_ca_and_server_cert(tmp_path)
    with pytest.raises(ValueError, match="tls_key"):
        await serve_grpc(broker, auth, GrpcSettings(port=0, tls_cert=cert))
    with pytest.raises(ValueError, match="cannot read"):
        await serve_grpc(broker, auth, GrpcSettings(port=0, tls_cert=cert, tls_key=tmp_path / "missing.key"))


async def test_unix_socket(tmp_path: Path, broker: Broker, auth: Authenticator, token: Callable[[str], str]) -> None:
    sock = tmp_path / "run" / "renkei.sock"
    srv = await serve_grpc(broker, auth, GrpcSettings(host="127.0.0.1", port=0, unix_socket=sock))
    try:
        assert sock.exists()
        broker.publish({SPEED: 8.0})
        async with GrpcClient(f"unix:{sock}", token=token("read")) as client:
            assert (await client.get([SPEED]))[SPEED].value == 8.0  # type: ignore[union-attr]
    finally:
        await srv.stop(0.2)
    assert not sock.exists()


async def test_port_in_use_is_a_clear_error(broker: Broker, auth: Authenticator) -> None:
    first = await serve_grpc(broker, auth, GrpcSettings(host="127.0.0.1", port=0))
    try:
        with pytest.raises(OSError, match=str(first.port)):
            await serve_grpc(broker, auth, GrpcSettings(host="127.0.0.1", port=first.port))
    finally:
        await first.stop(0.2)


@pytest.mark.parametrize("rpc", ["v2.Subscribe", "v2.OpenProviderStream"])
async def test_streams_end_with_unavailable_at_shutdown(rpc: str, broker: Broker, token: Callable[[str], str]) -> None:
    srv = await serve_grpc(broker, Authenticator(None), GrpcSettings(host="127.0.0.1", port=0))
    async with grpc.aio.insecure_channel(srv.address) as channel:
        stub = v2_grpc.VALStub(channel)
        if rpc == "v2.Subscribe":
            call = stub.Subscribe(v2.SubscribeRequest(signal_paths=[SPEED]))
        else:
            call = stub.OpenProviderStream()
            await call.write(
                v2.OpenProviderStreamRequest(
                    provide_actuation_request=v2.ProvideActuationRequest(
                        actuator_identifiers=[t2.SignalID(path="Vehicle.Cabin.Seat.Row1.DriverSide.Position")]
                    )
                )
            )
        await asyncio.wait_for(call.read(), 5)
        assert srv.open_streams == 1
        await srv.stop(1.0)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await asyncio.wait_for(call.read(), 5)
        assert err.value.code() is grpc.StatusCode.UNAVAILABLE
    assert broker.provider_of("Vehicle.Cabin.Seat.Row1.DriverSide.Position") is None


async def test_revoking_a_token_ends_its_streams(server: GrpcServer, auth: Authenticator, issuer: TokenIssuer) -> None:
    tok = issuer.issue("read", subject="phone", ttl=600)
    token_id = jwt.decode(tok, options={"verify_signature": False})["jti"]
    async with grpc.aio.insecure_channel(server.address) as channel:
        call = v2_grpc.VALStub(channel).Subscribe(
            v2.SubscribeRequest(signal_paths=[SPEED]), metadata=[("authorization", f"Bearer {tok}")]
        )
        await asyncio.wait_for(call.read(), 5)
        auth.revoke(token_id)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await asyncio.wait_for(call.read(), 5)
        assert err.value.code() is grpc.StatusCode.UNAUTHENTICATED
