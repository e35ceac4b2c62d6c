"""Text that reaches files and terminals: control, bidi-override and unpaired-surrogate characters.

Applicant-supplied strings (manifest values, file names, OCR text) end up in spreadsheets, CSV,
HTML and terminals. A control character makes openpyxl refuse the workbook, ESC drives the
terminal, a bidi override (U+202E) shows a file name backwards, and an unpaired surrogate cannot
be encoded at all. ``visible`` replaces each such character with its Python escape (``\\x07``,
``\\u202e``) so the value stays readable, one-to-one and harmless.
"""

from __future__ import annotations

import re

# Explicit directional embeddings, overrides and isolates, and the implicit marks (Unicode UAX #9).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 controls, DEL, the bidi controls and every surrogate code point.
_CANDIDATES = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "\ud800-\udfff]")


def unsafe_characters(text: str, keep: str = "") -> list[str]:
    """The C0/C1 control, bidi control and unpaired surrogate characters of ``text``, except ``keep``."""
    return [ch for ch in _CANDIDATES.findall(text) if ch not in keep]


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape", "backslashreplace").decode("ascii")


def visible(text: str, keep: str = "\n") -> str:
    """``text`` with every unsafe character except those in ``keep`` written as its escape."""
    return _CANDIDATES.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def terminal(text: str) -> str:
    """For one line on a terminal: newlines and tabs are escaped too."""
    return visible(text, keep="")
