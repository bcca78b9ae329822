"""The VSS signal catalog: what signals a car has, and what values they accept.

Flow: `Catalog.from_files([...export.json], overlays=[...])` (or
`load_default_catalog()`) → `Signal`s by path and id → `compile_validator(signal)`
checks writes, `compile_pattern` / `Catalog.match` resolve paths, branches and
wildcards.

    >>> from renkei.vss import load_default_catalog
    >>> catalog = load_default_catalog()
    >>> catalog["Vehicle.Speed"].datatype
    'float'
"""

from renkei.vss.catalog import (
    Catalog,
    CatalogError,
    default_catalog_path,
    load_default_catalog,
)
from renkei.vss.model import BaseType, ChangeType, EntryType, Scalar, Signal, Value
from renkei.vss.patterns import PathPattern, PatternError, compile_pattern
from renkei.vss.values import Validator, ValueRuleError, compile_validator, parse_text

__all__ = [
    "BaseType",
    "Catalog",
    "CatalogError",
    "ChangeType",
    "EntryType",
    "PathPattern",
    "PatternError",
    "Scalar",
    "Signal",
    "Validator",
    "Value",
    "ValueRuleError",
    "compile_pattern",
    "compile_validator",
    "default_catalog_path",
    "load_default_catalog",
    "parse_text",
]
