"""Write one benchmark's figures into its own section of docs/benchmarks.md.

Every benchmark owns a section between two markers, so benchmarks run in any
order (or in parallel) never overwrite each other's figures. The machine the
figures came from is described once, at the top, each time a section is written.

    from benchmarks.report import write_section
    write_section("broker", "| subscribers | updates/s |\\n|---|---|\\n| 1 | 612,000 |")
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nFigures are written by the scripts in `benchmarks/`; each section names the\n"
    "command that reproduces it. Never edit a section by hand.\n"
)


def describe_machine() -> str:
    """One line naming CPU, cores, memory, OS and Python, for reproducibility."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        meminfo = Path("/proc/meminfo").read_text()
        match = re.search(r"MemTotal:\s+(\d+)", meminfo)
        if match:
            mem_gib = int(match.group(1)) / 1024 / 1024
    except OSError:
        pass
    kernel = platform.release()
    try:
        debian = Path("/etc/debian_version").read_text().strip()
        os_name = f"Debian {debian}"
    except OSError:
        os_name = platform.system()
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB RAM, {os_name} (Linux {kernel}), "
        f"Python {platform.python_version()}"
    )


def _git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=DOC.parents[1],
        )
        return out.stdout.strip() or "uncommitted"
    except OSError:
        return "unknown"


def write_section(name: str, body: str, *, command: str) -> Path:
    """Replace (or append) the section called `name` and return the document's path."""
    start, end = f"<!-- bench:{name} start -->", f"<!-- bench:{name} end -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{start}\n"
        f"_Measured {stamp} at revision `{_git_revision()}` on: {describe_machine()}._\n\n"
        f"Reproduce: `{command}`\n\n{body.strip()}\n{end}"
    )
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
    return DOC
