"""The only questionary importer. Questions go to /dev/tty, never stdin: inside a hook stdin is
/dev/null or (pre-push) git's ref lines. No terminal, or CI set: a non-interactive twin that
answers every question with its default and never blocks."""

from __future__ import annotations

from typing import Protocol, TextIO


class Prompter(Protocol):
    interactive: bool

    def select(self, message: str, choices: list[tuple[str, str]], default: str) -> str | None:
        """One of the choice values (choices are (value, title) pairs); None when cancelled."""

    def text(self, message: str, default: str) -> str | None: ...

    def confirm(self, message: str, default: bool) -> bool | None: ...


class NonInteractive:
    """CI, a GUI client, an IDE: nobody to ask. Every answer is the default."""

    interactive = False

    def select(self, message: str, choices: list[tuple[str, str]], default: str) -> str | None:
        return default

    def text(self, message: str, default: str) -> str | None:
        return default

    def confirm(self, message: str, default: bool) -> bool | None:
        return default


class Terminal:
    """questionary drawn on the terminal itself, through prompt_toolkit's input and output."""

    interactive = True

    def __init__(self, tty_in: TextIO, tty_out: TextIO) -> None:
        from hooks_manager.sitepaths import full_site

        full_site()  # questionary lives in site-packages: see sitepaths
        self._in = tty_in
        self._out = tty_out

    def _ask(self, question: object) -> object:
        return question.ask()  # type: ignore[attr-defined]

    def _io(self) -> dict[str, object]:
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        return {"input": create_input(self._in), "output": create_output(self._out)}

    def select(self, message: str, choices: list[tuple[str, str]], default: str) -> str | None:
        import questionary

        options = [questionary.Choice(title, value=value) for value, title in choices]
        answer = self._ask(questionary.select(message, choices=options, default=default,
                                              **self._io()))  # type: ignore[arg-type]
        return answer if isinstance(answer, str) else None

    def text(self, message: str, default: str) -> str | None:
        import questionary

        answer = self._ask(questionary.text(message, default=default, **self._io()))  # type: ignore[arg-type]
        return answer if isinstance(answer, str) else None

    def confirm(self, message: str, default: bool) -> bool | None:
        import questionary

        answer = self._ask(questionary.confirm(message, default=default, **self._io()))  # type: ignore[arg-type]
        return answer if isinstance(answer, bool) else None


def ci_requested() -> bool:
    """`CI` set to anything but an explicit false ('', 0, false, no, off) means: never prompt."""
    from hooks_manager.flags import env_switch

    return env_switch("CI", unset=False, other=True)


def open_prompter() -> Prompter:
    """A Terminal when CI is unset and /dev/tty opens; otherwise the non-interactive twin.
    A failed open (ENXIO, ENODEV, no /dev/tty: GUIs, IDEs, CI) means there is no terminal."""
    if ci_requested():
        return NonInteractive()
    try:
        tty_in = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - lives as long as the prompter
        tty_out = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115
    except OSError:
        return NonInteractive()
    return Terminal(tty_in, tty_out)
