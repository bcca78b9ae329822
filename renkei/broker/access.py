"""Who may do what: KUKSA-compatible JWT scopes mapped to VSS paths.

A token's ``scope`` claim is a space-separated list of ``ACTION[:PATH]``
(actions ``read``, ``actuate``, ``provide``; ``actuate`` and ``provide`` imply
``read``). A path covers the branch below it, and ``*`` matches one level.
Tokens are checked for signature (RS256, ES256 or EdDSA), expiry and audience
(``kuksa.val`` by default) before a `Principal` is made from them.

    >>> verifier = TokenVerifier([public_pem])
    >>> who = verifier.verify(token)               # raises BrokerError(UNAUTHENTICATED)
    >>> who.may_read("Vehicle.Speed"), who.may_actuate("Vehicle.Speed")
    (True, False)
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from renkei.broker.errors import BrokerError, ErrorCode
from renkei.vss.patterns import PathPattern, PatternError, compile_pattern

DEFAULT_AUDIENCE = "kuksa.val"
ALGORITHMS = ("RS256", "ES256", "EdDSA")
MAX_TOKEN_BYTES = 16 * 1024
MAX_SCOPES = 512


class Right(StrEnum):
    READ = "read"
    ACTUATE = "actuate"
    PROVIDE = "provide"


# actuate and provide include read (KUKSA's hierarchy)
_IMPLIED: dict[Right, tuple[Right, ...]] = {
    Right.READ: (Right.READ, Right.ACTUATE, Right.PROVIDE),
    Right.ACTUATE: (Right.ACTUATE,),
    Right.PROVIDE: (Right.PROVIDE,),
}


class ScopeError(ValueError):
    """A scope string is malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class Scope:
    right: Right
    pattern: PathPattern | None  # None: every path

    @classmethod
    def parse(cls, text: str) -> Scope:
        action, _, path = text.partition(":")
        try:
            right = Right(action)
        except ValueError:
            raise ScopeError(f"scope {text!r}: unknown action {action!r} (read, actuate or provide)") from None
        if not path:
            return cls(right, None)
        try:
            return cls(right, compile_pattern(path))
        except PatternError as err:
            raise ScopeError(f"scope {text!r}: {err}") from None

    def __str__(self) -> str:
        return self.right.value if self.pattern is None else f"{self.right.value}:{self.pattern.text}"


@dataclass(eq=False)
class Principal:
    """The rights of one caller. `unrestricted()` is the insecure-mode principal."""

    subject: str
    scopes: tuple[Scope, ...]
    unrestricted_access: bool = False
    expires_at: float | None = None
    token_id: str | None = None
    # Set for tokens bound to a paired phone, tablet or laptop (the `device` claim):
    # guards refuse some actions to remote devices that the cabin itself may do.
    device: str | None = None
    _cache: dict[tuple[Right, str], bool] = field(default_factory=dict, repr=False)

    @classmethod
    def unrestricted(cls, subject: str = "insecure") -> Principal:
        return cls(subject=subject, scopes=(), unrestricted_access=True)

    @classmethod
    def from_scope_string(cls, scope: str, subject: str = "", **kw: Any) -> Principal:
        parts = scope.split()
        if len(parts) > MAX_SCOPES:
            raise ScopeError(f"{len(parts)} scopes exceed the limit of {MAX_SCOPES}")
        return cls(subject=subject, scopes=tuple(Scope.parse(p) for p in parts), **kw)

    def allows(self, right: Right, path: str) -> bool:
        if self.unrestricted_access:
            return True
        key = (right, path)
        cached = self._cache.get(key)
        if cached is None:
            granting = _IMPLIED[right]
            cached = any(s.right in granting and (s.pattern is None or s.pattern.covers(path)) for s in self.scopes)
            if len(self._cache) < 65536:
                self._cache[key] = cached
        return cached

    def may_read(self, path: str) -> bool:
        return self.allows(Right.READ, path)

    def may_actuate(self, path: str) -> bool:
        return self.allows(Right.ACTUATE, path)

    def may_provide(self, path: str) -> bool:
        return self.allows(Right.PROVIDE, path)

    def require(self, right: Right, path: str) -> None:
        if not self.allows(right, path):
            raise BrokerError.denied(path, right.value)

    @property
    def scope_string(self) -> str:
        return "read actuate provide" if self.unrestricted_access else " ".join(map(str, self.scopes))


def _unauthenticated(message: str) -> BrokerError:
    return BrokerError(ErrorCode.UNAUTHENTICATED, "", message, "token")


def load_public_key(pem: bytes | str) -> Any:
    data = pem.encode() if isinstance(pem, str) else pem
    return serialization.load_pem_public_key(data)


