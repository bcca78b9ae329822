"""The signal catalog: VSS JSON exports plus overlays, flattened to leaves.

Flow: each file is parsed (JSON export tree, or a vspec-style YAML/JSON overlay
with dotted keys), merged into one tree in order (later files add signals or
change a signal's metadata; ``delete: true`` removes one), then every node is
checked and each leaf becomes a `Signal`. Any problem raises `CatalogError`
naming the file, the path inside it and the rule it broke.

    >>> catalog = Catalog.from_files(["vss_release_6.0.json"], overlays=["brand.vspec"])
    >>> catalog["Vehicle.Speed"].unit
    'km/h'
    >>> [s.path for s in catalog.match("Vehicle.Cabin.Door.Row1.*.IsOpen")]
    ['Vehicle.Cabin.Door.Row1.DriverSide.IsOpen', 'Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from renkei.vss.model import (
    FLOAT_TYPES,
    INTEGER_RANGES,
    BaseType,
    ChangeType,
    EntryType,
    Scalar,
    Signal,
    Value,
    parse_datatype,
)
from renkei.vss.patterns import PathPattern, PatternError, compile_pattern
from renkei.vss.values import ValueRuleError, compile_validator

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_FILE_BYTES = 64 * 1024 * 1024
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SOURCE = "\x00source"  # private key: which file last defined a node
_LEAF_KEYS = {
    "datatype",
    "unit",
    "min",
    "max",
    "allowed",
    "default",
    "pattern",
    "x-kuksa-changetype",
}


class CatalogError(ValueError):
    """A catalog file broke a rule: `source` (file), `path` (inside it), `rule`."""

    def __init__(self, source: str, path: str, rule: str, message: str) -> None:
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.path = path
        self.rule = rule


def _read_document(file: Path) -> Any:
    name = str(file)
    try:
        size = file.stat().st_size
    except OSError as err:
        raise CatalogError(name, "", "readable", f"cannot read the file ({err.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise CatalogError(name, "", "size", f"file of {size} bytes exceeds the limit of {MAX_FILE_BYTES}")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CatalogError(name, "", "encoding", f"not UTF-8 text (byte {err.start})") from None
    if file.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise CatalogError(
                name,
                "",
                "syntax",
                f"invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CatalogError(name, "", "syntax", f"invalid YAML{where}: {getattr(err, 'problem', err)}") from None


def _is_tree(doc: Mapping[str, Any]) -> bool:
    """A JSON export nests children; an overlay names leaves by dotted keys."""
    return all("." not in key for key in doc) and all(
        isinstance(v, dict) and v.get("type") == "branch" for v in doc.values()
    )


def _tag(node: dict[str, Any], source: str, depth: int, path: str, counter: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise CatalogError(source, path, "depth", f"nested more than {MAX_DEPTH} levels deep")
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise CatalogError(source, path, "size", f"more than {MAX_NODES} nodes")
    node[_SOURCE] = source
    children = node.get("children")
    if isinstance(children, dict):
        for name, child in children.items():
            child_path = f"{path}.{name}"
            if not isinstance(child, dict):
                raise CatalogError(source, child_path, "node", "a node must be an object of attributes")
            _tag(child, source, depth + 1, child_path, counter)


class _Tree:
    """The merged tree being built from several files."""

    def __init__(self) -> None:
        self.roots: dict[str, dict[str, Any]] = {}

    def find(self, path: str) -> dict[str, Any] | None:
        parts = path.split(".")
        node = self.roots.get(parts[0])
        for part in parts[1:]:
            if node is None:
                return None
            node = node.get("children", {}).get(part)
        return node

    def add_tree(self, doc: Any, source: str) -> None:
        if not isinstance(doc, dict) or not doc:
            raise CatalogError(source, "", "root", "the file must hold an object with at least one root branch")
        counter = [0]
        for name, node in doc.items():
            if not isinstance(node, dict):
                raise CatalogError(source, name, "node", "a node must be an object of attributes")
            _tag(node, source, 1, name, counter)
            existing = self.roots.get(name)
            if existing is None:
                self.roots[name] = node
            else:
                self._merge(existing, node, name)

    def _merge(self, into: dict[str, Any], node: dict[str, Any], path: str) -> None:
        for key, value in node.items():
            if key == "children":
                kids = into.setdefault("children", {})
                for name, child in value.items():
                    if name in kids:
                        self._merge(kids[name], child, f"{path}.{name}")
                    else:
                        kids[name] = child
            else:
                into[key] = value

    def add_overlay(self, doc: Any, source: str) -> None:
        if not isinstance(doc, dict):
            raise CatalogError(source, "", "root", "an overlay must map dotted paths to attributes")
        for path, attrs in doc.items():
            if not isinstance(path, str) or not path:
                raise CatalogError(source, str(path), "path", "an overlay key must be a dotted VSS path")
            if attrs is None:
                attrs = {}
            if not isinstance(attrs, dict):
                raise CatalogError(source, path, "node", "the attributes of a path must be an object")
            if "children" in attrs:
                raise CatalogError(source, path, "children", "overlays name every node by its own dotted key")
            parts = path.split(".")
            if len(parts) > MAX_DEPTH:
                raise CatalogError(source, path, "depth", f"nested more than {MAX_DEPTH} levels deep")
            for part in parts:
                if not _NAME.fullmatch(part):
                    raise CatalogError(source, path, "name", f"{part!r} is not a valid node name")
            existing = self.find(path)
            if attrs.get("delete") is True:
                if existing is None:
                    raise CatalogError(source, path, "delete", "cannot delete a node that does not exist")
                parent = self.find(".".join(parts[:-1])) if len(parts) > 1 else None
                if parent is None:
                    del self.roots[parts[0]]
                else:
                    del parent["children"][parts[-1]]
                continue
            if existing is not None:
                existing.update(attrs)
                existing[_SOURCE] = source
                if attrs.get("type") not in (None, "branch"):
                    existing.pop("children", None)
                continue
            node = dict(attrs)
            node[_SOURCE] = source
            if len(parts) == 1:
                self.roots[path] = node
                continue
            parent = self.find(".".join(parts[:-1]))
            if parent is None:
                raise CatalogError(
                    source,
                    path,
                    "parent",
                    f"parent branch {'.'.join(parts[:-1])!r} does not exist "
                    "(declare it first with type: branch, or check the spelling)",
                )
            if parent.get("type") != "branch":
                raise CatalogError(source, path, "parent", f"{'.'.join(parts[:-1])!r} is a leaf, not a branch")
            parent.setdefault("children", {})[parts[-1]] = node


def _number(source: str, path: str, key: str, value: Any, base: BaseType) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogError(source, path, key, f"{key} must be a number, not {value!r}")
    if base in INTEGER_RANGES:
        if isinstance(value, float):
            if not value.is_integer():
                raise CatalogError(source, path, key, f"{key} {value} is not a whole number for {base.value}")
            value = int(value)
        lo, hi = INTEGER_RANGES[base]
        if not lo <= value <= hi:
            raise CatalogError(source, path, key, f"{key} {value} does not fit in {base.value}")
        return int(value)
    if base not in FLOAT_TYPES:
        raise CatalogError(source, path, key, f"{key} is only allowed on numeric signals, not {base.value}")
    return float(value)


def _build_signal(node: dict[str, Any], path: str, ident: int) -> Signal:
    source = str(node.get(_SOURCE, "?"))
    entry = node.get("type")
    try:
        entry_type = EntryType(str(entry))
    except ValueError:
        raise CatalogError(
            source, path, "type", f"type {entry!r} is not sensor, actuator, attribute or branch"
        ) from None
    datatype = node.get("datatype")
    if not isinstance(datatype, str):
        raise CatalogError(source, path, "datatype", f"a {entry_type.value} needs a datatype")
    try:
        base, is_array = parse_datatype(datatype)
    except ValueError as err:
        raise CatalogError(source, path, "datatype", str(err)) from None
    for key in ("description", "unit", "comment", "pattern"):
        if key in node and node[key] is not None and not isinstance(node[key], str):
            raise CatalogError(source, path, key, f"{key} must be text")
    lo = _number(source, path, "min", node["min"], base) if node.get("min") is not None else None
    hi = _number(source, path, "max", node["max"], base) if node.get("max") is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise CatalogError(source, path, "range", f"min {lo} is greater than max {hi}")
    deprecation = node.get("deprecation")
    change_raw = node.get("x-kuksa-changetype")
    if change_raw is None:
        change = ChangeType.STATIC if entry_type is EntryType.ATTRIBUTE else ChangeType.ON_CHANGE
    else:
        try:
            change = ChangeType(change_raw)
        except ValueError:
            raise CatalogError(
                source,
                path,
                "x-kuksa-changetype",
                f"{change_raw!r} is not continuous, onchange or static",
            ) from None
    pattern = node.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as err:
            raise CatalogError(source, path, "pattern", f"invalid regular expression: {err}") from None
    extra = {
        k: v
        for k, v in node.items()
        if k not in _LEAF_KEYS
        and k not in (_SOURCE, "type", "description", "comment", "deprecation", "children", "delete")
    }
    plain = Signal(
        path=path,
        entry_type=entry_type,
        datatype=datatype,
        base_type=base,
        is_array=is_array,
        description=node.get("description") or "",
        unit=node.get("unit"),
        min=lo,
        max=hi,
        comment=node.get("comment"),
        deprecation=str(deprecation) if deprecation is not None else None,
        pattern=pattern,
        change_type=change,
        id=ident,
        extra=extra,
    )
    allowed: tuple[Scalar, ...] | None = None
    if node.get("allowed") is not None:
        raw = node["allowed"]
        if not isinstance(raw, list) or not raw:
            raise CatalogError(source, path, "allowed", "allowed must be a non-empty list")
        element = compile_validator(Signal.leaf(path, entry_type=entry_type, datatype=base.value, pattern=pattern))
        checked: list[Scalar] = []
        for item in raw:
            try:
                checked.append(element(item))  # type: ignore[arg-type]
            except ValueRuleError as err:
                raise CatalogError(source, path, "allowed", f"allowed value {item!r}: {err}") from None
        allowed = tuple(checked)
    signal = Signal(**{**_fields(plain), "allowed": allowed})
    if node.get("default") is not None:
        try:
            default: Value = compile_validator(signal)(node["default"])
        except ValueRuleError as err:
            raise CatalogError(source, path, "default", f"default {node['default']!r}: {err}") from None
        signal = Signal(**{**_fields(signal), "default": default})
    return signal


def _fields(signal: Signal) -> dict[str, Any]:
    return {name: getattr(signal, name) for name in Signal.__slots__}


class Catalog:
    """All leaves of one vehicle's signal tree, by path and by numeric id."""

    def __init__(self, signals: Iterable[Signal], branches: Mapping[str, str], sources: Sequence[str] = ()) -> None:
        self._signals: dict[str, Signal] = {s.path: s for s in signals}
        self._by_id: dict[int, Signal] = {s.id: s for s in self._signals.values()}
        self._branches = dict(branches)
        self._below: dict[str, list[Signal]] = {}
        self.sources = tuple(sources)

    @classmethod
    def from_files(cls, files: Sequence[str | Path], overlays: Sequence[str | Path] = ()) -> Catalog:
        """Load catalog files (JSON exports) in order, then overlays in order."""
        if not files:
            raise CatalogError("(no file)", "", "files", "at least one catalog file is needed")
        tree = _Tree()
        for index, file in enumerate([*files, *overlays]):
            path = Path(file)
            doc = _read_document(path)
            if isinstance(doc, dict) and doc and _is_tree(doc):
                tree.add_tree(doc, str(path))
            elif index < len(files):
                raise CatalogError(
                    str(path), "", "root", "a catalog file must hold a VSS JSON export: an object of root branches"
                )
            else:
                tree.add_overlay(doc, str(path))
        return cls._from_tree(tree, [str(f) for f in [*files, *overlays]])

    @classmethod
    def from_tree(cls, doc: Mapping[str, Any], source: str = "<memory>") -> Catalog:
        """Build from an already parsed export tree (tests, generated catalogs)."""
        tree = _Tree()
        tree.add_tree(json.loads(json.dumps(doc)), source)
        return cls._from_tree(tree, [source])

    @classmethod
    def _from_tree(cls, tree: _Tree, sources: list[str]) -> Catalog:
        signals: list[Signal] = []
        branches: dict[str, str] = {}
        stack: list[tuple[str, dict[str, Any]]] = [(name, node) for name, node in reversed(tree.roots.items())]
        while stack:
            path, node = stack.pop()
            source = str(node.get(_SOURCE, "?"))
            name = path.rsplit(".", 1)[-1]
            if not _NAME.fullmatch(name):
                raise CatalogError(source, path, "name", f"{name!r} is not a valid node name (letters, digits, _)")
            if node.get("type") == "branch":
                if any(key in node for key in _LEAF_KEYS - {"x-kuksa-changetype"}):
                    bad = sorted(key for key in _LEAF_KEYS if key in node)
                    raise CatalogError(source, path, "branch", f"a branch cannot have {', '.join(bad)}")
                children = node.get("children", {})
                if not isinstance(children, dict):
                    raise CatalogError(source, path, "children", "children must be an object")
                branches[path] = str(node.get("description") or "")
                stack.extend((f"{path}.{n}", c) for n, c in reversed(children.items()))
                continue
            if node.get("children"):
                raise CatalogError(source, path, "children", f"a {node.get('type')} cannot have children")
            signals.append(_build_signal(node, path, len(signals) + 1))
        return cls(signals, branches, sources)

    # -- lookups -----------------------------------------------------------------
    def __getitem__(self, path: str) -> Signal:
        return self._signals[path]

    def get(self, path: str) -> Signal | None:
        return self._signals.get(path)

    def by_id(self, ident: int) -> Signal | None:
        return self._by_id.get(ident)

    def __contains__(self, path: object) -> bool:
        return path in self._signals

    def __iter__(self) -> Iterator[Signal]:
        return iter(self._signals.values())

    def __len__(self) -> int:
        return len(self._signals)

    def is_branch(self, path: str) -> bool:
        return path in self._branches

    def branch_description(self, path: str) -> str | None:
        return self._branches.get(path)

    def match(self, pattern: str | PathPattern) -> list[Signal]:
        """Leaves under a pattern, in catalog order. Raises PatternError if malformed."""
        compiled = compile_pattern(pattern) if isinstance(pattern, str) else pattern
        lit = compiled.literal
        if lit is not None:
            exact = self._signals.get(lit)
            if exact is not None:
                return [exact]
            below = self._below.get(lit)
            if below is None:
                below = [s for s in self._signals.values() if compiled.matches(s.path)]
                if len(self._below) < 1024:
                    self._below[lit] = below
            return list(below)
        return [s for s in self._signals.values() if compiled.matches(s.path)]


DEFAULT_CATALOG = "default.json"
PLATFORM_OVERLAY = "platform.vspec"


def default_catalog_path() -> Path:
    return Path(str(resources.files("renkei.vss").joinpath("data", DEFAULT_CATALOG)))


def platform_overlay_path() -> Path:
    return Path(str(resources.files("renkei.vss").joinpath("data", PLATFORM_OVERLAY)))


def load_default_catalog(overlays: Sequence[str | Path] = ()) -> Catalog:
    """The platform's own VSS 6.0-compatible catalog that ships in the package,
    with renkei's platform overlay and then the caller's overlays applied."""
    return Catalog.from_files([default_catalog_path()], [platform_overlay_path(), *overlays])


__all__ = [
    "Catalog",
    "CatalogError",
    "PatternError",
    "default_catalog_path",
    "load_default_catalog",
]
