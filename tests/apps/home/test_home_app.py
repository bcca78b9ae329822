"""The home app with the built-in simulated home: commands, notifications, outages, the
service socket and the `renkei home` CLI, on a real broker with the home's limited token."""

# ruff: noqa: ASYNC240 - the tests look at the socket file directly

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from renkei.apps.home import HomeApp, HomeSettings, parse_state, run_home_app
from renkei.apps.home.backends.simulated import SimulatedHome
from renkei.apps.home.cli import app as cli_app
from renkei.apps.home.entities import HomeError
from renkei.apps.home.service import HomeServiceClient, HomeServiceError
from renkei.broker import Broker
from renkei.client import InProcessClient

NOTIFICATION = "Vehicle.Cabin.Infotainment.HMI.Notification"


def notes(broker: Broker) -> dict[str, Any]:
    dp = broker.get([NOTIFICATION])[NOTIFICATION]
    assert dp is not None and isinstance(dp.value, str)
    note: dict[str, Any] = json.loads(dp.value)
    return note


@pytest.fixture
async def running(home_client: InProcessClient, short_socket: Path) -> Any:
    settings = HomeSettings(service_socket=short_socket, automations_enabled=False, unsafe_command_max_age=0.5)
    app = HomeApp(home_client, settings)
    await app.start()
    yield app
    await app.stop()


async def test_simulated_home_lists_rooms_and_devices(running: HomeApp, until: Any) -> None:
    await until(lambda: running.state.online)
    ids = set(running.state.entities)
    assert {
        "light.living_room",
        "light.bedroom",
        "light.porch",
        "climate.home",
        "cover.garage_door",
        "switch.plug",
    } <= ids
    assert running.state.areas["living_room"].label("ja") == "リビング"


async def test_commands_change_devices(running: HomeApp, until: Any) -> None:
    await until(lambda: running.state.online)
    light = await running.command(parse_state("light.living_room", "40%"))
    assert light is not None and light.state == "on" and light.attributes["brightness"] == 102
    thermo = await running.command(parse_state("climate.home", "22.5"))
    assert thermo is not None and thermo.attributes["temperature"] == 22.5
    await running.command(parse_state("cover.garage_door", "open"))
    assert running.state.entities["cover.garage_door"].state == "opening"
    await until(lambda: running.state.entities["cover.garage_door"].state == "open", within=3)
    with pytest.raises(HomeError, match="no such device"):
        await running.command(parse_state("light.attic", "on"))


async def test_outage_tells_the_person_and_drops_stale_garage_commands(
    running: HomeApp, broker: Broker, until: Any
) -> None:
    await until(lambda: running.state.online)
    home = running.backend
    assert isinstance(home, SimulatedHome)
    home.set_reachable(False)
    await until(lambda: running.notifications and "Cannot reach the home" in running.notifications[-1]["body"]["en"])
    note = notes(broker)
    assert note["source"] == "home" and note["level"] == "warning"
    assert set(note["body"]) == {"en", "zh-CN", "ja"} and "家居" in note["body"]["zh-CN"]

    garage = asyncio.create_task(running.command(parse_state("cover.garage_door", "open")))
    light = asyncio.create_task(running.command(parse_state("light.porch", "on")))
    with pytest.raises(HomeError) as err:
        await garage  # waits at most unsafe_command_max_age (0.5 s), then is dropped
    assert err.value.code == "stale"
    await until(lambda: "Not sent" in notes(broker)["body"]["en"])
    home.set_reachable(True)
    porch = await asyncio.wait_for(light, 2)  # a light may still be switched late
    assert porch is not None and porch.state == "on"
    assert running.state.entities["cover.garage_door"].state == "closed"  # never replayed
    await until(lambda: "Connected to the home" in notes(broker)["body"]["en"])


