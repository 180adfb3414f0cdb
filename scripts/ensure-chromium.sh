#!/usr/bin/env bash
# Chromium and chromedriver come from Debian; the tests and the worker need both.
# Installs them when missing and we are root; otherwise says what to install.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing chromium and chromium-driver from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
echo "Chromium and chromedriver are missing. Install them, e.g.:" >&2
echo "  sudo apt-get install -y chromium chromium-driver" >&2
echo "or set SELENIUM_REMOTE_URL to a Selenium Grid." >&2
exit 1
