#!/usr/bin/env bash
# One-time set-up of a fresh Linux machine (Debian/Ubuntu, run as root or with sudo available): system packages
# (cppcheck for the linters), npm packages, bundles, the native tracker and code-server for the real-VS-Code suite.
# Idempotent: rerunning it only does what is missing. Used by .ci/run and by the README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
log() { printf '\n### %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

log "apt packages"
need=()
for pkg in build-essential python3 python3-dev python3-numpy python3-torch chromium libkrb5-dev cppcheck; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

log "npm packages"
npm ci --no-fund --no-audit
node -e "require('sqlite3')" || npm rebuild sqlite3

log "build: bundles, compiled tests, native tracker, C recorder core"
npm run build
npx tsc -p .
make -s -C native/libwcf
make -s -C native/wcfcore
# This environment may set PYTHONDONTWRITEBYTECODE; compiled bytecode keeps the recorder's start-up short.
for py in /root/.pyenv/versions/3.1[123].*/bin/python3 /usr/bin/python3; do
  [ -x "$py" ] && "$py" -m compileall -q native/watercodeflow >/dev/null || true
done

log "code-server for the end-to-end suite and npm start"
bash scripts/setup-e2e.sh
