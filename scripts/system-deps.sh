#!/usr/bin/env bash
# Debian programs the test suite drives for real. As root on Debian they are
# installed when missing; otherwise we name exactly what to install and stop.
set -euo pipefail
# program-on-PATH:debian-package
NEEDED=(${RENKEI_SYSTEM_DEPS:-})
NEEDED+=(
  mosquitto:mosquitto          # MQTT broker: home app, benchmark peer
  /usr/bin/chromium:chromium   # browser tests of the cockpit (Playwright drives Debian's Chromium)
  espeak-ng:espeak-ng          # text-to-speech for the assistant and its spoken tests
)
missing=()
for entry in "${NEEDED[@]}"; do
  prog=${entry%%:*}; pkg=${entry##*:}
  command -v "$prog" >/dev/null 2>&1 || [ -x "$prog" ] || [ -x "/usr/sbin/$prog" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian packages the tests need: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need these Debian packages, which are missing: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
