"""The Home panel's API against a real home app: the simulated home served on its service socket
by `run_home_app` (with the home's limited token on an in-process broker), the HTTP face on
uvicorn, owner, driver and guest callers, the live socket, and hostile input."""

# ruff: noqa: ASYNC240 - the tests look at the socket file directly

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from renkei.apps.home import HomeSettings, run_home_app
from renkei.apps.home.service import HomeServiceClient
from renkei.broker import Broker, Principal
from renkei.client import InProcessClient
from renkei.settings import Settings

HOME_SCOPE = "read provide:Vehicle.Cabin.Infotainment.HMI.Notification"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def home_socket() -> Iterator[Path]:
    # Unix socket paths are limited to about 100 bytes; pytest's tmp paths can be longer.
    with tempfile.TemporaryDirectory(prefix="rk-hh-") as tmp:
        yield Path(tmp) / "home.sock"


@pytest.fixture
async def home_app(broker: Broker, home_socket: Path) -> AsyncIterator[Path]:
    client = InProcessClient(broker, principal=Principal.from_scope_string(HOME_SCOPE, subject="home"), name="home")
    stop = asyncio.Event()
    settings = HomeSettings(service_socket=home_socket, automations_enabled=False, voice_enabled=False)
    task = asyncio.create_task(run_home_app(client, settings, stop=stop))
    for _ in range(500):
        if home_socket.exists():
            break
        await asyncio.sleep(0.01)
    assert home_socket.exists(), "the home app did not start its service socket"
    yield home_socket
    stop.set()
    await asyncio.wait_for(task, 10)


@pytest.fixture
def settings(tmp_path: Path, home_socket: Path) -> Settings:
    # the face finds the home app where `renkei run` puts it: [home] service_socket
    return Settings(data_dir=tmp_path / "data", home={"service_socket": str(home_socket)})


@pytest.fixture
def face(served: Any) -> Any:
    return served


async def pair(face: Any, owner_token: str, role: str) -> str:
    code = (await face.http.post("/api/v1/pairing/codes", json={"role": role}, headers=bearer(owner_token))).json()
    claim = (await face.http.post("/api/v1/pairing/claim", json={"code": code["code"], "name": role})).json()
    await face.http.post(f"/api/v1/pairing/requests/{claim['request_id']}/confirm", headers=bearer(owner_token))
    done = await face.http.post(
        "/api/v1/pairing/collect", json={"request_id": claim["request_id"], "secret": claim["secret"]}
    )
    token: str = done.json()["token"]
    return token


