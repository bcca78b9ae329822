"""The HTTP + WebSocket face of the broker (FastAPI), serving the cockpit and companion.

app = create_app(broker, auth, issuer, settings)     # served by uvicorn in `renkei run`
url = cockpit_login_url(app, "http://127.0.0.1:8080/")  # one-time owner login link
"""

from renkei.api.http.app import API, cockpit_login_url, create_app

__all__ = ["API", "cockpit_login_url", "create_app"]
