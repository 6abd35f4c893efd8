"""Log lines that a value cannot forge: every record is written as exactly one line.

A user name, a path or a file name may contain a line break or a terminal escape. Written as is, "x\\n2026-
… WARNING refused …" would look like a second, made-up line to whoever reads the log. The formatter escapes
line breaks, every other control character and the backslash itself, in the whole formatted record (message,
its arguments and any traceback), so the line can be read back unambiguously.
"""

import logging
import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators, which some viewers break lines at.
UNSAFE = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match):
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text):
    return UNSAFE.sub(_escape_char, text)


class OneLineFormatter(logging.Formatter):
    def format(self, record):
        return one_line(super().format(record))
