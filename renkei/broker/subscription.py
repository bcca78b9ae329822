"""One subscriber's view of the broker: a bounded queue of update batches.

The broker calls `_deliver(batch)` synchronously while it publishes; that never
waits: when the queue is full the oldest batch is dropped and counted, so a slow
or stuck subscriber never delays a publisher or anyone else. With a minimum
sample interval, updates arriving faster are merged (latest value per path) and
delivered when the interval has passed.

    async with broker.subscribe(["Vehicle.Speed"]) as sub:
        async for changes in sub:          # dict[path, Datapoint]
            print(changes["Vehicle.Speed"].value)
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from renkei.broker.errors import BrokerError, ErrorCode

if TYPE_CHECKING:
    from renkei.vss.model import Value


class Datapoint(NamedTuple):
    """A value and when it was measured (UNIX seconds). value None: not available."""

    value: Value | None
    timestamp: float


class Field(StrEnum):
    CURRENT = "current"  # what the car reports
    TARGET = "target"  # what an actuator was asked to reach


Batch = dict[str, Datapoint]
_ids = itertools.count(1)


class Subscription:
    """An async iterator of update batches with drop counting and throttling."""

    def __init__(
        self,
        paths: tuple[str, ...],
        field: Field,
        *,
        queue_size: int,
        min_interval: float,
        on_close: Callable[[Subscription], None],
        name: str = "",
    ) -> None:
        if queue_size < 1:
            raise BrokerError(
                ErrorCode.INVALID_ARGUMENT,
                "",
                f"queue size must be at least 1, not {queue_size}",
                "queue-size",
            )
        if not min_interval >= 0 or min_interval > 3600:
            raise BrokerError(
                ErrorCode.INVALID_ARGUMENT,
                "",
                f"minimum interval {min_interval} s is outside [0, 3600]",
                "interval",
            )
        self.id = next(_ids)
        self.name = name or f"subscription-{self.id}"
        self.paths = paths
        self.field = field
        self.queue_size = queue_size
        self.min_interval = min_interval
        self.dropped = 0  # signal updates lost because the queue was full
        self.delivered = 0  # batches handed to the consumer
        self._queue: deque[Batch] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._on_close = on_close
        self._closed = False
        self._close_error: BrokerError | None = None
        self._pending: Batch | None = None  # merged updates waiting for the interval
        self._next_allowed = 0.0
        self._flush_handle: asyncio.TimerHandle | None = None

    # -- broker side (synchronous, never blocks) --------------------------------
    def _deliver(self, batch: Batch) -> None:
        if self._closed:
            return
        if self.min_interval:
            now = self._loop.time()
            if now < self._next_allowed or self._pending is not None:
                if self._pending is None:
                    self._pending = dict(batch)
                else:
                    self._pending.update(batch)
                if self._flush_handle is None:
                    self._flush_handle = self._loop.call_at(self._next_allowed, self._flush)
                return
            self._next_allowed = now + self.min_interval
        self._enqueue(batch)

    def _flush(self) -> None:
        self._flush_handle = None
        pending, self._pending = self._pending, None
        if pending and not self._closed:
            self._next_allowed = self._loop.time() + self.min_interval
            self._enqueue(pending)

    def _enqueue(self, batch: Batch) -> None:
        queue = self._queue
        if len(queue) >= self.queue_size:
            self.dropped += len(queue.popleft())
        queue.append(batch)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _end(self, error: BrokerError | None) -> None:
        """The broker ends this subscription (shutdown, lost rights)."""
        self._close_error = error
        self._finish()

    def _finish(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- consumer side -------------------------------------------------------------
    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Batch:
        while not self._queue:
            if self._closed:
                if self._close_error is not None:
                    raise self._close_error
                raise StopAsyncIteration
            self._waiter = self._loop.create_future()
            await self._waiter
        self.delivered += 1
        return self._queue.popleft()

    def get_nowait(self) -> Batch | None:
        """The next batch if one is queued (benchmarks, tests)."""
        if self._queue:
            self.delivered += 1
            return self._queue.popleft()
        return None

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if not self._closed:
            self._finish()
            self._on_close(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
