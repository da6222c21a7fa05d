#!/usr/bin/env bash
# Debian packages the test suite drives for real: Chromium (and ChromeDriver)
# for the browser test of the News page (tests/e2e/test_ui_browser.py) and wget,
# which writes the WARC archives the import tests read (tests/integration/test_imports.py).
# Idempotent: installs only what is missing. Needs root (CI runs as root); the
# tests themselves never install anything.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
command -v wget >/dev/null 2>&1 || missing+=(wget)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages for the tests: ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
