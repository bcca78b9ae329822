"""One client interface for vehicle apps, whatever the transport.

An app is written against `VehicleClient`; it gets an `InProcessClient` when the
broker runs in its own process (`renkei run`) or a gRPC client when the broker
is on another process or ECU. Nothing else in the app changes.

    client = InProcessClient(broker)                    # full rights (insecure/dev)
    client = InProcessClient(broker, principal=who)     # the rights of a verified token
    await client.publish({"Vehicle.Speed": 50.0})
    async with client.subscribe(["Vehicle.Cabin.HVAC"]) as sub:
        async for changes in sub:
            ...
"""

from renkei.broker import (
    BrokerError,
    Datapoint,
    ErrorCode,
    Field,
    Principal,
    Provider,
    Subscription,
)
from renkei.client.base import ActuationHandler, Updates, VehicleClient
from renkei.client.inprocess import InProcessClient
from renkei.vss import Signal, Value

__all__ = [
    "ActuationHandler",
    "BrokerError",
    "Datapoint",
    "ErrorCode",
    "Field",
    "InProcessClient",
    "Principal",
    "Provider",
    "Signal",
    "Subscription",
    "Updates",
    "Value",
    "VehicleClient",
]