async def test_service_socket_and_hostile_requests(running: HomeApp, short_socket: Path, until: Any) -> None:
    await until(lambda: short_socket.exists())
    assert short_socket.stat().st_mode & 0o777 == 0o600
    async with HomeServiceClient(short_socket) as home:
        listing = await home.ls()
        assert listing["online"] and any(e["entity_id"] == "switch.plug" for e in listing["entities"])
        plug = await home.set("switch.plug", "on")
        assert plug is not None and plug["state"] == "on"
        climate = await home.call("climate.home", "set_temperature", {"temperature": 20})
        assert climate is not None and climate["attributes"]["temperature"] == 20
        for bad, code in [
            ({"op": "set", "entity_id": "plug", "state": "on"}, "bad-entity"),
            ({"op": "set", "entity_id": "switch.plug", "state": 5}, "bad-state"),
            ({"op": "call", "entity_id": "switch.plug", "service": "rm -rf"}, "unsupported"),
            ({"op": "call", "entity_id": "climate.home", "service": "set_temperature", "data": [1]}, "bad-state"),
            ({"op": "launch"}, "bad-request"),
        ]:
            reply = await _raw(short_socket, json.dumps(bad).encode())
            assert reply["code"] == code, (bad, reply)
    assert (await _raw(short_socket, b"{not json"))["code"] == "bad-request"
    assert (await _raw(short_socket, b"[1, 2]"))["code"] == "bad-request"
    assert (await _raw(short_socket, b"x" * 200_000))["code"] == "too-large"
    async with HomeServiceClient(short_socket) as home:  # still serving
        assert (await home.ls())["online"]


async def _raw(path: Path, line: bytes) -> dict[str, Any]:
    reader, writer = await asyncio.open_unix_connection(str(path))
    writer.write(line + b"\n")
    await writer.drain()
    reply: dict[str, Any] = json.loads(await reader.readline())
    writer.close()
    return reply


async def test_cli_ls_and_set_through_the_running_app(running: HomeApp, short_socket: Path, until: Any) -> None:
    await until(lambda: short_socket.exists())
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke, cli_app, ["set", "light.bedroom", "60%", "--socket", str(short_socket)]
    )
    assert result.exit_code == 0, result.output
    assert "light.bedroom: on 60%" in result.output
    assert running.state.entities["light.bedroom"].attributes["brightness"] == 153
    result = await asyncio.to_thread(
        runner.invoke, cli_app, ["ls", "--socket", str(short_socket)], env={"RENKEI_LANG": "ja"}
    )
    assert result.exit_code == 0, result.output
    assert "寝室の照明" in result.output and "light.bedroom" in result.output
    bedroom = next(line for line in result.output.splitlines() if "light.bedroom" in line)
    assert "オン" in bedroom and "60%" in bedroom  # the state in the person's language
    result = await asyncio.to_thread(runner.invoke, cli_app, ["ls", "--json", "--socket", str(short_socket)])
    assert json.loads(result.output)["online"] is True
    result = await asyncio.to_thread(
        runner.invoke, cli_app, ["set", "light.bedroom", "dazzle", "--socket", str(short_socket)]
    )
    assert result.exit_code == 1 and "'dazzle' is not a state for light" in result.output
    result = await asyncio.to_thread(runner.invoke, cli_app, ["set", "bedroom", "on", "--socket", str(short_socket)])
    assert result.exit_code == 2 and "not an entity id" in result.output


def test_cli_says_when_the_app_is_not_running(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["ls", "--socket", str(tmp_path / "none.sock")])
    assert result.exit_code == 1
    assert "not running" in result.output and "renkei run" in result.output


async def test_run_home_app_entry_point_stops_cleanly(home_client: InProcessClient, short_socket: Path) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(run_home_app(home_client, HomeSettings(service_socket=short_socket), stop=stop))
    for _ in range(100):
        if short_socket.exists():
            break
        await asyncio.sleep(0.02)
    assert short_socket.exists()
    stop.set()
    await asyncio.wait_for(task, 5)
    assert not short_socket.exists()


async def test_notifications_need_the_right_to_publish_them(broker: Broker, short_socket: Path) -> None:
    # A home app without the Notification scope keeps working; it just cannot post.
    from renkei.broker import Principal

    weak = InProcessClient(broker, principal=Principal.from_scope_string("read", subject="home"))
    app = HomeApp(weak, HomeSettings(service_socket=None, automations_enabled=False))
    await app.start()
    try:
        await app.notify("home.online", backend="simulated")
        assert broker.get([NOTIFICATION])[NOTIFICATION] is None
        assert app.notifications[-1]["body"]["en"].startswith("Connected")
    finally:
        await app.stop()


