"""The committed sdv.databroker.v1 stubs are exactly what the .proto sources generate."""

from __future__ import annotations

from renkei.api.grpc.generate import main, stale_files


def test_regenerating_gives_the_committed_files() -> None:
    assert stale_files() == []
    assert main(["--check"]) == 0