class TokenVerifier:
    """Checks bearer tokens against trusted public keys and turns them into Principals."""

    def __init__(
        self,
        public_keys: Iterable[bytes | str | Any],
        *,
        audiences: Sequence[str] = (DEFAULT_AUDIENCE,),
        issuer: str | None = None,
        leeway: float = 5.0,
        is_revoked: Any = None,
    ) -> None:
        self._keys = [k if not isinstance(k, bytes | str) else load_public_key(k) for k in public_keys]
        if not self._keys:
            raise ValueError("a TokenVerifier needs at least one trusted public key")
        self._audiences = list(audiences)
        self._issuer = issuer
        self._leeway = leeway
        self._is_revoked = is_revoked

    def verify(self, token: str) -> Principal:
        if not isinstance(token, str) or not token:
            raise _unauthenticated("no token was given")
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if len(token) > MAX_TOKEN_BYTES:
            raise _unauthenticated(f"token of {len(token)} bytes exceeds the limit of {MAX_TOKEN_BYTES}")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise _unauthenticated(f"malformed token: {err}") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise _unauthenticated(f"token algorithm {alg!r} is not accepted (use {', '.join(ALGORITHMS)})")
        claims: dict[str, Any] | None = None
        last: Exception | None = None
        for key in self._keys:
            if not _key_fits(key, alg):
                continue
            try:
                claims = jwt.decode(
                    token,
                    key=key,
                    algorithms=[alg],
                    audience=self._audiences,
                    issuer=self._issuer,
                    leeway=self._leeway,
                    options={"require": ["exp", "aud"]},
                )
                break
            except jwt.InvalidSignatureError as err:
                last = err
                continue
            except jwt.ExpiredSignatureError:
                raise _unauthenticated("the token has expired") from None
            except jwt.InvalidAudienceError:
                raise _unauthenticated(
                    f"the token is not meant for this broker (audience must include {self._audiences[0]!r})"
                ) from None
            except jwt.PyJWTError as err:
                raise _unauthenticated(f"invalid token: {err}") from None
        if claims is None:
            raise _unauthenticated(
                "the token's signature does not match any trusted key" if last else f"no trusted key for {alg}"
            )
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise _unauthenticated("the token's scope claim must be a space-separated string")
        token_id = claims.get("jti") if isinstance(claims.get("jti"), str) else None
        device = claims.get("device") if isinstance(claims.get("device"), str) else None
        if token_id and self._is_revoked is not None and self._is_revoked(token_id):
            raise _unauthenticated("the token has been revoked")
        try:
            return Principal.from_scope_string(
                scope,
                subject=str(claims.get("sub", "")),
                expires_at=float(claims["exp"]),
                token_id=token_id,
                device=device,
            )
        except ScopeError as err:
            raise _unauthenticated(f"invalid scope in token: {err}") from None


def _key_fits(key: Any, alg: str) -> bool:
    if alg == "RS256":
        return isinstance(key, rsa.RSAPublicKey)
    if alg == "ES256":
        return isinstance(key, ec.EllipticCurvePublicKey)
    return isinstance(key, ed25519.Ed25519PublicKey)


class TokenIssuer:
    """Mints tokens with a local private key (development, device pairing, CLI)."""

    def __init__(self, private_key: Any, *, issuer: str = "renkei", audience: str = DEFAULT_AUDIENCE) -> None:
        self._key = private_key
        self._alg = (
            "RS256"
            if isinstance(private_key, rsa.RSAPrivateKey)
            else "ES256"
            if isinstance(private_key, ec.EllipticCurvePrivateKey)
            else "EdDSA"
        )
        self.issuer = issuer
        self.audience = audience

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self._key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def issue(
        self,
        scope: str,
        *,
        subject: str = "renkei-cli",
        ttl: float = 3600.0,
        extra: dict[str, Any] | None = None,
    ) -> str:
        Principal.from_scope_string(scope)  # reject malformed scopes before signing
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": [self.audience],
            "iat": now,
            "exp": now + int(ttl),
            "jti": uuid.uuid4().hex,
            "scope": scope,
            **(extra or {}),
        }
        return jwt.encode(claims, self._key, algorithm=self._alg, headers={"typ": "at+jwt"})

    @classmethod
    def load_or_create(cls, path: Path) -> TokenIssuer:
        """The local signing key in the data directory, made on first use (RSA 2048, 0600)."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_suffix(".tmp")
            tmp.touch(mode=0o600)
            tmp.write_bytes(pem)
            tmp.replace(path)
        return cls(key)


RevocationListener = Any  # Callable[[str], None]: called with the revoked token id


class Authenticator:
    """What every network face calls with the bearer token of a request.

    With no verifier the platform runs in insecure mode and everyone gets full
    rights (`renkei run --insecure` says so loudly). Revoking a token id takes
    effect for new requests at once, and listeners (open WebSockets, gRPC streams)
    are told so they can close.

        auth = Authenticator(TokenVerifier([issuer.public_pem]))
        principal = auth.authenticate(request_token)   # BrokerError(UNAUTHENTICATED)
    """

    def __init__(self, verifier: TokenVerifier | None) -> None:
        self.verifier = verifier
        self._revoked: set[str] = set()
        self._listeners: list[RevocationListener] = []
        if verifier is not None:
            verifier._is_revoked = self.is_revoked

    @property
    def insecure(self) -> bool:
        return self.verifier is None

    def authenticate(self, token: str | None) -> Principal:
        if self.verifier is None:
            return Principal.unrestricted()
        if not token:
            raise _unauthenticated("this broker requires a bearer token (Authorization: Bearer <JWT>)")
        return self.verifier.verify(token)

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._revoked

    def revoke(self, token_id: str) -> None:
        self._revoked.add(token_id)
        for listener in list(self._listeners):
            listener(token_id)

    def on_revoke(self, listener: RevocationListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: RevocationListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
