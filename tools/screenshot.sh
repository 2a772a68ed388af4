#!/bin/sh
# Screenshot of the running app under Xvfb for the README (see tools/screenshot.py).
# Usage: tools/screenshot.sh [--out docs/screenshot.png] [--engine auto] [--preset acid]
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
exec "$PY" tools/screenshot.py "$@"
