"""The `renkei` command.

    renkei run [--scenario FILE | --can CHANNEL --vehicle MODEL] [--insecure]
    renkei ls [PATTERN]                 # catalog metadata (no running platform needed)
    renkei get PATH...                  # current (or --target) values from the running platform
    renkei set PATH VALUE               # parsed by datatype; actuators are actuated
    renkei watch PATTERN...             # live table
    renkei token issue --scope "read:Vehicle actuate:Vehicle.Cabin"

Flow: settings (TOML file + RENKEI_* variables) → for commands that talk to a
running platform, `run.json` in the data directory gives the gRPC address and the
CLI token file that `renkei run` wrote → one `VehicleClient` over gRPC.
Capabilities add their own sub-commands (sim, can, replay, home, ask, profiles).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from renkei.broker import BrokerError, Datapoint, ErrorCode, Field, TokenIssuer
from renkei.broker.access import ScopeError
from renkei.i18n import text
from renkei.runtime import RunOptions, load_catalog, run_platform, running_platform
from renkei.settings import Settings, SettingsError, load_settings
from renkei.vss import CatalogError, EntryType, PatternError, Signal, ValueRuleError, parse_text

app = typer.Typer(no_args_is_help=True, help="renkei (連携): an open platform for smart electric vehicles.")
token_app = typer.Typer(no_args_is_help=True, help="Mint access tokens (KUKSA-compatible JWT scopes).")
app.add_typer(token_app, name="token")
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as err:
        raise fail(str(err)) from None


@contextlib.contextmanager
def plain_errors() -> Iterator[None]:
    """Turn the platform's typed errors into one readable line and exit code 1."""
    try:
        yield
    except BrokerError as err:
        raise fail(f"{err} [{err.code.value}]") from None
    except (CatalogError, PatternError, ValueRuleError, ScopeError) as err:
        raise fail(str(err)) from None


