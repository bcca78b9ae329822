"""The HTTP + WebSocket face of the broker, the cockpit and the companion app.

Flow: `create_app(broker, auth, issuer, settings)` builds a FastAPI app →
every `/api/v1` request resolves its `Caller` from the bearer token (header or the
HttpOnly session cookie) → reads, actuations, remote actions, pairing and device
management go through the broker with the caller's principal → errors come back
as `{"error": {"code", "path", "message", "rule"}}` with a matching HTTP status.
On start the app claims the HMI display settings (`HmiService`) and re-applies
persisted device revocations. `/cockpit/` and `/companion/` serve the front ends;
`cockpit_login_url(app, base)` mints the one-time link that logs the car's own
screen in (it sets an owner session cookie and is void after one use).

    app = create_app(broker, auth, issuer, settings)
    print(cockpit_login_url(app, "http://127.0.0.1:8080/"))
"""

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Query, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from renkei.api.http.home import home_router
from renkei.api.http.models import (
    PATH_PATTERN,
    ActionOut,
    ActionRequest,
    ActuateRequest,
    ClaimRequest,
    ClaimResponse,
    CollectRequest,
    CollectResponse,
    DatapointOut,
    DeviceOut,
    DevicesResponse,
    ErrorResponse,
    InfoResponse,
    LoginLinkResponse,
    MeResponse,
    MetadataResponse,
    OkResponse,
    PairingCodeRequest,
    PairingCodeResponse,
    PendingOut,
    PendingResponse,
    RouteResponse,
    SignalOut,
    ValuesResponse,
)
from renkei.api.http.policy import (
    REMOTE_ACTIONS,
    Caller,
    action_permission,
    action_principal,
    check_actuation,
    require_owner,
    resolve_caller,
)
from renkei.api.http.ws import ACTUATE_TIMEOUT, MAX_FRAME, MAX_SUBSCRIPTIONS, SESSION_COOKIE, error_body, serve_socket
from renkei.apps.devices import Device, DeviceRegistry, PairingError
from renkei.broker import (
    Authenticator,
    Broker,
    BrokerError,
    Datapoint,
    ErrorCode,
    Field,
    Principal,
    Right,
    TokenIssuer,
)
from renkei.hmi import STATIC_DIR, HmiService
from renkei.hmi.service import POSITION
from renkei.settings import Settings

API = "/api/v1"
COCKPIT_SCOPE = "read actuate"
COCKPIT_SESSION_TTL = 7 * 24 * 3600.0
LOGIN_LINK_TTL = 24 * 3600.0
STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.FAILED_PRECONDITION: 409,
    ErrorCode.RESOURCE_EXHAUSTED: 429,
}
PAIRING_STATUS = {"locked": 429, "code": 403, "busy": 429, "request": 404, "device": 404}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422, 429, 503)
}
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
}


@dataclass
class FaceState:
    broker: Broker
    auth: Authenticator
    issuer: TokenIssuer
    settings: Settings
    registry: DeviceRegistry
    hmi: HmiService
    login_links: dict[str, float] = field(default_factory=dict)


def _version() -> str:
    try:
        return metadata.version("renkei")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _dp(dp: Datapoint | None) -> DatapointOut | None:
    return None if dp is None else DatapointOut(value=dp.value, ts=dp.timestamp)


def _device_out(d: Device) -> DeviceOut:
    return DeviceOut(**d.public())


def _error(status: int, code: str, message: str, path: str = "", rule: str = "") -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "path": path, "message": message, "rule": rule or code.lower()}}, status
    )


