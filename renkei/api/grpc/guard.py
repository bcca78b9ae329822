"""Authentication, error mapping and stream bookkeeping shared by all gRPC services.

Flow of one call: `Gate.principal(context)` reads `authorization: Bearer <JWT>`
from the call metadata (KUKSA's way) → `Authenticator` → `Principal`, cached by
token until it expires or is revoked → the service calls the broker with it →
a `BrokerError` becomes the gRPC status of the same name (`abort_with`).
Streams register with the gate so the server can end them with UNAVAILABLE at
shutdown, and a revoked token ends the streams opened with it (UNAUTHENTICATED).

    principal = gate.principal(context)            # BrokerError(UNAUTHENTICATED)
    async with gate.stream(principal) as live:     # live.ended: why the server ended it
        ...
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import grpc

from renkei.broker import Authenticator, BrokerError, ErrorCode, Principal

log = logging.getLogger(__name__)

STATUS: dict[ErrorCode, grpc.StatusCode] = {code: getattr(grpc.StatusCode, code.value) for code in ErrorCode}
MAX_PATH_LENGTH = 1000  # KUKSA's MAX_REQUEST_PATH_LENGTH
MAX_BUFFER_SIZE = 1000  # KUKSA's MAX_BUFFER_SIZE
MAX_PATHS = 10_000
_CACHE_SIZE = 1024


def check_path(path: str) -> str:
    if not isinstance(path, str) or not path:
        raise BrokerError.invalid("", "an empty path was given; name a signal, branch or wildcard", "path")
    if len(path) > MAX_PATH_LENGTH:
        raise BrokerError.invalid(path[:64] + "…", f"path of {len(path)} characters exceeds {MAX_PATH_LENGTH}", "path")
    return path


def check_paths(paths: Any) -> list[str]:
    out = [check_path(p) for p in paths]
    if not out:
        raise BrokerError.invalid("", "the request names no signal", "empty")
    if len(out) > MAX_PATHS:
        raise BrokerError.invalid("", f"{len(out)} paths exceed the limit of {MAX_PATHS}", "batch-size")
    return out


async def abort_with(context: grpc.aio.ServicerContext, err: BrokerError) -> NoReturn:
    # KUKSA answers ABORTED when a provider publishes signals it has not claimed.
    code = grpc.StatusCode.ABORTED if err.rule == "aborted" else STATUS[err.code]
    await context.abort(code, str(err))
    raise AssertionError("unreachable")  # context.abort always raises


@dataclass(eq=False)
class LiveStream:
    """One open stream; `end(error)` makes its loop stop and report `error`."""

    principal: Principal
    ended: BrokerError | None = None
    on_end: list[Callable[[], None]] = field(default_factory=list)

    def end(self, error: BrokerError) -> None:
        if self.ended is None:
            self.ended = error
            for callback in self.on_end:
                callback()


class Gate:
    def __init__(self, auth: Authenticator) -> None:
        self.auth = auth
        self._cache: dict[str, Principal] = {}
        self._streams: set[LiveStream] = set()
        self.closing = False
        auth.on_revoke(self._revoked)

    def detach(self) -> None:
        self.auth.remove_listener(self._revoked)

    def principal(self, context: grpc.aio.ServicerContext) -> Principal:
        if self.closing:
            raise BrokerError(ErrorCode.UNAVAILABLE, "", "the server is shutting down", "shutdown")
        if self.auth.insecure:
            # Insecure mode ignores whatever a client sends (kuksa-client sends "Bearer " without a token).
            return self.auth.authenticate(None)
        token: str | None = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                if not isinstance(value, str):
                    raise BrokerError(ErrorCode.UNAUTHENTICATED, "", "the authorization header must be text", "token")
                scheme, _, rest = value.strip().partition(" ")
                if scheme.lower() != "bearer" or not rest.strip():
                    raise BrokerError(
                        ErrorCode.UNAUTHENTICATED,
                        "",
                        "the authorization header must read 'Bearer <JWT>'",
                        "token",
                    )
                token = rest.strip()
        if token is None:
            return self.auth.authenticate(None)  # raises UNAUTHENTICATED naming the header
        cached = self._cache.get(token)
        if cached is not None:
            expired = cached.expires_at is not None and cached.expires_at < time.time()
            revoked = cached.token_id is not None and self.auth.is_revoked(cached.token_id)
            if not expired and not revoked:
                return cached
            del self._cache[token]
        principal = self.auth.authenticate(token)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = principal
        return principal

    def _revoked(self, token_id: str) -> None:
        self._cache = {t: p for t, p in self._cache.items() if p.token_id != token_id}
        error = BrokerError(ErrorCode.UNAUTHENTICATED, "", "the token has been revoked", "token")
        for live in list(self._streams):
            if live.principal.token_id == token_id:
                live.end(error)

    @asynccontextmanager
    async def stream(self, principal: Principal) -> AsyncIterator[LiveStream]:
        live = LiveStream(principal)
        self._streams.add(live)
        try:
            yield live
        finally:
            self._streams.discard(live)

    def shutdown(self) -> None:
        self.closing = True
        error = BrokerError(ErrorCode.UNAVAILABLE, "", "the server is shutting down", "shutdown")
        for live in list(self._streams):
            live.end(error)

    @property
    def open_streams(self) -> int:
        return len(self._streams)


T = TypeVar("T")
Handler = Callable[..., Awaitable[Any]]


def unary(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Turn BrokerErrors of a unary handler into gRPC statuses; hide internal errors."""

    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> T:
        try:
            return await method(self, request, context)
        except BrokerError as err:
            await abort_with(context, err)
        except (grpc.aio.AbortError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("gRPC %s failed", method.__name__)
            await context.abort(grpc.StatusCode.INTERNAL, f"{method.__name__} failed inside the broker")
        raise AssertionError("unreachable")

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def streaming(method: Callable[..., AsyncIterator[T]]) -> Callable[..., AsyncIterator[T]]:
    """The same for response-streaming handlers (async generators)."""

    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[T]:
        try:
            async for item in method(self, request, context):
                yield item
        except BrokerError as err:
            await abort_with(context, err)
        except (grpc.aio.AbortError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("gRPC stream %s failed", method.__name__)
            await context.abort(grpc.StatusCode.INTERNAL, f"{method.__name__} failed inside the broker")

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


async def follow(sub: Any, live: LiveStream) -> AsyncIterator[dict[str, Any]]:
    """Batches of a broker Subscription until the client leaves or the server ends the stream.

    Raises the BrokerError that ended it (shutdown → UNAVAILABLE, revoked or expired
    token → UNAUTHENTICATED) instead of ending quietly with OK.
    """
    live.on_end.append(sub.close)
    expires = live.principal.expires_at
    try:
        async for batch in sub:
            if live.ended is not None:
                break
            if expires is not None and expires < time.time():
                live.end(BrokerError(ErrorCode.UNAUTHENTICATED, "", "the token has expired", "token"))
                break
            yield batch
    finally:
        sub.close()
    if live.ended is not None:
        raise live.ended
