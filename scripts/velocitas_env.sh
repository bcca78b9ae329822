#!/usr/bin/env bash
# The separate virtual environment Velocitas vehicle apps run from.
#
# velocitas-sdk 0.15.7 pins grpcio==1.64.1 and protobuf==5.29.5, which cannot
# share a venv with kuksa-client (protobuf >= 7). Its apps talk to renkei only
# over the network (sdv.databroker.v1), so they get their own venv:
#
#   bash scripts/velocitas_env.sh            # creates or reuses .venv-velocitas/
#   .venv-velocitas/bin/python my_app.py
#
# Reused when its stamp matches the pins below; prints the interpreter path.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VELOCITAS_VENV:-.venv-velocitas}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
PINS=(velocitas-sdk==0.15.7 grpcio==1.64.1 protobuf==5.29.5 paho-mqtt==2.1.0)
STAMP="$VENV/.renkei-pins"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "${PINS[*]}" ]; then
  echo "$VENV/bin/python"
  exit 0
fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}" >&2
"$VENV/bin/python" -c "import velocitas_sdk.vdb.client, grpc; assert grpc.__version__ == '1.64.1'" >&2
echo "${PINS[*]}" > "$STAMP"
echo "$VENV/bin/python"
