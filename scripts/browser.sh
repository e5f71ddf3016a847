#!/usr/bin/env bash
# Make headless Chromium available for the browser tests (tests/web): Debian's `chromium`
# package, driven by Playwright through executable_path (Playwright's own browser download
# cannot work here). Sourced by scripts/test.sh; exports DOCQA_CHROMIUM. Idempotent.

_docqa_chromium="${DOCQA_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$_docqa_chromium" ] && command -v apt-get >/dev/null; then
    echo "[browser] installing chromium" >&2
    if [ "$(id -u)" = 0 ]; then _docqa_sudo=""; else _docqa_sudo="sudo -n"; fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show chromium >/dev/null 2>&1; then
        $_docqa_sudo apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null || true
    fi
    $_docqa_sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium >/dev/null \
        || echo "[browser] could not install chromium; the browser tests will say so" >&2
fi
export DOCQA_CHROMIUM="$_docqa_chromium"
