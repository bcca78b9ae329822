"""Commands a person or program gives the home: parsed strictly, refused clearly."""

from __future__ import annotations

import pytest

from renkei.apps.home.entities import Entity, HomeError, HomeState, make_command, parse_state


@pytest.mark.parametrize(
    ("entity", "state", "service", "data"),
    [
        ("light.living_room", "on", "turn_on", {}),
        ("light.living_room", "OFF", "turn_off", {}),
        ("light.porch", "40%", "turn_on", {"brightness_pct": 40}),
        ("light.porch", "#FF8800", "turn_on", {"rgb_color": [255, 136, 0]}),
        ("climate.home", "21.5", "set_temperature", {"temperature": 21.5}),
        ("climate.home", "22°C", "set_temperature", {"temperature": 22.0}),
        ("climate.home", "heat", "set_hvac_mode", {"hvac_mode": "heat"}),
        ("cover.garage_door", "open", "open_cover", {}),
        ("cover.garage_door", "closed", "close_cover", {}),
        ("lock.front_door", "unlock", "unlock", {}),
        ("switch.plug", "toggle", "toggle", {}),
        ("scene.evening", "activate", "turn_on", {}),
    ],
)
def test_words_become_service_calls(entity: str, state: str, service: str, data: dict[str, object]) -> None:
    command = parse_state(entity, state)
    assert (command.entity_id, command.service, command.data) == (entity, service, data)


@pytest.mark.parametrize(
    ("entity", "state", "code", "fragment"),
    [
        ("Light.Living", "on", "bad-entity", "not an entity id"),
        ("living_room", "on", "bad-entity", "domain.name"),
        ("light.living_room", "", "bad-state", "give a state"),
        ("light.living_room", "x" * 1000, "bad-state", "give a state"),
        ("light.living_room", "150%", "bad-state", "brightness_pct must be a number from 0 to 100"),
        ("light.living_room", "purple", "bad-state", "'purple' is not a state for light"),
        ("climate.home", "99", "bad-state", "temperature must be a number from 5 to 35"),
        ("climate.home", "boil", "bad-state", "not a state for climate"),
        ("sensor.outside", "on", "unsupported", "cannot be commanded"),
        ("vacuum.robot", "on", "unsupported", "cannot be commanded"),
        ("cover.garage_door", "on", "bad-state", "open, close"),
    ],
)
def test_bad_states_are_named(entity: str, state: str, code: str, fragment: str) -> None:
    with pytest.raises(HomeError) as err:
        parse_state(entity, state)
    assert err.value.code == code
    assert fragment in str(err.value)


def test_make_command_checks_service_and_data() -> None:
    with pytest.raises(HomeError, match="light has no service 'explode'"):
        make_command("light.porch", "explode")
    with pytest.raises(HomeError, match="takes no 'colour'"):
        make_command("light.porch", "turn_on", {"colour": "red"})
    with pytest.raises(HomeError, match="rgb_color must be three integers"):
        make_command("light.porch", "turn_on", {"rgb_color": [1, 2, 300]})
    with pytest.raises(HomeError, match="hvac_mode must be one of"):
        make_command("climate.home", "set_hvac_mode", {"hvac_mode": True})
    assert make_command("cover.garage_door", "open_cover").unsafe
    assert not make_command("light.porch", "turn_on").unsafe


async def test_state_watchers_see_changes_and_never_block() -> None:
    state = HomeState()
    queue = state.watch(size=2)
    for level in range(5):
        state.update(Entity("light.porch", "Porch", "on", attributes={"brightness": level}))
    state.update(Entity("light.porch", "Porch", "on", attributes={"brightness": 4}))  # no change: no event
    events = [queue.get_nowait() for _ in range(queue.qsize())]
    # bounded: the oldest were dropped, the newest kept
    assert [e["entity"]["attributes"]["brightness"] for e in events] == [3, 4]
