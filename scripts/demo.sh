#!/usr/bin/env bash
# The whole story in one run, non-interactively: a real alembic project in a scratch clone, two
# branches that each add a migration on the same parent, hookman stopping the commit and the
# push, writing the merge migration itself, the tests before the push, and `alembic upgrade
# head` reaching the merge. Then the head file is turned on: the next such fork stops
# `git rebase origin/main` on a conflict in alembic_heads.txt, `hookman graph` draws it,
# `hookman rebase` re-points the unpublished migration, and the database upgrades along one
# line. Every step checks that hookman did what the story says; any surprise stops the demo
# with a non-zero exit. docs/demo.md shows what it prints.
#
#   ./scripts/demo.sh            # scratch folder removed at the end
#   KEEP=1 ./scripts/demo.sh     # keep it, to try the interactive path yourself (see the end)
#
# Python: $HOOKMAN_DEMO_PYTHON when set (an interpreter with hookman and its [test] extra
# installed, e.g. the one running the test suite); otherwise the repository's .venv, the same one
# scripts/test.sh builds and uses.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"

# --- output ------------------------------------------------------------------------------------

if [ -t 1 ]; then
  HEAD_ON=$'\e[1;4m' CMD_ON=$'\e[1m' OFF=$'\e[0m'
else
  HEAD_ON='==> ' CMD_ON='' OFF=''
  # No terminal: git then clears its progress lines ("Rebasing (1/1)") with spaces, not with
  # escape codes, so a log or CI page shows no control sequences.
  export TERM=dumb
fi
STEP=0
heading() { STEP=$((STEP + 1)); printf '\n%s%s. %s%s\n' "$HEAD_ON" "$STEP" "$1" "$OFF"; }
note() { printf '%s\n' "$*"; }
fail() {
  local where="at step $STEP"
  [ "$STEP" != 0 ] || where="before the story starts"
  printf '\ndemo FAILED %s: %s\n' "$where" "$*" >&2
  exit 1
}

LAST=""  # output of the last command run through `run`
# run EXPECTED_CODE 'command': show the command, run it (stdin closed, stderr merged so hook
# output stays in order), stream its output, and insist on its exit code.
run() {
  local expected=$1 cmd=$2 code
  printf '%s$ %s%s\n' "$CMD_ON" "$cmd" "$OFF"
  set +e
  (eval "$cmd") </dev/null 2>&1 | tee "$SCRATCH/.last"
  code=${PIPESTATUS[0]}
  set -e
  LAST=$(cat "$SCRATCH/.last")
  [ "$code" = "$expected" ] || fail "\`$cmd\` exited $code, expected $expected"
}
# expect 'text' [why]: the last command's output must contain text (fixed string).
expect() {
  grep -qF -- "$1" "$SCRATCH/.last" || fail "expected \"$1\" in the output of the last command${2:+ ($2)}"
}

# --- the interpreter ---------------------------------------------------------------------------

if [ -n "${HOOKMAN_DEMO_PYTHON:-}" ]; then
  PY=$HOOKMAN_DEMO_PYTHON
else
  VENV="${HOOKMAN_VENV:-$REPO/.venv}"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "demo: creating $VENV and installing hookman into it (once)"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$REPO[test]"
  PY="$VENV/bin/python"
fi
PY_BIN="$(cd "$(dirname "$PY")" && pwd)"
# `python` (the test command), the hook shims and everything below use this interpreter.
export PATH="$PY_BIN:$PATH"
"$PY" -c 'import hooks_manager, alembic, pytest' 2>/dev/null ||
  fail "$PY cannot import hooks_manager, alembic and pytest (pip install -e '.[test]')"
[ "$(command -v python)" -ef "$PY" ] ||
  fail "\`python\` on PATH is $(command -v python), not $PY; point HOOKMAN_DEMO_PYTHON at a venv"
hookman() { "$PY" -m hooks_manager "$@"; }
alembic() { "$PY" -m alembic "$@"; }