def devices(home: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {d["entity_id"]: d for room in home["rooms"] for d in room["devices"]}
    found.update({d["entity_id"]: d for d in home["other"] + home["scenes"]})
    return found


async def test_home_lists_rooms_devices_and_scenes_in_the_callers_language(
    face: Any, home_app: Path, owner_token: str
) -> None:
    r = await face.http.get("/api/v1/home", headers=bearer(owner_token))
    assert r.status_code == 200, r.text
    home = r.json()
    assert home["backend"] == "simulated" and home["lang"] == "en" and home["role"] == "owner"
    rooms = {room["id"]: room for room in home["rooms"]}
    assert rooms["living_room"]["name"] == "Living room"
    assert {d["entity_id"] for d in rooms["living_room"]["devices"]} >= {"light.living_room", "climate.home"}
    assert [s["entity_id"] for s in home["scenes"]] == ["scene.evening"]
    every = devices(home)
    assert every["cover.garage_door"]["state"] == "closed" and every["cover.garage_door"]["controllable"]
    assert every["climate.home"]["attributes"]["temperature"] == 19.0
    ja = (await face.http.get("/api/v1/home?lang=ja", headers=bearer(owner_token))).json()
    assert {room["id"]: room["name"] for room in ja["rooms"]}["living_room"] == "リビング"
    assert devices(ja)["light.porch"]["name"] == "玄関灯"
    zh = (
        await face.http.get("/api/v1/home", headers={**bearer(owner_token), "Accept-Language": "zh-CN,zh;q=0.9"})
    ).json()
    assert zh["lang"] == "zh-CN" and devices(zh)["cover.garage_door"]["name"] == "车库门"


async def test_owner_switches_a_light_and_sets_the_thermostat(face: Any, home_app: Path, owner_token: str) -> None:
    r = await face.http.post("/api/v1/home/light.living_room", json={"state": "40%"}, headers=bearer(owner_token))
    assert r.status_code == 200, r.text
    assert r.json()["entity"]["state"] == "on" and r.json()["entity"]["attributes"]["brightness"] == 102
    r = await face.http.post(
        "/api/v1/home/climate.home",
        json={"service": "set_temperature", "data": {"temperature": 21.5}},
        headers=bearer(owner_token),
    )
    assert r.status_code == 200, r.text
    async with HomeServiceClient(home_app) as home:  # the home app itself agrees
        listed = {e["entity_id"]: e for e in (await home.ls())["entities"]}
    assert listed["light.living_room"]["state"] == "on"
    assert listed["climate.home"]["attributes"]["temperature"] == 21.5


async def test_guest_may_look_but_not_open_the_garage_driver_may(face: Any, home_app: Path, owner_token: str) -> None:
    guest = await pair(face, owner_token, "guest")
    home = (await face.http.get("/api/v1/home", headers=bearer(guest))).json()
    assert home["role"] == "guest" and not devices(home)["cover.garage_door"]["controllable"]
    r = await face.http.post("/api/v1/home/cover.garage_door", json={"state": "open"}, headers=bearer(guest))
    assert r.status_code == 403 and r.json()["error"]["rule"] == "home-role"
    assert "guest" in r.json()["error"]["message"] and "cover" in r.json()["error"]["message"]
    async with HomeServiceClient(home_app) as client:
        garage = {e["entity_id"]: e for e in (await client.ls())["entities"]}["cover.garage_door"]
    assert garage["state"] == "closed"
    # a token that is neither the owner nor a paired role may read, not command
    narrow = face.app.state.face.issuer.issue("read:Vehicle.Speed", subject="narrow")
    assert (await face.http.get("/api/v1/home", headers=bearer(narrow))).status_code == 200
    r = await face.http.post("/api/v1/home/light.porch", json={"state": "on"}, headers=bearer(narrow))
    assert r.status_code == 403
    driver = await pair(face, owner_token, "driver")
    r = await face.http.post("/api/v1/home/cover.garage_door", json={"state": "open"}, headers=bearer(driver))
    assert r.status_code == 200, r.text
    assert r.json()["entity"]["state"] in ("opening", "open")


async def test_reading_the_home_needs_a_token(face: Any, home_app: Path) -> None:
    r = await face.http.get("/api/v1/home")
    assert r.status_code == 401
    r = await face.http.post("/api/v1/home/light.porch", json={"state": "on"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("entity", "body", "status", "words"),
    [
        ("light.nowhere", {"state": "on"}, 404, "no such device"),
        ("Light.Porch", {"state": "on"}, 422, "entity_id"),
        ("light.porch;rm", {"state": "on"}, 422, "entity_id"),
        ("light.porch", {"state": "dazzle"}, 400, "dazzle"),
        ("light.porch", {"state": "on", "service": "turn_on"}, 422, "either"),
        ("light.porch", {}, 422, "either"),
        ("light.porch", {"state": 1}, 422, "state"),
        ("light.porch", {"state": "on", "colour": "red"}, 422, "colour"),
        ("light.porch", {"service": "fly"}, 400, "fly"),
        ("light.porch", {"service": "turn_on", "data": {"brightness_pct": 400}}, 400, "brightness_pct"),
        ("climate.home", {"service": "set_temperature", "data": {"temperature": "hot"}}, 400, "temperature"),
        ("sensor.outside", {"state": "on"}, 400, "sensor"),
        ("light.porch", {"state": "x" * 1_000_000}, 422, "at most 32"),
        ("light.porch", {"service": "turn_on", "data": {f"k{i}": i for i in range(50_000)}}, 422, "data"),
    ],
)
async def test_hostile_requests_get_clear_errors(
    face: Any, home_app: Path, owner_token: str, entity: str, body: Any, status: int, words: str
) -> None:
    r = await face.http.post(f"/api/v1/home/{entity}", json=body, headers=bearer(owner_token))
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"]
    # and the home is still there
    assert (await face.http.get("/api/v1/home", headers=bearer(owner_token))).status_code == 200


async def test_malformed_json_body(face: Any, home_app: Path, owner_token: str) -> None:
    r = await face.http.post(
        "/api/v1/home/light.porch",
        content=b"{not json",
        headers={**bearer(owner_token), "content-type": "application/json"},
    )
    assert r.status_code == 422 and "malformed" in r.json()["error"]["message"]


async def test_no_home_app_answers_503_and_the_socket_says_not_connected(
    face: Any, owner_token: str, home_socket: Path
) -> None:
    assert not home_socket.exists()
    r = await face.http.get("/api/v1/home", headers=bearer(owner_token))
    assert r.status_code == 503
    error = r.json()["error"]
    assert error["rule"] == "home-not-connected" and "home app is not running" in error["message"]
    r = await face.http.post("/api/v1/home/light.porch", json={"state": "on"}, headers=bearer(owner_token))
    assert r.status_code == 503 and r.json()["error"]["rule"] == "home-not-connected"
    ws_url = face.ws_url.replace("/api/v1/ws", "/api/v1/home/ws")
    async with websockets.connect(ws_url, additional_headers=bearer(owner_token)) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        said = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert said == {"type": "home", "connected": False, "message": said["message"]}
        assert "not running" in said["message"]


async def test_live_socket_pushes_changes_and_follows_the_home_app_coming_up(
    face: Any, broker: Broker, owner_token: str, home_socket: Path
) -> None:
    ws_url = face.ws_url.replace("/api/v1/ws", "/api/v1/home/ws")
    async with websockets.connect(ws_url, additional_headers=bearer(owner_token)) as ws:
        assert json.loads(await ws.recv())["role"] == "owner"
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["connected"] is False
        # the home app starts after the panel opened: the socket finds it
        client = InProcessClient(broker, principal=Principal.from_scope_string(HOME_SCOPE, subject="home"))
        stop = asyncio.Event()
        settings = HomeSettings(service_socket=home_socket, automations_enabled=False, voice_enabled=False)
        task = asyncio.create_task(run_home_app(client, settings, stop=stop))
        try:
            snapshot = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert snapshot["type"] == "home" and snapshot["connected"] is True
            assert "light.bedroom" in devices(snapshot["home"])
            async with HomeServiceClient(home_socket) as home:  # a change made in the home itself
                await home.set("light.bedroom", "on")
            deadline = asyncio.get_running_loop().time() + 5
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if msg["type"] == "state" and msg["device"]["entity_id"] == "light.bedroom":
                    break
                assert asyncio.get_running_loop().time() < deadline
            assert msg["device"]["state"] == "on" and msg["device"]["controllable"] is True
            await ws.send("not json")
            assert json.loads(await ws.recv())["type"] == "error"
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await ws.recv())["type"] != "pong":
                pass
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


async def test_live_socket_needs_a_token_and_refuses_other_sites(face: Any, home_app: Path, owner_token: str) -> None:
    ws_url = face.ws_url.replace("/api/v1/ws", "/api/v1/home/ws")
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "forged"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    async with websockets.connect(
        ws_url, additional_headers={**bearer(owner_token), "Origin": "http://evil.example"}
    ) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
