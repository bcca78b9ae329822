"""`renkei run` as a real process, driven by the `renkei` CLI in other processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

RENKEI = [sys.executable, "-m", "renkei.cli"]


def renkei(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RENKEI, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "RENKEI_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200", "RENKEI_LANG": "en"}
    process = subprocess.Popen(
        [*RENKEI, "run", "--grpc-port", "0", "--http-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run_file = tmp_path / "data" / "run.json"
    deadline = time.monotonic() + 90
    while not run_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out = process.stdout.read() if process.stdout else ""
            pytest.fail(f"renkei run did not come up:\n{out}")
        time.sleep(0.2)
    env["_RUN_JSON"] = run_file.read_text()
    yield env
    process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("renkei run did not stop within 30 s of SIGINT")
    assert process.returncode == 0, out
    assert "Stopping renkei" in out
    assert not run_file.exists()


def test_get_set_watch_against_the_running_platform(platform: dict[str, str]) -> None:
    info = json.loads(platform["_RUN_JSON"])
    assert info["insecure"] is False and info["endpoints"]["grpc"]
    # the simulated car is live: speed and state of charge have values
    got = renkei(
        "get", "--json", "Vehicle.Speed", "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current", env=platform
    )
    assert got.returncode == 0, got.stderr
    values = json.loads(got.stdout)
    assert isinstance(values["Vehicle.Speed"], float)
    assert 0 < values["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"] <= 100

    path = "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature"
    watcher = subprocess.Popen(
        [*RENKEI, "watch", path, "--count", "2"], env=platform, stdout=subprocess.PIPE, text=True
    )
    time.sleep(3)
    done = renkei("set", path, "25.5", env=platform)
    assert done.returncode == 0, done.stderr
    assert "target sent" in done.stdout
    out, _ = watcher.communicate(timeout=30)
    assert watcher.returncode == 0 and "25.5" in out
    target = renkei("get", "--json", "--target", path, env=platform)
    assert json.loads(target.stdout)[path] == 25.5


def test_bad_requests_are_one_clear_line(platform: dict[str, str]) -> None:
    wrong_type = renkei("set", "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "warm", env=platform)
    assert wrong_type.returncode == 1 and "'warm' is not a number" in wrong_type.stderr
    unknown = renkei("get", "Vehicle.Flux.Capacitor", env=platform)
    assert unknown.returncode == 1 and "NOT_FOUND" in unknown.stderr
    assert "Traceback" not in wrong_type.stderr + unknown.stderr


def test_a_scoped_token_only_reaches_its_paths(platform: dict[str, str]) -> None:
    minted = renkei("token", "issue", "--scope", "read:Vehicle.Speed", env=platform)
    scoped = {**platform, "RENKEI_TOKEN": minted.stdout.strip()}
    assert renkei("get", "Vehicle.Speed", env=scoped).returncode == 0
    denied = renkei("get", "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", env=scoped)
    assert denied.returncode == 1 and "PERMISSION_DENIED" in denied.stderr
    refused = renkei("set", "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "22", env=scoped)
    assert refused.returncode == 1
    forged = {**platform, "RENKEI_TOKEN": minted.stdout.strip()[:-4] + "AAAA"}
    bad = renkei("get", "Vehicle.Speed", env=forged)
    assert bad.returncode == 1 and "UNAUTHENTICATED" in bad.stderr


def test_no_platform_running_says_how_to_start_it(tmp_path: Path) -> None:
    env = {**os.environ, "RENKEI_DATA_DIR": str(tmp_path), "RENKEI_GRPC__PORT": "1", "RENKEI_LANG": "en"}
    result = renkei("get", "Vehicle.Speed", env=env)
    assert result.returncode == 1
    assert "make run" in result.stderr
