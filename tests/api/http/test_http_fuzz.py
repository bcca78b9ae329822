"""Schemathesis fuzzes the HTTP face against its own OpenAPI document.

Every operation gets generated (and mutated, invalid) input, with an owner token,
a narrow token and no token; the face must never answer 5xx, must answer in the
shapes its document promises, and must reject what the document says is invalid.
`positive_data_acceptance` is left out: whether a schema-valid value is acceptable
depends on the VSS catalog (each signal's type, range and allowed values), which
the broker checks and answers with 400 naming the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from renkei.api.http import create_app
from renkei.broker import Authenticator, Broker, TokenIssuer, TokenVerifier
from renkei.settings import Settings
from renkei.vss import load_default_catalog

KEY_DIR = Path(__import__("tempfile").mkdtemp(prefix="renkei-fuzz-"))
ISSUER = TokenIssuer.load_or_create(KEY_DIR / "key.pem")


# Every system an HTTP action may reach has a provider, as in a real car: an action
# answered 503 "no provider" would be a gap in this stand-in, not in the face.
CAR_SYSTEMS = (
    "Vehicle.Cabin.HVAC",
    "Vehicle.Cabin.Door",
    "Vehicle.Cabin.Seat",
    "Vehicle.Body.Lights",
    "Vehicle.Body.Trunk",
    "Vehicle.Powertrain.TractionBattery.Charging",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet",
)


def _app() -> Any:
    broker = Broker(load_default_catalog())

    async def reach(values: dict[str, Any]) -> None:
        broker.publish(values)

    broker.provide(CAR_SYSTEMS, reach)
    auth = Authenticator(TokenVerifier([ISSUER.public_pem]))
    return create_app(broker, auth, ISSUER, Settings(data_dir=KEY_DIR / "data"))


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
TOKENS = {
    "owner": ISSUER.issue("read actuate", subject="fuzz-owner"),
    "narrow": ISSUER.issue("read:Vehicle.Speed", subject="fuzz-narrow"),
}


@pytest.mark.parametrize("who", ["owner", "narrow", "anonymous"])
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_http_face_survives_fuzzing(case: Any, who: str) -> None:
    headers = {"Authorization": f"Bearer {TOKENS[who]}"} if who in TOKENS else {}
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
