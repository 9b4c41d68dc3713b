"""Keep user-facing messages on one line, whatever text a file puts into them."""

from __future__ import annotations

import functools
import re

from bpstudio.errors import DataError

# Everything str.splitlines() breaks on.
_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Line breaks (from cell values or column names) shown escaped, e.g. '\\n'."""
    return _BREAKS.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def one_line_errors(fn):
    """Decorator: a DataError raised inside has its message made one line."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DataError as err:
            text = str(err)
            if _BREAKS.search(text) is None:
                raise
            raise type(err)(one_line(text)) from None

    return wrapper
