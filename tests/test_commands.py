"""One declaration (commands.py), two parsers: typer's (cli.py) and the fast paths' (argv.py).

The declaration is walked, never restated: every command and every option must show in
typer's help, parse the same way in both parsers, and (for the fast commands) show in the
fast help, so an option added to the table reaches both or the suite fails.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup

import hooks_manager
from hooks_manager import argv, cli
from hooks_manager.commands import (
    BY_NAME,
    COMMANDS,
    FLAG,
    HELP_SPELLINGS,
    ROOT,
    VALUE,
    Command,
    Option,
)
from tests.helpers import add_revision, commit_all, hookman

# cli.run without main.py's routing: the typer app itself, for the commands main.py sends to
# the fast parser.
TYPER = "import sys; from hooks_manager.cli import run; sys.exit(run(sys.argv[1:]))"
WIDE = {"COLUMNS": "200", "TERM": "dumb"}
FAST = [c for c in COMMANDS if c.fast]
EVERY_OPTION = [(c, o) for c in COMMANDS for o in c.options]


def typer_app(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", TYPER, *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **WIDE}, check=False,
                          stdin=subprocess.DEVNULL)


def words(text: str) -> str:
    """Help text with rich's boxes and wrapping taken out: the words in order."""
    for box in "│╭╮╰╯─":
        text = text.replace(box, " ")
    return " ".join(text.split())


def sample(option: Option) -> list[str]:
    """The option as a user types it: a flag alone, a value after it."""
    return [option.spellings[-1]] if option.kind == FLAG else [option.spellings[-1], "v-1"]


def typer_parse(command: Command, args: list[str]) -> argv.Options:
    """typer's own parse of ``args`` (click's context, nothing run), as the options the
    command body receives."""
    group = typer.main.get_command(cli.app)
    assert isinstance(group, TyperGroup)
    root = group.make_context("hookman", [command.name, *args], resilient_parsing=False)
    sub = group.get_command(root, command.name)
    assert sub is not None, f"typer has no command {command.name}"
    with sub.make_context(command.name, list(args), parent=root) as ctx:
        return cli.options_of(command, ctx.params)


# --- the declaration itself --------------------------------------------------------------------


@pytest.mark.parametrize("command", [ROOT, *COMMANDS], ids=lambda c: c.name)
def test_each_declaration_is_well_formed(command: Command) -> None:
    assert command.help.strip()
    assert command.summary.strip()
    # typer's rich help takes [words] for markup and drops them
    assert "[" not in command.help + "".join(o.help for o in command.options)
    spellings = [s for o in command.options for s in o.spellings]
    assert len(spellings) == len(set(spellings)), f"{command.name}: an option spelled twice"
    assert not set(spellings) & set(HELP_SPELLINGS)
    keys = [o.key for o in command.options] + [a.key for a in command.arguments]
    assert len(keys) == len(set(keys))
    for option in command.options:
        assert option.key.isidentifier(), option.key
        assert option.help.strip(), option.spellings
        assert all(s.startswith("--") or (len(s) == 2 and s[0] == "-")
                   for s in option.spellings), option.spellings
        assert option.metavar if option.kind != FLAG else not option.metavar


def test_the_typer_app_has_exactly_the_declared_commands() -> None:
    group = typer.main.get_command(cli.app)
    assert isinstance(group, TyperGroup)
    assert set(group.commands) == set(BY_NAME)


def test_no_option_is_spelled_outside_the_declaration() -> None:
    # The old way back in: a flag table (a dict keyed by "--x") or a typer.Option("--x", ...)
    # anywhere in the package but commands.py.
    found = []
    for path in sorted(Path(hooks_manager.__file__).parent.glob("*.py")):
        if path.stem == "commands":
            continue
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Constant) and isinstance(k.value, str)
                    and k.value.startswith("-") for k in node.keys):
                found.append(f"{path.name}:{node.lineno} a flag table")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("Option", "Argument")
                    and any(isinstance(a, ast.Constant) and isinstance(a.value, str)
                            for a in node.args)):
                found.append(f"{path.name}:{node.lineno} a spelled option")
    assert not found, found


# --- both parsers agree --------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "option"), EVERY_OPTION,
                         ids=[f"{c.name} {o.spellings[-1]}" for c, o in EVERY_OPTION])
def test_each_option_parses_the_same_in_typer_and_the_fast_parser(command: Command,
                                                                  option: Option) -> None:
    for spelling in option.spellings:
        args = [spelling] if option.kind == FLAG else [spelling, "v-1"]
        fast = argv.parse(command, args).options
        assert fast == typer_parse(command, args), (command.name, args)
        assert fast[option.key] == (True if option.kind == FLAG else "v-1")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_a_bare_command_and_all_options_together_parse_the_same(command: Command) -> None:
    assert argv.parse(command, []).options == typer_parse(command, [])
    everything = [word for option in command.options for word in sample(option)]
    assert argv.parse(command, everything).options == typer_parse(command, everything)