def create_app(broker: Broker, auth: Authenticator, issuer: TokenIssuer, settings: Settings) -> FastAPI:
    """The whole HTTP face: REST + WebSocket API, cockpit and companion."""
    registry = DeviceRegistry(settings.data_dir, issuer, auth)
    hmi = HmiService(broker)
    face = FaceState(broker, auth, issuer, settings, registry, hmi)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hmi.start()
        try:
            yield
        finally:
            hmi.stop()

    app = FastAPI(
        title="renkei vehicle API",
        version=_version(),
        description=(
            "The car's signals by COVESA VSS path, with the same tokens and scopes as every renkei face "
            "(KUKSA scopes). Live updates over the WebSocket at /api/v1/ws."
        ),
        lifespan=lifespan,
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN; the car stays offline
        redoc_url=None,
    )
    app.state.face = face
    app.state.cockpit_login_url = lambda base_url: cockpit_login_url(app, base_url)

    @app.exception_handler(BrokerError)
    async def broker_error(_request: Request, err: BrokerError) -> JSONResponse:
        return JSONResponse({"error": error_body(err)}, STATUS.get(err.code, 400))

    @app.exception_handler(PairingError)
    async def pairing_error(_request: Request, err: PairingError) -> JSONResponse:
        response = _error(PAIRING_STATUS.get(err.reason, 400), "PAIRING", err.message, rule=err.reason)
        if err.retry_after is not None:
            response.headers["Retry-After"] = str(int(err.retry_after) + 1)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, err: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()[:5])
        return _error(422, "INVALID_ARGUMENT", f"the request is malformed: {problems}", rule="request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, err: StarletteHTTPException) -> JSONResponse:
        response = _error(err.status_code, "HTTP", str(err.detail), rule=f"http-{err.status_code}")
        response.headers.update(err.headers or {})  # e.g. Allow on 405
        return response

    def caller(request: Request) -> Caller:
        header = request.headers.get("authorization")
        cookie = request.cookies.get(SESSION_COOKIE)
        token = header[7:].strip() if header and header.lower().startswith("bearer ") else cookie
        if cookie is not None and token == cookie and request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1].rstrip("/") != request.headers.get("host", ""):
                raise BrokerError(ErrorCode.PERMISSION_DENIED, "", "cross-site request refused", "origin")
        return resolve_caller(auth, registry, token)

    Who = Annotated[Caller, Depends(caller)]
    app.include_router(home_router(settings, auth, registry, caller))  # the Home panel's API (home.py)

    # -- signals ----------------------------------------------------------------------
    @app.get(f"{API}/info", response_model=InfoResponse, tags=["server"])
    async def info(request: Request) -> InfoResponse:
        """What this server is; needs no token."""
        ws = str(request.url_for("websocket")).replace("http", "ws", 1)
        return InfoResponse(
            version=_version(),
            insecure=auth.insecure,
            signals=len(broker.catalog),
            time=time.time(),
            websocket=ws,
            limits={"max_frame": MAX_FRAME, "max_subscriptions": MAX_SUBSCRIPTIONS, "max_values": 256},
        )

    @app.get(f"{API}/me", response_model=MeResponse, responses=ERRORS, tags=["server"])
    async def me(who: Who) -> MeResponse:
        """The caller's identity, role and which companion actions it may run."""
        return MeResponse(
            subject=who.principal.subject,
            role=who.role,
            device=who.device.id if who.device else None,
            device_name=who.device.name if who.device else None,
            scope=who.principal.scope_string,
            expires_at=who.principal.expires_at,
            insecure=who.insecure,
            actions=[
                ActionOut(name=n, allowed=not (r := action_permission(who, broker, n)), reason=r)
                for n in REMOTE_ACTIONS
            ],
        )

    @app.get(f"{API}/signals", response_model=ValuesResponse, responses=ERRORS, tags=["signals"])
    async def get_signals(
        who: Who,
        path: Annotated[
            list[Annotated[str, StringConstraints(pattern=PATH_PATTERN, max_length=512)]],
            Query(min_length=1, max_length=256, description="paths, branches or wildcards"),
        ],
        field_: Annotated[Field, Query(alias="field")] = Field.CURRENT,
    ) -> ValuesResponse:
        """Current (or target) values; a signal without a value maps to null."""
        values = broker.get(path, field=field_, principal=who.principal)
        return ValuesResponse(values={p: _dp(dp) for p, dp in values.items()})

    @app.get(f"{API}/metadata", response_model=MetadataResponse, responses=ERRORS, tags=["signals"])
    async def get_metadata(
        who: Who, pattern: Annotated[str, Query(min_length=1, max_length=512, pattern=PATH_PATTERN)] = "Vehicle.**"
    ) -> MetadataResponse:
        """Catalog entries under a path, branch or wildcard that the caller may read."""
        signals = broker.resolve(pattern, who.principal)
        return MetadataResponse(
            signals=[
                SignalOut(
                    path=s.path,
                    id=s.id,
                    type=s.entry_type.value,
                    datatype=s.datatype,
                    unit=s.unit,
                    min=s.min,
                    max=s.max,
                    allowed=list(s.allowed) if s.allowed else None,
                    description=s.description,
                )
                for s in signals
            ]
        )

    async def _actuate(who: Caller, values: dict[str, Any], principal: Principal | None = None) -> None:
        check_actuation(who, broker, values)
        try:
            await asyncio.wait_for(broker.actuate(values, principal=principal or who.principal), ACTUATE_TIMEOUT)
        except TimeoutError:
            raise BrokerError(ErrorCode.UNAVAILABLE, "", "the vehicle did not answer in time", "timeout") from None

    @app.post(f"{API}/actuate", response_model=OkResponse, responses=ERRORS, tags=["signals"])
    async def actuate(who: Who, body: ActuateRequest) -> OkResponse:
        """Ask actuators to reach targets: all are sent or none. The confirmed value arrives as an update."""
        await _actuate(who, dict(body.values))
        return OkResponse()

    @app.post(f"{API}/hmi", response_model=OkResponse, responses=ERRORS, tags=["cockpit"])
    async def hmi_settings(who: Who, body: ActuateRequest) -> OkResponse:
        """Change cockpit display settings (language, units, text size, theme, panels, profile)."""
        check_actuation(who, broker, body.values)
        await hmi.apply(body.values, who.principal)
        return OkResponse()

    @app.get(f"{API}/route", response_model=RouteResponse, responses=ERRORS, tags=["cockpit"])
    async def route(who: Who) -> RouteResponse:
        """The positions driven since the server started (latitude, longitude), oldest first."""
        for path in POSITION:
            who.principal.require(Right.READ, path)
        return RouteResponse(points=[list(p) for p in hmi.trail])

    @app.post(f"{API}/actions/{{name}}", response_model=OkResponse, responses=ERRORS, tags=["companion"])
    async def run_action(who: Who, name: str, body: Annotated[ActionRequest | None, Body()] = None) -> OkResponse:
        """A companion remote action: lock, unlock, climate, charge_limit, charging_start/stop, destination."""
        make = REMOTE_ACTIONS.get(name)
        if make is None:
            raise BrokerError(
                ErrorCode.NOT_FOUND, "", f"unknown action {name[:40]!r} ({', '.join(REMOTE_ACTIONS)})", "action"
            )
        params = body.model_dump(exclude_none=True) if body else {}
        await _actuate(who, make(params), action_principal(who, name))
        return OkResponse()

    # -- pairing and devices ------------------------------------------------------------------
    @app.post(f"{API}/pairing/codes", response_model=PairingCodeResponse, responses=ERRORS, tags=["pairing"])
    async def new_code(who: Who, body: PairingCodeRequest, request: Request) -> PairingCodeResponse:
        """The owner opens pairing for one device: a one-time code (and QR code) to show."""
        require_owner(who)
        pairing = registry.start_pairing(body.role, None if body.hours is None else body.hours * 3600)
        url = f"{str(request.base_url).rstrip('/')}/companion/#pair={pairing.code}"
        return PairingCodeResponse(
            code=pairing.code, role=pairing.role, expires_at=pairing.expires_at, url=url, qr_svg=_qr_svg(url)
        )

    @app.post(f"{API}/pairing/claim", response_model=ClaimResponse, responses=ERRORS, tags=["pairing"])
    async def claim(body: ClaimRequest) -> ClaimResponse:
        """A device presents the code it was shown; the owner must then confirm it."""
        req = registry.claim(body.code, body.name)
        return ClaimResponse(request_id=req.id, secret=req.secret, role=req.role)

    @app.post(f"{API}/pairing/collect", response_model=CollectResponse, responses=ERRORS, tags=["pairing"])
    async def collect(body: CollectRequest, response: Response) -> CollectResponse:
        """The device asks whether the owner confirmed; the credential is handed over once."""
        state, token, device = registry.status(body.request_id, body.secret)
        if state == "confirmed" and token is not None and device is not None:
            _set_session(response, token, device.expires_at - time.time())
        return CollectResponse(status=state, token=token, device=_device_out(device) if device else None)  # type: ignore[arg-type]

    @app.get(f"{API}/pairing/requests", response_model=PendingResponse, responses=ERRORS, tags=["pairing"])
    async def pending(who: Who) -> PendingResponse:
        require_owner(who)
        return PendingResponse(
            requests=[
                PendingOut(id=r.id, name=r.name, role=r.role, created_at=r.created_at) for r in registry.pending()
            ],
            locked_for=registry.locked_for(),
        )

    @app.post(
        f"{API}/pairing/requests/{{request_id}}/confirm", response_model=DeviceOut, responses=ERRORS, tags=["pairing"]
    )
    async def confirm(who: Who, request_id: str) -> DeviceOut:
        require_owner(who)
        return _device_out(registry.confirm(request_id))

    @app.post(
        f"{API}/pairing/requests/{{request_id}}/reject", response_model=OkResponse, responses=ERRORS, tags=["pairing"]
    )
    async def reject(who: Who, request_id: str) -> OkResponse:
        require_owner(who)
        registry.reject(request_id)
        return OkResponse()

    @app.get(f"{API}/devices", response_model=DevicesResponse, responses=ERRORS, tags=["devices"])
    async def devices(who: Who) -> DevicesResponse:
        require_owner(who)
        return DevicesResponse(devices=[_device_out(d) for d in registry.devices()])

    @app.post(f"{API}/devices/{{device_id}}/revoke", response_model=DeviceOut, responses=ERRORS, tags=["devices"])
    async def revoke(who: Who, device_id: str) -> DeviceOut:
        """Revoke a device's credential: new requests fail at once, open sockets close within a second."""
        require_owner(who)
        return _device_out(registry.revoke(device_id))

    @app.delete(f"{API}/devices/{{device_id}}", response_model=OkResponse, responses=ERRORS, tags=["devices"])
    async def forget(who: Who, device_id: str) -> OkResponse:
        require_owner(who)
        registry.forget(device_id)
        return OkResponse()

    @app.post(f"{API}/session/link", response_model=LoginLinkResponse, responses=ERRORS, tags=["server"])
    async def new_login_link(who: Who, request: Request) -> LoginLinkResponse:
        """Owner (e.g. the CLI token): a fresh one-time cockpit login link, valid 24 h."""
        require_owner(who)
        return LoginLinkResponse(url=cockpit_login_url(app, str(request.base_url)))

    @app.post(f"{API}/session/logout", response_model=OkResponse, responses=ERRORS, tags=["server"])
    async def logout(who: Who, response: Response) -> OkResponse:
        """End this browser's session (a device's credential stays until the owner revokes it)."""
        if who.device is None and who.principal.token_id:
            registry.revoke_token(who.principal.token_id)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return OkResponse()

    @app.websocket(f"{API}/ws", name="websocket")
    async def websocket(ws: WebSocket) -> None:
        await serve_socket(ws, broker, auth, registry, hmi)

    # -- front ends ---------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/cockpit/")

    @app.get("/cockpit/login", include_in_schema=False)
    async def cockpit_login(once: str = "") -> Response:
        expires = face.login_links.pop(once, None) if 0 < len(once) <= 128 else None
        if expires is None or expires < time.time():
            return _error(401, "UNAUTHENTICATED", "this login link was already used or has expired", rule="login-link")
        token = issuer.issue(COCKPIT_SCOPE, subject="cockpit", ttl=COCKPIT_SESSION_TTL)
        response = RedirectResponse("/cockpit/", status_code=303)
        _set_session(response, token, COCKPIT_SESSION_TTL)
        return response

    @app.get("/cockpit/", include_in_schema=False)
    async def cockpit_page() -> Response:
        return _static("cockpit.html")

    @app.get("/companion/", include_in_schema=False)
    async def companion_page() -> Response:
        return _static("companion.html")

    @app.get("/companion/sw.js", include_in_schema=False)
    async def service_worker() -> Response:
        # served from /companion/ so its scope covers the companion
        return _static("sw.js")

    @app.get("/companion/manifest.webmanifest", include_in_schema=False)
    async def manifest() -> Response:
        return _static("manifest.webmanifest")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        return _static(name)

    return app


