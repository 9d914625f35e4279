"""Every command and option of `hookman`, declared once.

cli.py builds the typer app (help, completion, click's parsing) from this table, and argv.py
parses the fast paths (`check`, `ci`, `siblings`, `pre-receive`, `framework`) and prints their
help from it without loading typer: one spelling, one default, one help text per option, so
the two parsers cannot drift apart. Stdlib only and data only: the hook path may load it.
"""

from __future__ import annotations

FLAG = "flag"  # present or not: True or False
VALUE = "value"  # takes one value: `--rev X`, `--rev=X`, `-pX`

# The help option, on every command of both parsers (typer's help_option_names).
HELP_SPELLINGS = ("--help", "-h")  # click says "Try ... --help" with the first
HELP_TEXT = "Show this message and exit."


class Option:
    __slots__ = ("default", "help", "key", "kind", "metavar", "spellings")

    def __init__(self, spellings: tuple[str, ...], key: str, kind: str, help: str, *,
                 metavar: str = "", default: str | bool | None = None) -> None:
        self.spellings = spellings  # in the order help shows them, e.g. ("-q", "--quiet")
        self.key = key  # the options-dict key the command body reads (a Python identifier)
        self.kind = kind  # FLAG or VALUE
        self.help = help  # no [brackets]: typer's rich help reads them as markup
        self.metavar = metavar  # VALUE only: the word help shows after the spelling
        # A flag defaults to False; a value to None (absent from the options) unless given.
        self.default: str | bool | None = False if kind == FLAG else default

    @property
    def takes_value(self) -> bool:
        return self.kind == VALUE


class Argument:
    """A command's positional words, zero or more (no command takes a fixed count)."""

    __slots__ = ("help", "key", "metavar")

    def __init__(self, key: str, metavar: str, help: str) -> None:
        self.key = key
        self.metavar = metavar
        self.help = help


class Command:
    __slots__ = ("arguments", "fast", "help", "hidden", "name", "options")

    def __init__(self, name: str, help: str, options: tuple[Option, ...] = (), *,
                 arguments: tuple[Argument, ...] = (), fast: bool = False,
                 hidden: bool = False) -> None:
        self.name = name
        self.help = help  # first line: the summary in `hookman --help`; the rest: description
        self.options = options
        self.arguments = arguments
        self.fast = fast  # parsed by argv.py in main.py, typer never loaded
        self.hidden = hidden  # run by a shim or a framework, not typed: not in `hookman --help`

    @property
    def summary(self) -> str:
        return self.help.split("\n\n", 1)[0]


def _config() -> tuple[Option, ...]:
    return (
        Option(("-c", "--config"), "config", VALUE, "Alembic config file (like alembic -c).",
               metavar="FILE"),
        Option(("-n", "--name"), "name", VALUE, "Section of the config file (like alembic -n).",
               metavar="SECTION"),
        _project(),
    )


def _project() -> Option:
    return Option(("-p", "--project"), "project", VALUE,
                  "Only this project (its name in tool.hookman.projects).", metavar="PROJECT")


def _yes(help: str) -> Option:
    return Option(("-y", "--yes"), "yes", FLAG, help)


def _server(help: str) -> Option:
    return Option(("--server",), "server", FLAG, help)


ROOT = Command(
    "hookman",
    "Git hooks that stop Alembic migration forks (multiple heads) before they reach main.",
    (Option(("--version",), "version", FLAG, "Show the version."),),
)

