"""Vehicle mapping files: which DBC signal feeds which VSS signal, and back.

A mapping file (YAML or JSON) describes one vehicle model. Its `signals` section
uses the KUKSA CAN provider's overlay syntax unchanged — `dbc2vss` (or `dbc`)
with `signal`, `interval_ms`, `on_change`, `transform: {math | mapping}` and
`multiplexer`, and `vss2dbc` with `signal` and `transform` — so a KUKSA overlay
can be pasted in. renkei adds a `vehicle` header (model, maker, DBC files) and a
few extensions documented in docs/can.md (`Message.Signal` names, formulas that
read other signals of the frame, several `vss2dbc` targets, `encode` formulas).

Flow: file → pydantic models (shape, types, unknown keys) → checked against the
DBC (signal exists, multiplexer in the same frame, value-table names exist) and
the VSS catalog (path exists, datatype, min/max/allowed of every table value,
`vss2dbc` only on actuators) → `VehicleMapping` with compiled decode/encode rules.
Any problem raises `MappingError(file, signal, rule)`.

    >>> mapping = load_vehicle_mapping("vw_id4")
    >>> mapping.decoders_for(0xFD)[0].path
    'Vehicle.Speed'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import yaml
from cantools.database.can import Database, Message
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from renkei.vehicle.can.dbc import BitField, DbcError, load_dbc, signal_owner
from renkei.vehicle.can.transform import Formula, FormulaError, compile_formula, formula_names
from renkei.vss import Catalog, EntryType, Signal, Validator, ValueRuleError, compile_validator
from renkei.vss.model import BaseType, Scalar, Value

MAPPINGS_DIR = Path(__file__).with_name("mappings")
MAX_MAPPING_BYTES = 2_000_000
DEFAULT_INTERVAL_MS = 1000  # KUKSA's default when neither interval_ms nor on_change is given


class MappingError(ValueError):
    """A mapping problem: `file`, `signal` (VSS path or section) and the `rule` broken."""

    def __init__(self, file: str, signal: str, rule: str, message: str) -> None:
        where = f"{file}: {signal}: " if signal else f"{file}: "
        super().__init__(f"{where}{message} [{rule}]")
        self.file = file
        self.signal = signal
        self.rule = rule


# ---------------------------------------------------------------- file models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TablePair(_Strict):
    from_: Scalar = Field(alias="from")
    to: Scalar


class TransformSpec(_Strict):
    math: str | None = None
    mapping: list[TablePair] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> TransformSpec:
        if (self.math is None) == (self.mapping is None):
            raise ValueError("a transform has exactly one of 'math' or 'mapping'")
        if self.mapping is not None and not self.mapping:
            raise ValueError("a 'mapping' transform needs at least one from/to pair")
        return self


class MultiplexerSpec(_Strict):
    signal: str
    value: int


class Dbc2VssSpec(_Strict):
    signal: str = Field(min_length=1)
    interval_ms: int | None = Field(default=None, ge=0, le=3_600_000)
    on_change: bool | None = None
    transform: TransformSpec | None = None
    multiplexer: list[MultiplexerSpec] = []
    # renkei extension: how the emitter turns the VSS value back into DBC signals
    # of the same frame ({dbc signal: formula of x}); needed when `math` reads several signals.
    encode: dict[str, str] | None = None


class Vss2DbcSpec(_Strict):
    signal: str = Field(min_length=1)
    transform: TransformSpec | None = None
    # KUKSA accepts these for vss2dbc and ignores them; so do we.
    interval_ms: int | None = Field(default=None, ge=0)
    on_change: bool | None = None


class SignalSpec(_Strict):
    # VSS keys a KUKSA overlay carries next to the mapping; checked against the catalog when given.
    type: Literal["sensor", "actuator", "attribute"] | None = None
    datatype: str | None = None
    description: str | None = None
    comment: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    dbc2vss: Dbc2VssSpec | None = None
    dbc: Dbc2VssSpec | None = None  # KUKSA's historical synonym of dbc2vss
    vss2dbc: Vss2DbcSpec | list[Vss2DbcSpec] | None = None

    @model_validator(mode="after")
    def _has_mapping(self) -> SignalSpec:
        if self.dbc2vss is not None and self.dbc is not None:
            raise ValueError("give 'dbc2vss' or its synonym 'dbc', not both")
        if self.dbc2vss is None and self.dbc is None and self.vss2dbc is None:
            raise ValueError("an entry needs 'dbc2vss' (or 'dbc') and/or 'vss2dbc'")
        return self

    @property
    def decode(self) -> Dbc2VssSpec | None:
        return self.dbc2vss or self.dbc

    @property
    def encode_targets(self) -> list[Vss2DbcSpec]:
        if self.vss2dbc is None:
            return []
        return self.vss2dbc if isinstance(self.vss2dbc, list) else [self.vss2dbc]


class LocalisedText(_Strict):
    en: str = Field(min_length=1)
    zh: str = ""
    ja: str = ""


class VehicleSpec(_Strict):
    model: str = Field(pattern=r"^[a-z0-9][a-z0-9_]{1,63}$")
    maker: str = Field(min_length=1)
    name: LocalisedText
    dbc: list[str] = Field(min_length=1)
    can_fd: bool = False
    notes: str = ""


class MappingFile(_Strict):
    vehicle: VehicleSpec
    signals: dict[str, SignalSpec] = Field(min_length=1)

    @field_validator("signals")
    @classmethod
    def _paths_look_like_vss(cls, value: dict[str, SignalSpec]) -> dict[str, SignalSpec]:
        for path in value:
            if not re.fullmatch(r"Vehicle(\.[A-Za-z0-9_]+)+", path):
                raise ValueError(f"{path!r} is not a VSS leaf path (Vehicle.Branch.Leaf)")
        return value


# ---------------------------------------------------------------- compiled rules

SKIP: Any = object()  # a decoded value that must not be published (SNA, unmapped table entry)

# raw value of the mapped signal, little- and big-endian integer of the whole frame → VSS value or SKIP
Converter = Callable[[int, int, int], Any]


@dataclass(slots=True, eq=False)
class DecodeRule:
    """One `dbc2vss` entry, ready for the hot path."""

    path: str
    message: Message
    field: BitField
    mux: tuple[tuple[BitField, frozenset[int]], ...]
    interval: float  # seconds; 0 = every frame
    on_change: bool
    convert: Converter
    validate: Validator
    spec: Dbc2VssSpec
    # what the emitter needs to write the value back: VSS value → {dbc signal: physical}
    invert: Callable[[Value], dict[str, float] | None]
    # mutable per-rule state of the KUKSA evaluation logic
    last_time: float = -math.inf
    last_value: Any = SKIP


@dataclass(slots=True, eq=False)
class EncodeRule:
    """One `vss2dbc` target: the VSS actuator target → one DBC signal's physical value."""

    path: str
    message: Message
    signal: str
    field: BitField
    to_dbc: Callable[[Value], float | None]
    from_dbc: Callable[[float], Value | None]  # for a simulated ECU reading the command


