#!/usr/bin/env bash
# The report's browser test: Debian's chromium, driven by Playwright (the pinned PyPI package of
# the dev extras), opens the report built from a scale-1 pipeline from disk and checks what a
# person sees (cli/tests/report/test_report_browser.py). It installs what it needs from nothing:
# chromium with apt-get (as root; never `playwright install`, which downloads its own browsers),
# the virtual environment with `make venv`. A missing browser or package fails the test here,
# never skips it. Screenshots and a PDF print land in data/browser-test/.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHROMIUM=/usr/bin/chromium
OUT="$REPO/data/browser-test"

fail() {
    printf 'browser: FAILED: %s\n' "$*" >&2
    exit 1
}

if [ ! -x "$CHROMIUM" ]; then
    [ "$(id -u)" -eq 0 ] || fail "$CHROMIUM is missing and installing it needs root (apt-get install chromium)"
    echo "==> installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || fail "apt-get update failed"
    apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || fail "apt-get install chromium failed"
fi
"$CHROMIUM" --version || fail "$CHROMIUM does not start"

echo "==> the virtual environment (pinned; the dev extras hold playwright)"
make -C "$REPO" --no-print-directory venv </dev/null
"$REPO/.venv/bin/python" -c "import playwright.sync_api" \
    || fail "the playwright package is not importable from .venv"

echo "==> the browser test"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$REPO/cli"
REPORT_BROWSER_REQUIRED=1 "$REPO/.venv/bin/pytest" -p no:cacheprovider -rA \
    --basetemp "$OUT" tests/report/test_report_browser.py </dev/null \
    || fail "the report's browser test failed (screenshots in $OUT)"
echo "browser: passed; screenshots in $OUT"
