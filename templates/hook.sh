#!/bin/sh
# hookman-shim v1
# Written by `hookman install`; `hookman uninstall` removes it and puts back any hook it replaced.
# Settings live in [tool.hookman] of pyproject.toml and are read on every run: edit those, not this.
# >>> hookman settings (rewritten by hookman install)
HOOK_TYPE='pre-commit'
INSTALL_PYTHON='python3'
SKIP_HINT='git commit --no-verify'
# <<< hookman settings

# Python finds a chained hook next to this file without asking git where the hooks folder is.
case $0 in */*) HOOKMAN_HOOKS_DIR=${0%/*} ;; *) HOOKMAN_HOOKS_DIR=. ;; esac
export HOOKMAN_HOOKS_DIR

# git's stdin (pre-push's ref lines) reaches Python untouched: nothing here reads it. -P: the
# repository's own top-level modules must never shadow the standard library. -c rather than -m:
# runpy's imports cost a few milliseconds on every commit. -S with INSTALL_PATH (the folder
# holding hooks_manager) skips site's .pth files, a third of start-up: the check is stdlib
# only, and hookman loads site itself before it imports alembic or GitPython for a fix.
# Exit 112 means "hookman is not importable there": with INSTALL_PATH, that folder is gone (a
# venv rebuilt on a newer Python, a checkout moved), so start that Python the usual way, where
# site finds hookman wherever it now lives; then (a venv rebuilt without it) try hookman on PATH
# like a missing python. 112 comes before anything reads stdin, so each try sees git's.
HOOKMAN_START='import sys
if sys.argv[1]:
    sys.path.append(sys.argv[1])
del sys.argv[1]
try:
    from hooks_manager.main import main
except ImportError:
    raise SystemExit(112)
raise SystemExit(main())'
if [ -x "$INSTALL_PYTHON" ]; then
  if [ -n "$INSTALL_PATH" ]; then
    "$INSTALL_PYTHON" -S -P -c "$HOOKMAN_START" "$INSTALL_PATH" hook "$HOOK_TYPE" "$@"
    status=$?
    [ "$status" -eq 112 ] || exit "$status"
  fi
  "$INSTALL_PYTHON" -P -c "$HOOKMAN_START" '' hook "$HOOK_TYPE" "$@"
  status=$?
  [ "$status" -eq 112 ] || exit "$status"
fi
if command -v hookman >/dev/null 2>&1; then
  exec hookman hook "$HOOK_TYPE" "$@"
fi

case ${HOOKMAN:-} in
  0|false|off|no)
    echo "hookman: $HOOK_TYPE checks skipped (HOOKMAN=$HOOKMAN; hookman itself is not installed)" >&2
    previous="$HOOKMAN_HOOKS_DIR/$HOOK_TYPE.hookman-prev"
    if [ -x "$previous" ]; then exec "$previous" "$@"; fi
    exit 0 ;;
esac
echo "hookman: not found ($INSTALL_PYTHON is gone or has no hookman, and no hookman on PATH); reinstall with 'hookman install', or skip once with $SKIP_HINT / HOOKMAN=0" >&2
exit 1
