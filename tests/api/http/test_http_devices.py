"""Pairing, roles and remote-safety rules through the HTTP face."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from renkei.apps.devices import MAX_WRONG_CODES
from renkei.broker import Broker

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
LOCK = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def pair(served: Any, owner_token: str, role: str, name: str = "phone") -> tuple[str, str]:
    r = await served.http.post("/api/v1/pairing/codes", json={"role": role}, headers=bearer(owner_token))
    assert r.status_code == 200, r.text
    code = r.json()
    assert code["qr_svg"].startswith("<svg") and code["url"].endswith(f"#pair={code['code']}")
    claim = (await served.http.post("/api/v1/pairing/claim", json={"code": code["code"], "name": name})).json()
    pending = await served.http.post(
        "/api/v1/pairing/collect", json={"request_id": claim["request_id"], "secret": claim["secret"]}
    )
    assert pending.json()["status"] == "pending"
    listed = (await served.http.get("/api/v1/pairing/requests", headers=bearer(owner_token))).json()
    assert [r["name"] for r in listed["requests"]] == [name]
    device = (
        await served.http.post(f"/api/v1/pairing/requests/{claim['request_id']}/confirm", headers=bearer(owner_token))
    ).json()
    done = await served.http.post(
        "/api/v1/pairing/collect", json={"request_id": claim["request_id"], "secret": claim["secret"]}
    )
    body = done.json()
    assert body["status"] == "confirmed" and body["device"]["id"] == device["id"]
    assert "renkei_session" in done.headers.get("set-cookie", "") and "HttpOnly" in done.headers["set-cookie"]
    return device["id"], body["token"]


async def test_guest_may_lock_not_unlock_nor_charge(served: Any, owner_token: str, broker: Broker) -> None:
    _, token = await pair(served, owner_token, "guest")
    me = (await served.http.get("/api/v1/me", headers=bearer(token))).json()
    allowed = {a["name"]: a["allowed"] for a in me["actions"]}
    assert me["role"] == "guest" and allowed["lock"] and not allowed["unlock"] and not allowed["charge_limit"]
    r = await served.http.post("/api/v1/actions/unlock", headers=bearer(token))
    assert r.status_code == 403 and r.json()["error"]["rule"] == "role-guest"
    r = await served.http.post("/api/v1/actuate", json={"values": {LOCK: False}}, headers=bearer(token))
    assert r.status_code == 403  # the generic door is closed too
    # the guest's token itself cannot touch the locks, so no other face can unlock with it
    principal = served.app.state.face.auth.authenticate(token)
    assert not principal.may_actuate(LOCK)
    r = await served.http.post("/api/v1/actuate", json={"values": {LOCK: True}}, headers=bearer(token))
    assert r.status_code == 403
    r = await served.http.post("/api/v1/actions/charge_limit", json={"limit": 90}, headers=bearer(token))
    assert r.status_code == 403
    r = await served.http.post("/api/v1/actions/lock", headers=bearer(token))
    assert r.status_code == 200 and broker.current_value(LOCK) is True
    r = await served.http.post("/api/v1/actions/climate", json={"temperature": 22.5}, headers=bearer(token))
    assert r.status_code == 200
    assert broker.current_value("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature") == 22.5


async def test_devices_cannot_manage_devices_unless_owner(served: Any, owner_token: str) -> None:
    _, driver = await pair(served, owner_token, "driver")
    for method, url in (("GET", "/api/v1/devices"), ("GET", "/api/v1/pairing/requests")):
        r = await served.http.request(method, url, headers=bearer(driver))
        assert r.status_code == 403 and r.json()["error"]["rule"] == "owner"
    r = await served.http.post("/api/v1/pairing/codes", json={"role": "owner"}, headers=bearer(driver))
    assert r.status_code == 403


async def test_remote_window_opening_refused_while_moving(served: Any, owner_token: str, broker: Broker) -> None:
    _, owner_device = await pair(served, owner_token, "owner")
    broker.publish({"Vehicle.Speed": 60.0, WINDOW: 0})
    r = await served.http.post("/api/v1/actuate", json={"values": {WINDOW: 50}}, headers=bearer(owner_device))
    assert r.status_code == 409 and r.json()["error"]["rule"] == "remote-safety"
    r = await served.http.post("/api/v1/actions/unlock", headers=bearer(owner_device))
    assert r.status_code == 409
    # the driver's own screen in the car may open a window while driving
    r = await served.http.post("/api/v1/actuate", json={"values": {WINDOW: 50}}, headers=bearer(owner_token))
    assert r.status_code == 200
    # closing remotely is always fine
    r = await served.http.post("/api/v1/actuate", json={"values": {WINDOW: 0}}, headers=bearer(owner_device))
    assert r.status_code == 200
    broker.publish({"Vehicle.Speed": 0.0})
    r = await served.http.post("/api/v1/actuate", json={"values": {WINDOW: 50}}, headers=bearer(owner_device))
    assert r.status_code == 200


async def test_revoked_device_token_replay_fails_everywhere(served: Any, owner_token: str) -> None:
    device_id, token = await pair(served, owner_token, "driver")
    async with websockets.connect(served.ws_url, additional_headers=bearer(token)) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        r = await served.http.post(f"/api/v1/devices/{device_id}/revoke", headers=bearer(owner_token))
        assert r.status_code == 200 and r.json()["revoked_at"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 1.0)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    for _ in range(2):  # replaying the token keeps failing
        r = await served.http.get("/api/v1/me", headers=bearer(token))
        assert r.status_code == 401
    listed = (await served.http.get("/api/v1/devices", headers=bearer(owner_token))).json()["devices"]
    assert listed[0]["revoked_at"] and listed[0]["last_used"]
    assert (await served.http.delete(f"/api/v1/devices/{device_id}", headers=bearer(owner_token))).status_code == 200
    assert (await served.http.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_brute_force_on_pairing_codes_locks_out(served: Any, owner_token: str) -> None:
    real = (
        await served.http.post("/api/v1/pairing/codes", json={"role": "owner"}, headers=bearer(owner_token))
    ).json()["code"]
    statuses = []
    for guess in range(MAX_WRONG_CODES + 3):
        code = f"{guess:06d}"
        if code == real:
            continue
        r = await served.http.post("/api/v1/pairing/claim", json={"code": code, "name": "attacker"})
        statuses.append(r.status_code)
    assert statuses[:MAX_WRONG_CODES] == [403] * MAX_WRONG_CODES and set(statuses[MAX_WRONG_CODES:]) == {429}
    r = await served.http.post("/api/v1/pairing/claim", json={"code": real, "name": "attacker"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "locked" in r.json()["error"]["message"]
    pending = (await served.http.get("/api/v1/pairing/requests", headers=bearer(owner_token))).json()
    assert pending["locked_for"] > 0 and pending["requests"] == []


async def test_cross_site_cookie_post_is_refused(served: Any, owner_token: str) -> None:
    served.http.cookies.set("renkei_session", owner_token)
    r = await served.http.post(
        "/api/v1/actions/lock", headers={"origin": "http://evil.example", "host": served.url.split("//")[1]}
    )
    assert r.status_code == 403 and r.json()["error"]["rule"] == "origin"
    r = await served.http.post("/api/v1/actions/lock")
    assert r.status_code == 200


async def test_cockpit_login_link_sets_owner_session(served: Any) -> None:
    from renkei.api.http import cockpit_login_url

    link = cockpit_login_url(served.app, served.url + "/")
    assert "/cockpit/login?once=" in link
    r = await served.http.get(link.replace(served.url, ""), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/cockpit/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    me = (await served.http.get("/api/v1/me")).json()
    assert me["subject"] == "cockpit" and me["role"] == "owner"
    r = await served.http.get("/cockpit/login?once=" + "x" * 5000, follow_redirects=False)
    assert r.status_code == 401


async def test_owner_gets_a_fresh_login_link(served: Any, owner_token: str) -> None:
    _, driver = await pair(served, owner_token, "driver")
    assert (await served.http.post("/api/v1/session/link", headers=bearer(driver))).status_code == 403
    r = await served.http.post("/api/v1/session/link", headers=bearer(owner_token))
    assert r.status_code == 200
    link = r.json()["url"]
    assert (await served.http.get(link, follow_redirects=False)).status_code == 303
    assert (await served.http.get(link, follow_redirects=False)).status_code == 401


async def test_insecure_mode_needs_no_login(broker: Broker, car: Any, signing_key: Any, settings: Any) -> None:
    from renkei.api.http import cockpit_login_url, create_app
    from renkei.broker import Authenticator

    app = create_app(broker, Authenticator(None), signing_key, settings)
    assert cockpit_login_url(app, "http://car:8080/") == "http://car:8080/cockpit/"
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://car") as http:
        me = (await http.get("/api/v1/me")).json()
        assert me["insecure"] is True and me["role"] == "owner"
        r = await http.post("/api/v1/actuate", json={"values": {LOCK: True}})
        assert r.status_code == 200 and broker.current_value(LOCK) is True
