#!/usr/bin/env bash
# The one test command: builds its own venv on a fresh machine, then lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${HOOKMAN_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'

echo "== ruff"
"$VENV/bin/ruff" check hooks_manager tests scripts
echo "== mypy"
"$VENV/bin/mypy"
echo "== pytest"
# pytest exits 5 when it collects nothing; set -e turns that (and any failure) into a red run.
"$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