def run_async(coro: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


# -- run ---------------------------------------------------------------------------------------
@app.command()
def run(
    scenario: Annotated[Path | None, typer.Option(help="Simulator scenario file (YAML).")] = None,
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second; 0 = as fast as possible.")] = 1.0,
    can: Annotated[str | None, typer.Option(help="Drive from this CAN channel instead of the simulator.")] = None,
    interface: Annotated[str, typer.Option(help="python-can interface for --can.")] = "socketcan",
    vehicle: Annotated[str | None, typer.Option(help="Vehicle model (DBC mapping) for --can.")] = None,
    insecure: Annotated[bool, typer.Option(help="No tokens needed (development only).")] = False,
    grpc_port: Annotated[int | None, typer.Option(help="gRPC port (0 = any free port).")] = None,
    http_port: Annotated[int | None, typer.Option(help="HTTP port for the cockpit (0 = any free port).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory (default: per-user).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the platform: broker, simulated vehicle, apps and the web cockpit."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    overrides: dict[str, Any] = {}
    if insecure:
        overrides["insecure"] = True
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = settings_or_exit(**overrides)
    if grpc_port is not None:
        settings.grpc.port = grpc_port
    if http_port is not None:
        settings.http.port = http_port
    if not (speed >= 0):
        raise fail(f"--speed must be 0 or more, not {speed}")
    if scenario is not None and not scenario.is_file():
        raise fail(f"scenario file {scenario} does not exist")
    options = RunOptions(
        scenario=scenario,
        speed=math.inf if speed == 0 else speed,
        can_channel=can,
        can_interface=interface,
        vehicle=vehicle,
    )

    def banner(platform: Any) -> None:
        if platform.auth.insecure:
            console.print(Panel(text("cli.insecure"), style="bold white on red"))
        table = Table.grid(padding=(0, 2))
        table.add_row(text("cli.grpc"), platform.endpoints.get("grpc", "?"))
        if "http" in platform.endpoints:
            table.add_row("HTTP", platform.endpoints["http"])
        if not platform.auth.insecure:
            table.add_row(text("cli.token_file"), str(platform.settings.cli_token_path))
        console.print(Panel(table, title="renkei", subtitle=text("cli.watch_hint")))
        cockpit = platform.endpoints.get("cockpit") or platform.endpoints.get("http")
        if cockpit:
            # On its own line, never wrapped or cut: a terminal makes it clickable as a whole.
            console.print(f"{text('cli.cockpit')}:")
            console.print(cockpit, markup=False, highlight=False, overflow="ignore", crop=False, soft_wrap=True)
        console.print(text("cli.started"))

    with plain_errors():
        try:
            run_async(run_platform(settings, options, on_ready=banner))
        except (OSError, ValueError) as err:
            raise fail(str(err)) from None
    console.print(text("cli.stopping"))


# -- catalog ------------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


@app.command("ls")
def list_signals(
    pattern: Annotated[str, typer.Argument(help="Path, branch or wildcard (* one level, ** any depth).")] = "Vehicle",
    catalog_file: Annotated[
        list[Path] | None, typer.Option("--catalog", help="VSS JSON export(s) instead of the built-in catalog.")
    ] = None,
    overlay: Annotated[list[Path] | None, typer.Option(help="Overlay file(s) applied in order.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the signals under PATTERN with their metadata."""
    settings = settings_or_exit()
    with plain_errors():
        if catalog_file:
            settings.catalog = list(catalog_file)
        if overlay:
            settings.overlays = list(overlay)
        catalog = load_catalog(settings)
        signals = catalog.match(pattern)
    if not signals:
        raise fail(
            f"no signal matches {pattern!r}; try `renkei ls Vehicle.Cabin` or a wildcard like `Vehicle.**.IsOpen`"
        )
    if as_json:
        records = [
            {
                k: v
                for k, v in {
                    "path": s.path,
                    "type": s.entry_type.value,
                    "datatype": s.datatype,
                    "unit": s.unit,
                    "min": s.min,
                    "max": s.max,
                    "allowed": list(s.allowed) if s.allowed else None,
                    "description": s.description,
                }.items()
                if v is not None
            }
            for s in signals
        ]
        console.print_json(json.dumps(records))
        return
    rows = [
        (
            s.path,
            s.entry_type.value,
            s.datatype,
            _fmt(s.unit),
            "" if s.min is None and s.max is None else f"{_fmt(s.min)}..{_fmt(s.max)}",
            _fmt(s.allowed),
            s.description.split("\n")[0],
        )
        for s in signals
    ]
    table = Table(title=f"{pattern} — {len(signals)} signals", show_lines=False)
    # Rich squeezes no-wrap columns to nothing when one column is long, so the widths
    # are decided here: every column keeps its content, the description gets the rest.
    names = ("path", "type", "datatype", "unit", "range", "allowed")
    widths = [max(len(name), *(len(r[i]) for r in rows)) for i, name in enumerate(names)]
    widths[5] = min(widths[5], 28)
    rest = max(12, console.width - sum(widths) - 3 * len(names) - 4)
    for name, width in zip(names, widths, strict=True):
        table.add_column(name, no_wrap=True, overflow="ellipsis", width=width)
    table.add_column("description", no_wrap=True, overflow="ellipsis", width=rest)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


# -- talking to a running platform --------------------------------------------------------------
async def _with_client(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from renkei.client.grpc import GrpcClient

    address, token = running_platform(settings)
    client = GrpcClient(address, token=token)
    try:
        await client.connect()
    except BrokerError as err:
        if err.code is ErrorCode.UNAVAILABLE:
            raise fail(text("cli.not_running", address=address, reason=err.message)) from None
        raise

    try:
        return await work(client)
    finally:
        await client.close()


def _plain(value: Any) -> Any:
    """A float that came through a 32-bit field (30.950000762939453) shown as 30.95."""
    if isinstance(value, float):
        import numpy

        narrow = numpy.float32(value)
        return float(str(narrow)) if float(narrow) == value else value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _show_value(dp: Datapoint | None) -> str:
    if dp is None or dp.value is None:
        return "—"
    value = _plain(dp.value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | str) else str(value)


@app.command()
def get(
    paths: Annotated[list[str], typer.Argument(help="Paths, branches or wildcards.")],
    target: Annotated[bool, typer.Option(help="Show actuator targets instead of current values.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Read values from the running platform."""
    settings = settings_or_exit()

    async def work(client: Any) -> dict[str, Datapoint | None]:
        result: dict[str, Datapoint | None] = await client.get(paths, Field.TARGET if target else Field.CURRENT)
        return result

    with plain_errors():
        values = run_async(_with_client(settings, work))
    if as_json:
        console.print_json(json.dumps({p: (None if d is None else _plain(d.value)) for p, d in values.items()}))
        return
    table = Table(show_header=True)
    table.add_column("path")
    table.add_column("target" if target else "value")
    for path, dp in values.items():
        table.add_row(escape(path), escape(_show_value(dp)))
    console.print(table)


@app.command("set")
def set_value(
    path: Annotated[str, typer.Argument(help="One signal path.")],
    value: Annotated[str, typer.Argument(help="Value, written as for its datatype (true, 21.5, [1,2], text).")],
) -> None:
    """Change a signal: actuators are actuated (the car confirms), others are published."""
    settings = settings_or_exit()

    async def work(client: Any) -> str:
        signals: list[Signal] = await client.metadata(path)
        exact = [s for s in signals if s.path == path]
        if not exact:
            raise fail(f"{path} is a branch, not one signal; name a leaf such as {signals[0].path}")
        signal = exact[0]
        parsed = parse_text(signal, value)
        if signal.entry_type is EntryType.ACTUATOR:
            await client.actuate({path: parsed})
            return f"{path} ← {json.dumps(parsed, ensure_ascii=False)} (target sent to the vehicle)"
        await client.publish({path: parsed})
        return f"{path} = {json.dumps(parsed, ensure_ascii=False)}"

    with plain_errors():
        console.print(run_async(_with_client(settings, work)), markup=False, highlight=False)


@app.command()
def watch(
    patterns: Annotated[list[str], typer.Argument(help="Paths, branches or wildcards to follow.")],
    interval: Annotated[float, typer.Option(help="At most one screen update per interval (s).")] = 0.1,
    count: Annotated[int, typer.Option(help="Stop after this many updates (0 = until Ctrl+C).")] = 0,
) -> None:
    """Follow signals live in a table."""
    settings = settings_or_exit()
    if not (0 <= interval <= 3600):
        raise fail(f"--interval must be between 0 and 3600 s, not {interval}")

    async def work(client: Any) -> None:
        latest: dict[str, Datapoint | None] = {}

        def render() -> Table:
            table = Table(title=" ".join(patterns))
            table.add_column("path")
            table.add_column("value")
            table.add_column("age", justify="right")
            import time

            now = time.time()
            for path in sorted(latest):
                dp = latest[path]
                age = "" if dp is None else f"{max(0.0, now - dp.timestamp):.1f} s"
                table.add_row(escape(path), escape(_show_value(dp)), age)
            return table

        seen = 0
        with Live(render(), console=console, refresh_per_second=10, transient=False) as live:
            async with client.subscribe(patterns, min_interval=interval) as updates:
                async for batch in updates:
                    latest.update(batch)
                    live.update(render())
                    seen += 1
                    if count and seen >= count:
                        return

    with plain_errors(), contextlib.suppress(KeyboardInterrupt):
        run_async(_with_client(settings, work))


# -- tokens -------------------------------------------------------------------------------------
@token_app.command("issue")
def token_issue(
    scope: Annotated[
        str, typer.Option(help='Space-separated KUKSA scopes, e.g. "read:Vehicle actuate:Vehicle.Cabin".')
    ],
    ttl: Annotated[float, typer.Option(help="Lifetime in seconds.")] = 3600.0,
    subject: Annotated[str, typer.Option(help="Who the token is for.")] = "renkei-dev",
) -> None:
    """Mint a development token signed with this machine's local key."""
    settings = settings_or_exit()
    if not (0 < ttl <= 365 * 24 * 3600):
        raise fail(f"--ttl must be between 1 s and one year, not {ttl}")
    with plain_errors():
        issuer = TokenIssuer.load_or_create(settings.signing_key_path)
        token = issuer.issue(scope, subject=subject, ttl=ttl)
    sys.stdout.write(token + "\n")


def _mount_capabilities() -> None:
    """Sub-commands that capabilities bring; a missing one never breaks the core CLI."""
    mounts: list[tuple[str, str, str, str]] = [
        ("typer", "renkei.vehicle.sim.cli", "app", "sim"),
        ("typer", "renkei.vehicle.can.cli", "app", "can"),
        ("command", "renkei.vehicle.can.cli", "replay_command", "replay"),
        ("typer", "renkei.apps.home.cli", "app", "home"),
        ("command", "renkei.apps.assistant.cli", "ask_command", "ask"),
        ("typer", "renkei.apps.profiles.cli", "app", "profiles"),
    ]
    import importlib

    for kind, module_name, attr, name in mounts:
        try:
            target = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError):
            continue
        if kind == "typer":
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)


_mount_capabilities()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