@dataclass(eq=False)
class VehicleMapping:
    """A validated vehicle model: its DBC, decode rules by frame id, encode rules by path."""

    model: str
    maker: str
    names: LocalisedText
    source: str
    db: Database
    can_fd: bool
    notes: str
    decode_rules: list[DecodeRule]
    encode_rules: dict[str, list[EncodeRule]]
    _by_frame: dict[int, list[DecodeRule]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rule in self.decode_rules:
            self._by_frame.setdefault(rule.message.frame_id, []).append(rule)

    def decoders_for(self, frame_id: int) -> list[DecodeRule]:
        return self._by_frame.get(frame_id, [])

    @property
    def frame_ids(self) -> frozenset[int]:
        return frozenset(self._by_frame)

    @property
    def sensor_paths(self) -> list[str]:
        return sorted({r.path for r in self.decode_rules})

    @property
    def actuator_paths(self) -> list[str]:
        return sorted(self.encode_rules)

    def command_frame_ids(self) -> frozenset[int]:
        return frozenset(r.message.frame_id for rules in self.encode_rules.values() for r in rules)

    def describe(self) -> Iterator[tuple[str, str, str]]:
        """(VSS path, direction, DBC Message.Signal) for every mapped signal."""
        for rule in self.decode_rules:
            yield rule.path, "dbc2vss", f"{rule.message.name}.{rule.field.name}"
        for path, rules in sorted(self.encode_rules.items()):
            for enc in rules:
                yield path, "vss2dbc", f"{enc.message.name}.{enc.signal}"


# ---------------------------------------------------------------- loading


def vehicle_models() -> list[str]:
    """The vehicle models whose mapping ships with renkei."""
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def mapping_path(model: str) -> Path:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_]{1,63}", model):
        raise MappingError(model, "", "vehicle-unknown", f"{model!r} is not a vehicle model name")
    path = MAPPINGS_DIR / f"{model}.yaml"
    if not path.is_file():
        known = ", ".join(vehicle_models()) or "none"
        raise MappingError(model, "", "vehicle-unknown", f"no mapping for vehicle {model!r}; known models: {known}")
    return path


