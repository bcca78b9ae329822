"""Fixtures shared by the whole suite.

`shared_dir` is ../shared beside the repository (VSS releases, kuksa-perf, speech);
tests that use it are marked `shared`.
"""

from __future__ import annotations

from pathlib import Path

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