COMMANDS: tuple[Command, ...] = (
    Command("check", """\
Check every Alembic history: heads, bases and named problems.

Exit codes: 0 healthy, 1 problems found, 2 cannot check (usage, configuration),
3 internal error, 4 no alembic configuration found.""", (
        Option(("--staged",), "staged", FLAG, "Check the index (what a commit would record)."),
        Option(("--rev",), "rev", VALUE, "Check the history at a commit, branch or tag.",
               metavar="REV"),
        Option(("--against",), "against", VALUE, "Predict the history once the current commit "
               "(or --rev) is merged with REF.", metavar="REF"),
        *_config(),
        Option(("--json",), "json", FLAG, "Print the documented JSON shape."),
        Option(("-q", "--quiet"), "quiet", FLAG, "Print nothing when healthy."),
    ), fast=True),
    Command("ci", """\
The pipeline check: the commit and its merge with the real target (GitHub pull
requests and merge queue, GitLab merge requests and trains, Bitbucket, --against REF).

Checks the checked-out commit and its predicted merge with the merge target, which is found
from the CI provider's variables (GitHub pull_request / merge_group / push, GitLab merge
requests, merged results and merge trains, Bitbucket pull requests), or given by --against.
Exit codes as `hookman check`: 0 healthy, 1 problems, 2 not checked (the reason is printed).""", (
        Option(("--against",), "against", VALUE, "Check the merge with REF instead of the "
               "target the CI provider names.", metavar="REF"),
        Option(("--format",), "format", VALUE, "text, json, github (annotations and the step "
               "summary) or gitlab (a code quality report).", metavar="FORMAT",
               default="text"),
        Option(("-o", "--output"), "output", VALUE, "Where --format gitlab writes its report "
               "(default gl-code-quality-report.json).", metavar="FILE"),
        Option(("--remote",), "remote", VALUE, "The remote the target is fetched from "
               "(default origin).", metavar="NAME"),
        _project(),
        Option(("--fetch-timeout",), "fetch_timeout", VALUE, "Seconds each fetch of what a "
               "shallow checkout lacks may take (default 60).", metavar="SECONDS"),
        Option(("--no-fetch",), "no_fetch", FLAG, "Fetch nothing: check what the checkout "
               "already has (what it lacks is said as not checked)."),
    ), fast=True),
    Command("siblings", """\
Remote branches that build on the same parent as this branch's new revision, or reuse
its id: whichever lands second forks.

Lists the remote-tracking branches that add a child of the same parent as this branch's new
revision, or reuse one of its ids.""", (
        Option(("--json",), "json", FLAG, "Print the siblings as JSON."),
        Option(("--rev",), "rev", VALUE, "This branch's commit (default HEAD).", metavar="REV"),
        Option(("--upstream",), "upstream", VALUE, "The branch it lands on (default: the upstream "
               "setting of tool.hookman, else the remote's default branch).",
               metavar="REMOTE/BRANCH"),
        Option(("--remote",), "remote", VALUE, "The remote whose branches are compared "
               "(default origin).", metavar="NAME"),
    ), fast=True),
    Command("pre-receive", """\
The server guard of protected branches.

Run by the server's pre-receive hook that `hookman install --server` writes; reads git's
update lines on stdin.""", arguments=(
        Argument("args", "ARGS", "Handed to the pre-receive hook hookman replaced."),
    ), fast=True, hidden=True),
    Command("framework", """\
The pre-commit framework's hook.

The entry of hook id `hookman` in .pre-commit-hooks.yaml, for the pre-commit framework.""",
            arguments=(
        Argument("files", "FILES", "Refused: set pass_filenames: false for hook id hookman."),
    ), fast=True, hidden=True),
    Command("install", """\
Install the pre-commit, pre-push and pre-merge-commit hooks in this clone.

Hooks already in place are kept and run first. Installing again refreshes the shims.
Exit codes: 0 installed, 2 not installed (core.hooksPath elsewhere, not a git clone, ...).""", (
        Option(("--hooks-path", "--into-hooks-path"), "hooks_path", FLAG,
               "core.hooksPath points to another folder (husky's .husky/_, a team folder): "
               "install into it anyway, keeping and chaining the hooks already there."),
        _yes("Ask nothing; take what was detected (also the case with CI set or no "
             "terminal)."),
        Option(("--trust",), "trust", FLAG, "Let this clone's pyproject.toml turn on "
               "auto_merge / static_fallback, which load the migration files through alembic "
               "(sets git config hookman.trustRepoCode true)."),
        _server("In a bare server repository: write the pre-receive guard of protected "
                "branches."),
    )),
    Command("uninstall", "Remove hookman's hooks and put back the hooks they replaced, byte for "
            "byte.", (
        _server("In a bare server repository: remove the pre-receive guard."),
    )),
    Command("status", """\
Per hook: installed, whose, chained, stale, and the interpreter it runs.

Exit codes: 0 all three hooks are hookman's current shims, 1 otherwise."""),
    Command("doctor", """\
What a hook run will see (interpreter, PATH, hooks folder, settings, projects, test
command) and what is wrong with it.

Exit codes: 0 nothing wrong, 1 something to fix (lines marked FIX)."""),
    Command("merge", """\
Write the merge revision that joins the heads, with alembic and the project's own
script.py.mako. Asks first at a terminal; never asks under CI=1 or without a terminal.

The revision id is derived from the heads, so two people merging the same fork write the
same revision. Refuses (writing nothing) with one head, during a merge, rebase or
cherry-pick, or while the index is locked.""", (
        Option(("--commit",), "commit", FLAG, "Commit the merge revision (that file only; other "
               "staged changes stay staged)."),
        Option(("-m", "--message"), "message", VALUE, "Revision message (default: merge heads A "
               "and B).", metavar="TEXT"),
        _yes("Do not ask for confirmation."),
        *_config(),
    )),
    Command("heads", """\
Print the head revision(s), one per line, for scripts.

Exit codes: 0 one head per history, 1 a history forks (several heads). With --write: 0.""", (
        Option(("--write",), "write", FLAG, "Rewrite each project's head file "
               "(alembic_heads.txt beside env.py)."),
        Option(("--revision-file",), "revision_file", VALUE, "The revision file alembic just "
               "wrote (post_write_hooks pass it): picks the project that holds it.",
               metavar="FILE"),
        *_config(),
    )),
    Command("rebase", """\
Re-point this branch's unpublished migration onto the other head (instead of a merge
revision): edits its down_revision only, verifies one head, stages the files.

Sides come from git: a stopped merge, rebase or cherry-pick, else the upstream, else
--onto. Refuses (changing nothing) when the migration is published, is a merge revision,
starts a branch label, its down_revision is not a literal, a file to edit does not parse,
is a symlink or has unstaged changes. Asks first at a terminal; never asks under CI=1 or
without a terminal (as hookman merge): it rewrites straight away there.""", (
        Option(("--onto",), "onto", VALUE, "The head to keep; the other head's chain moves "
               "onto it.", metavar="REV"),
        Option(("--commit",), "commit", FLAG, "Commit the edited files and the head file (those "
               "only)."),
        Option(("--rename",), "rename", FLAG, "When file_template dates file names: rename the "
               "moved files to now, and set their Create Date to match."),
        _yes("Do not ask for confirmation (never asked under CI=1 or without a terminal)."),
        *_config(),
    )),
    Command("graph", """\
Draw each Alembic history: heads, bases, merges, branch labels, depends_on, messages.

Read statically like `hookman check` (nothing is imported). Exit codes: 0 drawn,
2 cannot read (usage, configuration), 4 no alembic configuration found.""", (
        Option(("--all",), "all", FLAG, "The whole history (default: the neighbourhood of each "
               "fork)."),
        Option(("--format",), "format", VALUE, "text (lanes, like git log --graph), mermaid or "
               "dot.", metavar="FORMAT", default="text"),
        Option(("--staged",), "staged", FLAG, "Draw the index."),
        Option(("--rev",), "rev", VALUE, "Draw the history at a commit, branch or tag.",
               metavar="REV"),
        Option(("--against",), "against", VALUE, "Draw the history the merge with REF would "
               "have.", metavar="REF"),
        *_config(),
    )),
)

BY_NAME = {command.name: command for command in COMMANDS}
