#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser build).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_browser: run as root, or: sudo apt-get install -y chromium chromium-driver" >&2
    exit 1
fi
echo "install_browser: installing Debian's chromium and chromium-driver"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
