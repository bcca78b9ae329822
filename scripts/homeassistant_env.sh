#!/usr/bin/env bash
# Makes .venv-homeassistant/: a real Home Assistant for the home app's slow tests and benchmark.
#
# homeassistant==2024.3.3 is the last release that runs on Python 3.11. It lives in its own
# virtual environment because it pins many packages (aiohttp, cryptography, ...) that must not
# touch the platform's venv. The requirements of the integrations the test configuration uses
# (MQTT, template, generic_thermostat, ...) are installed here, with Home Assistant's own
# constraints, so the tests start it with --skip-pip and nothing is downloaded at run time.
#
#   scripts/homeassistant_env.sh            # idempotent; prints the venv's python on success
#   HA_VENV=/tmp/ha scripts/homeassistant_env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${HA_VENV:-.venv-homeassistant}
PYTHON=${HA_PYTHON:-python3.11}
HA_VERSION=2024.3.3
# Integrations the test configuration loads (their dependencies are followed from the manifests).
# Home Assistant 2024.3 always sets up its default integrations (frontend is critical), so theirs too.
INTEGRATIONS="http api websocket_api auth config mqtt input_boolean input_number template light climate cover switch sensor generic_thermostat
  application_credentials backup frontend hardware logger network system_health automation person scene script tag zone
  counter input_button input_datetime input_select input_text schedule timer onboarding analytics recorder"

if [ -x "$VENV/bin/hass" ] && [ -f "$VENV/.renkei-ready-$HA_VERSION" ]; then
  echo "$VENV/bin/python"
  exit 0
fi
[ -d "$VENV" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q "homeassistant==$HA_VERSION"
# Collect the pinned requirements of each integration we load and of everything it depends on.
"$VENV/bin/python" - "$INTEGRATIONS" > "$VENV/integration-requirements.txt" <<'PY'
import json, sys
from pathlib import Path
import homeassistant
base = Path(homeassistant.__file__).parent / "components"
todo, seen, reqs = sys.argv[1].split(), set(), set()
while todo:
    name = todo.pop()
    if name in seen:
        continue
    seen.add(name)
    manifest = base / name / "manifest.json"
    if not manifest.exists():
        continue
    data = json.loads(manifest.read_text())
    reqs.update(data.get("requirements", []))
    todo.extend(data.get("dependencies", []))
print("\n".join(sorted(reqs)))
PY
constraints="$("$VENV/bin/python" -c 'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')"
if [ -s "$VENV/integration-requirements.txt" ]; then
  "$VENV/bin/python" -m pip install -q -r "$VENV/integration-requirements.txt" -c "$constraints"
fi
# hass-nabucasa 0.78 pulls acme 2.8, which needs josepy's ComparableX509 (removed in josepy 2).
"$VENV/bin/python" -m pip install -q "josepy<2"
touch "$VENV/.renkei-ready-$HA_VERSION"
echo "$VENV/bin/python"
