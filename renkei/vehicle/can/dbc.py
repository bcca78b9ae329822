"""DBC files: where they come from, how they are read, and fast bit extraction.

Real DBCs come from the installed PyPI package `opendbc` (never copied into this
repository). A mapping names them as `opendbc:<file>.dbc`; anything else is a
path relative to the mapping file. opendbc writes a few things `cantools`
refuses (29-bit ids without the extended flag, `CM_ <id> "..."` comments,
`CM_ "IMPORT x.dbc"` includes used by its generator), so the text is normalised
before parsing.

For decoding, every mapped signal gets a `BitField`: shift, mask and sign bit
precomputed from the DBC layout, so extracting a value from a frame is one
`int.from_bytes` per frame and a shift-and-mask per signal.

    >>> db = load_dbc(["opendbc:vw_meb.dbc"])
    >>> field = BitField.of(db.get_message_by_name("ESP_21"), "ESP_v_Signal")
    >>> field.physical(bytes(8))
    0.0
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cantools
from cantools.database.can import Database, Message

OPENDBC_PREFIX = "opendbc:"


class DbcError(ValueError):
    """A DBC that cannot be found or read; the message names the file and the reason."""


def opendbc_directory() -> Path:
    """The `dbc` folder of the installed opendbc package (found without importing it)."""
    spec = importlib.util.find_spec("opendbc")
    if spec is None or not spec.submodule_search_locations:
        raise DbcError(
            "the DBC files come from the PyPI package 'opendbc', which is not installed (pip install opendbc)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "dbc"


def resolve_dbc(reference: str, relative_to: Path | None = None) -> Path:
    """Turn `opendbc:name.dbc` or a (relative) path into an existing file path."""
    if reference.startswith(OPENDBC_PREFIX):
        name = reference[len(OPENDBC_PREFIX) :]
        if not name.endswith(".dbc") or ".." in Path(name).parts or name.startswith("/"):
            raise DbcError(f"{reference!r}: name a file inside opendbc, such as opendbc:vw_meb.dbc")
        path = opendbc_directory() / name
    else:
        path = Path(reference)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
    if not path.is_file():
        raise DbcError(f"DBC file {reference!r} not found (looked at {path})")
    return path


_IMPORT = re.compile(r'^CM_ "IMPORT (\S+)";\s*$', re.M)
_MESSAGE = re.compile(r"^BO_ (\d+) ", re.M)
_BARE_COMMENT = re.compile(r'^CM_ \d+ "[^"]*";\s*$', re.M)
_EXTENDED_FLAG = 0x80000000


def _read_with_imports(path: Path, seen: frozenset[Path] = frozenset()) -> str:
    if path in seen:
        raise DbcError(f"{path.name}: import cycle")
    text = path.read_text(encoding="latin-1")

    def include(match: re.Match[str]) -> str:
        target = path.parent / match.group(1)
        if not target.is_file():
            raise DbcError(f"{path.name}: imported file {match.group(1)!r} not found")
        return _read_with_imports(target, seen | {path})

    return _IMPORT.sub(include, text)


def normalise_dbc_text(text: str) -> str:
    """Rewrite the opendbc dialect into DBC that cantools accepts."""

    def mark_extended(match: re.Match[str]) -> str:
        frame_id = int(match.group(1))
        if 0x7FF < frame_id < _EXTENDED_FLAG:
            frame_id |= _EXTENDED_FLAG
        return f"BO_ {frame_id} "

    text = _MESSAGE.sub(mark_extended, text)
    return _BARE_COMMENT.sub("", text)


@lru_cache(maxsize=32)
def _load_cached(paths: tuple[Path, ...]) -> Database:
    db = cantools.database.Database(strict=False)
    # Split DBCs of one car repeat shared frames; cantools warns about each overwrite.
    quiet = logging.getLogger("cantools")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for path in paths:
            _add(db, path)
    finally:
        quiet.setLevel(level)
    return db


def _add(db: Database, path: Path) -> None:
    try:
        db.add_dbc_string(normalise_dbc_text(_read_with_imports(path)))
    except DbcError:
        raise
    except Exception as err:  # cantools raises several unrelated types for bad files
        raise DbcError(f"DBC file {path.name} cannot be parsed: {str(err).splitlines()[0][:200]}") from None


def load_dbc(references: Sequence[str], relative_to: Path | None = None) -> Database:
    """Load and merge DBC files (cached: loading the same set twice is free)."""
    if not references:
        raise DbcError("no DBC file given")
    return _load_cached(tuple(resolve_dbc(ref, relative_to) for ref in references))


@dataclass(frozen=True, slots=True)
class BitField:
    """Where one signal lives in its frame, precomputed for fast extraction."""

    name: str
    big_endian: bool
    shift: int
    mask: int
    sign_bit: int  # 0 when unsigned
    scale: float
    offset: float
    integral: bool  # scale and offset are whole numbers: the physical value is an int
    minimum: float | None
    maximum: float | None
    choices: dict[int, str]
    length: int

    @classmethod
    def of(cls, message: Message, signal_name: str) -> BitField:
        signal = message.get_signal_by_name(signal_name)
        total_bits = message.length * 8
        if signal.byte_order == "big_endian":
            msb = (signal.start // 8) * 8 + (7 - signal.start % 8)
            shift = total_bits - (msb + signal.length)
        else:
            shift = signal.start
        if shift < 0 or shift + signal.length > total_bits:
            raise DbcError(f"signal {signal_name} of {message.name} does not fit in {message.length} bytes")
        scale = float(signal.scale)
        offset = float(signal.offset)
        choices = {int(raw): str(name) for raw, name in (signal.choices or {}).items()}
        return cls(
            name=signal_name,
            big_endian=signal.byte_order == "big_endian",
            shift=shift,
            mask=(1 << signal.length) - 1,
            sign_bit=(1 << (signal.length - 1)) if signal.is_signed else 0,
            scale=scale,
            offset=offset,
            integral=scale.is_integer() and offset.is_integer() and not signal.is_float,
            minimum=None if signal.minimum is None else float(signal.minimum),
            maximum=None if signal.maximum is None else float(signal.maximum),
            choices=choices,
            length=signal.length,
        )

    def raw_from_int(self, little: int, big: int) -> int:
        raw = ((big if self.big_endian else little) >> self.shift) & self.mask
        if self.sign_bit and raw & self.sign_bit:
            raw -= self.sign_bit << 1
        return raw

    def raw(self, data: bytes) -> int:
        return self.raw_from_int(int.from_bytes(data, "little"), int.from_bytes(data, "big"))

    def to_physical(self, raw: int) -> int | float:
        if self.integral:
            return int(raw * self.scale + self.offset)
        return raw * self.scale + self.offset

    def physical(self, data: bytes) -> int | float:
        return self.to_physical(self.raw(data))

    def to_raw(self, physical: float) -> int | None:
        """The raw value for a physical one, or None when the signal cannot carry it."""
        raw = round((physical - self.offset) / self.scale)
        low = -self.sign_bit if self.sign_bit else 0
        high = (self.sign_bit - 1) if self.sign_bit else self.mask
        if raw < low or raw > high:
            return None
        return raw


def signal_owner(db: Database, reference: str) -> tuple[Message, str]:
    """Find the message of `Signal` or `Message.Signal`; error when missing or ambiguous."""
    if "." in reference:
        message_name, signal_name = reference.split(".", 1)
        try:
            message = db.get_message_by_name(message_name)
        except KeyError:
            raise KeyError(f"no message {message_name!r} in the DBC") from None
        if signal_name not in {s.name for s in message.signals}:
            raise KeyError(f"message {message_name} has no signal {signal_name!r}")
        return message, signal_name
    # Split DBCs of one car may define a shared frame twice: one owner per frame id.
    by_id = {m.frame_id: m for m in db.messages if any(s.name == reference for s in m.signals)}
    owners = [db.get_message_by_frame_id(frame_id) for frame_id in by_id]
    if not owners:
        raise KeyError(f"no signal {reference!r} in the DBC")
    if len(owners) > 1:
        names = ", ".join(f"{m.name}.{reference}" for m in owners)
        raise KeyError(f"signal {reference!r} is in several messages; write one of: {names}")
    return owners[0], reference


def default_signal_values(message: Message) -> dict[str, Any]:
    """Physical values for every signal of a message, as a freshly powered ECU would send."""
    values: dict[str, Any] = {}
    for signal in message.signals:
        raw = signal.raw_initial if signal.raw_initial is not None else 0
        values[signal.name] = raw * signal.scale + signal.offset
    return values
