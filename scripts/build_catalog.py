"""Compile renkei's own VSS catalog (vspec sources) into the JSON that ships in the package.

Flow: `renkei/vss/spec/Vehicle.vspec` (which includes the other area files) plus our own
`units.yaml` and `quantities.yaml` go through vss-tools (`vspec export json --strict`, instances
expanded) into a temporary file; the result is checked for the expected shape, then written to
`renkei/vss/data/default.json` with sorted keys, two-space indent and a final newline, so the
same sources always give the same bytes. No timestamps, nothing machine-specific.

    $ .venv/bin/python scripts/build_catalog.py            # what `make catalog` runs
    wrote renkei/vss/data/default.json: 875 signals from 6 vspec files
    $ .venv/bin/python scripts/build_catalog.py --check    # exit 1 if the JSON is stale

If vss-tools is missing or rejects the sources, the script prints what went wrong (vss-tools'
own message names the file and node) and exits with status 1; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "renkei" / "vss" / "spec"
DEFAULT_OUTPUT = REPO / "renkei" / "vss" / "data" / "default.json"
ROOT_VSPEC = "Vehicle.vspec"
UNITS = "units.yaml"
QUANTITIES = "quantities.yaml"
# vss-tools 6.1 writes these keys on leaves; anything else means the sources or the tool changed.
LEAF_KEYS = frozenset(
    {"type", "datatype", "unit", "min", "max", "allowed", "default", "description", "comment"}
    | {"pattern", "deprecation", "arraysize"}
)
ENTRY_TYPES = frozenset({"sensor", "actuator", "attribute"})
# vss-tools logs through rich: "[05:04:20] CRITICAL message ...   main.py:245"; keep the message.
_RICH_DECORATION = re.compile(r"^\[\d\d:\d\d:\d\d\] |\s{2,}[\w.]+\.py:\d+$")


class CatalogBuildError(Exception):
    """The catalog could not be built; the message says which input and why."""


@dataclass(frozen=True)
class CatalogBuild:
    output: Path
    signals: int
    branches: int
    sources: int
    text: str


def find_vspec() -> list[str]:
    """The vss-tools command: the one installed beside this Python first (the project venv)."""
    beside = Path(sys.executable).parent / "vspec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("vspec")
    if found:
        return [found]
    raise CatalogBuildError(
        "vss-tools is not installed (no `vspec` command beside "
        f"{sys.executable} or on PATH); install it with: pip install vss-tools==6.1.0"
    )


def _check_inputs(spec_dir: Path) -> list[Path]:
    if not spec_dir.is_dir():
        raise CatalogBuildError(f"spec directory {spec_dir} does not exist")
    missing = [name for name in (ROOT_VSPEC, UNITS, QUANTITIES) if not (spec_dir / name).is_file()]
    if missing:
        raise CatalogBuildError(f"spec directory {spec_dir} lacks {', '.join(missing)}")
    return sorted(spec_dir.glob("*.vspec"))


def _run_vss_tools(command: Sequence[str], spec_dir: Path, out: Path) -> None:
    args = [
        *command,
        "--log-level",
        "WARNING",
        "export",
        "json",
        "--strict",
        "--expand",
        "--pretty",
        "--vspec",
        str(spec_dir / ROOT_VSPEC),
        "--units",
        str(spec_dir / UNITS),
        "--quantities",
        str(spec_dir / QUANTITIES),
        "--output",
        str(out),
    ]
    # Wide columns keep vss-tools' rich log lines unwrapped, so its error reads as one line.
    env = {**os.environ, "COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"}
    try:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    except FileNotFoundError as err:
        raise CatalogBuildError(f"cannot run vss-tools ({command[0]}): {err}") from None
    except subprocess.TimeoutExpired:
        raise CatalogBuildError("vss-tools did not finish within 300 s") from None
    if done.returncode != 0 or not out.is_file():
        report = "\n".join(
            _RICH_DECORATION.sub("", line).rstrip() for line in (done.stderr + done.stdout).splitlines() if line.strip()
        )
        raise CatalogBuildError(
            f"vss-tools failed to compile {spec_dir / ROOT_VSPEC} "
            f"(exit status {done.returncode}):\n{report or '(no output)'}"
        )


def _check_tree(tree: Any) -> tuple[int, int]:
    """Count signals and branches, insisting on the official export shape."""
    if not isinstance(tree, dict) or set(tree) != {"Vehicle"}:
        raise CatalogBuildError("vss-tools output must hold exactly one root, 'Vehicle'")
    signals = branches = 0
    stack: list[tuple[str, Any]] = [("Vehicle", tree["Vehicle"])]
    while stack:
        path, node = stack.pop()
        if not isinstance(node, dict) or not isinstance(node.get("description"), str):
            raise CatalogBuildError(f"{path}: every node needs a description")
        if node.get("type") == "branch":
            branches += 1
            children = node.get("children")
            if not isinstance(children, dict) or not children:
                raise CatalogBuildError(f"{path}: a branch needs children")
            stack.extend((f"{path}.{name}", child) for name, child in children.items())
            continue
        if node.get("type") not in ENTRY_TYPES:
            raise CatalogBuildError(f"{path}: unknown entry type {node.get('type')!r}")
        unexpected = set(node) - LEAF_KEYS
        if unexpected:
            raise CatalogBuildError(f"{path}: unexpected keys {sorted(unexpected)}")
        signals += 1
    return signals, branches


def render(tree: Any) -> str:
    """The canonical bytes of a catalog: sorted keys, two-space indent, final newline."""
    return json.dumps(tree, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_catalog(
    spec_dir: Path = SPEC_DIR,
    output: Path = DEFAULT_OUTPUT,
    *,
    vspec_command: Sequence[str] | None = None,
    write: bool = True,
) -> CatalogBuild:
    """Compile `spec_dir` with vss-tools; write the canonical JSON to `output` unless `write` is
    false. Raises `CatalogBuildError` naming the input and the reason when anything fails."""
    sources = _check_inputs(spec_dir)
    command = list(vspec_command) if vspec_command is not None else find_vspec()
    with tempfile.TemporaryDirectory(prefix="renkei-catalog-") as tmp:
        raw = Path(tmp) / "catalog.json"
        _run_vss_tools(command, spec_dir, raw)
        try:
            tree = json.loads(raw.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CatalogBuildError(f"vss-tools wrote unreadable JSON: {err}") from None
    signals, branches = _check_tree(tree)
    text = render(tree)
    if write:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)  # atomic: a failed build never leaves half a catalog behind
    return CatalogBuild(output, signals, branches, len(sources), text)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--spec-dir", type=Path, default=SPEC_DIR, help="vspec sources")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON to write")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if OUTPUT differs from what the sources compile to",
    )
    args = parser.parse_args(argv)
    try:
        result = build_catalog(args.spec_dir, args.output, write=not args.check)
    except CatalogBuildError as err:
        print(f"error: catalog build failed: {err}", file=sys.stderr)
        return 1
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
        if current != result.text:
            print(
                f"error: {_shown(args.output)} is out of date with {_shown(args.spec_dir)}; run `make catalog`",
                file=sys.stderr,
            )
            return 1
        print(f"{_shown(args.output)} is up to date ({result.signals} signals)")
        return 0
    print(f"wrote {_shown(result.output)}: {result.signals} signals from {result.sources} vspec files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
