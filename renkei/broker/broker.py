"""The in-process vehicle data broker: one datapoint per VSS leaf, shared by all.

Flow of a write: `publish` (sensors, attributes, confirmed actuator values) or
`actuate` (actuator targets, forwarded to the claiming provider) → access check
against the caller's `Principal` → validation against the catalog → the whole
batch is applied at once → persisted paths are committed → every subscriber whose
pattern covers a changed path gets one batch in its bounded queue.

    broker = Broker(load_default_catalog())
    await broker.start()
    async with broker.subscribe(["Vehicle.Speed"]) as sub:
        broker.publish({"Vehicle.Speed": 42.0})
        print(await anext(sub))        # {'Vehicle.Speed': Datapoint(value=42.0, ...)}

Feeders running in threads use `publish_threadsafe`. Everything else runs on the
event loop and never blocks it (a persisted write is one short SQLite commit).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from renkei.broker.access import Principal, Right
from renkei.broker.errors import BrokerError, ErrorCode
from renkei.broker.safety import DEFAULT_RULES, SafetyRule
from renkei.broker.store import SqliteStore
from renkei.broker.subscription import Batch, Datapoint, Field, Subscription
from renkei.vss import (
    Catalog,
    ChangeType,
    EntryType,
    PatternError,
    Signal,
    Value,
    ValueRuleError,
    compile_validator,
)
from renkei.vss.patterns import compile_pattern

log = logging.getLogger(__name__)

ActuationHandler = Callable[[dict[str, Value]], Awaitable[None]]
# A guard sees one requested actuation (path, value, the current value, who asks, a reader
# of current values) and returns a reason to refuse it, or None. Guards are how rules that
# depend on the caller (a paired phone, not the cabin) hold on every face alike.
ActuationGuard = Callable[[str, Value, Value | None, Principal | None, Callable[[str], Value | None]], str | None]
MAX_BATCH = 100_000
DEFAULT_PERSISTED: tuple[str, ...] = ()


class _Entry:
    """Everything the broker keeps for one leaf; slots keep the hot path fast."""

    __slots__ = (
        "current",
        "onchange",
        "path",
        "persist",
        "provider",
        "signal",
        "subs",
        "target",
        "target_subs",
        "validate",
    )

    def __init__(self, signal: Signal, persist: bool) -> None:
        self.path = signal.path
        self.signal = signal
        self.validate = compile_validator(signal)
        self.current: Datapoint | None = None
        self.target: Datapoint | None = None
        self.subs: tuple[Subscription, ...] = ()
        self.target_subs: tuple[Subscription, ...] = ()
        self.provider: Provider | None = None
        self.onchange = signal.change_type is not ChangeType.CONTINUOUS
        self.persist = persist


_provider_ids = itertools.count(1)


class Provider:
    """A claim on actuators (and sensors) by one provider; `close()` releases it."""

    def __init__(self, broker: Broker, paths: tuple[str, ...], handler: ActuationHandler | None, name: str) -> None:
        self.id = next(_provider_ids)
        self.name = name or f"provider-{self.id}"
        self.paths = paths
        self._handler = handler
        self._broker = broker
        self.closed = False

    async def _request(self, values: dict[str, Value]) -> None:
        if self._handler is None:
            raise BrokerError.unavailable(next(iter(values)), f"provider {self.name} does not accept actuation")
        await self._handler(values)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._broker._release(self)

    async def __aenter__(self) -> Provider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


@dataclass
class BrokerStats:
    updates: int = 0  # signal values applied by publish
    notifications: int = 0  # batches handed to subscriber queues
    actuations: int = 0
    subscribers: int = 0
    providers: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # per subscriber name


class Broker:
    def __init__(
        self,
        catalog: Catalog,
        *,
        store: SqliteStore | None = None,
        persist: Sequence[str] = DEFAULT_PERSISTED,
        safety_rules: Sequence[SafetyRule] = DEFAULT_RULES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalog = catalog
        persisted = [compile_pattern(p) for p in persist]
        self._entries: dict[str, _Entry] = {
            s.path: _Entry(s, s.entry_type is EntryType.ATTRIBUTE or any(p.matches(s.path) for p in persisted))
            for s in catalog
        }
        self._store = store
        self._safety = tuple(safety_rules)
        self._clock = clock
        self._guards: list[ActuationGuard] = []
        self._subscriptions: dict[int, Subscription] = {}
        self._providers: dict[int, Provider] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.updates = 0
        self.notifications = 0
        self.actuations = 0
        self._load_defaults()
        if store is not None:
            self._restore(store)

    # -- life cycle ------------------------------------------------------------------
    async def start(self) -> None:
        """Bind to the running loop (needed by `publish_threadsafe`)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    async def stop(self) -> None:
        """End every subscription with UNAVAILABLE and release every provider."""
        shutdown = BrokerError(ErrorCode.UNAVAILABLE, "", "the broker is shutting down", "shutdown")
        for sub in list(self._subscriptions.values()):
            sub._end(shutdown)
            self._forget(sub)
        for provider in list(self._providers.values()):
            provider.closed = True
            self._release(provider, announce=False)
        if self._store is not None:
            self._store.close()

    def _load_defaults(self) -> None:
        now = self._clock()
        for entry in self._entries.values():
            if entry.signal.entry_type is EntryType.ATTRIBUTE and entry.signal.default is not None:
                entry.current = Datapoint(entry.signal.default, now)

    def _restore(self, store: SqliteStore) -> None:
        for path, fld, value, ts in store.load():
            entry = self._entries.get(path)
            if entry is None or not entry.persist:
                continue
            try:
                checked = entry.validate(value) if value is not None else None
            except ValueRuleError as err:
                log.warning("not restoring %s: stored value no longer valid (%s)", path, err)
                continue
            if fld == Field.TARGET.value:
                entry.target = Datapoint(checked, ts)
            else:
                entry.current = Datapoint(checked, ts)

    # -- lookups -----------------------------------------------------------------------
    def _entry(self, path: str) -> _Entry:
        entry = self._entries.get(path) if isinstance(path, str) else None
        if entry is None:
            if not isinstance(path, str):
                raise BrokerError.invalid(str(path)[:80], "a path must be text", "path")
            raise BrokerError.not_found(path[:256])
        return entry

    def resolve(self, pattern: str, principal: Principal | None = None, right: Right = Right.READ) -> list[Signal]:
        """Leaves under a path, branch or wildcard that the principal holds `right` on.

        NOT_FOUND when the pattern matches nothing, PERMISSION_DENIED when it matches
        only paths the principal may not touch.
        """
        try:
            matched = self.catalog.match(pattern)
        except PatternError as err:
            raise BrokerError.invalid(str(pattern)[:256], str(err), "pattern") from None
        if not matched:
            raise BrokerError.not_found(pattern[:256])
        if principal is None or principal.unrestricted_access:
            return matched
        allowed = [s for s in matched if principal.allows(right, s.path)]
        if not allowed:
            raise BrokerError.denied(pattern[:256], right.value)
        return allowed

    def signal(self, path: str) -> Signal:
        return self._entry(path).signal

    def get(
        self,
        paths: Iterable[str],
        *,
        field: Field = Field.CURRENT,
        principal: Principal | None = None,
    ) -> dict[str, Datapoint | None]:
        """Current (or target) datapoints; a path that never had a value maps to None."""
        out: dict[str, Datapoint | None] = {}
        for path in paths:
            entry = self._entries.get(path) if isinstance(path, str) else None
            if entry is None:
                for signal in self.resolve(path, principal):
                    e = self._entries[signal.path]
                    out[signal.path] = e.target if field is Field.TARGET else e.current
                continue
            if principal is not None:
                principal.require(Right.READ, path)
            out[path] = entry.target if field is Field.TARGET else entry.current
        return out

    def current_value(self, path: str) -> Value | None:
        entry = self._entries.get(path)
        dp = entry.current if entry is not None else None
        return dp.value if dp is not None else None

    # -- writes ---------------------------------------------------------------------------
    def publish(
        self,
        values: Mapping[str, Any],
        *,
        principal: Principal | None = None,
        timestamp: float | None = None,
    ) -> None:
        """Set current values (sensors, attributes, confirmed actuator positions) atomically."""
        if len(values) > MAX_BATCH:
            raise BrokerError.invalid(
                "", f"batch of {len(values)} values exceeds the limit of {MAX_BATCH}", "batch-size"
            )
        entries = self._entries
        check = principal is not None and not principal.unrestricted_access
        staged: list[tuple[_Entry, Value | None]] = []
        for path, raw in values.items():
            entry = entries.get(path) if type(path) is str else None
            if entry is None:
                self._entry(path)  # raises the right error
                continue
            if check:
                assert principal is not None
                principal.require(Right.PROVIDE, path)
            try:
                staged.append((entry, entry.validate(raw)))
            except ValueRuleError as err:
                raise BrokerError.invalid(path, str(err), err.rule) from None
        ts = self._clock() if timestamp is None else timestamp
        self._apply(staged, ts, Field.CURRENT)

    def _apply(self, staged: list[tuple[_Entry, Value | None]], ts: float, fld: Field) -> None:
        fanout: dict[Subscription, Batch] = {}
        persisted: list[tuple[str, str, Any, float]] = []
        current = fld is Field.CURRENT
        applied = 0
        make = tuple.__new__  # Datapoint(value, ts) without the NamedTuple's Python-level __new__
        for entry, value in staged:
            if current:
                old = entry.current
                if entry.onchange and old is not None and old[0] == value:
                    continue
                dp = make(Datapoint, (value, ts))
                entry.current = dp
                subs = entry.subs
            else:
                dp = make(Datapoint, (value, ts))
                entry.target = dp
                subs = entry.target_subs
            applied += 1
            if entry.persist:
                persisted.append((entry.path, fld.value, value, ts))
            for sub in subs:
                batch = fanout.get(sub)
                if batch is None:
                    fanout[sub] = {entry.path: dp}
                else:
                    batch[entry.path] = dp
        if persisted and self._store is not None:
            self._store.save(persisted)
        self.updates += applied
        self.notifications += len(fanout)
        for sub, batch in fanout.items():
            sub._deliver(batch)

    def publish_threadsafe(
        self,
        values: Mapping[str, Any],
        *,
        principal: Principal | None = None,
        timestamp: float | None = None,
    ) -> concurrent.futures.Future[None]:
        """Publish from another thread; the future resolves (or fails) once applied."""
        result: concurrent.futures.Future[None] = concurrent.futures.Future()
        ts = self._clock() if timestamp is None else timestamp

        def run() -> None:
            try:
                self.publish(values, principal=principal, timestamp=ts)
            except BaseException as err:
                result.set_exception(err)
            else:
                result.set_result(None)

        if self._loop is None:
            raise BrokerError(ErrorCode.UNAVAILABLE, "", "the broker has not been started", "not-started")
        if threading.get_ident() == self._loop_thread:
            run()
        else:
            self._loop.call_soon_threadsafe(run)
        return result

    async def actuate(self, values: Mapping[str, Any], *, principal: Principal | None = None) -> None:
        """Ask actuators to reach targets. All checks pass for every entry, or none is sent."""
        if not values:
            return
        if len(values) > MAX_BATCH:
            raise BrokerError.invalid(
                "", f"batch of {len(values)} values exceeds the limit of {MAX_BATCH}", "batch-size"
            )
        staged: list[tuple[_Entry, Value | None]] = []
        for path, raw in values.items():
            entry = self._entry(path)
            if entry.signal.entry_type is not EntryType.ACTUATOR:
                raise BrokerError.invalid(
                    path,
                    f"is a {entry.signal.entry_type.value}; only actuators can be actuated",
                    "not-actuator",
                )
            if principal is not None:
                principal.require(Right.ACTUATE, path)
            try:
                value = entry.validate(raw)
            except ValueRuleError as err:
                raise BrokerError.invalid(path, str(err), err.rule) from None
            for rule in self._safety:
                reason = rule.refuses(path, value, self.current_value)
                if reason:
                    raise BrokerError(ErrorCode.FAILED_PRECONDITION, path, reason, "safety")
            for guard in self._guards:
                reason = guard(path, value, self.current_value(path), principal, self.current_value)
                if reason:
                    raise BrokerError(ErrorCode.FAILED_PRECONDITION, path, reason, "guard")
            if entry.provider is None:
                raise BrokerError.unavailable(path)
            staged.append((entry, value))
        ts = self._clock()
        self._apply(staged, ts, Field.TARGET)
        self.actuations += len(staged)
        requests: dict[Provider, dict[str, Value]] = {}
        for entry, requested in staged:
            assert entry.provider is not None and requested is not None
            requests.setdefault(entry.provider, {})[entry.path] = requested
        results = await asyncio.gather(*(p._request(v) for p, v in requests.items()), return_exceptions=True)
        for (provider, vals), res in zip(requests.items(), results, strict=True):
            if isinstance(res, BrokerError):
                raise res
            if isinstance(res, BaseException):
                raise BrokerError.unavailable(next(iter(vals)), f"provider {provider.name} failed: {res}") from res

    def add_guard(self, guard: ActuationGuard) -> None:
        """Consult `guard` for every actuation from now on (see ActuationGuard)."""
        self._guards.append(guard)

    # -- providers ------------------------------------------------------------------------
    def provide(
        self,
        patterns: Iterable[str],
        handler: ActuationHandler | None = None,
        *,
        principal: Principal | None = None,
        name: str = "",
    ) -> Provider:
        """Claim every leaf under `patterns` exclusively. ALREADY_EXISTS names a taken one."""
        claimed: list[_Entry] = []
        seen: set[str] = set()
        for pattern in patterns:
            for signal in self.resolve(pattern, principal, Right.PROVIDE):
                if signal.path in seen:
                    continue
                seen.add(signal.path)
                entry = self._entries[signal.path]
                if entry.provider is not None:
                    raise BrokerError(
                        ErrorCode.ALREADY_EXISTS,
                        signal.path,
                        f"already provided by {entry.provider.name}",
                        "claimed",
                    )
                claimed.append(entry)
        if not claimed:
            raise BrokerError.invalid("", "a provider must claim at least one path", "empty")
        provider = Provider(self, tuple(e.path for e in claimed), handler, name)
        for entry in claimed:
            entry.provider = provider
        self._providers[provider.id] = provider
        return provider

    def _release(self, provider: Provider, *, announce: bool = True) -> None:
        self._providers.pop(provider.id, None)
        gone: list[tuple[_Entry, Value | None]] = []
        for path in provider.paths:
            entry = self._entries[path]
            if entry.provider is provider:
                entry.provider = None
                if entry.signal.entry_type is not EntryType.ATTRIBUTE and entry.current is not None:
                    gone.append((entry, None))
        if announce and gone:
            # Subscribers learn the values are no longer available (value None).
            for entry, _ in gone:
                entry.current = None
            self._apply_unavailable([e for e, _ in gone])

    def _apply_unavailable(self, entries: list[_Entry]) -> None:
        ts = self._clock()
        fanout: dict[Subscription, Batch] = {}
        for entry in entries:
            dp = Datapoint(None, ts)
            for sub in entry.subs:
                fanout.setdefault(sub, {})[entry.path] = dp
        for sub, batch in fanout.items():
            sub._deliver(batch)

    def provider_of(self, path: str) -> Provider | None:
        return self._entry(path).provider

    # -- subscriptions ----------------------------------------------------------------------
    def subscribe(
        self,
        patterns: Iterable[str],
        *,
        field: Field = Field.CURRENT,
        principal: Principal | None = None,
        queue_size: int = 256,
        min_interval: float = 0.0,
        name: str = "",
    ) -> Subscription:
        """Follow every leaf under `patterns`; the first batch holds the current values."""
        paths: list[str] = []
        seen: set[str] = set()
        for pattern in patterns:
            for signal in self.resolve(pattern, principal, Right.READ):
                if signal.path not in seen:
                    seen.add(signal.path)
                    paths.append(signal.path)
        if not paths:
            raise BrokerError.invalid("", "subscribe to at least one path", "empty")
        sub = Subscription(
            tuple(paths),
            field,
            queue_size=queue_size,
            min_interval=min_interval,
            on_close=self._forget,
            name=name,
        )
        initial: Batch = {}
        for path in paths:
            entry = self._entries[path]
            if field is Field.TARGET:
                entry.target_subs = (*entry.target_subs, sub)
                dp = entry.target
            else:
                entry.subs = (*entry.subs, sub)
                dp = entry.current
            if dp is not None:
                initial[path] = dp
        self._subscriptions[sub.id] = sub
        if initial:
            sub._enqueue(initial)
        return sub

    def _forget(self, sub: Subscription) -> None:
        if self._subscriptions.pop(sub.id, None) is None:
            return
        for path in sub.paths:
            entry = self._entries[path]
            if sub.field is Field.TARGET:
                entry.target_subs = tuple(s for s in entry.target_subs if s is not sub)
            else:
                entry.subs = tuple(s for s in entry.subs if s is not sub)

    # -- counters -------------------------------------------------------------------------------
    def stats(self) -> BrokerStats:
        return BrokerStats(
            updates=self.updates,
            notifications=self.notifications,
            actuations=self.actuations,
            subscribers=len(self._subscriptions),
            providers=len(self._providers),
            dropped={s.name: s.dropped for s in self._subscriptions.values()},
        )
