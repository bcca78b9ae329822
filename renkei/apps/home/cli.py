"""`renkei home`: list and change home devices through the running home app.

The commands talk to the home app's service socket (`<data dir>/home.sock`, see service.py),
so they work the same whatever the back end (simulated, MQTT, Home Assistant). `check`
validates an automations file without anything running.

    renkei home ls
    renkei home set light.living_room 40%
    renkei home set climate.home 21.5
    renkei home watch
    renkei home check my-automations.yaml
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from renkei.apps.home.automations import AutomationFileError, load_automations
from renkei.apps.home.entities import HomeError, check_entity_id
from renkei.apps.home.messages import message, state_word
from renkei.apps.home.service import HomeServiceClient, HomeServiceError
from renkei.apps.home.settings import default_socket
from renkei.i18n import current_lang

app = typer.Typer(help="The home: list devices and change them (whatever the home back end is).", no_args_is_help=True)

SocketOption = Annotated[
    Path | None, typer.Option("--socket", help="the home app's service socket (default: <data dir>/home.sock)")
]


def _socket(path: Path | None) -> Path:
    return path or default_socket()


def _fail(text: str, code: int = 1) -> None:
    reason = escape(message("cli.error", current_lang(), reason=text))  # user text is never markup
    Console(stderr=True).print(f"[red]{reason}[/red]", highlight=False)
    raise typer.Exit(code)


def _details(entity: dict[str, Any]) -> str:
    attrs = entity.get("attributes") or {}
    parts = []
    domain = str(entity.get("entity_id", "")).split(".")[0]
    if domain == "light" and entity.get("state") == "on" and isinstance(attrs.get("brightness"), int | float):
        parts.append(f"{round(attrs['brightness'] * 100 / 255)}%")
    if domain == "climate":
        if attrs.get("temperature") is not None:
            parts.append(f"→ {attrs['temperature']} °C")
        if attrs.get("current_temperature") is not None:
            parts.append(f"({attrs['current_temperature']} °C)")
    return " ".join(parts)


async def _ls(socket: Path) -> dict[str, Any]:
    async with HomeServiceClient(socket) as home:
        return await home.ls()


@app.command("ls")
def ls(
    socket: SocketOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the home's devices with their state."""
    lang = current_lang()
    path = _socket(socket)
    try:
        home = asyncio.run(_ls(path))
    except HomeServiceError as err:
        _fail(message("cli.not_running", lang, socket=path) if err.code == "not-running" else str(err))
        return
    if as_json:
        typer.echo(json.dumps(home, ensure_ascii=False, indent=2))
        return
    areas = {a["id"]: (a.get("names") or {}).get(lang) or a["name"] for a in home.get("areas", [])}
    table = Table(title=message("home.title", lang))
    table.add_column(message("cli.entity", lang), no_wrap=True)  # ids are typed back: never cut
    for key in ("cli.name", "cli.area", "cli.state", "cli.details"):
        table.add_column(message(key, lang))
    for entity in home.get("entities", []):
        name = (entity.get("names") or {}).get(lang) or entity.get("name", "")
        area = areas.get(entity.get("area") or "", entity.get("area") or "")
        state = state_word(str(entity.get("state", "")), lang)
        table.add_row(entity["entity_id"], name, area, state, _details(entity))
    console = Console()
    console.print(table)
    if not home.get("online"):
        console.print(f"[yellow]{message('cli.offline_note', lang)}[/yellow]")


async def _set(socket: Path, entity_id: str, state: str) -> dict[str, Any] | None:
    async with HomeServiceClient(socket) as home:
        return await home.set(entity_id, state)


@app.command("set")
def set_state(
    entity: Annotated[str, typer.Argument(help="entity id, e.g. light.living_room or climate.home")],
    state: Annotated[str, typer.Argument(help="on, off, 40%, #ff8800, 21.5, heat, open, close, lock, unlock ...")],
    socket: SocketOption = None,
) -> None:
    """Change one device: `renkei home set light.living_room on`."""
    lang = current_lang()
    try:
        check_entity_id(entity)
    except HomeError as err:
        _fail(str(err), 2)
    path = _socket(socket)
    try:
        result = asyncio.run(_set(path, entity, state))
    except HomeServiceError as err:
        _fail(message("cli.not_running", lang, socket=path) if err.code == "not-running" else str(err))
        return
    shown = result.get("state", "?") if result else "?"
    detail = _details(result) if result else ""
    typer.echo(message("cli.done", lang, entity=entity, state=f"{shown} {detail}".strip()))


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="an automations YAML file")]) -> None:
    """Validate an automations file; every problem names the automation and the field."""
    try:
        config = load_automations(file)
    except AutomationFileError as err:
        for problem in err.problems:
            typer.echo(problem, err=True)
        raise typer.Exit(1) from None
    typer.echo(message("cli.valid", current_lang(), file=file, count=len(config.automations)))


async def _watch(socket: Path, count: int | None, lang: str) -> None:
    async with HomeServiceClient(socket, timeout=float("inf")) as home:
        await home.request({"op": "watch"})  # the snapshot comes first
        seen = 0
        while count is None or seen < count:
            event = await home.next_event()
            seen += 1
            if event.get("event") == "state":
                entity = event["entity"]
                name = (entity.get("names") or {}).get(lang) or entity.get("name", "")
                state = state_word(str(entity.get("state", "")), lang)
                typer.echo(f"{entity['entity_id']} ({name}): {state} {_details(entity)}".rstrip())
            elif event.get("event") == "removed":
                typer.echo(f"{event['entity_id']}: -")
            else:
                typer.echo(str(event.get("event")))


@app.command("watch")
def watch(
    socket: SocketOption = None,
    count: Annotated[int | None, typer.Option("--count", min=1, help="stop after this many changes")] = None,
) -> None:
    """Follow the home live: one line per change (Ctrl+C stops)."""
    lang = current_lang()
    path = _socket(socket)
    try:
        asyncio.run(_watch(path, count, lang))
    except HomeServiceError as err:
        _fail(message("cli.not_running", lang, socket=path) if err.code == "not-running" else str(err))
    except KeyboardInterrupt:
        pass


async def _request(socket: Path, op: str) -> dict[str, Any]:
    async with HomeServiceClient(socket) as home:
        return await home.request({"op": op})


@app.command("runs")
def runs(socket: SocketOption = None) -> None:
    """Recent automation runs and why each one fired."""
    lang = current_lang()
    path = _socket(socket)
    try:
        reply = asyncio.run(_request(path, "runs"))
    except HomeServiceError as err:
        _fail(message("cli.not_running", lang, socket=path) if err.code == "not-running" else str(err))
        return
    for run in reply.get("runs", []):
        name = (run.get("name") or {}).get(lang) or run.get("automation")
        typer.echo(f"{run.get('at', 0):.0f} {name}: {run.get('why')} → {'ok' if run.get('ok') else 'failed'}")
