"""The cockpit's Assistant panel and suggestion card in a real browser (Debian's Chromium via
Playwright), against the real assistant and profiles apps on the served broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from renkei.apps.assistant import AssistantSettings, run_assistant
from renkei.apps.profiles import Context, Place, Profile, ProfilesApp, ProfileStore
from renkei.broker import Principal
from renkei.client import InProcessClient
from renkei.runtime import COMPONENT_SCOPES

HMI = "Vehicle.Cabin.Infotainment.HMI"
REQUEST = f"{HMI}.AssistantRequest"
REPLY = f"{HMI}.AssistantReply"
SUGGESTION = f"{HMI}.Suggestion"
RESPONSE = f"{HMI}.SuggestionResponse"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
TEMP_PASSENGER = "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature"
WINDOW_PASSENGER = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position"
NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
MONDAY_0740 = datetime(2026, 3, 2, 7, 40)


def component(served: Any, name: str) -> InProcessClient:
    scope = COMPONENT_SCOPES[name]
    return InProcessClient(served.broker, Principal.from_scope_string(scope, subject=name), name=name)


@pytest.fixture
async def assistant(served: Any) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_assistant(component(served, "assistant"), AssistantSettings(), stop=stop))
    for _ in range(500):
        if served.broker.current_value(REPLY) is not None:  # its "ready" reply to nobody
            break
        await asyncio.sleep(0.01)
    yield
    stop.set()
    await asyncio.wait_for(task, 10)


@dataclass
class Profiles:
    app: ProfilesApp
    store: ProfileStore


@pytest.fixture
async def profiles(served: Any, tmp_path: Path) -> AsyncIterator[Profiles]:
    data = tmp_path / "profiles"
    store = ProfileStore(data)
    store.put(
        Profile(
            id="mei",
            display_name="Mei",
            places=[Place(name="Office", latitude=31.2304, longitude=121.4737, kind="work")],
        )
    )
    app = ProfilesApp(component(served, "profiles"), data, clock=lambda: MONDAY_0740)
    learner = app.learner
    for day in range(6):  # past weekday mornings: 21.5 °C and the office
        learner.start_session("mei", Context.at(datetime(2026, 2, 2 + day, 7, 35 + day)), now=1000.0 + day)
        learner.observe("mei", TEMP, 21.5)
        learner.observe("mei", f"{NAV}.Latitude", 31.2304)
        learner.observe("mei", f"{NAV}.Longitude", 121.4737)
        learner.end_session("mei")
    stop = asyncio.Event()
    task = asyncio.create_task(app.run(stop))
    await asyncio.wait_for(app.ready.wait(), 5)
    yield Profiles(app, store)
    stop.set()
    await asyncio.wait_for(task, 10)
    store.close()


async def open_cockpit(browser: Any, served: Any, width: int = 1400) -> Any:
    page = await (await browser.new_context(viewport={"width": width, "height": 1000})).new_page()
    await page.goto(served.login_url())
    await page.wait_for_selector("#conn.online", timeout=10_000)
    return page


async def ask(page: Any, text: str, seat: str = "driver") -> None:
    await page.select_option("#askseat", seat)
    await page.fill("#asktext", text)
    await page.click("#asksend")


async def test_typed_command_changes_the_car_in_three_languages(
    browser: Any, served: Any, assistant: None, shot: Callable[[str], Path]
) -> None:
    page = await open_cockpit(browser, served)
    assert await page.is_visible('section[data-panel="ASSISTANT"]')  # ASSISTANT is a default panel
    await ask(page, "set the temperature to 24", seat="passenger")
    answer = page.locator("#convo li.bot").last
    await answer.wait_for(timeout=8000)
    assert "24" in await answer.locator(".said").inner_text()
    assert await answer.locator(f'li[data-path="{TEMP_PASSENGER}"]').inner_text() == (
        "Cabin.HVAC.Station.Row1.Passenger.Temperature → 24"
    )
    # the car reached it, and the Climate panel shows the confirmed value
    await page.wait_for_function(
        f"document.querySelector('.val[data-path=\"{TEMP_PASSENGER}\"]').textContent === '24.0 °C'", timeout=4000
    )
    assert served.broker.current_value(TEMP_PASSENGER) == 24
    asked = json.loads(str(served.broker.get([REQUEST], field=_target())[REQUEST].value))  # type: ignore[union-attr]
    assert asked["seat"] == "passenger" and asked["lang"] == "en" and asked["speaker"] is None

    served.broker.publish({f"{HMI}.CurrentLanguage": "zh-CN"})
    await page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=4000)
    assert await page.inner_text('section[data-panel="ASSISTANT"] h2') == "语音助手"
    await ask(page, "把温度调到二十二度")
    await page.wait_for_selector("#convo li.bot >> text=主驾温度已调到22度。", timeout=8000)
    assert served.broker.current_value(TEMP) == 22

    served.broker.publish({f"{HMI}.CurrentLanguage": "ja"})
    await page.wait_for_function("document.documentElement.lang === 'ja'", timeout=4000)
    await ask(page, "助手席の窓を半分開けて")
    await page.wait_for_selector("#convo li.bot >> text=助手席の窓を50%にしました。", timeout=8000)
    await page.wait_for_function(
        f"document.querySelector('.val[data-path=\"{WINDOW_PASSENGER}\"]').textContent.startsWith('50 %')",
        timeout=4000,
    )
    assert await page.get_attribute("#asktext", "placeholder") == "コマンドを入力（例:「温度を22度にして」）"
    assert await page.locator("#convo li.me").count() == 3
    # the microphone hint only where cabin microphones reach the assistant
    assert not await page.is_visible("#askmic")
    await page.locator('section[data-panel="ASSISTANT"]').screenshot(path=shot("cockpit-assistant-ja.png"))


def _target() -> Any:
    from renkei.broker import Field

    return Field.TARGET


async def test_the_assistants_refusals_and_hostile_text_are_shown_not_run(
    browser: Any, served: Any, assistant: None
) -> None:
    page = await open_cockpit(browser, served)
    served.broker.publish({"Vehicle.Speed": 60.0, "Vehicle.IsMoving": True})
    await ask(page, "open the driver door")
    answer = page.locator("#convo li.bot").last
    await answer.wait_for(timeout=8000)
    assert await answer.locator("li[data-path]").count() == 0  # nothing changed
    hostile = '<img src=x onerror="window.__pwned=1"> [bold]x[/bold]'
    await ask(page, hostile)
    await page.wait_for_selector(f"#convo li.me >> text={hostile}", timeout=4000)  # shown as text
    await page.locator("#convo li.bot").nth(1).wait_for(timeout=8000)
    assert await page.evaluate("window.__pwned") is None
    # replies to someone else's (spoken) request show as such, old ones do not
    served.broker.publish({REPLY: json.dumps({"id": "voice-1", "text": "A/C on.", "changes": []})})
    await page.wait_for_selector("#convo li.other >> text=A/C on.", timeout=4000)
    for junk in ("not json", "[1]", '{"id": "x", "changes": "all"}', json.dumps({"id": None, "voice": True})):
        served.broker.publish({REPLY: junk})
    await page.wait_for_selector("#askmic", state="visible", timeout=4000)  # the status said: voice
    assert await page.locator("#convo li.other").count() == 2  # the bad "changes" list shows no changes


async def test_assistant_not_running_is_said(browser: Any, served: Any) -> None:
    page = await open_cockpit(browser, served)
    await ask(page, "lock the car")
    await page.wait_for_selector("#convo li.err", timeout=4000)
    assert await page.inner_text("#convo li.err") == "The assistant is not running in the car right now."


async def test_suggestion_appears_and_accept_carries_it_out(
    browser: Any, served: Any, profiles: Profiles, shot: Callable[[str], Path]
) -> None:
    page = await open_cockpit(browser, served)
    assert await page.is_hidden("#suggestion")
    await served.broker.actuate({f"{HMI}.ActiveProfile": "mei"})  # Mei gets in on a weekday morning
    await page.wait_for_selector("#suggestion:not([hidden])", timeout=6000)
    offered = json.loads(str(served.broker.current_value(SUGGESTION)))
    assert await page.inner_text("#sgtext") == offered["text"]["en"]
    assert "work" in offered["text"]["en"]
    served.broker.publish({f"{HMI}.CurrentLanguage": "zh-CN"})
    await page.wait_for_function(
        f"document.getElementById('sgtext').textContent === {json.dumps(offered['text']['zh-CN'])}", timeout=4000
    )
    assert await page.inner_text("#sgaccept") == "接受"
    top = {"x": 0, "y": 0, "width": 1400, "height": 360}
    await page.screenshot(path=shot("cockpit-suggestion-zh-CN.png"), clip=top)
    await page.click("#sgaccept")
    await page.wait_for_selector("#suggestion", state="hidden", timeout=4000)
    for _ in range(100):
        if served.broker.current_value(f"{NAV}.Latitude") == 31.2304:
            break
        await asyncio.sleep(0.05)
    assert served.broker.current_value(TEMP) == 21.5
    assert served.broker.current_value(f"{NAV}.Longitude") == 121.4737
    session = profiles.app.learner.current("mei")
    assert session is not None and TEMP in session.accepted


async def test_suggestion_dismissed_withdrawn_or_expired_leaves(browser: Any, served: Any, profiles: Profiles) -> None:
    page = await open_cockpit(browser, served)
    await served.broker.actuate({f"{HMI}.ActiveProfile": "mei"})
    await page.wait_for_selector("#suggestion:not([hidden])", timeout=6000)
    await page.click("#sgdismiss")
    await page.wait_for_selector("#suggestion", state="hidden", timeout=4000)
    assert served.broker.current_value(SUGGESTION) == "{}"
    assert served.broker.current_value(f"{NAV}.Latitude") != 31.2304  # dismissed: nothing done
    # a card that expires while shown goes away by itself; malformed ones never show
    import time

    soon = {"id": "s-x", "person": "mei", "text": {"en": "Warmer?"}, "actions": [], "expires": time.time() + 1.5}
    served.broker.publish({SUGGESTION: json.dumps(soon)})
    await page.wait_for_selector("#suggestion:not([hidden])", timeout=4000)
    await page.wait_for_selector("#suggestion", state="hidden", timeout=4000)
    for bad in ("nope", "[]", '{"id": 5, "text": {"en": "x"}, "expires": 9e12}', '{"id": "a", "expires": 9e12}'):
        served.broker.publish({SUGGESTION: bad})
    await asyncio.sleep(0.3)
    assert await page.is_hidden("#suggestion")
    # answering one the learner no longer knows: the card says why and leaves
    served.broker.publish(
        {SUGGESTION: json.dumps({"id": "s-gone", "text": {"en": "Seat heating?"}, "expires": time.time() + 60})}
    )
    await page.wait_for_selector("#suggestion:not([hidden])", timeout=4000)
    await page.click("#sgaccept")
    await page.wait_for_selector(".toast >> text=no open suggestion", timeout=4000)
    await page.wait_for_selector("#suggestion", state="hidden", timeout=4000)


async def test_a_guest_device_sees_why_it_cannot_ask_or_answer(browser: Any, served: Any, assistant: None) -> None:
    token = await served.paired_token("guest")
    ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
    await ctx.add_cookies([{"name": "renkei_session", "value": token, "url": served.url}])
    page = await ctx.new_page()
    await page.goto(f"{served.url}/cockpit/")
    await page.wait_for_selector("#askdenied:not([hidden])", timeout=10_000)
    assert "This device may not use the assistant" in await page.inner_text("#askdenied")
    assert "Guest" in await page.inner_text("#askdenied")
    assert await page.is_disabled("#asktext") and await page.is_disabled("#asksend")
    served.broker.publish({SUGGESTION: json.dumps({"id": "s-1", "text": {"en": "Warmer?"}, "expires": 9e9})})
    await page.wait_for_selector("#sgdenied", timeout=4000)
    assert await page.is_disabled("#sgaccept")
    # the broker enforces it too: the guest's socket cannot actuate the request
    refused = await page.evaluate(
        "window.renkei.link.actuate({'Vehicle.Cabin.Infotainment.HMI.AssistantRequest': "
        "JSON.stringify({id: 'g', text: 'unlock the car'})}).then(() => 'ok', (e) => e.code)"
    )
    assert refused == "PERMISSION_DENIED"


async def test_in_renkei_run_a_typed_command_moves_the_simulated_car(
    browser: Any, tmp_path: Path, renkei_platform: Any
) -> None:
    """The whole platform as a newcomer starts it: `renkei run`, its cockpit link, a typed command."""
    import re

    async with renkei_platform(tmp_path / "run") as run:
        login = None
        for _ in range(100):  # the banner with the one-time cockpit link follows run.json
            found = re.search(r"(http://\S+/cockpit/login\?once=\S+)", run.output())
            if found:
                login = found.group(1)
                break
            await asyncio.sleep(0.1)
        assert login, run.output()
        page = await (await browser.new_context(viewport={"width": 1400, "height": 1000})).new_page()
        await page.goto(login)
        await page.wait_for_selector("#conn.online", timeout=10_000)
        await page.select_option("#lang", "zh-CN")  # the person switches the screen to Chinese
        await page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=4000)
        await ask(page, "把副驾温度调到二十五度", seat="driver")
        await page.wait_for_selector("#convo li.bot", timeout=10_000)
        assert "25" in await page.inner_text("#convo li.bot .said"), run.output()[-2000:]
        await page.wait_for_function(
            f"document.querySelector('.val[data-path=\"{TEMP_PASSENGER}\"]').textContent === '25.0 °C'",
            timeout=6000,
        )
