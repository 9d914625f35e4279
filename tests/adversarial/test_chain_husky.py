"""husky v9's real layout (core.hooksPath=.husky/_, a stub per hook sourcing `h`, which runs
.husky/<hook>) with hookman installed into it: the files below are husky 9.1.7's own bytes, as
`npx husky` writes them (npm is not needed to run the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import add_revision, git
from tests.hooktools import base_history, commit, hookman_cmd, install, stage_fork, write_hook

HUSKY_H = """\
#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

if [ -f "$HOME/.huskyrc" ]; then
	echo "husky - '~/.huskyrc' is DEPRECATED, please move your code to ~/.config/husky/init.sh"
fi
i="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
"""
HUSKY_STUB = '#!/usr/bin/env sh\n. "$(dirname "$0")/h"'
HOOKS = ("pre-commit", "pre-push", "pre-merge-commit")


def _husky(repo: Path, script: str) -> dict[str, bytes]:
    folder = repo / ".husky" / "_"
    folder.mkdir(parents=True)
    (folder / "h").write_text(HUSKY_H)
    (folder / ".gitignore").write_text("*")
    for hook in HOOKS:
        write_hook(folder / hook, HUSKY_STUB)
    write_hook(repo / ".husky" / "pre-commit", script)
    git(repo, "config", "core.hooksPath", ".husky/_")
    return {hook: (folder / hook).read_bytes() for hook in HOOKS}


@pytest.mark.parametrize("code", [0, 1, 112])
def test_husky_scripts_run_once_before_hookman(project: Path, tmp_path: Path, code: int) -> None:
    log = tmp_path / "husky.log"
    base_history(project)
    stubs = _husky(project, f"echo husky-ran >> '{log}'\nexit {code}\n")
    install(project, "--hooks-path")
    add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", "-A")
    done = commit(project, "-m", "one")
    assert log.read_text().count("husky-ran") == 1
    if code:
        assert done.returncode != 0
        assert f"the previous pre-commit hook failed (exit {code})" in done.stderr
        assert "not found" not in done.stderr
        return
    assert done.returncode == 0, done.stderr
    stage_fork(project)
    blocked = commit(project, "-m", "fork")
    assert blocked.returncode != 0
    assert "commit blocked" in blocked.stderr
    assert log.read_text().count("husky-ran") == 2
    hookman_cmd(project, "uninstall")
    folder = project / ".husky" / "_"
    assert {hook: (folder / hook).read_bytes() for hook in HOOKS} == stubs
