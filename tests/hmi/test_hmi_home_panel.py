"""The cockpit's Home panel in a real browser (Debian's Chromium via Playwright), against a real
home app (the simulated home on its service socket, where `renkei run` puts it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from renkei.apps.home import HomeSettings, run_home_app
from renkei.apps.home.service import HomeServiceClient
from renkei.broker import Principal
from renkei.client import InProcessClient

HMI = "Vehicle.Cabin.Infotainment.HMI"
HOME_SCOPE = "read provide:Vehicle.Cabin.Infotainment.HMI.Notification"


def home_sock(tmp_path: Path) -> Path:
    # the face looks for <data dir>/home.sock; the served app's data dir is tmp_path / "data"
    return tmp_path / "data" / "home.sock"


@pytest.fixture
async def home(served: Any, tmp_path: Path) -> AsyncIterator[Path]:
    sock = home_sock(tmp_path)
    assert len(str(sock)) < 100, "Unix socket paths are limited to about 100 bytes"
    client = InProcessClient(served.broker, principal=Principal.from_scope_string(HOME_SCOPE, subject="home"))
    stop = asyncio.Event()
    settings = HomeSettings(service_socket=sock, automations_enabled=False, voice_enabled=False)
    task = asyncio.create_task(run_home_app(client, settings, stop=stop))
    for _ in range(500):
        if sock.exists():
            break
        await asyncio.sleep(0.01)
    yield sock
    stop.set()
    await asyncio.wait_for(task, 10)


async def open_cockpit(browser: Any, served: Any) -> Any:
    page = await (await browser.new_context(viewport={"width": 1400, "height": 1000})).new_page()
    await page.goto(served.login_url())
    await page.wait_for_selector("#conn.online", timeout=10_000)
    return page


async def entities(sock: Path) -> dict[str, dict[str, Any]]:
    async with HomeServiceClient(sock) as client:
        return {e["entity_id"]: e for e in (await client.ls())["entities"]}


def row(entity: str) -> str:
    return f'#home .row[data-entity="{entity}"]'


async def test_home_panel_controls_and_follows_the_home_live(
    browser: Any, served: Any, home: Path, shot: Callable[[str], Path]
) -> None:
    page = await open_cockpit(browser, served)
    await page.wait_for_selector(row("light.living_room"), timeout=10_000)
    assert await page.locator('section[data-panel="HOME"]').is_visible()  # HOME is in the default panels
    assert await page.inner_text('section[data-panel="HOME"] h2') == "Home"
    rooms = await page.locator("#home h3.room").all_inner_texts()
    assert rooms[:2] == ["Living room", "Bedroom"] and "Scenes" in rooms
    assert await page.inner_text(f"{row('cover.garage_door')} .val") == "Closed"
    assert "19.0 °C" in await page.inner_text(f"{row('climate.home')} .val")
    await page.evaluate("window.__notReloaded = true")

    # a light toggled from the panel changes state in the home app, and the panel shows it confirmed
    await page.click(f"{row('light.living_room')} button[data-home-act=toggle]")
    await page.wait_for_selector(f'{row("light.living_room")} .val[data-home-state="on"]', timeout=5000)
    assert (await entities(home))["light.living_room"]["state"] == "on"
    # the thermostat's + raises the setpoint by half a degree, in the home
    await page.click(f"{row('climate.home')} button[data-dir='+']")
    await page.wait_for_function(
        f"document.querySelector('{row('climate.home')} .val').textContent.includes('19.5 °C')", timeout=5000
    )
    assert (await entities(home))["climate.home"]["attributes"]["temperature"] == 19.5

    # a change made in the home itself appears without a reload
    async with HomeServiceClient(home) as client:
        await client.set("light.bedroom", "60%")
    await page.wait_for_selector(f'{row("light.bedroom")} .val[data-home-state="on"]', timeout=5000)
    assert "60 %" in await page.inner_text(f"{row('light.bedroom')} .val")
    assert await page.evaluate("window.__notReloaded === true")
    await page.locator('section[data-panel="HOME"]').screenshot(path=shot("cockpit-home-en.png"))

    # the active profile's language re-labels the panel, names included
    served.broker.publish({f"{HMI}.CurrentLanguage": "zh-CN"})
    await page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=4000)
    assert await page.inner_text('section[data-panel="HOME"] h2') == "家居"
    rooms = await page.locator("#home h3.room").all_inner_texts()
    assert rooms[:2] == ["客厅", "卧室"] and "场景" in rooms
    assert await page.inner_text(f"{row('cover.garage_door')} .name") == "车库门"
    assert await page.inner_text(f"{row('cover.garage_door')} .val") == "已关闭"
    await page.locator('section[data-panel="HOME"]').screenshot(path=shot("cockpit-home-zh-CN.png"))
    # the panel is shown only when the profile shows it
    served.broker.publish({f"{HMI}.VisiblePanels": ["DRIVING", "MAP"]})
    await page.wait_for_function("document.querySelector('section[data-panel=\"HOME\"]').hidden", timeout=4000)


async def test_home_panel_says_when_the_home_is_not_connected(browser: Any, served: Any, tmp_path: Path) -> None:
    assert not home_sock(tmp_path).exists()
    page = await open_cockpit(browser, served)
    await page.wait_for_selector('#homestate[data-home="not-connected"]', timeout=5000)
    assert await page.inner_text("#homestate") == "Home not connected"
    served.broker.publish({f"{HMI}.CurrentLanguage": "ja"})
    await page.wait_for_function("document.documentElement.lang === 'ja'", timeout=4000)
    assert await page.inner_text("#homestate") == "ホーム未接続"
    assert await page.inner_text("#conn") == "接続中"  # the car's own screen is unaffected


async def test_companion_home_panel_follows_the_devices_role(browser: Any, served: Any, home: Path) -> None:
    token = await served.paired_token("guest")
    ctx = await browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 915}, is_mobile=True)
    await ctx.add_cookies([{"name": "renkei_session", "value": token, "url": served.url}])
    phone = await ctx.new_page()
    await phone.goto(f"{served.url}/companion/")
    await phone.wait_for_selector(row("cover.garage_door"), timeout=10_000)
    assert await phone.inner_text('section[data-panel="HOME"] h2') == "家居"
    assert await phone.inner_text(f"{row('light.porch')} .name") == "门廊灯"
    # a guest may look at the home, not open the garage: shown before trying, enforced when trying
    assert await phone.is_disabled(f"{row('cover.garage_door')} button[data-home-act=open]")
    assert await phone.is_disabled(f"{row('light.porch')} button[data-home-act=toggle]")
    status = await phone.evaluate(
        "fetch('/api/v1/home/cover.garage_door', {method: 'POST', headers: {'content-type': 'application/json'},"
        " body: JSON.stringify({state: 'open'})}).then(r => r.status)"
    )
    assert status == 403 and (await entities(home))["cover.garage_door"]["state"] == "closed"
    # the home's own changes reach the phone too
    async with HomeServiceClient(home) as client:
        await client.set("switch.plug", "on")
    await phone.wait_for_selector(f'{row("switch.plug")} .val[data-home-state="on"]', timeout=5000)
    assert await phone.inner_text(f"{row('switch.plug')} .val") == "开"
