"""Where hookman's words go: the hook's `say` (stderr, in order with git's own output) and
stdout that survives a reader going away. Everything printed passes through textsafe, because
messages carry repository text (ids, paths, names) and no escape byte may reach the terminal.

Stdlib only and tiny: every hook run loads it.
"""

from __future__ import annotations

import os
import sys

from hooks_manager.textsafe import lines


def say(message: str) -> None:
    # git shows a hook's stdout on stderr anyway; writing to stderr keeps the order intact.
    print(lines(message), file=sys.stderr, flush=True)


def print_out(text: str) -> None:
    try:
        print(lines(text), flush=True)
    except BrokenPipeError:
        # The reader went away (`hookman check --json | head`): stop quietly, as cat does,
        # and keep Python from complaining about stdout again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
