#!/usr/bin/env bash
# Start the services the integration tests use, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
# Lint first: style, and the layers contract (dependencies run one way; see pyproject.toml).
ruff check .
lint-imports --no-cache
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