@pytest.mark.parametrize("args", [
    ["-qc", "alembic.ini"],  # grouped short flags, the last takes the next word
    ["-qcalembic.ini"],  # ... or the rest of the word
    ["-calembic.ini", "-p", "api"],
    ["--config=a.ini", "--config", "b.ini"],  # the last of a repeated option wins
    ["--rev=", "--staged"],  # an empty value is a value
    ["--rev", "--staged"],  # a value that looks like an option is still the value
    ["-n", "-"],
])
def test_clicks_rules_hold_on_the_fast_path(args: list[str]) -> None:
    command = BY_NAME["check"]
    assert argv.parse(command, args).options == typer_parse(command, args)


def test_positional_words_reach_the_command_alike() -> None:
    command = BY_NAME["pre-receive"]
    parsed = argv.parse(command, ["a", "--", "--b"])
    assert parsed.args == ["a", "--b"]
    group = typer.main.get_command(cli.app)
    assert isinstance(group, TyperGroup)
    root = group.make_context("hookman", ["pre-receive", "a", "--", "--b"])
    sub = group.get_command(root, "pre-receive")
    assert sub is not None
    with sub.make_context("pre-receive", ["a", "--", "--b"], parent=root) as ctx:
        assert list(ctx.params["args"]) == parsed.args


# --- help, from the one table, in real processes -------------------------------------------------


