"""The `VehicleClient` protocol every transport implements.

async def keep_cabin_warm(client: VehicleClient) -> None:
    async with client.subscribe(["Vehicle.Exterior.AirTemperature"]) as sub:
        async for changes in sub:
            ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from renkei.broker import Datapoint, Field
from renkei.vss import Signal, Value

ActuationHandler = Callable[[dict[str, Value]], Awaitable[None]]


@runtime_checkable
class Updates(Protocol):
    """A live subscription: iterate for batches of changes; close when done."""

    dropped: int

    def __aiter__(self) -> AsyncIterator[dict[str, Datapoint]]: ...

    def close(self) -> None: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> None: ...


@runtime_checkable
class ProviderHandle(Protocol):
    paths: tuple[str, ...]

    def close(self) -> None: ...


@runtime_checkable
class VehicleClient(Protocol):
    async def get(self, paths: Iterable[str], field: Field = Field.CURRENT) -> dict[str, Datapoint | None]: ...

    async def publish(self, values: Mapping[str, Value], timestamp: float | None = None) -> None: ...

    async def actuate(self, values: Mapping[str, Value]) -> None: ...

    def subscribe(
        self,
        patterns: Iterable[str],
        *,
        field: Field = Field.CURRENT,
        queue_size: int = 256,
        min_interval: float = 0.0,
    ) -> Updates: ...

    async def provide(self, paths: Iterable[str], on_actuate: ActuationHandler | None = None) -> ProviderHandle: ...

    async def metadata(self, pattern: str) -> list[Signal]: ...
