#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/install_browser.sh
scripts/install_services.sh
export DO_NOT_TRACK=1
exec .venv/bin/python -m pytest "$@"
