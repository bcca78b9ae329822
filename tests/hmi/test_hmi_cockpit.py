"""The cockpit in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from renkei.hmi import STATIC_DIR

HMI = "Vehicle.Cabin.Infotainment.HMI"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
LABELS: dict[str, dict[str, str]] = json.loads((STATIC_DIR / "i18n.json").read_text())


async def open_cockpit(browser: Any, served: Any, **context: Any) -> Any:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, **context)
    page = await ctx.new_page()
    await page.goto(served.login_url())
    await page.wait_for_selector("#conn.online", timeout=10_000)
    return page


async def test_cockpit_without_login_says_how_to_get_in(browser: Any, served: Any) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(served.url + "/cockpit/")
    banner = page.locator("#banner")
    await banner.wait_for(state="visible", timeout=10_000)
    assert "renkei run" in await banner.inner_text()
    # a login link works exactly once
    link = served.login_url()
    assert (await served.http.get(link, follow_redirects=False)).status_code == 303
    second = await served.http.get(link, follow_redirects=False)
    assert second.status_code == 401 and "already used" in second.json()["error"]["message"]


async def test_cockpit_renders_driving_map_and_notifications(
    browser: Any, served: Any, shot: Callable[[str], Path]
) -> None:
    page = await open_cockpit(browser, served)
    await page.wait_for_function("document.getElementById('soc').textContent === '76 %'")
    assert await page.inner_text("#range") == "341 km"
    assert await page.inner_text("#speed") == "0"
    assert await page.locator("#gear span.on").inner_text() == "P"
    assert await page.locator("#map [data-layer=route]").count() == 1
    assert await page.locator("#map [data-layer=car]").count() == 1
    assert await page.locator("#map [data-layer=destination]").count() == 1
    served.broker.publish({"Vehicle.Speed": 87.0, "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 12.0})
    await page.wait_for_function("document.getElementById('speed').textContent === '87'", timeout=4000)
    assert "warn.lowsoc" in await page.locator("#warnings li").first.get_attribute("data-warning")
    note = {
        "id": "n1",
        "source": "home",
        "level": "warning",
        "title": {"en": "Garage door open", "zh-CN": "车库门未关", "ja": "ガレージが開いています"},
        "body": {"en": "Close it?", "zh-CN": "要关闭吗？", "ja": "閉めますか？"},
    }
    served.broker.publish({f"{HMI}.Notification": json.dumps(note)})
    await page.wait_for_selector("#notes li[data-note=n1]", timeout=4000)
    assert "Garage door open" in await page.inner_text("#notes li[data-note=n1]")
    served.broker.publish({f"{HMI}.Notification": "{not json"})  # a broken notification is ignored
    served.broker.publish({"Vehicle.Speed": 0.0, "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 76.0})
    await page.wait_for_function("document.getElementById('speed').textContent === '0'", timeout=4000)
    await page.screenshot(path=shot("cockpit-en.png"), full_page=True)


async def test_control_actuates_and_shows_the_confirmed_value(browser: Any, served: Any) -> None:
    page = await open_cockpit(browser, served)
    cell = page.locator(f'.val[data-path="{TEMP}"]')
    await page.wait_for_function(f"document.querySelector('.val[data-path=\"{TEMP}\"]').textContent === '21.0 °C'")
    served.car.delay = 0.6  # a slow actuator: the screen must wait for it
    await page.click(f'button[data-act="{TEMP}"][data-dir="+"]')
    await page.wait_for_selector(f'.val.pending[data-path="{TEMP}"]', timeout=4000)
    assert (await cell.inner_text()).startswith("21.0 °C")  # still the confirmed value
    await page.wait_for_function(
        f"(() => {{ const c = document.querySelector('.val[data-path=\"{TEMP}\"]');"
        " return c.textContent === '21.5 °C' && !c.classList.contains('pending'); })()",
        timeout=3000,
    )
    assert served.broker.current_value(TEMP) == 21.5
    # the car refuses to go further: the cockpit shows what the car reports, not the wish
    served.car.delay = 0.0
    served.broker.publish({TEMP: 19.0})
    await page.wait_for_function(f"document.querySelector('.val[data-path=\"{TEMP}\"]').textContent === '19.0 °C'")
    # locking through the cockpit
    served.broker.publish({"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": False})
    await page.wait_for_function("document.getElementById('lockstate').textContent === 'Unlocked'")
    await page.click("#lock")
    await page.wait_for_function("document.getElementById('lockstate').textContent === 'Locked'", timeout=3000)


async def test_language_switch_changes_every_label(browser: Any, served: Any, shot: Callable[[str], Path]) -> None:
    page = await open_cockpit(browser, served)
    pairs_js = "els => els.map(e => [e.dataset.i18n, e.textContent])"  # one snapshot: panels may re-order
    english = await page.eval_on_selector_all("[data-i18n]", pairs_js)
    assert len(english) > 60
    assert [t for _, t in english] == [LABELS[k]["en"] for k, _ in english]
    for lang in ("zh-CN", "ja"):
        await page.select_option("#lang", lang)
        await page.wait_for_function(f"document.documentElement.lang === '{lang}'", timeout=4000)
        shown = await page.eval_on_selector_all("[data-i18n]", pairs_js)
        wrong = [(k, t) for k, t in shown if t != LABELS[k][lang]]
        assert not wrong, wrong[:5]
        assert len(shown) == len(english)
        assert served.broker.current_value(f"{HMI}.CurrentLanguage") == lang
        if lang == "zh-CN":
            await page.wait_for_function("document.getElementById('soc').textContent === '76 %'")
            await page.screenshot(path=shot("cockpit-zh-CN.png"), full_page=True)


async def test_profile_switch_relays_the_screen_live(browser: Any, served: Any, shot: Callable[[str], Path]) -> None:
    page = await open_cockpit(browser, served)
    # what a profile app does when a different driver gets in: actuate the HMI settings
    await served.broker.actuate(
        {
            f"{HMI}.ActiveProfile": "mei",
            f"{HMI}.DayNightMode": "NIGHT",
            f"{HMI}.FontSize": "LARGE",
            f"{HMI}.DistanceUnit": "MILES",
            f"{HMI}.TemperatureUnit": "F",
            f"{HMI}.VisiblePanels": ["DRIVING", "CLIMATE", "MAP"],
        }
    )
    served.broker.publish({f"{HMI}.CurrentLanguage": "ja"})
    await page.wait_for_function("document.documentElement.dataset.theme === 'NIGHT'", timeout=4000)
    await page.wait_for_function("document.documentElement.lang === 'ja'", timeout=4000)
    assert await page.inner_text("#profile") == "mei"
    assert await page.evaluate("document.documentElement.dataset.size") == "LARGE"
    assert await page.inner_text("#range") == "212 mi"
    assert await page.inner_text(f'.val[data-path="{TEMP}"]') == "70 °F"
    hidden = await page.eval_on_selector_all(
        "section.panel", "els => els.filter(e => e.hidden).map(e => e.dataset.panel)"
    )
    assert set(hidden) == {"SEATS", "BODY", "LIGHTS", "CHARGING", "HOME", "ASSISTANT", "NOTIFICATIONS"}
    await page.screenshot(path=shot("cockpit-ja-night.png"), full_page=True)


async def test_screen_updates_without_reload(browser: Any, served: Any) -> None:
    page = await open_cockpit(browser, served)
    await page.evaluate("window.__marker = 1")
    for speed in (10.0, 20.0, 30.0):
        served.broker.publish({"Vehicle.Speed": speed})
        await page.wait_for_function(f"document.getElementById('speed').textContent === '{speed:.0f}'", timeout=3000)
    assert await page.evaluate("window.__marker") == 1