# --- a hermetic scratch world ------------------------------------------------------------------

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/hookman-demo.XXXXXX")"
SCRATCH="$(cd "$SCRATCH" && pwd -P)"
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then
    echo "demo: kept $SCRATCH"
  else
    rm -rf "$SCRATCH"
  fi
}
trap cleanup EXIT

# Nothing from the caller's git or hookman settings leaks in: own HOME (git identity, no global
# hooksPath), no system config, no GIT_* from an enclosing hook, no SKIP/HOOKMAN switches.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(GIT_[A-Za-z_]*\)=.*/\1/p')
unset HOOKMAN SKIP HOOKMAN_AUTO_MERGE PYTHONPATH VIRTUAL_ENV_PROMPT 2>/dev/null || true
export HOME="$SCRATCH/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "Demo User"
git config --global user.email demo@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false
# The hooks decide "terminal or not" from CI and /dev/tty, never from stdin: CI=1 here means the
# demo can never stop at a prompt, even when run at a terminal. The commands below that are about
# CI say so themselves.
export CI=1

# revision_file SLUG: the one migration file alembic wrote for message SLUG.
revision_file() {
  local found=("$WORK"/migrations/versions/*_"$1".py)
  [ "${#found[@]}" = 1 ] && [ -f "${found[0]}" ] || fail "no single migration file *_$1.py"
  printf '%s\n' "${found[0]#"$WORK"/}"
}
revision_id() { sed -n "s/^revision: str = [\"']\([^\"']*\)[\"']\$/\1/p" "$WORK/$1"; }
# creates_table FILE TABLE: make the generated upgrade()/downgrade() create and drop TABLE.
creates_table() {
  "$PY" - "$WORK/$1" "$2" <<'EOF'
import sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
up = (f'    op.create_table(\n        "{table}",\n'
      '        sa.Column("id", sa.Integer, primary_key=True),\n    )')
down = f'    op.drop_table("{table}")'
head, sep, tail = text.partition("def upgrade()")
body, sep2, rest = tail.partition("def downgrade()")
assert sep and sep2 and body.count("    pass") == 1 and rest.count("    pass") == 1, path
text = head + sep + body.replace("    pass", up) + sep2 + rest.replace("    pass", down)
open(path, "w").write(text)
EOF
}

WORK="$SCRATCH/work"
DB="$SCRATCH/app.db"
cd "$SCRATCH"

# --- 1 -----------------------------------------------------------------------------------------

heading "A remote, a clone, a real alembic project, a test suite, hookman installed"
run 0 'git init --quiet --bare remote.git && git clone --quiet remote.git work'
cd "$WORK"
# The identity also lives in the clone, so a kept clone (KEEP=1) works from any shell.
git config user.name "Demo User" && git config user.email demo@example.com
note "(in $WORK)"
run 0 'alembic init migrations'
"$PY" - "$DB" <<'EOF'
import re, sys
text = open("alembic.ini").read()
text, count = re.subn(r"(?m)^sqlalchemy\.url = .*$", f"sqlalchemy.url = sqlite:///{sys.argv[1]}", text)
assert count == 1, "alembic.ini has no sqlalchemy.url line"
open("alembic.ini", "w").write(text)
EOF
note "# alembic.ini: sqlalchemy.url = sqlite:///$DB"
run 0 'alembic revision -m "create users"'
USERS_FILE=$(revision_file create_users)
creates_table "$USERS_FILE" users
USERS=$(revision_id "$USERS_FILE")
[ -n "$USERS" ] || fail "no revision id in $USERS_FILE"
note "# $USERS_FILE: upgrade() creates the users table"

mkdir tests
cat > app.py <<'EOF'
def greet(name: str) -> str:
    return f"hello, {name}"
EOF
cat > tests/test_app.py <<'EOF'
from app import greet


def test_greet() -> None:
    assert greet("bob") == "hello, bob"


def test_greet_alice() -> None:
    assert greet("alice") == "hello, alice"
EOF
cat > pyproject.toml <<'EOF'
[project]
name = "shop"
version = "0.1.0"

[tool.hookman]
test_command = "python -m pytest -q"
EOF
printf '__pycache__/\n.pytest_cache/\n' > .gitignore
run 0 'cat pyproject.toml'
run 0 'hookman install --yes'
expect "pre-push"
expect "tests before push: python -m pytest -q"
run 0 'git add -A && git commit --quiet -m "Create users" && git push --quiet origin main'
expect "tests passed"

# --- 2 -----------------------------------------------------------------------------------------

heading "Alice and Bob each add a migration on the same parent; Alice lands first"
run 0 'git switch --quiet -c alice main && alembic revision -m "add orders"'
ORDERS_FILE=$(revision_file add_orders)
creates_table "$ORDERS_FILE" orders
ORDERS=$(revision_id "$ORDERS_FILE")
run 0 'git add -A && git commit --quiet -m "Add orders"'
run 0 'git switch --quiet -c bob main && alembic revision -m "add invoices"'
INVOICES_FILE=$(revision_file add_invoices)
creates_table "$INVOICES_FILE" invoices
INVOICES=$(revision_id "$INVOICES_FILE")
run 0 'git add -A && git commit --quiet -m "Add invoices"'
note "# both revise $USERS: orders = $ORDERS (alice), invoices = $INVOICES (bob)"
run 0 'git switch --quiet main && git merge --quiet alice && git push --quiet origin main'
expect "tests passed"
run 0 'git switch --quiet bob'

# --- 3 -----------------------------------------------------------------------------------------

heading "The commit guard: a second revision on the same parent, staged on bob"
run 0 "alembic revision -m \"add payments\" --head $USERS --splice"
PAYMENTS_FILE=$(revision_file add_payments)
PAYMENTS=$(revision_id "$PAYMENTS_FILE")
run 1 "git add $PAYMENTS_FILE && git commit -m \"Add payments\""
expect "commit blocked"
expect "$PAYMENTS"
expect "$INVOICES"
expect "hookman merge"
note "# git commit exited 1: nothing was committed. Take the file back out:"
run 0 "git rm --quiet -f $PAYMENTS_FILE && git status --short"

# --- 4 -----------------------------------------------------------------------------------------

heading "The push guard with no one to ask: bob has one head, but forks against origin/main"
run 1 'CI=1 git push origin bob'
expect "alembic: ok — head $INVOICES" "bob alone has one head"
expect "were merged with origin/main)"
expect "push blocked: bob forks the alembic history once merged with origin/main (CI is set)"
expect "git merge --no-verify origin/main && hookman merge --commit && git push origin bob"
expect "$ORDERS"
expect "$INVOICES"
note "# git push exited 1: nothing reached origin."

# --- 5 -----------------------------------------------------------------------------------------

heading "The fix without a prompt: HOOKMAN_AUTO_MERGE=1 lets the push write and commit it"
run 1 'HOOKMAN_AUTO_MERGE=1 CI=1 git push origin bob'
expect "merged origin/main into bob"
expect "run git push again"
MERGE_FILE=$(sed -n 's/^.*hookman: wrote \(migrations\/versions\/[^ ]*\.py\)$/\1/p' "$SCRATCH/.last")
[ -n "$MERGE_FILE" ] && [ -f "$MERGE_FILE" ] || fail "hookman named no merge revision file"
MERGE=$(revision_id "$MERGE_FILE")
[ -n "$MERGE" ] || fail "no revision id in $MERGE_FILE"
grep -qF "committed $(git rev-parse --short=10 HEAD)" "$SCRATCH/.last" ||
  fail "the commit hookman reported is not bob's new tip"
note "# the push stopped (exit 1) on purpose: a commit made during a push is not part of it."
run 0 'git log --oneline -3'
run 0 "sed -n '1,/^depends_on/p' $MERGE_FILE"
expect "down_revision: Union[str, Sequence[str], None] = ("
expect "$ORDERS"
expect "$INVOICES"

# --- 6 -----------------------------------------------------------------------------------------

heading "Push again: the history is single-headed, the tests run, the push goes through"
run 0 'git push origin bob'
expect "passed"
expect "tests passed"
expect "* [new branch]      bob -> bob"
run 0 'git switch --quiet main && git merge --quiet --ff-only bob && git push --quiet origin main'
expect "tests passed"

# --- 7 -----------------------------------------------------------------------------------------

heading "The result: hookman check, and alembic upgrading a real SQLite database"
run 0 'hookman check --json'
expect '"ok": true'
expect "\"$MERGE\""
run 0 'alembic upgrade head'
grep -qE "Running upgrade ($ORDERS, $INVOICES|$INVOICES, $ORDERS) -> $MERGE," "$SCRATCH/.last" ||
  fail "alembic upgrade head did not run the merge revision $MERGE"
run 0 'alembic heads'
expect "$MERGE (head)"
[ "$(printf '%s\n' "$LAST" | grep -c '(head)')" = 1 ] || fail "alembic heads shows more than one head"

# --- 8 -----------------------------------------------------------------------------------------

heading "Turn on the head file: from now on a fork is also a git merge conflict"
"$PY" - <<'EOF'
import re
text = open("pyproject.toml").read()
text, count = re.subn(r"(?m)^\[tool\.hookman\]\n", "[tool.hookman]\nhead_file = true\n", text)
assert count == 1, "pyproject.toml has no [tool.hookman] table"
open("pyproject.toml", "w").write(text)
EOF
note "# pyproject.toml: head_file = true under [tool.hookman]"
run 0 'hookman install --yes'
expect "hookman: wrote migrations/alembic_heads.txt: commit it"
expect "post_write_hooks not changed" "without a terminal install asks nothing and edits no alembic.ini"
expect "hookman.options = heads --write --revision-file REVISION_SCRIPT_FILENAME"
# What install adds at a terminal when you answer yes: here, the lines it printed, added by hand.
"$PY" - <<'EOF'
import re
text = open("alembic.ini").read()
lines = ("hooks = hookman\nhookman.type = exec\nhookman.executable = hookman\n"
         "hookman.options = heads --write --revision-file REVISION_SCRIPT_FILENAME\n")
text, count = re.subn(r"(?m)^\[post_write_hooks\]\n", lambda m: m[0] + lines, text)
assert count == 1, "alembic.ini has no [post_write_hooks] section"
open("alembic.ini", "w").write(text)
EOF
note "# alembic.ini: those four lines added under [post_write_hooks]"
# alembic's post-write hook runs the `hookman` on PATH: it must be this interpreter's.
[ "$(type -P hookman || true)" -ef "$PY_BIN/hookman" ] ||
  fail "\`hookman\` on PATH is not $PY_BIN/hookman (alembic's post-write hook runs it)"
run 0 'hookman install --yes'
expect "runs hookman after alembic revision and alembic merge"
run 0 'cat migrations/alembic_heads.txt'
expect "$MERGE"
run 0 'git add -A && git commit --quiet -m "Track the alembic head" && git push --quiet origin main'
expect "tests passed"

# --- 9 -----------------------------------------------------------------------------------------

heading "Erin and you each add a migration on the same parent; Erin lands first"
run 0 'git switch --quiet -c erin main && alembic revision -m "add refunds"'
expect "Running post write hook 'hookman'" "alembic runs hookman after writing the revision"
REFUNDS_FILE=$(revision_file add_refunds)
creates_table "$REFUNDS_FILE" refunds
REFUNDS=$(revision_id "$REFUNDS_FILE")
run 0 'git diff migrations/alembic_heads.txt'
expect "-$MERGE"
expect "+$REFUNDS"
run 0 'git add -A && git commit --quiet -m "Add refunds"'
run 0 'git switch --quiet -c mine main && alembic revision -m "add coupons"'
COUPONS_FILE=$(revision_file add_coupons)
creates_table "$COUPONS_FILE" coupons
COUPONS=$(revision_id "$COUPONS_FILE")
run 0 'git add -A && git commit --quiet -m "Add coupons"'
note "# both revise $MERGE: refunds = $REFUNDS (erin), coupons = $COUPONS (mine)"
run 0 'git switch --quiet main && git merge --quiet erin && git push --quiet origin main'
expect "tests passed"
run 0 'git switch --quiet mine'

# --- 10 ----------------------------------------------------------------------------------------

heading "git rebase origin/main stops: the fork is a conflict in alembic_heads.txt"
run 1 'git fetch --quiet origin && git rebase origin/main'
expect "CONFLICT (content): Merge conflict in migrations/alembic_heads.txt"
run 0 'git status --short && cat migrations/alembic_heads.txt'
expect "UU migrations/alembic_heads.txt"
expect "A  $COUPONS_FILE"
expect "<<<<<<< "
expect ">>>>>>> "
note "# each side only added a new file: without the head file this rebase would go through"
note "# silently; the fork would surface at the push guard, and at a merge button not at all."
run 0 'hookman graph'
expect "fork at $MERGE"
expect "$REFUNDS  (head)"
expect "$COUPONS  (head)"
expect "$MERGE  (fork point"

# --- 11 ----------------------------------------------------------------------------------------

heading "One command fixes it: hookman rebase re-points your unpublished migration"
run 0 'hookman rebase'
expect "re-point $COUPONS"
expect "onto $REFUNDS"
expect "$COUPONS now follows $REFUNDS; one head: $COUPONS"
expect "next: git rebase --continue"
run 0 "grep -n '^down_revision' $COUPONS_FILE && cat migrations/alembic_heads.txt"
expect "$REFUNDS"
# No terminal, so no editor: GIT_EDITOR=true keeps the commit message as it was.
run 0 'GIT_EDITOR=true git rebase --continue'
run 0 'git log --oneline -3'
expect "Add coupons"
expect "Add refunds"
run 0 'hookman heads'
expect "$COUPONS"
[ "$(printf '%s\n' "$LAST" | grep -c .)" = 1 ] || fail "hookman heads printed more than one head"
run 0 'git push origin mine'
expect "tests passed"
expect "* [new branch]      mine -> mine"
run 0 'git switch --quiet main && git merge --quiet --ff-only mine && git push --quiet origin main'
expect "tests passed"

# --- 12 ----------------------------------------------------------------------------------------

heading "The result: alembic upgrades the same SQLite database along one line"
run 0 'alembic upgrade head'
expect "Running upgrade $MERGE -> $REFUNDS, add refunds"
expect "Running upgrade $REFUNDS -> $COUPONS, add coupons"
run 0 'alembic heads'
expect "$COUPONS (head)"
[ "$(printf '%s\n' "$LAST" | grep -c '(head)')" = 1 ] || fail "alembic heads shows more than one head"
run 0 'hookman check'

if [ "${KEEP:-}" = 1 ]; then KEPT="$SCRATCH"; else KEPT="<kept folder>"; fi
cat <<EOF

${HEAD_ON}Try the interactive path yourself${OFF}
At a terminal, with CI unset and without HOOKMAN_AUTO_MERGE, the push guard asks instead of
refusing: a menu (arrow keys, Enter) offers to fix the fork and commit the fix (re-point your
unpublished migration onto origin/main's head, or merge origin/main and write the merge
revision); to show the heads, files and commits; to abort; or to push anyway. Run
\`KEEP=1 ./scripts/demo.sh\` (the scratch clone is kept; its path is printed at the end), then
make a new fork in a fresh shell:
  cd $KEPT/work && export PATH="$PY_BIN:\$PATH" && unset CI HOOKMAN_AUTO_MERGE
  git switch -c carol main && alembic revision -m "add reviews" && git add -A && git commit -m "Add reviews"
  git switch -c dave main && alembic revision -m "add tags" && git add -A && git commit -m "Add tags"
  git switch main && git merge carol && git push origin main
  git switch dave && git push origin dave
The last push shows the menu; pick the first entry, then \`git push origin dave\` again: the
tests run and the push goes through. \`alembic heads\` shows one head.
EOF
echo
echo "demo: all steps behaved as described"
