"""The simulator as a vehicle adapter: it owns the car's actuators on the broker.

Flow: `run_simulator(client, scenario)` claims every actuator the simulated car has with
`client.provide(...)`; a request from any app arrives in `on_actuate`, which hands it to the
car (a refusal becomes a `BrokerError` naming the path and the reason) and publishes the
confirmed value. A loop steps the car at 10 Hz of simulated time and publishes what changed
in one batch per step, paced to real time, N x faster, or as fast as possible (`math.inf`).

    await run_simulator(client, builtin_scenario("summer_day_shanghai"), speed=10.0, stop=stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time

from renkei.client import BrokerError, ErrorCode, VehicleClient
from renkei.vehicle.sim.scenario import Scenario
from renkei.vehicle.sim.vehicle import STEP_S, Refused, SimVehicle
from renkei.vss import Value

log = logging.getLogger(__name__)
YIELD_EVERY = 50  # steps between yields to the event loop when running flat out


def _changed(previous: dict[str, Value], current: dict[str, Value]) -> dict[str, Value]:
    return {path: value for path, value in current.items() if previous.get(path) != value}


class _Publisher:
    """Publishes batches; a value the broker rejects (a catalog without that signal, a range the
    model overshot) is dropped and logged once instead of stopping the car."""

    def __init__(self, client: VehicleClient) -> None:
        self.client = client
        self.rejected: dict[str, str] = {}

    async def publish(self, values: dict[str, Value]) -> dict[str, Value]:
        batch = {p: v for p, v in values.items() if p not in self.rejected}
        while batch:
            try:
                await self.client.publish(batch, timestamp=time.time())
                return batch
            except BrokerError as err:
                if err.code not in (ErrorCode.INVALID_ARGUMENT, ErrorCode.NOT_FOUND) or err.path not in batch:
                    raise
                self.rejected[err.path] = err.message
                log.warning("simulator: not publishing %s: %s", err.path, err.message)
                del batch[err.path]
        return batch


async def run_simulator(
    client: VehicleClient,
    scenario: Scenario,
    *,
    speed: float = 1.0,
    seed: int = 0,
    stop: asyncio.Event | None = None,
) -> None:
    """Drive the simulated car until `stop` is set or the scenario's `duration_s` is reached."""
    if not speed > 0:  # also refuses NaN
        raise ValueError(f"speed must be > 0 (1.0 = real time, math.inf = as fast as possible), got {speed!r}")
    car = SimVehicle(scenario, seed=seed)
    stop = stop or asyncio.Event()
    published: dict[str, Value] = {}
    publisher = _Publisher(client)

    async def on_actuate(values: dict[str, Value]) -> None:
        accepted: dict[str, Value] = {}
        for path, value in values.items():
            try:
                accepted[path] = car.request(path, value)
            except Refused as refusal:
                raise BrokerError(ErrorCode.FAILED_PRECONDITION, path, refusal.reason, "vehicle-state") from None
        # Confirm the switches at once; moving parts confirm their positions as they travel.
        confirmed = {p: v for p, v in car.values().items() if p in accepted or published.get(p) != v}
        if confirmed:
            published.update(await publisher.publish(confirmed))

    claim = car.actuator_paths()
    while True:
        try:
            provider = await client.provide(claim, on_actuate)
            break
        except BrokerError as err:
            # A catalog without one of our actuators: run without it rather than not at all.
            if err.code is not ErrorCode.NOT_FOUND or err.path not in claim:
                raise
            log.warning("simulator: the catalog has no actuator %s; not providing it", err.path)
            claim.remove(err.path)
    try:
        published.update(await publisher.publish({**car.attributes(), **car.values()}))
        wall_start = time.monotonic()
        steps = 0
        while not stop.is_set() and not car.finished:
            car.step(STEP_S)
            steps += 1
            current = car.values()
            batch = _changed(published, current)
            if batch:
                published.update(await publisher.publish(batch))
            if math.isinf(speed):
                if steps % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                continue
            delay = wall_start + car.time_s / speed - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
            else:
                await asyncio.sleep(0)
    finally:
        provider.close()
        log.info("simulator stopped at t=%.1f s: %s", car.time_s, "; ".join(car.event_log[-5:]))
