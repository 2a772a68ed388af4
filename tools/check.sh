#!/usr/bin/env bash
# Every check, in order: lint, format, types, the fast tests, then the JACK, Qt and slow tests.
# The README's test command runs it after the install, and CI runs that command (.ci/run).
# Each stage runs even when one before it failed, so one run shows everything; the exit status
# is non-zero when any stage failed. Arguments are passed to both pytest runs.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${JAMBRIDGE_VENV:-.venv}/bin
failed=()

stage() { # stage NAME COMMAND...: run COMMAND under a heading, remember NAME if it fails
    local name=$1
    shift
    echo "== $name: $*"
    "$@" || failed+=("$name")
}

stage "ruff check" "$bin/ruff" check .
stage "ruff format" "$bin/ruff" format --check .
stage "mypy" "$bin/mypy" jambridge/bridge jambridge/engine jambridge/tokenizer
# markers (pyproject): jack = a JACK server, qt = a Qt widget (qtbot), slow = seconds or more
stage "fast tests" "$bin/python" -m pytest -m "not jack and not qt and not slow" "$@"
stage "JACK, Qt and slow tests" "$bin/python" -m pytest -m "jack or qt or slow" "$@"
if ((${#failed[@]})); then
    (IFS=","; echo "failed stages: ${failed[*]}")
    exit 1
fi
