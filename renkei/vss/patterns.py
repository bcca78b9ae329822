"""Path patterns: exact paths, branches and KUKSA-style wildcards.

Rules (the KUKSA databroker's, without its `**.*.*` exception):

* ``""`` matches every signal.
* A pattern without ``*`` matches that signal, or every signal below that branch.
* ``*`` matches exactly one path segment; ``**`` matches zero or more segments.
* A pattern with wildcards must match a whole leaf path (``**.Sunroof`` matches
  nothing, ``**.Sunroof.**`` matches everything below any Sunroof branch).

    >>> p = compile_pattern("Vehicle.Cabin.*.Position")
    >>> p.matches("Vehicle.Cabin.Sunroof.Position"), p.matches("Vehicle.Cabin.Position")
    (True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_PATTERN_LENGTH = 1024
MAX_PATTERN_DEPTH = 64
_SEGMENT = re.compile(r"[A-Za-z0-9_]+")


class PatternError(ValueError):
    """A pattern is not well formed; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class PathPattern:
    text: str
    # Without wildcards: the path (or branch) the pattern names; None with wildcards.
    literal: str | None
    regex: re.Pattern[str] | None

    @property
    def has_wildcard(self) -> bool:
        return self.literal is None

    def matches(self, path: str) -> bool:
        """Does the leaf `path` fall under this pattern?"""
        if self.literal is not None:
            lit = self.literal
            return lit == "" or path == lit or (path.startswith(lit) and path[len(lit)] == ".")
        assert self.regex is not None
        return self.regex.fullmatch(path) is not None

    def covers(self, path: str) -> bool:
        """Does the pattern match `path` or any branch above it?

        Scopes use this: ``read:Vehicle.*.Door`` grants the branch and so every leaf
        below it.
        """
        if self.literal is not None:
            return self.matches(path)
        parts = path.split(".")
        return any(self.matches(".".join(parts[:n])) for n in range(1, len(parts) + 1))


@lru_cache(maxsize=4096)
def compile_pattern(text: str) -> PathPattern:
    """Compile a pattern, raising PatternError that names the bad segment."""
    if not isinstance(text, str):
        raise PatternError(f"a path pattern must be text, not {type(text).__name__}")
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"path pattern of {len(text)} characters exceeds the limit of {MAX_PATTERN_LENGTH}")
    if text == "":
        return PathPattern(text, "", None)
    segments = text.split(".")
    if len(segments) > MAX_PATTERN_DEPTH:
        raise PatternError(f"path pattern has {len(segments)} levels; the limit is {MAX_PATTERN_DEPTH}")
    for index, seg in enumerate(segments):
        if seg in ("*", "**"):
            continue
        if not _SEGMENT.fullmatch(seg):
            where = f"segment {index + 1}" if seg else f"empty segment {index + 1}"
            raise PatternError(f"{text!r}: {where} {seg!r} is not a name (letters, digits, _) or a wildcard (* or **)")
    if "*" not in segments and "**" not in segments:
        return PathPattern(text, text, None)
    parts: list[str] = []
    for index, seg in enumerate(segments):
        last = index == len(segments) - 1
        if seg == "**":
            # zero or more whole segments, including their separating dots
            parts.append(r"(?:[^.]+(?:\.[^.]+)*)" if last else r"(?:[^.]+\.)*")
            continue
        piece = r"[^.]+" if seg == "*" else re.escape(seg)
        parts.append(piece if last else piece + r"\.")
    source = "".join(parts)
    return PathPattern(text, None, re.compile(source))
