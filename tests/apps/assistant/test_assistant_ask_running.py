"""`renkei ask` against a running platform: a real `renkei run` process in en, zh-CN and ja, and
the paths where it must not pretend — no platform (a visible fall-back), an assistant that never
answers, a forged token, malformed replies."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from renkei.api.grpc import GrpcServer, serve_grpc
from renkei.apps.assistant.cli import ReplyError, ask_command, ask_running, check_reply
from renkei.apps.assistant.service import REPLY, REQUEST
from renkei.broker import Authenticator, Broker
from renkei.client.grpc import GrpcClient
from renkei.settings import GrpcSettings
from renkei.vss import load_default_catalog

RENKEI = Path(sys.executable).with_name("renkei")
TEMP_PASSENGER = "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature"
TEMP_DRIVER = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
WINDOW_PASSENGER = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position"


async def renkei(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        str(RENKEI), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "RENKEI_DATA_DIR": str(data_dir), "RENKEI_LANG": "en", "COLUMNS": "200", **extra}


async def test_ask_drives_the_running_platform_in_three_languages(tmp_path: Path, renkei_platform: Any) -> None:
    async with renkei_platform(tmp_path / "data") as run:
        env = cli_env(run.data_dir)
        car = GrpcClient(run.grpc, token=run.token)
        await car.connect()
        try:
            code, out, err = await renkei("ask", "set the temperature to 24", "--seat", "passenger", env=env)
            assert code == 0, out + err + run.output()[-2000:]
            assert "24" in out and TEMP_PASSENGER in out
            assert "in this process" not in err  # the real platform answered, not the stand-in
            assert await _eventually(car, TEMP_PASSENGER, 24.0)

            code, out, err = await renkei("ask", "把温度调到二十二度", "--lang", "zh-CN", "--json", env=env)
            assert code == 0, out + err
            reply = json.loads(out)
            assert reply["lang"] == "zh-CN" and reply["text"] == "主驾温度已调到22度。"
            assert reply["changes"] == [{"path": TEMP_DRIVER, "value": 22.0}]
            assert reply["id"].startswith("cli-")
            assert await _eventually(car, TEMP_DRIVER, 22.0)

            code, out, err = await renkei("ask", "助手席の窓を半分開けて", "--lang", "ja", "--json", env=env)
            assert code == 0, out + err
            reply = json.loads(out)
            assert reply["text"] == "助手席の窓を50%にしました。"
            assert reply["changes"] == [{"path": WINDOW_PASSENGER, "value": 50}]
            assert await _eventually(car, WINDOW_PASSENGER, 50)

            # home requests travel in the reply for the home app; ask prints them
            code, out, err = await renkei("ask", "打开客厅的灯", "--lang", "zh-CN", env=env)
            assert code == 0, out + err
            assert "家居: HassTurnOn" in out and "客厅" in out

            # --local never touches the running car
            code, out, err = await renkei("ask", "set the temperature to 27", "--local", env=env)
            assert code == 0 and "--local" in err and "27" in out
            assert (await car.get([TEMP_DRIVER]))[TEMP_DRIVER].value == 22.0  # type: ignore[union-attr]

            # a forged token is refused with a clear line, not answered by the stand-in car
            forged = cli_env(run.data_dir, RENKEI_TOKEN=(run.token or "x")[:-4] + "AAAA")
            code, out, err = await renkei("ask", "open my window", env=forged)
            assert code == 1 and "does not accept this CLI's token" in err and "Traceback" not in err
            assert "in this process" not in err

            # a token without the right to ask the assistant
            minted = await renkei("token", "issue", "--scope", "read", env=env)
            scoped = cli_env(run.data_dir, RENKEI_TOKEN=minted[1].strip())
            code, out, err = await renkei("ask", "open my window", "--lang", "ja", env=scoped)
            assert code == 1 and "拒否" in err and "PERMISSION_DENIED" in err
        finally:
            await car.close()


async def _eventually(client: GrpcClient, path: str, value: Any) -> bool:
    for _ in range(50):
        point = (await client.get([path]))[path]
        if point is not None and point.value == value:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_ask_without_a_platform_says_so_and_uses_a_car_in_this_process(tmp_path: Path) -> None:
    env = cli_env(tmp_path, RENKEI_GRPC__PORT="1")  # nothing listens on port 1
    code, out, err = await renkei("ask", "我的车窗打开", "--lang", "zh-CN", "--seat", "passenger", "--json", env=env)
    assert code == 0, err
    assert "没有运行中的 renkei 平台" in err  # the note is in the asker's language, on stderr
    reply = json.loads(out)  # stdout stays clean JSON
    assert reply["changes"] == [{"path": WINDOW_PASSENGER, "value": 100}]


# -- a platform whose assistant misbehaves: a broker behind a real gRPC face -------------------------
Assistant = Callable[[Broker, dict[str, Any]], Awaitable[None]]


class FakePlatform:
    def __init__(self, broker: Broker, server: GrpcServer, data_dir: Path) -> None:
        self.broker, self.server, self.data_dir = broker, server, data_dir
        self.requests: list[dict[str, Any]] = []

    def serve(self, answer: Assistant | None) -> None:
        async def on_request(values: dict[str, Any]) -> None:
            request = json.loads(values[REQUEST])
            self.requests.append(request)
            if answer is not None:
                asyncio.get_running_loop().create_task(answer(self.broker, request))

        self.broker.provide([REQUEST, REPLY], on_request, name="fake-assistant")

    def client(self) -> GrpcClient:
        return GrpcClient(self.server.address)


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakePlatform]:
    broker = Broker(load_default_catalog())
    await broker.start()
    server = await serve_grpc(broker, Authenticator(None), GrpcSettings(host="127.0.0.1", port=0))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # what `renkei run --insecure` writes, so `running_platform` finds this server
    (data_dir / "run.json").write_text(json.dumps({"endpoints": {"grpc": server.address}, "insecure": True}))
    try:
        yield FakePlatform(broker, server, data_dir)
    finally:
        await server.stop(0.2)
        await broker.stop()


def reply_with(body: Callable[[dict[str, Any]], str], delay: float = 0.05) -> Assistant:
    async def answer(broker: Broker, request: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        broker.publish({REPLY: body(request)})

    return answer


async def test_ask_running_ignores_other_replies_and_waits_for_its_own(fake: FakePlatform) -> None:
    async def chatty(broker: Broker, request: dict[str, Any]) -> None:
        for noise in ("not json", '{"id": "someone-else", "text": "hi"}', "[1]", '{"id": null}'):
            broker.publish({REPLY: noise})
            await asyncio.sleep(0.02)
        broker.publish(
            {REPLY: json.dumps({"id": request["id"], "text": "ok", "changes": [{"path": TEMP_DRIVER, "value": 21}]})}
        )

    fake.serve(chatty)
    async with fake.client() as client:
        reply = await ask_running(client, "warmer", lang="ja", seat="rear-left", speaker="mei", wait=5)
    assert reply["text"] == "ok" and reply["changes"] == [{"path": TEMP_DRIVER, "value": 21}]
    sent = fake.requests[0]
    assert sent["lang"] == "ja" and sent["seat"] == "rear-left" and sent["speaker"] == "mei"
    assert sent["id"] == reply["id"]


async def test_ask_running_finds_a_reply_that_beat_its_subscription(fake: FakePlatform) -> None:
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], "text": "fast"}), delay=0))
    async with fake.client() as client:
        reply = await ask_running(client, "hello", wait=5)
    assert reply["text"] == "fast"


async def test_ask_running_times_out_when_the_assistant_is_silent(fake: FakePlatform) -> None:
    fake.serve(None)
    async with fake.client() as client:
        with pytest.raises(TimeoutError):
            await ask_running(client, "hello", wait=0.6)


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        ({"text": 5}, '"text" must be text'),
        ({"text": "ok", "changes": "all of them"}, '"changes" must be a list'),
        ({"text": "ok", "changes": [{"value": 1}]}, "changes[0]"),
        ({"text": "ok", "changes": [["Vehicle.Speed", 1]]}, "changes[0]"),
        ({"text": "ok", "home": [{"slots": {}}]}, "home[0]"),
        ({"text": "ok", "home": [{"intent": "HassTurnOn", "slots": [1]}]}, "home[0].slots"),
        ({"text": "ok", "refusals": [1]}, '"refusals"'),
        ({"text": "ok", "speaker": 7}, '"speaker"'),
        ({"error": ["x"]}, '"error" must be text'),
        ({"text": "ok", "scene": 3}, '"scene"'),
        ({"text": "ok", "scene": "s", "scene_home": "garage"}, '"scene_home"'),
    ],
)
async def test_ask_running_names_what_is_wrong_in_a_malformed_reply(
    fake: FakePlatform, reply: dict[str, Any], fragment: str
) -> None:
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], **reply})))
    async with fake.client() as client:
        with pytest.raises(ReplyError) as caught:
            await ask_running(client, "hello", wait=5)
    assert fragment in str(caught.value)


def test_check_reply_refuses_huge_and_foreign_replies() -> None:
    with pytest.raises(ReplyError, match="exceeds"):
        check_reply('{"id": "a", "text": "' + "x" * 300_000 + '"}', "a")
    with pytest.raises(ReplyError, match="is not 'a'"):
        check_reply('{"id": "b", "text": "x"}', "a")
    with pytest.raises(ReplyError, match="not JSON"):
        check_reply("{", "a")


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("ask")(ask_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer from collapsing the group
        pass

    return app


def _invoke(fake: FakePlatform, *args: str, lang: str = "en") -> Any:
    env = {"RENKEI_DATA_DIR": str(fake.data_dir), "RENKEI_LANG": lang, "COLUMNS": "200"}
    return CliRunner().invoke(_cli(), ["ask", *args], env=env)


async def _in_thread(fake: FakePlatform, *args: str, lang: str = "en") -> Any:
    # the CLI runs its own event loop; the fake platform keeps serving on this one
    return await asyncio.to_thread(_invoke, fake, *args, lang=lang)


async def test_ask_cli_timeout_message_in_the_askers_language(fake: FakePlatform) -> None:
    fake.serve(reply_with(lambda r: "garbage"))
    result = await _in_thread(fake, "家に帰る", "--lang", "ja", "--timeout", "1")
    assert result.exit_code == 1
    assert "1 秒以内に応答しませんでした" in result.output and "読み取れない応答 1 件を無視しました" in result.output
    result = await _in_thread(fake, "回家", "--lang", "zh-CN", "--timeout", "0.5")
    assert result.exit_code == 1 and "助手在 0.5 秒内没有回答" in result.output


async def test_ask_cli_malformed_reply_and_assistant_error(fake: FakePlatform) -> None:
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], "text": "ok", "changes": {"oops": 1}})))
    result = await _in_thread(fake, "open my window")
    assert result.exit_code == 1 and "is malformed" in result.output and '"changes" must be a list' in result.output


async def test_ask_cli_prints_the_assistants_own_error(fake: FakePlatform) -> None:
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], "error": "seat 'x' is not known"})))
    result = await _in_thread(fake, "open my window")
    assert result.exit_code == 1 and "could not serve the request: seat 'x' is not known" in result.output


async def test_ask_cli_without_an_assistant_in_the_platform(fake: FakePlatform) -> None:
    result = await _in_thread(fake, "open my window")  # nobody provides AssistantRequest
    assert result.exit_code == 1 and "no assistant serves AssistantRequest" in result.output


async def test_ask_cli_prints_reply_text_and_paths_literally(fake: FakePlatform) -> None:
    body = {"text": "[bold]hi[/bold]", "changes": [{"path": "[red]x[/red]", "value": "[u]v[/u]"}]}
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], **body})))
    result = await _in_thread(fake, "hi")
    assert result.exit_code == 0, result.output
    assert "[bold]hi[/bold]" in result.output and "[red]x[/red]" in result.output and "[u]v[/u]" in result.output


async def test_ask_cli_prints_the_scene_a_phrase_ran(fake: FakePlatform) -> None:
    body = {"text": "场景“going-home”已执行。", "lang": "zh-CN", "scene": "going-home", "scene_home": ["cover.garage"]}
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], **body})))
    result = await _in_thread(fake, "我要回家", "--lang", "zh-CN")
    assert result.exit_code == 0, result.output
    assert "场景: going-home (家居: cover.garage)" in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["open", "--seat", "roof"], "seat 'roof'"),
        (["open", "--lang", "de"], "'de' is not supported"),
        (["   "], "the text is empty"),
        (["x" * 9000], "too long"),
        (["open", "--speaker", "bad\nname"], "speaker must be"),
        (["open", "--timeout", "0"], "--timeout must be"),
        (["open", "--timeout", "nan"], "--timeout must be"),
    ],
)
async def test_ask_cli_bad_options_never_reach_the_platform(fake: FakePlatform, args: list[str], fragment: str) -> None:
    fake.serve(reply_with(lambda r: json.dumps({"id": r["id"], "text": "ok"})))
    result = await _in_thread(fake, *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output and fake.requests == []


def test_ask_runs_as_a_module_without_a_platform(tmp_path: Path) -> None:
    env = cli_env(tmp_path, RENKEI_GRPC__PORT="1")
    done = subprocess.run(
        [sys.executable, "-m", "renkei.apps.assistant.cli", "lock the car", "--local"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    assert "Doors locked." in done.stdout
