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
# pytest exits 5 when it collects nothing; `coverage run` passes pytest's exit code on, and
# set -e turns that (and any failure) into a red run.
if [ "${HOOKMAN_TEST_COVERAGE:-1}" = "0" ]; then
  # Measuring costs each Python child ~0.1 s (importing coverage, saving its data): about
  # twice the time in all. For a quick local run only; CI runs with the gate.
  echo "== pytest (coverage off: HOOKMAN_TEST_COVERAGE=0)"
  "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
  exit 0
fi
echo "== pytest (with coverage, child processes included)"
rm -f .coverage .coverage.*
"$VENV/bin/python" -m coverage run -m pytest -p no:cacheprovider "$@"
echo "== coverage"
"$VENV/bin/python" -m coverage combine --quiet
if [ "$#" -eq 0 ]; then
  "$VENV/bin/python" -m coverage report  # fail_under in pyproject.toml gates the full suite
else
  "$VENV/bin/python" -m coverage report --fail-under=0  # a chosen subset: figures, no gate
fi
