"""Text from a repository's bytes (revision ids, paths, messages, author names, ini values),
made safe to print on a terminal.

A file name or revision id can hold ESC (colours, cursor moves, a fake "ok" line, an OSC 52
clipboard write), a carriage return or newline (a forged line), or a bidi override (text that
reads in another order than it runs). `shown` turns each such character into a visible escape
(``\\x1b``, ``\\n``, ``\\u202e``) and leaves everything else, accents and CJK included, as it
is. `lines` does the same for a whole message built by hookman, keeping only its newlines.

Stdlib only, no `re`: this runs on the hook path. `str.translate` with a precomputed table is a
single C loop, and text without any unsafe character skips even that (`isprintable` is C too).
"""

from __future__ import annotations

# C0 controls, DEL, C1 controls; plus the Unicode format characters that reorder or hide text:
# bidi embeddings/overrides/isolates, the zero-width joiners and marks, the BOM, and the line
# and paragraph separators (terminals may break the line on them).
_UNSAFE = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
           0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
           *range(0x2066, 0x206A), 0x2028, 0x2029, 0xFEFF]
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _escape(code: int) -> str:
    if code in _NAMED:
        return _NAMED[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# hookman's own colour (the fork drawing at a terminal) travels through messages as two
# private-use characters, never as ESC: `lines` turns them into SGR sequences at the sink,
# after every other control is escaped, and `shown` escapes them in repository text, so a file
# name can neither colour the terminal nor smuggle an escape sequence through a message.
_SGR_OPEN, _SGR_CLOSE = 0xE000, 0xE001

_TABLE: dict[int, str] = {code: _escape(code) for code in (*_UNSAFE, _SGR_OPEN, _SGR_CLOSE)}
_LINES_TABLE = {code: text for code, text in _TABLE.items()
                if code not in (0x0A, _SGR_OPEN, _SGR_CLOSE)}
_SGR_TABLE = {_SGR_OPEN: "\x1b[", _SGR_CLOSE: "m"}


def sgr(params: str) -> str:
    """A colour or style (SGR parameters such as "1" or "33") for a message hookman composes;
    it reaches the terminal only through `lines`."""
    return f"{chr(_SGR_OPEN)}{params}{chr(_SGR_CLOSE)}"


def shown(text: object) -> str:
    """``text`` as one terminal-safe line: every control or reordering character, newlines
    included, written as a visible escape. Backslashes are left alone (a Windows-style path
    stays readable): an escape only ever shows, it never acts."""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():  # False for every Cc and Cf character: the common case is one call
        return value
    return value.translate(_TABLE)


def lines(text: str) -> str:
    """A message hookman composed (several lines), safe for a terminal: the same escapes as
    `shown` except that newlines stay newlines. The last line of defence at each output sink;
    repository values should already have gone through `shown`, which also escapes newlines."""
    if text.replace("\n", "").isprintable():
        return text
    return text.translate(_LINES_TABLE).translate(_SGR_TABLE)
