"""The HTTP + WebSocket face of the broker (FastAPI), serving the cockpit and companion.

app = create_app(broker, auth, issuer, settings)         # served by uvicorn in `renkei run`
server = uvicorn.Server(uvicorn.Config(app, **UVICORN_OPTIONS))
url = cockpit_login_url(app, "http://127.0.0.1:8080/")   # one-time owner login link
"""

from typing import Any

from renkei.api.http.app import API, cockpit_login_url, create_app
from renkei.api.http.ws import MAX_FRAME

# How uvicorn should serve this app: frames above the face's limit are refused before
# they are read into memory, and per-message compression is off (deflating small JSON
# updates was the largest single cost in the fan-out benchmark).
UVICORN_OPTIONS: dict[str, Any] = {"ws_max_size": MAX_FRAME + 1024, "ws_per_message_deflate": False}

__all__ = ["API", "UVICORN_OPTIONS", "cockpit_login_url", "create_app"]
