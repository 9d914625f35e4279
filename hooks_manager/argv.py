"""The fast paths' argv parser and help, driven by the declaration in commands.py.

`hookman check`, `ci`, `siblings`, `pre-receive` and `framework` run without typer (~110 ms of
imports a hook cannot afford); they parse here, from the same table typer builds its commands
from, and with click's rules: `--opt value`, `--opt=value`, `-o value`, `-ovalue`, short
flags grouped (`-qy`), `--` ends the options, the last of a repeated option wins. A usage
error is a one-line HookmanError, exit 2 as click's own.
"""

from __future__ import annotations

from hooks_manager.commands import HELP_SPELLINGS, HELP_TEXT, Command, Option
from hooks_manager.errors import HookmanError

Options = dict[str, str | bool]
WIDTH = 78  # click's help: at most 80 columns, less its margin
COLUMN = 30  # click's widest first column before the help text goes below it


class UsageError(HookmanError):
    """Bad argv for a command: exit 2, as click gives."""


class Parsed:
    __slots__ = ("args", "help", "options")

    def __init__(self, options: Options, args: list[str], help: bool) -> None:
        self.options = options  # every flag (True/False); each value given or defaulted
        self.args = args  # the positional words, for a command that declares them
        self.help = help  # --help was asked for: print help, run nothing


def defaults(command: Command) -> Options:
    """The options of a bare invocation: every flag False, each value with a default set."""
    return {o.key: o.default for o in command.options if o.default is not None}


def parse(command: Command, args: list[str]) -> Parsed:
    spelled = {s: o for o in command.options for s in o.spellings}
    options = defaults(command)
    words: list[str] = []
    wants_help = False
    i = 0

    def usage(message: str) -> UsageError:
        return UsageError(message, hint=f"see `hookman {command.name} --help`")

    def value_for(option: Option, spelling: str, inline: str | None) -> str:
        nonlocal i
        if inline is not None:
            return inline
        if i >= len(args):
            raise usage(f"{spelling} needs a value ({option.metavar})")
        i += 1
        return args[i - 1]

    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            words += args[i:]
            break
        if arg in HELP_SPELLINGS:
            wants_help = True
        elif arg.startswith("--"):
            spelling, eq, inline = arg.partition("=")
            option = spelled.get(spelling)
            if option is None:
                raise usage(f"unknown option {spelling!r} for `hookman {command.name}`")
            if option.takes_value:
                options[option.key] = value_for(option, spelling, inline if eq else None)
            elif eq:
                raise usage(f"{spelling} takes no value (got {arg!r})")
            else:
                options[option.key] = True
        elif arg.startswith("-") and arg != "-":
            # A group of short options, as click reads it: flags until one takes a value,
            # which is the rest of the word or else the next word.
            for pos in range(1, len(arg)):
                spelling = f"-{arg[pos]}"
                option = spelled.get(spelling)
                if option is None:
                    if spelling in HELP_SPELLINGS:
                        wants_help = True
                        continue
                    raise usage(f"unknown option {spelling!r} for `hookman {command.name}`")
                if option.takes_value:
                    rest = arg[pos + 1:]
                    options[option.key] = value_for(option, spelling, rest or None)
                    break
                options[option.key] = True
        else:
            words.append(arg)
    if words and not command.arguments:
        raise usage(f"unexpected argument {words[0]!r}: `hookman {command.name}` takes "
                    "options only")
    return Parsed(options, words, wants_help)


def wants_help(command: Command, args: list[str]) -> bool:
    """Whether ``args`` ask for help; a usage error is not a request for help (the parse
    that follows reports it)."""
    try:
        return parse(command, args).help
    except UsageError:
        return False


def usage_line(command: Command) -> str:
    parts = [f"Usage: hookman {command.name} [OPTIONS]"]
    parts += [f"[{a.metavar}]..." for a in command.arguments]
    return " ".join(parts)


def option_label(option: Option) -> str:
    names = ", ".join(option.spellings)
    return f"{names} {option.metavar}" if option.takes_value else names


def help_text(command: Command) -> str:
    """Help in click's own shape: the usage line, the description, the options."""
    import textwrap

    out = [usage_line(command), ""]
    for paragraph in command.help.split("\n\n"):
        out += textwrap.wrap(" ".join(paragraph.split()), WIDTH, initial_indent="  ",
                             subsequent_indent="  ")
        out.append("")
    rows = [(option_label(o), o.help) for o in command.options]
    rows.append((", ".join(HELP_SPELLINGS), HELP_TEXT))
    if command.arguments:
        out.append("Arguments:")
        out += _table([(a.metavar, a.help) for a in command.arguments])
        out.append("")
    out.append("Options:")
    out += _table(rows)
    return "\n".join(out)


def _table(rows: list[tuple[str, str]]) -> list[str]:
    import textwrap

    first = min(COLUMN, max(len(label) for label, _ in rows))
    indent = " " * (2 + first + 2)
    out: list[str] = []
    for label, text in rows:
        if len(label) <= first:
            body = textwrap.wrap(text, WIDTH, initial_indent=f"  {label.ljust(first)}  ",
                                 subsequent_indent=indent)
        else:  # too wide for the column: the help goes on the lines below, as click does
            body = [f"  {label}", *textwrap.wrap(text, WIDTH, initial_indent=indent,
                                                 subsequent_indent=indent)]
        out += body
    return out
