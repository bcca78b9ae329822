"""BrokerError codes map 1:1 onto gRPC status codes of the same name, in both directions."""

from __future__ import annotations

import grpc

from renkei.api.grpc.guard import STATUS
from renkei.broker import ErrorCode


def test_every_broker_error_has_the_grpc_status_of_the_same_name() -> None:
    assert set(STATUS) == set(ErrorCode)
    assert all(STATUS[code].name == code.value for code in ErrorCode)
    assert len(set(STATUS.values())) == len(ErrorCode)  # no two broker errors share a status
    assert grpc.StatusCode.INTERNAL not in STATUS.values()
