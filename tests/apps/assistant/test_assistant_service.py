"""The assistant as a vehicle app: AssistantRequest in, AssistantReply out, through the broker;
and `renkei ask` printing the reply and every change."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from renkei.apps.assistant import AssistantService, AssistantSettings, run_assistant
from renkei.apps.assistant.cli import ask_command
from renkei.apps.assistant.local import LocalCar, local_car
from renkei.apps.assistant.service import REPLY, REQUEST, RequestError, parse_request
from renkei.client import BrokerError


@pytest.fixture
async def served() -> AsyncIterator[LocalCar]:
    async with local_car() as car:
        stop = asyncio.Event()
        task = asyncio.create_task(run_assistant(car.client, AssistantSettings(), stop=stop))
        for _ in range(500):  # serving, and its "ready" reply to nobody is out
            if car.broker.provider_of(REQUEST) is not None and car.broker.current_value(REPLY) is not None:
                break
            await asyncio.sleep(0.01)
        try:
            yield car
        finally:
            stop.set()
            await task


async def request(car: LocalCar, payload: Any) -> dict[str, Any]:
    """Send one request as the cockpit does and wait for its reply (not an earlier one)."""
    before = car.broker.current_value(REPLY)
    async with car.client.subscribe([REPLY]) as replies:
        raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        await car.client.actuate({REQUEST: raw})
        async with asyncio.timeout(10):
            async for batch in replies:
                point = batch.get(REPLY)
                if point is not None and point.value and point.value != before:
                    return json.loads(point.value)  # type: ignore[no-any-return]
    raise AssertionError("no reply")


async def test_assistant_serves_typed_requests_from_the_cockpit(served: LocalCar) -> None:
    reply = await request(served, {"id": "r1", "text": "助手席の窓を半分開けて", "lang": "ja", "seat": "driver"})
    assert reply["id"] == "r1" and reply["lang"] == "ja"
    assert reply["text"] == "助手席の窓を50%にしました。"
    assert reply["changes"] == [{"path": "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position", "value": 50}]
    assert served.broker.current_value("Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position") == 50


async def test_assistant_says_it_is_ready_and_whether_it_hears_voices(served: LocalCar) -> None:
    ready = json.loads(str(served.broker.current_value(REPLY)))
    assert ready == {"id": None, "status": "ready", "voice": False}
    reply = await request(served, {"id": "v", "text": "lock the car"})
    assert reply["voice"] is False and reply["id"] == "v"
    error = await request(served, {"id": "e", "text": "hi", "seat": "roof"})
    assert error["voice"] is False and "roof" in error["error"]


async def test_assistant_reply_carries_home_commands(served: LocalCar) -> None:
    reply = await request(served, {"id": 7, "text": "打开客厅的灯", "lang": "zh-CN"})
    assert reply["id"] == 7 and reply["home"][0]["intent"] == "HassTurnOn"
    assert reply["home"][0]["slots"]["area"] == "客厅"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"id": "x"}, "text must be a non-empty string"),
        ({"id": "x", "text": "  "}, "text must be a non-empty string"),
        ({"id": "x", "text": "hi", "seat": "trunk"}, "seat 'trunk' is not known"),
        ({"id": "x", "text": "hi", "lang": "de"}, "language 'de' is not supported"),
        ({"id": "x", "text": "hi", "lang": 5}, "lang must be a string"),
        ({"id": ["x"], "text": "hi"}, "id must be"),
        ({"id": "x", "text": "hi", "speaker": 3}, "speaker must be"),
        ({"id": "x", "text": "x" * 9000}, "exceeds 8192 bytes"),
    ],
)
async def test_assistant_answers_bad_requests_with_an_error(served: LocalCar, payload: Any, fragment: str) -> None:
    reply = await request(served, payload)
    assert fragment in reply["error"]


async def test_assistant_keeps_serving_after_bad_requests(served: LocalCar) -> None:
    await request(served, "{{{")
    reply = await request(served, {"id": "ok", "text": "lock the car"})
    assert reply["text"] == "Doors locked."


async def test_assistant_stops_and_releases_the_request_signal(served: LocalCar) -> None:
    assert served.broker.provider_of(REQUEST) is not None


async def test_assistant_second_instance_is_refused(served: LocalCar) -> None:
    with pytest.raises(BrokerError, match="already provided"):
        await run_assistant(served.client, AssistantSettings(), stop=asyncio.Event())


def test_assistant_parse_request_rejects_non_text() -> None:
    with pytest.raises(RequestError, match="JSON text"):
        parse_request(42)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("ask")(ask_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer from collapsing the group
        pass

    return app


def test_assistant_cli_prints_reply_and_changes() -> None:
    result = CliRunner().invoke(_cli(), ["ask", "turn on the AC and open my window", "--seat", "passenger", "--local"])
    assert result.exit_code == 0, result.output
    assert "A/C on. Passenger window opened." in result.output
    assert "Vehicle.Cabin.HVAC.IsAirConditioningActive" in result.output
    assert "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position" in result.output


def test_assistant_cli_json_in_chinese() -> None:
    result = CliRunner().invoke(_cli(), ["ask", "把温度调到二十二度", "--lang", "zh-CN", "--json", "--local"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == "主驾温度已调到22度。"
    assert data["changes"] == [{"path": "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "value": 22.0}]


@pytest.mark.parametrize(("args", "fragment"), [(["--seat", "roof"], "seat 'roof'"), (["--lang", "xx"], "'xx'")])
def test_assistant_cli_bad_options(args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(_cli(), ["ask", "open my window", "--local", *args])
    assert result.exit_code == 2
    assert fragment in result.output


def test_assistant_cli_prints_user_text_literally() -> None:
    result = CliRunner().invoke(_cli(), ["ask", "open my window", "--local", "--seat", "[bold]x[/bold]"])
    assert result.exit_code == 2
    assert "[bold]x[/bold]" in result.output  # shown as typed, not taken for Rich markup


# -- who the car follows when voices are (not) recognised ----------------------------------------
ACTIVE = "Vehicle.Cabin.Infotainment.HMI.ActiveProfile"


async def _profile_switches(car: LocalCar, start: str | None) -> tuple[AssistantService, list[str]]:
    """The cockpit's side of ActiveProfile: records every switch asked for and confirms it."""
    switches: list[str] = []

    async def cockpit(values: dict[str, Any]) -> None:
        switches.append(values[ACTIVE])
        car.broker.publish(values)

    car.broker.provide([ACTIVE], cockpit, name="test-cockpit")
    if start is not None:
        car.broker.publish({ACTIVE: start})
    return AssistantService(car.client, AssistantSettings()), switches


