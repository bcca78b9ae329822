"""The CLI faces: `renkei can vehicles` and `renkei replay`, driven through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import can
import pytest
import typer
from typer.testing import CliRunner

from renkei.broker import Broker
from renkei.client import InProcessClient
from renkei.vehicle.can import CanEmitter, VehicleMapping
from renkei.vehicle.can.cli import app, replay_command
from renkei.vss import Catalog

runner = CliRunner()
replay_app = typer.Typer()
replay_app.command()(replay_command)


def _log(path: Path, mapping: VehicleMapping, catalog: Catalog) -> Path:
    emitter = CanEmitter(InProcessClient(Broker(catalog)), mapping, bus=None)  # type: ignore[arg-type]
    writer = can.Logger(str(path))
    for i, speed in enumerate((10.0, 20.0, 33.5)):
        for frame in emitter.encode({"Vehicle.Speed": speed, "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": i == 1}):
            frame.timestamp = 1_700_000_000.0 + i * 0.2
            frame.channel = "can0"
            writer.on_message_received(frame)
    writer.stop()
    return path


def test_vehicles_lists_both_makers() -> None:
    result = runner.invoke(app, ["vehicles"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "vw_id4" in result.output and "gwm_haval_h6" in result.output
    assert "Great Wall Motor" in result.output


def test_vehicles_in_chinese_and_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENKEI_LANG", "zh-CN")
    assert "车型" in runner.invoke(app, ["vehicles"]).output
    monkeypatch.setenv("RENKEI_LANG", "ja")
    assert "車種" in runner.invoke(app, ["vehicles"]).output


def test_vehicles_shows_a_models_signal_table() -> None:
    result = runner.invoke(app, ["vehicles", "--model", "gwm_haval_h6"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Vehicle.Speed" in result.output
    assert "LOCK_DOORS_BUTTON" in result.output


def test_vehicles_with_an_unknown_model_fails_clearly() -> None:
    result = runner.invoke(app, ["vehicles", "--model", "delorean_dmc12"])
    assert result.exit_code == 2
    assert "delorean_dmc12" in result.output and "vehicle-unknown" in result.output


def test_replay_prints_counters_and_last_values(tmp_path: Path, vw: VehicleMapping, catalog: Catalog) -> None:
    log = _log(tmp_path / "drive.log", vw, catalog)
    result = runner.invoke(replay_app, [str(log), "--vehicle", "vw_id4", "--fast"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "33.5" in result.output  # the last speed
    assert "published_values" in result.output


def test_replay_of_a_malformed_log_reports_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.log"
    bad.write_text("this is not\na candump log\n(12) can0 XYZ#00\n")
    result = runner.invoke(replay_app, [str(bad), "--vehicle", "vw_id4", "--fast"])
    assert result.exit_code == 2
    assert "3 malformed line(s) skipped" in result.output
    assert "No frame in bad.log could be read" in result.output


def test_replay_with_an_unknown_vehicle_fails_clearly(tmp_path: Path, vw: VehicleMapping, catalog: Catalog) -> None:
    log = _log(tmp_path / "drive.log", vw, catalog)
    result = runner.invoke(replay_app, [str(log), "--vehicle", "trabant_601"])
    assert result.exit_code == 2
    assert "trabant_601" in result.output and "vw_id4" in result.output


def test_replay_of_a_missing_file_or_format_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(replay_app, [str(tmp_path / "gone.log"), "--vehicle", "vw_id4"])
    assert result.exit_code == 2 and "no such log file" in result.output
    odd = tmp_path / "drive.txt"
    odd.write_text("(1.0) can0 0FD#00")
    result = runner.invoke(replay_app, [str(odd), "--vehicle", "vw_id4"])
    assert result.exit_code == 2 and "unknown log format" in result.output