def load_vehicle_mapping(model_or_path: str | Path, catalog: Catalog | None = None) -> VehicleMapping:
    """Load a shipped model by name (`vw_id4`) or a mapping file by path, fully validated."""
    if isinstance(model_or_path, Path) or "/" in str(model_or_path) or str(model_or_path).endswith((".yaml", ".json")):
        path = Path(model_or_path)
    else:
        path = mapping_path(str(model_or_path))
    if catalog is None:
        from renkei.vss import load_default_catalog

        catalog = load_default_catalog()
    return compile_mapping(read_mapping_file(path), catalog, source=path.name, relative_to=path.parent)


def read_mapping_file(path: Path) -> MappingFile:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as err:
        raise MappingError(name, "", "file-unreadable", f"cannot read the mapping file: {err.strerror}") from None
    if size > MAX_MAPPING_BYTES:
        raise MappingError(name, "", "file-too-large", f"{size} bytes exceeds the limit of {MAX_MAPPING_BYTES}")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        raise MappingError(name, "", "file-syntax", f"not valid {path.suffix.lstrip('.') or 'YAML'}: {err}") from None
    return parse_mapping(doc, name)


def parse_mapping(doc: Any, source: str) -> MappingFile:
    if not isinstance(doc, dict):
        raise MappingError(source, "", "file-shape", "a mapping file is a mapping with 'vehicle' and 'signals'")
    try:
        return MappingFile.model_validate(doc)
    except ValidationError as err:
        first = err.errors()[0]
        loc = [str(p) for p in first["loc"]]
        signal = loc[1] if len(loc) > 1 and loc[0] == "signals" else ".".join(loc[:1])
        inner = ".".join(loc[2:] if loc[:1] == ["signals"] else loc[1:])
        detail = f"{inner}: {first['msg']}" if inner else first["msg"]
        raise MappingError(source, signal, f"schema-{first['type']}", detail) from None


def compile_mapping(
    spec: MappingFile, catalog: Catalog, *, source: str, relative_to: Path | None = None
) -> VehicleMapping:
    try:
        db = load_dbc(spec.vehicle.dbc, relative_to)
    except DbcError as err:
        raise MappingError(source, "vehicle.dbc", "dbc-missing", str(err)) from None
    decode_rules: list[DecodeRule] = []
    encode_rules: dict[str, list[EncodeRule]] = {}
    for path, entry in spec.signals.items():
        fail = _Failer(source, path)
        vss = catalog.get(path)
        if vss is None:
            fail("vss-unknown", "not a signal of the VSS catalog (VSS 6.0 paths)")
        _check_declared(entry, vss, fail)
        decode = entry.decode
        if decode is not None:
            decode_rules.append(_compile_decode(db, decode, vss, fail))
        targets = entry.encode_targets
        if targets:
            if vss.entry_type is not EntryType.ACTUATOR:
                fail("vss2dbc-not-actuator", f"vss2dbc needs an actuator; {path} is a {vss.entry_type.value}")
            encode_rules[path] = [_compile_encode(db, target, vss, fail) for target in targets]
    return VehicleMapping(
        model=spec.vehicle.model,
        maker=spec.vehicle.maker,
        names=spec.vehicle.name,
        source=source,
        db=db,
        can_fd=spec.vehicle.can_fd,
        notes=spec.vehicle.notes,
        decode_rules=decode_rules,
        encode_rules=encode_rules,
    )


