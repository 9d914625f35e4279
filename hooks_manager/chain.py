"""Someone else's hook, kept beside ours at install time, and run first by our hook."""

from __future__ import annotations

import os

PREVIOUS_SUFFIX = ".hookman-prev"


def hooks_dir_of(root: str) -> str | None:
    from hooks_manager import proc

    result = proc.run(["git", "rev-parse", "--path-format=absolute", "--git-path", "hooks"], root)
    return result.out.decode().strip() if result.code == 0 else None


def run_previous(root: str, hook_type: str, args: list[str], stdin: bytes) -> int:
    """Run `<hooks>/<type>.hookman-prev` with git's arguments and the same stdin bytes."""
    if os.environ.get("HOOKMAN_RUNNING_PREVIOUS"):
        return 0  # the previous hook calls back into us: do not loop
    hooks = hooks_dir_of(root)
    if hooks is None:
        return 0
    previous = os.path.join(hooks, hook_type + PREVIOUS_SUFFIX)
    if not os.path.isfile(previous):
        return 0
    import subprocess

    env = {**os.environ, "HOOKMAN_RUNNING_PREVIOUS": "1"}
    return subprocess.run([previous, *args], input=stdin, cwd=root, env=env).returncode