async def test_unknown_voice_does_not_throw_a_recognised_driver_out() -> None:
    async with local_car() as car:
        service, switches = await _profile_switches(car, "guest")
        await service.announce_speaker("mei")
        await service.announce_speaker(None)  # a passenger nobody enrolled
        await service.announce_speaker(None)
        assert switches == ["mei"] and car.broker.current_value(ACTIVE) == "mei"
        await service.announce_speaker("kenji")  # another enrolled person takes over
        assert switches == ["mei", "kenji"]


async def test_unknown_voice_keeps_a_person_chosen_on_the_cockpit() -> None:
    async with local_car() as car:
        service, switches = await _profile_switches(car, "li")  # picked on the cockpit, not by voice
        await service.announce_speaker(None)
        assert switches == [] and car.broker.current_value(ACTIVE) == "li"


@pytest.mark.parametrize("start", [None, "guest", ""])
async def test_unknown_voice_gets_the_guest_profile_only_when_nobody_is_active(start: str | None) -> None:
    async with local_car() as car:
        service, switches = await _profile_switches(car, start)
        await service.announce_speaker(None)
        await service.announce_speaker("")  # an empty name is no name
        assert switches == ([] if start == "guest" else ["guest"])
        assert car.broker.current_value(ACTIVE) == "guest"


async def test_announce_speaker_survives_a_car_without_a_profile_owner() -> None:
    async with local_car() as car:  # nobody provides ActiveProfile: nothing changes, nothing raises
        service = AssistantService(car.client, AssistantSettings())
        await service.announce_speaker("mei")
        await service.announce_speaker(None)
        assert service.active_profile is None and car.broker.current_value(ACTIVE) is None
