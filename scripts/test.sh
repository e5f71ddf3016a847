#!/usr/bin/env bash
# Start the services the integration tests use, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
if [ -x scripts/services.sh ]; then
    # Stop PostgreSQL, Redis and the worker however the run ends (also if starting them fails).
    trap 'docqa_services_stop' EXIT
    # shellcheck disable=SC1091
    . scripts/services.sh
fi
# Headless Chromium for the browser tests in tests/web.
# shellcheck disable=SC1091
. scripts/browser.sh
mkdir -p artifacts
python -m pytest "$@"
