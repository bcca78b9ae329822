"""Fixtures shared by the whole suite.

`shared_dir` is ../shared beside the repository (VSS releases, kuksa-perf, speech);
tests that use it are marked `shared`. `renkei_platform` starts a real `renkei run`
process for tests that drive the platform from outside:

    async with renkei_platform(tmp_path / "data", "--insecure") as run:
        run.grpc, run.token   # address from run.json; the CLI token (None when insecure)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from renkei.vss import Catalog

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VSS_RELEASES = ("4.0", "5.1", "6.0")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "vss").is_dir():
        pytest.fail(f"the shared test data is missing: expected {SHARED} beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def vss6(shared_dir: Path) -> Catalog:
    return Catalog.from_files([shared_dir / "vss" / "vss_release_6.0.json"])


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real config or data directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("RENKEI_CONFIG", raising=False)
    monkeypatch.delenv("RENKEI_DATA_DIR", raising=False)


@dataclass
class RunningPlatform:
    """A `renkei run` process started by a test: its run file, gRPC address and CLI token."""

    data_dir: Path
    info: dict[str, Any]
    process: asyncio.subprocess.Process
    log_file: Path

    def output(self) -> str:
        """What the platform printed so far (for assertion messages)."""
        return self.log_file.read_text(errors="replace")

    @property
    def grpc(self) -> str:
        return str(self.info["endpoints"]["grpc"])

    @property
    def http(self) -> str:
        return str(self.info["endpoints"].get("http", ""))

    @property
    def token(self) -> str | None:
        token_file = self.data_dir / "tokens" / "cli.jwt"
        return token_file.read_text().strip() if token_file.exists() else None


@contextlib.asynccontextmanager
async def _start_renkei(data_dir: Path, *extra: str, within: float = 60.0) -> AsyncIterator[RunningPlatform]:
    env = {**os.environ, "RENKEI_DATA_DIR": str(data_dir), "RENKEI_LANG": "en"}
    renkei = Path(sys.executable).with_name("renkei")
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    log_file = data_dir.with_name(data_dir.name + ".log")  # a file, not a pipe: a full pipe would stall the platform
    with log_file.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            str(renkei), "run", "--grpc-port", "0", "--http-port", "0", "--data-dir", str(data_dir), *extra,
            env=env, stdout=log, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    run_file = data_dir / "run.json"
    try:
        info: dict[str, Any] = {}
        for _ in range(int(within / 0.05)):
            if proc.returncode is not None:
                break
            if run_file.exists():
                with contextlib.suppress(ValueError):  # the file may be half-written
                    info = json.loads(run_file.read_text())
                if info.get("endpoints", {}).get("grpc"):
                    break
            await asyncio.sleep(0.05)
        if proc.returncode is not None or not info.get("endpoints", {}).get("grpc"):
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            out = log_file.read_text(errors="replace")[-3000:]
            pytest.fail(f"renkei run {' '.join(extra)} did not come up within {within:.0f} s:\n{out}")
        yield RunningPlatform(data_dir, info, proc, log_file)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@pytest.fixture
def renkei_platform() -> Callable[..., contextlib.AbstractAsyncContextManager[RunningPlatform]]:
    """Start a real `renkei run` on free ports: `async with renkei_platform(data_dir, *args) as run`."""
    return _start_renkei
