"""Typed broker errors, in the KUKSA vocabulary so network faces map them 1:1.

>>> err = BrokerError.not_found("Vehicle.Sped")
>>> err.code, str(err)
(<ErrorCode.NOT_FOUND: 'NOT_FOUND'>, "Vehicle.Sped: no such signal in the catalog")
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    UNAVAILABLE = "UNAVAILABLE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    # Safety rules refuse an otherwise valid actuation in the current vehicle state.
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"


class BrokerError(Exception):
    """One failed request: `code`, the `path` it concerns (may be empty) and the `rule`."""

    def __init__(self, code: ErrorCode, path: str, message: str, rule: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.code = code
        self.path = path
        self.message = message
        self.rule = rule or code.value.lower()

    @classmethod
    def not_found(cls, path: str) -> BrokerError:
        return cls(ErrorCode.NOT_FOUND, path, "no such signal in the catalog", "not-found")

    @classmethod
    def invalid(cls, path: str, message: str, rule: str) -> BrokerError:
        return cls(ErrorCode.INVALID_ARGUMENT, path, message, rule)

    @classmethod
    def denied(cls, path: str, right: str) -> BrokerError:
        return cls(
            ErrorCode.PERMISSION_DENIED,
            path,
            f"the token does not grant '{right}' on this path",
            right,
        )

    @classmethod
    def unavailable(cls, path: str, message: str = "no provider is serving this actuator") -> BrokerError:
        return cls(ErrorCode.UNAVAILABLE, path, message, "no-provider")
