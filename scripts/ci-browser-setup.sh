#!/usr/bin/env bash
# What the browser tests need on a fresh machine (idempotent): Debian's Chromium
# (Playwright drives it; never `playwright install`) and the npm packages of
# package-lock.json (axe-core for the accessibility checks, govuk-frontend).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -d node_modules/govuk-frontend ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
/usr/bin/chromium --version 2>/dev/null | head -n 1 || true
