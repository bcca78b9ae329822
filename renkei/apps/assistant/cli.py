"""`renkei ask "TEXT"`: one utterance through the assistant, printing the reply and every change.

The lead mounts `ask_command` on the main `renkei` app. It runs against a car in this
process (`local.py`: the default catalog and a stand-in vehicle that confirms every
actuation); running against the live platform over gRPC is the lead's next step.

    renkei ask "set the temperature to 22 and open my window" --seat passenger
    renkei ask "把空调调到二十二度" --lang zh-CN
    renkei ask "助手席の窓を半分開けて" --lang ja --json
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from renkei.apps.assistant.assistant import AskResult, Assistant, AssistantInputError
from renkei.apps.assistant.local import local_car
from renkei.apps.assistant.settings import SEATS, AssistantSettings

HEADINGS = {
    "en": ("signal", "value", "home"),
    "zh-CN": ("信号", "值", "家居"),
    "ja": ("信号", "値", "ホーム"),
}


async def ask_local(
    text: str, *, lang: str, seat: str, speaker: str | None, settings: AssistantSettings | None = None
) -> AskResult:
    async with local_car() as car:
        assistant = Assistant(car.client, settings or AssistantSettings())
        return await assistant.handle_text(text, lang=lang, seat=seat, speaker=speaker)


def ask_command(
    text: Annotated[str, typer.Argument(help="What the person says or types.")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="en, zh-CN or ja.")] = "en",
    seat: Annotated[str, typer.Option("--seat", "-s", help=f"Where the voice comes from: {', '.join(SEATS)}.")] = (
        "driver"
    ),
    speaker: Annotated[str | None, typer.Option("--speaker", help="Who is speaking (a profile name).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run one utterance through the voice assistant and show the reply and every change it caused."""
    console = Console()
    try:
        result = asyncio.run(ask_local(text, lang=lang, seat=seat, speaker=speaker))
    except AssistantInputError as err:
        console.print(Text(str(err), style="red"))  # the message quotes user input: never markup
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    print_result(console, result)


def print_result(console: Console, result: AskResult) -> None:
    console.print(Text(result.text, style="bold"))  # replies may quote the user or a model
    heads = HEADINGS.get(result.lang, HEADINGS["en"])
    if result.changes:
        table = Table(show_header=True)
        table.add_column(heads[0])
        table.add_column(heads[1])
        for change in result.changes:
            table.add_row(Text(change.path), Text(_show(change.value)))
        console.print(table)
    for home in result.home_commands:
        console.print(Text(f"{heads[2]}: {home.intent} {json.dumps(dict(home.slots), ensure_ascii=False)}"))


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def main() -> None:  # pragma: no cover - `python -m renkei.apps.assistant.cli "..."`
    typer.run(ask_command)


if __name__ == "__main__":  # pragma: no cover
    main()
