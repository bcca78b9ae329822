"""`renkei run`: the whole platform in one asyncio process.

Flow: settings → catalog (built-in VSS 6.0 catalog + overlays, or the files the
settings name) → broker with its SQLite store in the data directory →
authenticator (a local signing key made on first start; secure by default, the
CLI gets a token file; `--insecure` says so loudly) → network faces (gRPC,
HTTP/WebSocket cockpit) → the vehicle (simulator, or a CAN bus) → the apps.
Each component runs supervised: one that fails is logged and restarted with
back-off and never takes the car's platform down. When everything is up,
`run.json` in the data directory tells clients where to connect.

    settings = load_settings(insecure=True)
    await run_platform(settings, options=RunOptions(scenario=None))
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from renkei.broker import Authenticator, Broker, Principal, SqliteStore, TokenIssuer, TokenVerifier
from renkei.broker.access import load_public_key
from renkei.client import InProcessClient
from renkei.i18n import text
from renkei.settings import Settings
from renkei.vss import Catalog, load_default_catalog

log = logging.getLogger("renkei")

# What each in-process component may do, in one declarative place (KUKSA scopes).
COMPONENT_SCOPES: dict[str, str] = {
    "vehicle": "provide",
    "home": (
        "read actuate:Vehicle.Cabin.HVAC actuate:Vehicle.Cabin.Door "
        "actuate:Vehicle.Powertrain.TractionBattery.Charging provide:Vehicle.Cabin.Infotainment.HMI.Notification"
    ),
    "assistant": (
        "actuate provide:Vehicle.Cabin.Infotainment.HMI.AssistantRequest "
        "provide:Vehicle.Cabin.Infotainment.HMI.AssistantReply provide:Vehicle.Cabin.Infotainment.HMI.Notification"
    ),
    "profiles": (
        "actuate provide:Vehicle.Cabin.Infotainment.HMI.Suggestion "
        "provide:Vehicle.Cabin.Infotainment.HMI.SuggestionResponse "
        "provide:Vehicle.Cabin.Infotainment.HMI.SceneRequest"
    ),
}
CLI_SCOPE = "read actuate provide"
CLI_TOKEN_TTL = 30 * 24 * 3600.0
RUN_FILE = "run.json"


@dataclass
class RunOptions:
    scenario: Path | None = None  # a scenario file; None = the simulator's default
    speed: float = 1.0  # simulated time per real second
    can_channel: str | None = None  # drive from a CAN bus instead of the simulator
    can_interface: str = "socketcan"
    vehicle: str | None = None  # vehicle model (DBC mapping) for CAN
    apps: tuple[str, ...] = ("home", "assistant", "profiles")
    with_http: bool = True


@dataclass
class Platform:
    """What `renkei run` built; tests and faces reach the parts through it."""

    settings: Settings
    catalog: Catalog
    broker: Broker
    auth: Authenticator
    issuer: TokenIssuer
    stop: asyncio.Event
    status: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)

    def client_for(self, component: str) -> InProcessClient:
        scope = COMPONENT_SCOPES[component]
        return InProcessClient(self.broker, Principal.from_scope_string(scope, subject=component), name=component)


def load_catalog(settings: Settings) -> Catalog:
    if settings.catalog:
        return Catalog.from_files(settings.catalog, settings.overlays)
    return load_default_catalog(settings.overlays)


def make_authenticator(settings: Settings, issuer: TokenIssuer) -> Authenticator:
    if settings.insecure:
        return Authenticator(None)
    keys: list[Any] = [issuer.public_pem]
    for path in settings.trusted_keys:
        try:
            keys.append(load_public_key(path.read_bytes()))
        except (OSError, ValueError) as err:
            raise ValueError(f"trusted key {path}: cannot be used as a PEM public key ({err})") from None
    return Authenticator(TokenVerifier(keys, audiences=settings.audiences))


def write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    tmp.replace(path)


async def supervise(platform: Platform, name: str, start: Callable[[], Awaitable[None]]) -> None:
    """Run a component; restart it with back-off when it fails, until the platform stops."""
    delay = 1.0
    while not platform.stop.is_set():
        platform.status[name] = "running"
        try:
            await start()
            platform.status[name] = "finished"
            return
        except asyncio.CancelledError:
            platform.status[name] = "stopped"
            raise
        except Exception as err:
            platform.status[name] = f"failed: {err}"
            log.exception("component %s failed", name)
            log.warning(text("cli.component_failed", name=name, error=err, delay=delay))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(platform.stop.wait(), delay)
        delay = min(delay * 2, 30.0)


def _vehicle_component(platform: Platform, options: RunOptions) -> Callable[[], Awaitable[None]]:
    client = platform.client_for("vehicle")
    if options.can_channel:
        from renkei.vehicle.can import run_can_adapter

        if not options.vehicle:
            raise ValueError("--can needs --vehicle MODEL (see `renkei can vehicles`)")
        channel, vehicle = options.can_channel, options.vehicle

        async def drive_from_can() -> None:
            stats = await run_can_adapter(
                client, channel=channel, interface=options.can_interface, vehicle=vehicle, stop=platform.stop
            )
            log.info("CAN adapter on %s stopped: %s", channel, stats)

        return drive_from_can
    from renkei.vehicle.sim import DEFAULT_SCENARIO, builtin_scenario, load_scenario, run_simulator

    # A bad scenario file is a ScenarioError (a ValueError) naming file, field and rule.
    scenario = load_scenario(options.scenario) if options.scenario else builtin_scenario(DEFAULT_SCENARIO)
    return lambda: run_simulator(client, scenario, speed=options.speed, stop=platform.stop)


def _app_component(platform: Platform, name: str) -> Callable[[], Awaitable[None]]:
    client = platform.client_for(name)
    stop = platform.stop
    data_dir = platform.settings.data_dir
    if name == "home":
        from renkei.apps.home import HomeSettings, run_home_app

        home = _app_settings(
            HomeSettings,
            "home",
            {
                "service_socket": data_dir / "home.sock",
                "automations_saved": data_dir / "home-automations.yaml",
                **platform.settings.home,
            },
        )
        return lambda: run_home_app(client, home, stop=stop)
    if name == "assistant":
        from renkei.apps.assistant import AssistantSettings, run_assistant

        # data_dir turns voiceprints on; [assistant] in renkei.toml sets the rest (LLM, Wyoming).
        assistant = _app_settings(AssistantSettings, "assistant", {"data_dir": data_dir, **platform.settings.assistant})
        return lambda: run_assistant(client, assistant, stop=stop)
    if name == "profiles":
        from renkei.apps.profiles import run_profiles

        return lambda: run_profiles(client, platform.settings.data_dir, stop=stop)
    raise ValueError(f"unknown app {name!r} (known: {', '.join(COMPONENT_SCOPES)})")


def _app_settings(model: Any, table: str, values: dict[str, Any]) -> Any:
    """Validate an app's settings table with the app's own model; errors name the table."""
    from pydantic import ValidationError

    try:
        return model(**values)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise ValueError(f"settings [{table}]: {problems}") from None


async def build_platform(settings: Settings) -> Platform:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog(settings)
    store = SqliteStore(settings.data_dir / "broker.sqlite3")
    broker = Broker(catalog, store=store, persist=settings.persist)
    # Rules for paired phones and laptops hold on every face, not only where they paired.
    from renkei.apps.devices import remote_device_guard

    broker.add_guard(remote_device_guard)
    await broker.start()
    issuer = TokenIssuer.load_or_create(settings.signing_key_path)
    auth = make_authenticator(settings, issuer)
    if not auth.insecure:
        write_private(settings.cli_token_path, issuer.issue(CLI_SCOPE, subject="renkei-cli", ttl=CLI_TOKEN_TTL))
    return Platform(settings, catalog, broker, auth, issuer, asyncio.Event())


async def run_platform(
    settings: Settings,
    options: RunOptions | None = None,
    *,
    on_ready: Callable[[Platform], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    options = options or RunOptions()
    platform = await build_platform(settings)
    if stop is not None:
        platform.stop = stop
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, platform.stop.set)
    tasks: list[asyncio.Task[None]] = []
    grpc_server: Any = None
    http: tuple[Any, asyncio.Task[None]] | None = None
    try:
        # The vehicle first: a bad scenario or CAN option stops here, before any port opens.
        components: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("vehicle", _vehicle_component(platform, options))
        ]
        for name in options.apps:
            try:
                components.append((name, _app_component(platform, name)))
            except ImportError as err:
                platform.status[name] = f"missing: {err}"
                log.warning(text("cli.component_missing", name=name, error=err))
        from renkei.api.grpc import serve_grpc

        grpc_server = await serve_grpc(platform.broker, platform.auth, settings.grpc)
        platform.endpoints["grpc"] = grpc_server.address
        if options.with_http:
            http = await _start_http(platform)
        for name, start in components:
            tasks.append(asyncio.create_task(supervise(platform, name, start), name=name))
        _write_run_file(platform)
        if on_ready is not None:
            on_ready(platform)
        await platform.stop.wait()
    finally:
        platform.stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if http is not None:
            # Let uvicorn close its connections itself; cancelling it mid-lifespan logs tracebacks.
            server, serving = http
            server.should_exit = True
            try:
                await asyncio.wait_for(serving, 5)
            except (TimeoutError, asyncio.CancelledError):
                serving.cancel()
        if grpc_server is not None:
            await grpc_server.stop(1.0)
        await platform.broker.stop()
        with contextlib.suppress(OSError):
            (settings.data_dir / RUN_FILE).unlink()


async def _start_http(platform: Platform) -> tuple[Any, asyncio.Task[None]]:
    import socket

    import uvicorn

    from renkei.api.http import UVICORN_OPTIONS, create_app

    settings = platform.settings
    app = create_app(platform.broker, platform.auth, platform.issuer, settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.http.host, settings.http.port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", **UVICORN_OPTIONS)
    server = _embedded_server_class()(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="http")
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    platform.endpoints["http"] = f"http://{settings.http.host}:{port}/"
    login = getattr(app.state, "cockpit_login_url", None)
    if callable(login):
        platform.endpoints["cockpit"] = login(platform.endpoints["http"])
    return server, serving


def _embedded_server_class() -> Any:
    import uvicorn

    class EmbeddedServer(uvicorn.Server):
        # The platform owns SIGINT/SIGTERM; uvicorn must not replace its handlers.
        @contextlib.contextmanager
        def capture_signals(self) -> Any:
            yield

    return EmbeddedServer


def _write_run_file(platform: Platform) -> None:
    info = {
        "pid": os.getpid(),
        "endpoints": platform.endpoints,
        "insecure": platform.auth.insecure,
        "token_file": None if platform.auth.insecure else str(platform.settings.cli_token_path),
    }
    write_private(platform.settings.data_dir / RUN_FILE, json.dumps(info, indent=2))


def running_platform(settings: Settings) -> tuple[str, str | None]:
    """Where a running `renkei run` serves gRPC, and the token a CLI command should send.

    `run.json` names the bound address (the port may have been chosen at start); the
    token is the settings' own, else the CLI token file `renkei run` wrote.
    """
    info = read_run_file(settings.data_dir)
    address = f"{settings.grpc.host}:{settings.grpc.port}"
    if info and isinstance(info.get("endpoints"), dict) and info["endpoints"].get("grpc"):
        address = str(info["endpoints"]["grpc"])
    token = settings.token
    if token is None and settings.cli_token_path.exists():
        token = settings.cli_token_path.read_text().strip()
    return address, token


def read_run_file(data_dir: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((data_dir / RUN_FILE).read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None
