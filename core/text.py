"""Text a client sends: valid Unicode that can be stored and shown without surprises.

One check for every entry point (API, admin forms, commands, spend sources):

* NUL is always refused (PostgreSQL cannot store it);
* other control characters (Unicode category ``Cc``: C0, DEL and C1) are refused, except
  tab and newline in multi-line text (descriptions);
* a lone surrogate (JSON ``"\\ud800"``) is refused: it is not text and cannot be encoded
  as UTF-8.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class TextError(ValueError):
    """The value is not acceptable text."""


def check_text(value: str, *, multiline: bool = False) -> None:
    """Raise ``TextError`` unless ``value`` is storable text (see the module docstring)."""
    if "\x00" in value:
        raise TextError("NUL characters are not allowed.")
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        raise TextError(
            "Control characters are not allowed (only tab and newline)."
            if multiline
            else "Control characters (including tab and newline) are not allowed."
        )
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise TextError("Enter valid Unicode text (this contains a lone surrogate).") from None


def text_error(value: str, *, multiline: bool = False) -> str | None:
    """``check_text``'s message, or ``None`` for good text."""
    try:
        check_text(value, multiline=multiline)
    except TextError as error:
        return str(error)
    return None
