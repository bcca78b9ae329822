"""renkei/api/grpc/engine.py: the polling engine is chosen only when it can be, and it serves.

Each case runs in a fresh interpreter, since grpc decides its engine once, at import.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from renkei.api.grpc.engine import POLLING


def run(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "GRPC_EXPERIMENTS"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_first_import_chooses_polling_and_leaves_the_environment_as_it_was() -> None:
    out = run(
        """
        import os
        from renkei.api.grpc import engine
        print(engine.POLLING_ENGINE, os.environ.get("GRPC_EXPERIMENTS"))
        """
    )
    assert out == "True None"


def test_grpc_imported_first_keeps_its_engine() -> None:
    out = run(
        """
        import grpc
        from renkei.api.grpc import engine
        print(engine.POLLING_ENGINE)
        """
    )
    assert out == "False"


def test_the_operators_setting_wins() -> None:
    code = """
        import os
        from renkei.api.grpc import engine
        print(engine.POLLING_ENGINE, repr(os.environ["GRPC_EXPERIMENTS"]))
        """
    assert run(code, GRPC_EXPERIMENTS="") == "False ''"
    assert run(code, GRPC_EXPERIMENTS=POLLING) == f"True {POLLING!r}"


def test_the_face_serves_on_the_polling_engine() -> None:
    out = run(
        """
        import asyncio
        from renkei.api.grpc import engine, serve_grpc
        import grpc
        from kuksa.val.v2 import types_pb2 as t2, val_pb2 as v2, val_pb2_grpc
        from renkei.broker import Authenticator, Broker
        from renkei.settings import GrpcSettings
        from renkei.vss import load_default_catalog

        async def main():
            broker = Broker(load_default_catalog())
            await broker.start()
            server = await serve_grpc(broker, Authenticator(None), GrpcSettings(host="127.0.0.1", port=0))
            async with grpc.aio.insecure_channel(server.address) as channel:
                stub = val_pb2_grpc.VALStub(channel)
                watch = stub.Subscribe(v2.SubscribeRequest(signal_paths=["Vehicle.Speed"]))
                await watch.read()
                speed = t2.SignalID(path="Vehicle.Speed")
                dp = t2.Datapoint(value=t2.Value(float=88.5))
                await stub.PublishValue(v2.PublishValueRequest(signal_id=speed, data_point=dp))
                got = await asyncio.wait_for(watch.read(), 10)
                watch.cancel()
            await server.stop(0.1)
            await broker.stop()
            print(engine.POLLING_ENGINE, got.entries["Vehicle.Speed"].value.float)

        asyncio.run(main())
        """
    )
    assert out == "True 88.5"