EDITED = """
automations:
  - id: plug_at_seven
    name: {en: Plug on at seven, zh-CN: 七点开插座, ja: 七時にコンセント}
    triggers: [{time: {at: "07:00"}}]
    actions: [{home: {entity: switch.plug, service: turn_on}}]
"""


async def test_automations_are_edited_saved_and_survive_a_restart(
    home_client: InProcessClient, vehicle: Any, short_socket: Path, tmp_path: Path, until: Any
) -> None:
    saved = tmp_path / "automations.yaml"
    settings = HomeSettings(service_socket=short_socket, automations_saved=saved)
    app = HomeApp(home_client, settings)
    await app.start()
    try:
        async with HomeServiceClient(short_socket) as home:
            current = await home.request({"op": "automations_file"})
            assert current["shipped"] and "garage_and_porch_on_arrival_after_dark" in current["text"]
            broken = EDITED.replace('"07:00"', '"seven"')
            with pytest.raises(HomeServiceError) as err:
                await home.request({"op": "automations_save", "text": broken})
            assert err.value.code == "invalid"
            assert "automation 'plug_at_seven' (#1): field triggers[0].time.at" in str(err.value)
            assert not saved.exists()  # nothing half-saved
            assert len((await home.request({"op": "automations"}))["automations"]) == 3  # old ones still run
            reply = await home.request({"op": "automations_save", "text": EDITED})
            assert reply["count"] == 1
            listed = (await home.request({"op": "automations"}))["automations"]
            assert [a["id"] for a in listed] == ["plug_at_seven"]
            with pytest.raises(Exception, match="give the automations YAML as text"):
                await home.request({"op": "automations_save", "text": 42})
        assert saved.read_text() == EDITED
    finally:
        await app.stop()
    again = HomeApp(home_client, settings)  # a restart loads what the person saved
    await again.start()
    try:
        assert again.automations is not None
        assert [a.id for a in again.automations.config.automations] == ["plug_at_seven"]
    finally:
        await again.stop()


async def test_a_broken_automations_file_does_not_take_the_home_down(
    home_client: InProcessClient, broker: Broker, short_socket: Path, tmp_path: Path, until: Any
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("automations:\n  - {id: x, name: X, triggers: [], actions: []}\n")
    app = HomeApp(home_client, HomeSettings(service_socket=short_socket, automations_file=bad))
    await app.start()
    try:
        assert app.automations is None and "field triggers" in app.automations_problems[0]
        assert "Automations are off" in notes(broker)["body"]["en"]
        await until(lambda: app.state.online)
        assert (await app.command(parse_state("light.porch", "on"))) is not None  # the home still works
    finally:
        await app.stop()


async def test_cli_watch_follows_changes_live(running: HomeApp, short_socket: Path) -> None:
    runner = CliRunner()
    watching = asyncio.create_task(
        asyncio.to_thread(runner.invoke, cli_app, ["watch", "--count", "2", "--socket", str(short_socket)])
    )
    await asyncio.sleep(0.3)
    await running.command(parse_state("switch.plug", "on"))
    await running.command(parse_state("light.porch", "#ff0000"))
    result = await asyncio.wait_for(watching, 5)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("switch.plug (Plug): on") and lines[1].startswith("light.porch (Porch light): on")


async def test_a_powerless_app_with_mqtt_unreachable_starts_and_stops_cleanly(
    broker: Broker, short_socket: Path
) -> None:
    # A principal that may not even read, and no MQTT broker: the app degrades, then leaves nothing behind.
    from renkei.apps.home import MqttSettings
    from renkei.broker import Principal

    nobody = InProcessClient(broker, principal=Principal.from_scope_string("", subject="nobody"))
    before = len(asyncio.all_tasks())
    settings = HomeSettings(service_socket=short_socket, mqtt=MqttSettings(enabled=True, port=1), reconnect_min=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(run_home_app(nobody, settings, stop=stop))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 5)
    await asyncio.sleep(0.05)
    assert len(asyncio.all_tasks()) == before