class _Failer:
    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path

    def __call__(self, rule: str, message: str) -> NoReturn:
        raise MappingError(self.source, self.path, rule, message)


def _check_declared(entry: SignalSpec, vss: Signal, fail: _Failer) -> None:
    if entry.type is not None and entry.type != vss.entry_type.value:
        fail("vss-type", f"declared type {entry.type!r} but the catalog says {vss.entry_type.value!r}")
    if entry.datatype is not None and entry.datatype != vss.datatype:
        fail("vss-datatype", f"declared datatype {entry.datatype!r} but the catalog says {vss.datatype!r}")


def _locate(db: Database, reference: str, fail: _Failer) -> tuple[Message, BitField]:
    try:
        message, name = signal_owner(db, reference)
        return message, BitField.of(message, name)
    except (KeyError, DbcError) as err:
        fail("dbc-signal", str(err).strip("'\""))


def _coerce_for(vss: Signal) -> Callable[[Any], Any]:
    """Make a transform result fit the VSS base type (formulas compute floats)."""
    base = vss.base_type
    if base is BaseType.BOOLEAN:

        def to_bool(v: Any) -> Any:
            if isinstance(v, bool):
                return v
            if v == 0 or v == 1:
                return bool(v)
            return v  # the validator rejects it and the value is counted, not published

        return to_bool
    if base in (BaseType.FLOAT, BaseType.DOUBLE):
        return lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    if base is BaseType.STRING:
        return lambda v: v
    return lambda v: round(v) if isinstance(v, float) and math.isfinite(v) else v


def _table_raw(field_: BitField, value: Scalar, fail: _Failer, rule: str) -> int:
    """The raw DBC value a table's DBC-side entry stands for (a value-table name or a number)."""
    if isinstance(value, str):
        for raw, name in field_.choices.items():
            if name == value:
                return raw
        known = ", ".join(sorted(field_.choices.values())[:12]) or "none"
        fail(rule, f"{value!r} is not a value name of {field_.name} (names: {known})")
    carried = field_.to_raw(float(value))
    if carried is None or not math.isclose(field_.to_physical(carried), float(value), abs_tol=field_.scale / 2):
        fail(rule, f"{value!r} cannot be carried by {field_.name}")
    return carried


def _check_vss_value(validate: Validator, value: Any, fail: _Failer, rule: str) -> Value:
    try:
        return validate(value)
    except ValueRuleError as err:
        fail(rule, f"table value {value!r} is not valid for the signal: {err}")


