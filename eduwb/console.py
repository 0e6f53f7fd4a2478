"""Lines for people at a terminal and in logs: one problem, one line.

Names of files and values come from exports and folders that anyone can name: a newline, a carriage
return, an escape sequence or a right-to-left override in a file name must not split a log line,
rewrite the terminal or fake another line. :func:`one_line` escapes them (``\\n``, ``\\x1b``);
:class:`OneLineFormatter` does it for every log record.
"""

from __future__ import annotations

import logging
import os
import re

# C0 and C1 controls, DEL, line and paragraph separators, bidirectional embeddings and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: object) -> str:
    """``text`` with every control or line-breaking character written as an escape."""
    return _UNSAFE.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class OneLineFormatter(logging.Formatter):
    """A formatter whose messages never span lines (a traceback, when there is one, follows)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)


class PipeSafe:
    """Standard output that outlives its reader: when the reader goes away (``eduwb … | head``),
    further output is dropped instead of failing the run, whose exit status still says what it
    found (outputs.md keeps 2 for a run that could not be made)."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.broken = True
        try:  # what is still buffered goes nowhere, also at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
