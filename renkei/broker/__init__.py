"""The vehicle data broker: datapoints, subscriptions, providers, access, persistence.

Flow: `Broker(catalog, store=SqliteStore(...))` → `await broker.start()` →
feeders `publish`, apps `subscribe` / `actuate`, providers `provide` — each call
may carry the caller's `Principal` (from `TokenVerifier.verify(token)`), and
every error is a `BrokerError` with a KUKSA-style `ErrorCode`.

    >>> broker = Broker(catalog)
    >>> broker.publish({"Vehicle.Speed": 12.5})
    >>> broker.get(["Vehicle.Speed"])["Vehicle.Speed"].value
    12.5
"""

from renkei.broker.access import (
    Authenticator,
    Principal,
    Right,
    Scope,
    ScopeError,
    TokenIssuer,
    TokenVerifier,
)
from renkei.broker.broker import ActuationGuard, ActuationHandler, Broker, BrokerStats, Provider
from renkei.broker.errors import BrokerError, ErrorCode
from renkei.broker.safety import DEFAULT_RULES, SafetyRule
from renkei.broker.store import SqliteStore
from renkei.broker.subscription import Batch, Datapoint, Field, Subscription

__all__ = [
    "DEFAULT_RULES",
    "ActuationGuard",
    "ActuationHandler",
    "Authenticator",
    "Batch",
    "Broker",
    "BrokerError",
    "BrokerStats",
    "Datapoint",
    "ErrorCode",
    "Field",
    "Principal",
    "Provider",
    "Right",
    "SafetyRule",
    "Scope",
    "ScopeError",
    "SqliteStore",
    "Subscription",
    "TokenIssuer",
    "TokenVerifier",
]
