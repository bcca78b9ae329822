"""The web cockpit and the companion app: static pages served by the HTTP face.

Flow: `renkei.api.http.create_app` starts `HmiService` (owner of the HMI display
settings) and serves `STATIC_DIR` — `cockpit.html` for the car's screen and
`companion.html` (an installable PWA) for paired phones, tablets and laptops. Both
talk to the broker only through `/api/v1` and its WebSocket.

    from renkei.hmi import STATIC_DIR, HmiService
"""

from pathlib import Path

from renkei.hmi.service import ALL_PANELS, HMI_DEFAULTS, LANGUAGE, LANGUAGES, HmiService

STATIC_DIR = Path(__file__).resolve().parent / "static"

__all__ = ["ALL_PANELS", "HMI_DEFAULTS", "LANGUAGE", "LANGUAGES", "STATIC_DIR", "HmiService"]
