#!/usr/bin/env bash
# Services the tests start on their own (never a system service): redis-server, for the
# dashboard's login throttling shared by several gunicorn workers (tests/test_security_gunicorn.py).
set -euo pipefail
if command -v redis-server >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_services: run as root, or: sudo apt-get install -y redis-server" >&2
    exit 1
fi
echo "install_services: installing Debian's redis-server"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
