#!/usr/bin/env bash
# Creates .venv with the locked dependency set (requirements.lock) and the project
# installed in editable mode. Re-running is cheap: it reinstalls only when the lock or
# pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin=${PYTHON:-}
if [ -z "$python_bin" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            python_bin=$candidate; break
        fi
    done
fi
[ -n "$python_bin" ] || { echo "bootstrap: Python 3.11 is required" >&2; exit 1; }

# LightGBM (the cash forecast) loads the OpenMP runtime, a Debian package
if ! ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1'; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgomp1 >/dev/null
    else
        echo "bootstrap: LightGBM needs the OpenMP runtime: sudo apt-get install -y libgomp1" >&2; exit 1
    fi
fi

[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ requirements.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "bootstrap: installing the locked dependencies into .venv (a few minutes the first time)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.lock
    .venv/bin/python -m pip install --quiet --no-deps -e .
    .venv/bin/python -m pip check
    touch "$stamp"
fi