def _compile_decode(db: Database, spec: Dbc2VssSpec, vss: Signal, fail: _Failer) -> DecodeRule:
    message, field_ = _locate(db, spec.signal, fail)
    validate = compile_validator(vss)
    coerce = _coerce_for(vss)

    mux: list[tuple[BitField, frozenset[int]]] = []
    dbc_signal = message.get_signal_by_name(field_.name)
    # The DBC's own multiplexing: the signal only exists when its selector has one of its values.
    if dbc_signal.multiplexer_ids and dbc_signal.multiplexer_signal:
        selector_field = BitField.of(message, dbc_signal.multiplexer_signal)
        mux.append((selector_field, frozenset(int(i) for i in dbc_signal.multiplexer_ids)))
    names = {s.name for s in message.signals}
    for selector in spec.multiplexer:
        if selector.signal not in names:
            fail("multiplexer-frame", f"multiplexer {selector.signal!r} is not in frame {message.name}")
        mux.append((BitField.of(message, selector.signal), frozenset({selector.value})))

    transform = spec.transform
    converter: Converter
    invert: Callable[[Value], dict[str, float] | None]
    if transform is not None and transform.mapping is not None:
        table: dict[int, Any] = {}
        reverse: dict[Any, int] = {}
        for pair in transform.mapping:
            raw = _table_raw(field_, pair.from_, fail, "mapping-from")
            value = _check_vss_value(validate, coerce(pair.to), fail, "mapping-to")
            table.setdefault(raw, value)
            reverse.setdefault(_key(value), raw)
        get = table.get

        def convert_table(raw: int, little: int, big: int) -> Any:
            return get(raw, SKIP)

        converter = convert_table

        def invert_table(value: Value) -> dict[str, float] | None:
            raw = reverse.get(_key(value))
            return None if raw is None else {field_.name: float(field_.to_physical(raw))}

        invert = invert_table
    elif transform is not None and transform.math is not None:
        frame_names = frozenset(s.name for s in message.signals)
        try:
            formula = compile_formula(transform.math, frame_names | {"x"})
        except FormulaError as err:
            fail(err.rule, str(err))
        others = tuple((name, BitField.of(message, name)) for name in sorted(formula_names(transform.math) - {"x"}))
        converter = _math_converter(field_, formula, others, coerce)
        # A formula over several signals has no numeric inverse; the emitter needs `encode` for it.
        invert = _cannot_invert if others else _math_inverter(field_, converter, spec, message, fail)
    else:
        converter = _identity_converter(field_, vss, coerce)
        invert = _identity_inverter(field_, vss)

    if spec.encode is not None:
        invert = _explicit_inverter(spec.encode, message, fail)

    if spec.interval_ms is None and spec.on_change is None:
        interval_ms, on_change = DEFAULT_INTERVAL_MS, False
    elif spec.interval_ms is None:
        interval_ms, on_change = 0, bool(spec.on_change)
    else:
        interval_ms, on_change = spec.interval_ms, bool(spec.on_change)
    return DecodeRule(
        path=vss.path,
        message=message,
        field=field_,
        mux=tuple(mux),
        interval=interval_ms / 1000.0,
        on_change=on_change,
        convert=converter,
        validate=validate,
        spec=spec,
        invert=invert,
    )


def _key(value: Any) -> Any:
    # True == 1 in Python; keep booleans and numbers apart in reverse tables.
    return (type(value) is bool, value)


def _cannot_invert(value: Value) -> dict[str, float] | None:
    return None


def _identity_converter(field_: BitField, vss: Signal, coerce: Callable[[Any], Any]) -> Converter:
    choices = field_.choices
    to_physical = field_.to_physical
    wants_text = vss.base_type is BaseType.STRING

    def convert(raw: int, little: int, big: int) -> Any:
        name = choices.get(raw) if choices else None
        if name is not None:
            # A named raw value (often SNA/Init/Fehler) is text; only text signals take it.
            return name if wants_text else SKIP
        return coerce(to_physical(raw))

    return convert


def _identity_inverter(field_: BitField, vss: Signal) -> Callable[[Value], dict[str, float] | None]:
    by_name = {name: raw for raw, name in field_.choices.items()}

    def invert(value: Value) -> dict[str, float] | None:
        if isinstance(value, str):
            raw = by_name.get(value)
            return None if raw is None else {field_.name: float(field_.to_physical(raw))}
        if isinstance(value, bool):
            return {field_.name: 1.0 if value else 0.0}
        if isinstance(value, int | float):
            return {field_.name: float(value)}
        return None

    return invert


def _math_converter(
    field_: BitField,
    formula: Formula,
    others: tuple[tuple[str, BitField], ...],
    coerce: Callable[[Any], Any],
) -> Converter:
    choices = field_.choices
    to_physical = field_.to_physical

    def convert(raw: int, little: int, big: int) -> Any:
        if choices and raw in choices:
            return SKIP  # KUKSA: a non-numeric DBC value makes the transform fail → ignored
        env: dict[str, Any] = {"x": to_physical(raw)}
        for name, other in others:
            env[name] = other.to_physical(other.raw_from_int(little, big))
        try:
            return coerce(formula(env))
        except (ArithmeticError, ValueError, TypeError):
            return SKIP

    return convert


