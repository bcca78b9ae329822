"""The HTTP + WebSocket face against a real uvicorn server, broker and a confirming car."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import websockets

from renkei.broker import Authenticator, Broker, TokenIssuer

TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
LOCK = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def next_message(ws: Any, kind: str, wait: float = 3.0) -> dict[str, Any]:
    deadline = time.monotonic() + wait
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if msg["type"] == kind:
            return msg


async def test_info_needs_no_token_and_names_the_websocket(served: Any) -> None:
    r = await served.http.get("/api/v1/info")
    assert r.status_code == 200
    body = r.json()
    assert body["insecure"] is False and body["signals"] > 500
    assert body["websocket"].endswith("/api/v1/ws")


async def test_reads_need_a_token(served: Any) -> None:
    r = await served.http.get("/api/v1/signals", params={"path": "Vehicle.Speed"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHENTICATED"
    r = await served.http.get("/api/v1/signals", params={"path": "Vehicle.Speed"}, headers=bearer("not.a.jwt"))
    assert r.status_code == 401 and "malformed" in r.json()["error"]["message"]


async def test_read_and_actuate_returns_confirmed_value(served: Any, owner_token: str, broker: Broker) -> None:
    broker.publish({"Vehicle.Speed": 42.5})
    r = await served.http.get("/api/v1/signals", params={"path": ["Vehicle.Speed", TEMP]}, headers=bearer(owner_token))
    assert r.status_code == 200
    values = r.json()["values"]
    assert values["Vehicle.Speed"]["value"] == 42.5 and values[TEMP] is None
    r = await served.http.post("/api/v1/actuate", json={"values": {TEMP: 21.5}}, headers=bearer(owner_token))
    assert r.status_code == 200, r.text
    assert broker.current_value(TEMP) == 21.5


@pytest.mark.parametrize(
    ("values", "status", "code", "word"),
    [
        ({"Vehicle.Sped": 1}, 404, "NOT_FOUND", "Vehicle.Sped"),
        ({"Vehicle.Speed": 1.0}, 400, "INVALID_ARGUMENT", "actuators"),
        ({"Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": 300}, 400, "INVALID_ARGUMENT", "FanSpeed"),
        ({"Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": "fast"}, 400, "INVALID_ARGUMENT", "FanSpeed"),
    ],
)
async def test_bad_actuations_name_what_was_wrong(
    served: Any, owner_token: str, values: dict[str, Any], status: int, code: str, word: str
) -> None:
    r = await served.http.post("/api/v1/actuate", json={"values": values}, headers=bearer(owner_token))
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and word in (err["path"] + err["message"])


async def test_malformed_bodies_are_rejected_clearly(served: Any, owner_token: str) -> None:
    for body in ({}, {"values": {}}, {"values": "x"}, {"values": {TEMP: {"a": 1}}}, {"values": {TEMP: 1}, "x": 1}):
        r = await served.http.post("/api/v1/actuate", json=body, headers=bearer(owner_token))
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "INVALID_ARGUMENT"
    r = await served.http.post(
        "/api/v1/actuate", content=b"{not json", headers={**bearer(owner_token), "content-type": "application/json"}
    )
    assert r.status_code == 422


async def test_scopes_limit_reads_and_actuations(served: Any, signing_key: TokenIssuer) -> None:
    token = signing_key.issue("read:Vehicle.Speed", subject="narrow")
    r = await served.http.get("/api/v1/signals", params={"path": TEMP}, headers=bearer(token))
    assert r.status_code == 403 and r.json()["error"]["code"] == "PERMISSION_DENIED"
    r = await served.http.post("/api/v1/actuate", json={"values": {TEMP: 20}}, headers=bearer(token))
    assert r.status_code == 403


async def test_broker_safety_refuses_unlock_while_moving(served: Any, owner_token: str, broker: Broker) -> None:
    broker.publish({"Vehicle.Speed": 50.0})
    r = await served.http.post("/api/v1/actuate", json={"values": {LOCK: False}}, headers=bearer(owner_token))
    assert r.status_code == 409 and r.json()["error"]["rule"] == "safety"


async def test_metadata_lists_what_the_caller_may_read(served: Any, signing_key: TokenIssuer) -> None:
    token = signing_key.issue("read:Vehicle.Cabin.HVAC", subject="hvac")
    r = await served.http.get(
        "/api/v1/metadata", params={"pattern": "Vehicle.Cabin.HVAC.Station.Row1.**"}, headers=bearer(token)
    )
    assert r.status_code == 200
    paths = {s["path"] for s in r.json()["signals"]}
    assert TEMP in paths and all(p.startswith("Vehicle.Cabin.HVAC") for p in paths)
    r = await served.http.get("/api/v1/metadata", params={"pattern": "Vehicle.[bad"}, headers=bearer(token))
    assert r.status_code == 422 and "pattern" in r.json()["error"]["message"]
    r = await served.http.get("/api/v1/metadata", params={"pattern": "Vehicle.Cab*"}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["error"]["rule"] == "pattern"


async def test_websocket_subscribe_actuate_and_see_confirmation(served: Any, owner_token: str, broker: Broker) -> None:
    async with websockets.connect(served.ws_url, additional_headers=bearer(owner_token)) as ws:
        hello = await next_message(ws, "hello")
        assert hello["subject"] == "test-owner"
        await ws.send(json.dumps({"type": "subscribe", "id": "s1", "paths": [TEMP], "interval_ms": 0}))
        result = await next_message(ws, "result")
        assert result["paths"] == [TEMP]
        await ws.send(json.dumps({"type": "actuate", "id": "a1", "values": {TEMP: 23.0}}))
        update = await next_message(ws, "update")
        assert update["values"][TEMP][0] == 23.0
        broker.publish({TEMP: 19.5})  # the car changes on its own
        update = await next_message(ws, "update")
        assert update["values"][TEMP][0] == 19.5 and update["dropped"] == 0


async def test_websocket_auth_by_first_message(served: Any, owner_token: str) -> None:
    async with websockets.connect(served.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": owner_token}))
        assert (await next_message(ws, "hello"))["subject"] == "test-owner"
    async with websockets.connect(served.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "forged"}))
        err = await next_message(ws, "error")
        assert err["error"]["code"] == "UNAUTHENTICATED"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.mark.parametrize(
    ("frame", "rule"),
    [
        ("{nope", "json"),
        ("[1, 2]", "message"),
        ('{"type": "launch"}', "type"),
        ('{"type": "subscribe", "paths": "Vehicle.Speed"}', "paths"),
        ('{"type": "subscribe", "paths": ["Vehicle.Nope"]}', "not-found"),
        ('{"type": "subscribe", "paths": ["Vehicle.Speed"], "interval_ms": -5}', "interval"),
        ('{"type": "subscribe", "paths": ["Vehicle.Speed"], "queue": 1e9}', "queue"),
        ('{"type": "actuate", "values": []}', "values"),
        ('{"type": "actuate", "values": {"Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": -1}}', "range"),
        ('{"type": "get", "id": {"x": 1}, "paths": ["Vehicle.Speed"]}', "id"),
    ],
)
async def test_malformed_websocket_frames_get_errors_not_crashes(
    served: Any, owner_token: str, frame: str, rule: str
) -> None:
    async with websockets.connect(served.ws_url, additional_headers=bearer(owner_token)) as ws:
        await next_message(ws, "hello")
        await ws.send(frame)
        err = await next_message(ws, "error")
        assert rule in err["error"]["rule"], err
        await ws.send(json.dumps({"type": "ping", "id": 7}))
        assert (await next_message(ws, "pong"))["id"] == 7  # the socket still works


async def test_oversized_and_binary_frames(served: Any, owner_token: str) -> None:
    async with websockets.connect(served.ws_url, additional_headers=bearer(owner_token)) as ws:
        await next_message(ws, "hello")
        await ws.send(b"\xff\xfe" * 10)
        assert (await next_message(ws, "error"))["error"]["rule"] == "json"
        await ws.send("x" * (64 * 1024 + 1))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await next_message(ws, "never")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_too_many_malformed_frames_close_the_socket(served: Any, owner_token: str) -> None:
    async with websockets.connect(served.ws_url, additional_headers=bearer(owner_token)) as ws:
        await next_message(ws, "hello")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            for _ in range(40):
                await ws.send("garbage")
                await asyncio.sleep(0)
            await next_message(ws, "never")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_cross_site_websocket_is_refused(served: Any, owner_token: str) -> None:
    async with websockets.connect(
        served.ws_url, additional_headers=bearer(owner_token), origin=websockets.Origin("http://evil.example")
    ) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_revocation_closes_socket_within_a_second_and_replay_fails(
    served: Any, signing_key: TokenIssuer, auth: Authenticator
) -> None:
    token = signing_key.issue("read", subject="soon-revoked")
    token_id = auth.authenticate(token).token_id
    assert token_id
    async with websockets.connect(served.ws_url, additional_headers=bearer(token)) as ws:
        await next_message(ws, "hello")
        await ws.send(json.dumps({"type": "subscribe", "id": "s", "paths": ["Vehicle.Speed"]}))
        await next_message(ws, "result")
        started = time.monotonic()
        auth.revoke(token_id)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 2)
        assert time.monotonic() - started < 1.0
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    r = await served.http.get("/api/v1/signals", params={"path": "Vehicle.Speed"}, headers=bearer(token))
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
    with pytest.raises(websockets.ConnectionClosed):
        async with websockets.connect(served.ws_url, additional_headers=bearer(token)) as ws:
            await next_message(ws, "hello")


async def test_subscription_throttling_merges_updates(served: Any, owner_token: str, broker: Broker) -> None:
    async with websockets.connect(served.ws_url, additional_headers=bearer(owner_token)) as ws:
        await next_message(ws, "hello")
        await ws.send(json.dumps({"type": "subscribe", "id": "s", "paths": ["Vehicle.Speed"], "interval_ms": 200}))
        await next_message(ws, "result")
        await next_message(ws, "update")  # the current value
        for v in range(1, 30):
            broker.publish({"Vehicle.Speed": float(v)})
            await asyncio.sleep(0.005)
        seen: list[float] = []
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
            except TimeoutError:
                break
            seen.append(msg["values"]["Vehicle.Speed"][0])
        assert seen and seen[-1] == 29.0 and len(seen) < 10


async def test_socket_closes_when_the_token_expires(served: Any, signing_key: TokenIssuer) -> None:
    token = signing_key.issue("read", subject="short-lived", ttl=1)
    async with websockets.connect(served.ws_url, additional_headers=bearer(token)) as ws:
        await next_message(ws, "hello")
        started = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        assert time.monotonic() - started < 2.5
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_skip_missing_follows_what_the_caller_may_read(served: Any, signing_key: TokenIssuer) -> None:
    token = signing_key.issue("read:Vehicle.Speed", subject="narrow")
    async with websockets.connect(served.ws_url, additional_headers=bearer(token)) as ws:
        await next_message(ws, "hello")
        paths = ["Vehicle.Speed", TEMP, "Vehicle.NoSuchThing"]
        await ws.send(json.dumps({"type": "subscribe", "id": "a", "paths": paths}))
        assert (await next_message(ws, "error"))["error"]["code"] == "PERMISSION_DENIED"
        await ws.send(json.dumps({"type": "subscribe", "id": "b", "paths": paths, "skip_missing": True}))
        result = await next_message(ws, "result")
        assert result["paths"] == ["Vehicle.Speed"] and result["skipped"] == [TEMP, "Vehicle.NoSuchThing"]
        await ws.send(json.dumps({"type": "subscribe", "id": "c", "paths": [TEMP], "skip_missing": True}))
        assert (await next_message(ws, "error"))["error"]["rule"] == "empty"


async def test_subscription_limit_per_socket(served: Any, owner_token: str) -> None:
    async with websockets.connect(served.ws_url, additional_headers=bearer(owner_token)) as ws:
        await next_message(ws, "hello")
        for i in range(64):
            await ws.send(json.dumps({"type": "subscribe", "id": f"s{i}", "paths": ["Vehicle.Speed"]}))
        await ws.send(json.dumps({"type": "subscribe", "id": "one-too-many", "paths": ["Vehicle.Speed"]}))
        err = await next_message(ws, "error", wait=5)
        assert err["id"] == "one-too-many" and err["error"]["code"] == "RESOURCE_EXHAUSTED"