def test_the_root_help_lists_every_typed_command(tmp_path: Path) -> None:
    done = hookman(tmp_path, "--help", env=WIDE)
    assert done.returncode == 0, done.stderr
    listed = {line.split()[1] for line in done.stdout.splitlines()
              if line.startswith("│ ") and len(line.split()) > 2}
    assert {c.name for c in COMMANDS if not c.hidden} <= listed
    assert not {c.name for c in COMMANDS if c.hidden} & listed
    assert ROOT.help in words(done.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_typer_help_lists_every_declared_option(tmp_path: Path, command: Command) -> None:
    done = typer_app(tmp_path, command.name, "--help")
    assert done.returncode == 0, done.stderr
    text = words(done.stdout)
    assert f"Usage: hookman {command.name} [OPTIONS]" in text
    assert words(command.summary) in text
    for option in command.options:
        for spelling in option.spellings:
            # rich lists long aliases as `--hooks-path,--into-hooks-path`
            assert re.search(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", text), spelling
        assert words(option.help) in text, (command.name, option.help)
    for argument in command.arguments:
        assert argument.metavar in text


@pytest.mark.parametrize("command", [c for c in FAST if c.name != "check"],
                         ids=lambda c: c.name)
def test_fast_help_is_clicks_shape_from_the_same_table(tmp_path: Path, command: Command) -> None:
    done = hookman(tmp_path, command.name, "--help")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Usage: hookman {command.name} [OPTIONS]")
    assert "Options:" in lines
    text = words(done.stdout)
    for paragraph in command.help.split("\n\n"):
        assert words(paragraph) in text
    for option in command.options:
        assert words(argv.option_label(option)) in text
        assert words(option.help) in text
    assert "-h, --help Show this message and exit." in text or \
        "--help, -h Show this message and exit." in text


@pytest.mark.parametrize(("command", "option"), [(c, o) for c, o in EVERY_OPTION if c.fast
                                                 and c.name != "check"],
                         ids=lambda x: x.name if isinstance(x, Command) else x.spellings[-1])
def test_the_fast_path_accepts_each_option_in_a_real_process(tmp_path: Path, command: Command,
                                                             option: Option) -> None:
    # --help after a parsed option: the parse must succeed for the help to print.
    done = hookman(tmp_path, command.name, *sample(option), "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: hookman {command.name} [OPTIONS]")


def test_check_gives_the_same_answer_through_either_parser(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    commit_all(project, "base")
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")  # a fork in the work tree, not at HEAD
    args = ["-qc", "alembic.ini", "--json"]
    for extra, code in (([], 1), (["--rev=HEAD"], 0)):
        fast = hookman(project, "check", *args, *extra)
        slow = typer_app(project, "check", *args, *extra)
        assert fast.returncode == slow.returncode == code, fast.stderr + slow.stderr
        assert fast.stdout == slow.stdout
        assert '"heads"' in fast.stdout


def test_positional_words_reach_the_body_through_typer_too(tmp_path: Path) -> None:
    for run in (hookman, typer_app):
        done = run(tmp_path, "framework", "a.py", "b.py")
        assert done.returncode == 2
        assert done.stderr.splitlines() == [
            "hookman: error: `hookman framework` takes no arguments (got a.py b.py)",
            "  set pass_filenames: false for hook id hookman"]


def test_short_options_in_a_group() -> None:
    check = BY_NAME["check"]
    assert argv.parse(check, ["-qh"]).help
    with pytest.raises(argv.UsageError, match="unknown option '-x' for `hookman check`"):
        argv.parse(check, ["-qx"])


def test_a_label_too_wide_for_the_column_puts_its_help_below() -> None:
    # As click does past 30 columns; no declared option is that wide yet.
    wide = Command("wide", "A command.", (
        Option(("--a-rather-long-option",), "long", VALUE, "Its help.", metavar="SOMETHING"),))
    lines = argv.help_text(wide).splitlines()
    at = lines.index("  --a-rather-long-option SOMETHING")
    assert lines[at + 1].strip() == "Its help."
    assert lines[at + 1].startswith(" " * 20)


# --- usage errors: exit 2 and one clear message on both paths ------------------------------------


@pytest.mark.parametrize("name", ["check", "ci", "siblings", "framework", "pre-receive"])
def test_fast_path_usage_errors(tmp_path: Path, name: str) -> None:
    unknown = hookman(tmp_path, name, "--bogus")
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines() == [
        f"hookman: error: unknown option '--bogus' for `hookman {name}`",
        f"  see `hookman {name} --help`"]
    assert unknown.stdout == ""
    value = next((o for o in BY_NAME[name].options if o.kind != FLAG), None)
    if value is not None:
        missing = hookman(tmp_path, name, value.spellings[-1])
        assert missing.returncode == 2
        assert missing.stderr.splitlines()[0] == (
            f"hookman: error: {value.spellings[-1]} needs a value ({value.metavar})")


def test_fast_path_refuses_a_value_on_a_flag_and_a_stray_word(tmp_path: Path) -> None:
    flag = hookman(tmp_path, "check", "--staged=yes")
    assert flag.returncode == 2
    assert flag.stderr.splitlines()[0] == (
        "hookman: error: --staged takes no value (got '--staged=yes')")
    stray = hookman(tmp_path, "ci", "main")
    assert stray.returncode == 2
    assert stray.stderr.splitlines()[0] == (
        "hookman: error: unexpected argument 'main': `hookman ci` takes options only")


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
def test_typer_path_usage_errors(tmp_path: Path, name: str) -> None:
    unknown = typer_app(tmp_path, name, "--bogus")
    assert unknown.returncode == 2
    assert "No such option: --bogus" in unknown.stderr
    assert f"Try 'hookman {name} --help' for help." in unknown.stderr
    assert "Traceback" not in unknown.stderr
    value = next((o for o in BY_NAME[name].options if o.kind != FLAG), None)
    if value is not None:
        missing = typer_app(tmp_path, name, value.spellings[-1])
        assert missing.returncode == 2
        assert f"Option '{value.spellings[-1]}' requires an argument." in missing.stderr


def test_version_and_bare_hookman(tmp_path: Path) -> None:
    done = hookman(tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"hookman {hooks_manager.__version__}\n")
    bare = hookman(tmp_path, env=WIDE)
    assert bare.returncode == 2  # no_args_is_help: click shows the help as a usage error
    assert "Usage: hookman [OPTIONS] COMMAND [ARGS]..." in words(bare.stdout + bare.stderr)


def test_one_guard_maps_errors_on_the_typer_path(tmp_path: Path) -> None:
    # A HookmanError raised inside a typer command body (no git clone here) comes out through
    # guard.guarded: its message and exit code, no traceback.
    done = typer_app(tmp_path, "siblings")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == f"hookman: error: {tmp_path} is not inside a git clone"
    assert "Traceback" not in done.stderr


# --- completion, from the same table ------------------------------------------------------------


def complete(cwd: Path, line: str) -> str:
    # typer's zsh protocol needs no shell: the words so far in, the candidates out.
    done = hookman(cwd, env={"_HOOKMAN_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_completion_offers_the_typed_commands(tmp_path: Path) -> None:
    offered = set(re.findall(r'"([\w-]+)":', complete(tmp_path, "hookman ")))
    assert offered == {c.name for c in COMMANDS if not c.hidden}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_completion_offers_every_declared_option(tmp_path: Path, command: Command) -> None:
    out = complete(tmp_path, f"hookman {command.name} -")
    offered = set(re.findall(r'"(-[\w-]+)":', out))
    assert offered == {s for o in command.options for s in o.spellings} | set(HELP_SPELLINGS)
    for option in command.options:  # each with its help (zsh shows it beside the option)
        assert f'"{option.spellings[-1]}":"{option.help.split()[0]} ' in out, option.spellings