def _math_inverter(
    field_: BitField, converter: Converter, spec: Dbc2VssSpec, message: Message, fail: _Failer
) -> Callable[[Value], dict[str, float] | None]:
    """Invert a one-signal formula numerically (it must be monotonic over the raw range)."""
    low = -field_.sign_bit if field_.sign_bit else 0
    high = (field_.sign_bit - 1) if field_.sign_bit else field_.mask

    def value_at(raw: int) -> float | None:
        out = converter(raw, raw << field_.shift, raw << field_.shift)
        return None if out is SKIP or isinstance(out, bool | str) else float(out)

    def invert(value: Value) -> dict[str, float] | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        lo, hi = low, high
        # Named raw values (SNA) sit at the ends of the range; step inside them.
        while lo < hi and value_at(lo) is None:
            lo += 1
        while hi > lo and value_at(hi) is None:
            hi -= 1
        v_lo, v_hi = value_at(lo), value_at(hi)
        if v_lo is None or v_hi is None:
            return None
        increasing = v_hi >= v_lo
        target = float(value)
        for _ in range(80):
            if hi - lo <= 1:
                break
            mid = (lo + hi) // 2
            v_mid = value_at(mid)
            if v_mid is None:
                return None
            if (v_mid < target) == increasing:
                lo = mid
            else:
                hi = mid
        best = min((lo, hi), key=lambda r: abs((value_at(r) or math.inf) - target))
        return {field_.name: float(field_.to_physical(best))}

    return invert


def _explicit_inverter(
    formulas: dict[str, str], message: Message, fail: _Failer
) -> Callable[[Value], dict[str, float] | None]:
    names = {s.name for s in message.signals}
    compiled: list[tuple[str, Formula]] = []
    for signal, text in formulas.items():
        if signal not in names:
            fail("encode-signal", f"encode names {signal!r}, which is not in frame {message.name}")
        try:
            compiled.append((signal, compile_formula(text)))
        except FormulaError as err:
            fail(err.rule, f"encode.{signal}: {err}")

    def invert(value: Value) -> dict[str, float] | None:
        x = float(value) if isinstance(value, bool | int | float) else None
        if x is None:
            return None
        try:
            return {signal: float(formula({"x": x})) for signal, formula in compiled}
        except (ArithmeticError, ValueError, TypeError):
            return None

    return invert


def _compile_encode(db: Database, spec: Vss2DbcSpec, vss: Signal, fail: _Failer) -> EncodeRule:
    message, field_ = _locate(db, spec.signal, fail)
    transform = spec.transform
    validate = compile_validator(vss)
    to_dbc: Callable[[Value], float | None]
    from_dbc: Callable[[float], Value | None]
    if transform is not None and transform.mapping is not None:
        table: dict[Any, float] = {}
        back: dict[int, Value] = {}
        for pair in transform.mapping:
            vss_value = _check_vss_value(validate, _coerce_for(vss)(pair.from_), fail, "mapping-from")
            raw = _table_raw(field_, pair.to, fail, "mapping-to")
            table.setdefault(_key(vss_value), float(field_.to_physical(raw)))
            back.setdefault(raw, vss_value)

        def to_dbc_table(value: Value) -> float | None:
            return table.get(_key(value))

        def from_dbc_table(physical: float) -> Value | None:
            raw = field_.to_raw(physical)
            return None if raw is None else back.get(raw)

        to_dbc, from_dbc = to_dbc_table, from_dbc_table
    elif transform is not None and transform.math is not None:
        try:
            formula = compile_formula(transform.math)
        except FormulaError as err:
            fail(err.rule, str(err))

        def to_dbc_math(value: Value) -> float | None:
            try:
                return float(formula({"x": float(value)}))  # type: ignore[arg-type]
            except (ArithmeticError, ValueError, TypeError):
                return None

        to_dbc, from_dbc = to_dbc_math, (lambda physical: None)
    else:
        coerce = _coerce_for(vss)
        by_name = {name: raw for raw, name in field_.choices.items()}

        def to_dbc_plain(value: Value) -> float | None:
            if isinstance(value, str):
                raw = by_name.get(value)
                return None if raw is None else float(field_.to_physical(raw))
            if isinstance(value, bool | int | float):
                return float(value)
            return None

        def from_dbc_plain(physical: float) -> Value | None:
            value = coerce(physical)
            try:
                return validate(value)
            except ValueRuleError:
                return None

        to_dbc, from_dbc = to_dbc_plain, from_dbc_plain
    return EncodeRule(
        path=vss.path, message=message, signal=field_.name, field=field_, to_dbc=to_dbc, from_dbc=from_dbc
    )