def _static(name: str) -> Response:
    file = (STATIC_DIR / name).resolve()
    if file.parent != STATIC_DIR or not file.is_file() or file.suffix not in STATIC_TYPES:
        return _error(404, "NOT_FOUND", f"no such file {name[:80]!r}", rule="static")
    return FileResponse(
        file,
        media_type=STATIC_TYPES[file.suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def _set_session(response: Response, token: str, max_age: float) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max(1, int(max_age)), httponly=True, samesite="strict", path="/")


def _qr_svg(url: str) -> str | None:
    try:
        import segno
    except ImportError:
        return None
    return str(segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff"))


def cockpit_login_url(app: FastAPI, base_url: str) -> str:
    """A one-time link that logs a browser in as the car's own cockpit (owner rights).

    The link carries a random nonce valid once within 24 h; opening it mints a
    7-day cockpit token with `issuer` and sets it as an HttpOnly, SameSite=Strict
    session cookie. In insecure mode the plain cockpit URL is returned.
    """
    face: FaceState = app.state.face
    base = base_url.rstrip("/")
    if face.auth.insecure:
        return f"{base}/cockpit/"
    now = time.time()
    face.login_links = {k: v for k, v in face.login_links.items() if v > now}
    nonce = secrets.token_urlsafe(24)
    face.login_links[nonce] = now + LOGIN_LINK_TTL
    return f"{base}/cockpit/login?once={nonce}"
