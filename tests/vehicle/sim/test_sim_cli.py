"""`renkei sim` commands through typer's CliRunner, including hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from renkei.vehicle.sim.cli import app

runner = CliRunner()


def test_scenarios_lists_the_shipped_ones_in_three_languages() -> None:
    for lang, word in (("en", "Winter commute"), ("zh-CN", "北京冬季通勤"), ("ja", "北京の冬の通勤")):
        result = runner.invoke(app, ["scenarios", "--lang", lang])
        assert result.exit_code == 0, result.output
        assert word in result.output
        assert "highway_dc_fast_charge" in result.output


@pytest.mark.parametrize("lang", ["en", "zh-CN", "ja"])
def test_plot_writes_a_png(tmp_path: Path, lang: str) -> None:
    out = tmp_path / f"run-{lang}.png"
    result = runner.invoke(app, ["plot", "summer_day_shanghai", "--seconds", "300", "--out", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000  # four panels of real curves, not an empty canvas


def test_plot_from_a_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(
        "name: mine\ntitle: {en: Mine}\nvehicle: byd_atto3\nweather: {ambient_c: 5}\n"
        "legs:\n  - {kind: cycle, cycle: cltc}\n",
        encoding="utf-8",
    )
    out = tmp_path / "mine.png"
    result = runner.invoke(app, ["plot", str(scenario), "--seconds", "120", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_malformed_scenario_file_names_file_field_and_rule(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: {en: Bad}\nweather: {ambient_c: -80}\nlegs:\n  - {kind: park, seconds: 10}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["plot", str(bad), "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert str(bad) in result.output and "weather.ambient_c" in result.output and "greater_than_equal" in result.output
    assert not (tmp_path / "x.png").exists()


def test_broken_yaml_and_unknown_names(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [oops\n", encoding="utf-8")
    result = runner.invoke(app, ["plot", str(broken)])
    assert result.exit_code == 2 and "yaml" in result.output
    result = runner.invoke(app, ["plot", "no_such_scenario"])
    assert result.exit_code == 2 and "shipped scenario" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--seconds", "0"],
        ["--seconds", "nan"],
        ["--seconds", "1e12"],
        ["--lang", "klingon"],
        ["--out", "plot.jpg"],
    ],
)
def test_bad_options_are_refused(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["plot", "summer_day_shanghai", *args])
    assert result.exit_code == 2
    assert "Invalid value" in result.output or "must" in result.output


def test_unwritable_output_is_a_clean_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["plot", "summer_day_shanghai", "--seconds", "10", "--out", str(blocker / "a.png")])
    assert result.exit_code == 1
    assert "cannot write" in result.output


def test_consumption_table_compares_with_published_figures() -> None:
    result = runner.invoke(app, ["consumption", "--lang", "zh-CN"])
    assert result.exit_code == 0, result.output
    assert "公布值" in result.output
    for cycle in ("CLTC", "WLTC"):
        # Every shipped car has a published figure on both cycles, so every row shows an error.
        rows = [line for line in result.output.splitlines() if f"| {cycle} |" in line]
        assert len(rows) == 2 and all("%" in row for row in rows), cycle


def test_efficiency_map_png_and_bad_vehicle(tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = runner.invoke(app, ["efficiency", "byd_atto3", "--out", str(out), "--lang", "ja"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(app, ["efficiency", "trabant_601", "--out", str(out)])
    assert result.exit_code == 2 and "unknown vehicle" in result.output
