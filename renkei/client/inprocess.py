"""The in-process transport: calls go straight to a `Broker` in this process.

client = InProcessClient(broker, principal=verifier.verify(token))
await client.actuate({"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 22})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from renkei.broker import Broker, Datapoint, Field, Principal, Provider, Subscription
from renkei.client.base import ActuationHandler
from renkei.vss import Signal, Value


class InProcessClient:
    def __init__(self, broker: Broker, principal: Principal | None = None, *, name: str = "") -> None:
        self.broker = broker
        self.principal = principal
        self.name = name

    async def get(self, paths: Iterable[str], field: Field = Field.CURRENT) -> dict[str, Datapoint | None]:
        return self.broker.get(paths, field=field, principal=self.principal)

    async def publish(self, values: Mapping[str, Value], timestamp: float | None = None) -> None:
        self.broker.publish(values, principal=self.principal, timestamp=timestamp)

    async def actuate(self, values: Mapping[str, Value]) -> None:
        await self.broker.actuate(values, principal=self.principal)

    def subscribe(
        self,
        patterns: Iterable[str],
        *,
        field: Field = Field.CURRENT,
        queue_size: int = 256,
        min_interval: float = 0.0,
    ) -> Subscription:
        return self.broker.subscribe(
            patterns,
            field=field,
            principal=self.principal,
            queue_size=queue_size,
            min_interval=min_interval,
            name=self.name,
        )

    async def provide(self, paths: Iterable[str], on_actuate: ActuationHandler | None = None) -> Provider:
        return self.broker.provide(paths, on_actuate, principal=self.principal, name=self.name)

    async def metadata(self, pattern: str) -> list[Signal]:
        return self.broker.resolve(pattern, self.principal)
