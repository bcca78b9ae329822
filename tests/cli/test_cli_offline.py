"""CLI commands that need no running platform: ls, token, settings errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from renkei.broker import TokenIssuer, TokenVerifier
from renkei.cli import app
from renkei.settings import load_settings

runner = CliRunner()
SHARED_VSS6 = Path(__file__).resolve().parents[3] / "shared" / "vss" / "vss_release_6.0.json"


@pytest.mark.shared
def test_ls_shows_metadata_of_a_wildcard() -> None:
    result = runner.invoke(
        app, ["ls", "Vehicle.Cabin.Door.Row1.*.IsOpen", "--catalog", str(SHARED_VSS6)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen" in result.output
    assert "Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen" in result.output
    assert "actuator" in result.output and "boolean" in result.output


@pytest.mark.shared
def test_ls_json_and_overlays(tmp_path: Path) -> None:
    overlay = tmp_path / "brand.vspec"
    overlay.write_text("Vehicle.Speed:\n  max: 180\n")
    result = runner.invoke(
        app, ["ls", "Vehicle.Speed", "--catalog", str(SHARED_VSS6), "--overlay", str(overlay), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"max": 180' in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ls", "Vehicle.Nothing"], "no signal matches 'Vehicle.Nothing'"),
        (["ls", "Vehicle..Speed"], "empty segment 2"),
        (["ls", "--catalog", "/nonexistent/catalog.json"], "cannot read the file"),
        (["token", "issue", "--scope", "read fly:Vehicle"], "unknown action 'fly'"),
        (["token", "issue", "--scope", "read", "--ttl", "-5"], "--ttl must be between"),
        (["run", "--speed", "-1"], "--speed must be 0 or more"),
        (["run", "--scenario", "/nonexistent.yaml"], "does not exist"),
    ],
)
@pytest.mark.shared
def test_bad_input_gets_one_clear_line(args: list[str], message: str) -> None:
    if args[0] == "ls" and "--catalog" not in args:
        args = [*args, "--catalog", str(SHARED_VSS6)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_token_issue_mints_a_token_the_platform_trusts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENKEI_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["token", "issue", "--scope", "read:Vehicle.Speed", "--subject", "phone"])
    assert result.exit_code == 0, result.output
    issuer = TokenIssuer.load_or_create(load_settings().signing_key_path)
    who = TokenVerifier([issuer.public_pem]).verify(result.output.strip())
    assert who.subject == "phone" and who.may_read("Vehicle.Speed") and not who.may_read("Vehicle.Cabin")


def test_settings_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "renkei.toml"
    config.write_text('persist = ["Vehicle.Speed"]\n[grpc]\nport = 50051\n')
    monkeypatch.setenv("RENKEI_CONFIG", str(config))
    assert load_settings().grpc.port == 50051
    monkeypatch.setenv("RENKEI_GRPC__PORT", "50052")
    assert load_settings().grpc.port == 50052
    assert load_settings().persist == ["Vehicle.Speed"]
    config.write_text("[grpc]\nport = 99999\n")
    monkeypatch.delenv("RENKEI_GRPC__PORT")
    result = runner.invoke(app, ["token", "issue", "--scope", "read"])
    assert result.exit_code == 1
    assert "grpc.port" in result.output and str(config) in result.output
    config.write_text("[grpc\nport=")
    result = runner.invoke(app, ["token", "issue", "--scope", "read"])
    assert result.exit_code == 1 and "cannot read settings file" in result.output
    config.write_text("colour = 'red'\n")
    result = runner.invoke(app, ["token", "issue", "--scope", "read"])
    assert result.exit_code == 1 and "colour" in result.output


def test_run_with_a_broken_scenario_names_file_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENKEI_DATA_DIR", str(tmp_path / "data"))
    scenario = tmp_path / "broken.yaml"
    scenario.write_text("name: broken\nvehicle: [not, a, mapping\n")
    result = runner.invoke(app, ["run", "--scenario", str(scenario), "--grpc-port", "0", "--http-port", "0"])
    assert result.exit_code == 1
    assert str(scenario) in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data" / "run.json").exists()


def test_a_bad_app_settings_table_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "renkei.toml"
    config.write_text('[home]\nbackend = "telepathy"\n')
    monkeypatch.setenv("RENKEI_CONFIG", str(config))
    monkeypatch.setenv("RENKEI_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["run", "--grpc-port", "0", "--http-port", "0"])
    assert result.exit_code == 1
    assert "settings [home]: backend" in result.output
