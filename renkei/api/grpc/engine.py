"""Which I/O engine gRPC core runs the face on, chosen before grpc is imported.

Recent grpcio handles sockets on its EventEngine threads, so every message a
`grpc.aio` server reads or writes hops from that thread to the completion-queue
poller thread and on to the event loop. gRPC's classic polling engine reads the
socket in the poller thread itself: one thread hop less per message. On loopback
with kuksa-perf's workload (benchmarks/bench_grpc.py) that is about 15 % less
broker CPU and 0.1 ms less latency per message, and every gRPC test passes on both.

grpc reads GRPC_EXPERIMENTS once, when it is imported; so the choice is made here,
imported by `renkei.api.grpc` before anything else, and only when grpc is not loaded
yet. A GRPC_EXPERIMENTS the operator sets always wins, and the variable is removed
again after the import, so child processes get the environment they were given.

    from renkei.api.grpc import engine
    engine.POLLING_ENGINE      # True when this process's gRPC runs on the polling engine
"""

from __future__ import annotations

import importlib
import os
import sys

POLLING = "-event_engine_client,-event_engine_listener,-event_engine_for_all_other_endpoints"


def _choose() -> bool:
    if "grpc" in sys.modules:
        return False  # too late: whoever imported grpc first decided
    if "GRPC_EXPERIMENTS" in os.environ:
        return os.environ["GRPC_EXPERIMENTS"] == POLLING
    os.environ["GRPC_EXPERIMENTS"] = POLLING
    try:
        importlib.import_module("grpc")
    finally:
        del os.environ["GRPC_EXPERIMENTS"]
    return True


POLLING_ENGINE = _choose()

__all__ = ["POLLING", "POLLING_ENGINE"]
