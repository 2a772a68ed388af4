"""The one JSON reader for files a user (or a stranger) can hand us: presets, CC maps, the take
index, model metadata.

Python's ``json`` alone turns hostile text into tracebacks or worse: 100,000 nested brackets
raise RecursionError, a 5,000-digit number raises a bare ValueError, ``Infinity`` and ``NaN``
pass as floats, ``1e999`` becomes ``inf``, and an escaped ``\\u001b`` reaches the terminal as a
raw escape code. :func:`loads` refuses each of these with a one-line error of the caller's
:class:`~jambridge.errors.JamBridgeError` class, within :class:`JsonLimits`:

- size: at most ``max_bytes`` (checked before parsing);
- text: UTF-8 only (a leading BOM is allowed);
- nesting: at most ``max_depth`` levels of objects and arrays;
- numbers: at most ``max_number_chars`` characters each, integers within int64, floats finite;
- strings and keys: no control characters except tab and newline, no bidirectional overrides
  (they make printed text lie about what it says).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from jambridge.errors import DataError, JamBridgeError
from jambridge.files import read_capped, size_text

# C0 controls but tab, newline and carriage return; DEL and C1; bidi embeddings and isolates
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class JsonLimits:
    """What one JSON document may hold."""

    max_bytes: int = 1_000_000  # presets and CC maps are a few kB
    max_depth: int = 32  # our formats nest 4 deep; the C parser itself allows ~1,000
    max_number_chars: int = 64  # json.dumps writes any float in <= 24 characters
    max_int: int = 2**63 - 1  # |int| above int64 is nobody's setting


class _Refused(Exception):
    """A limit was hit inside the parser (raised from its hooks)."""


def _number_hooks(limits: JsonLimits) -> dict[str, Any]:
    def check_length(text: str) -> None:
        if len(text) > limits.max_number_chars:
            raise _Refused(
                f"a number of {len(text)} characters (at most {limits.max_number_chars})"
            )

    def parse_int(text: str) -> int:
        check_length(text)
        value = int(text)
        if abs(value) > limits.max_int:
            raise _Refused(f"the integer {text} is out of range (|n| <= {limits.max_int})")
        return value

    def parse_float(text: str) -> float:
        check_length(text)
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise _Refused(f"the number {text} is too large for a float")
        return value

    def parse_constant(text: str) -> float:
        raise _Refused(f"{text} is not a number JSON allows (numbers must be finite)")

    return {"parse_int": parse_int, "parse_float": parse_float, "parse_constant": parse_constant}


def _decode(data: bytes | str, where: str, error: type[JamBridgeError]) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start]
        raise error(
            f"{where}: not UTF-8 text (byte 0x{bad:02x} at offset {err.start}); "
            "save the file as UTF-8"
        ) from None


def _check_tree(value: Any, where: str, error: type[JamBridgeError], limits: JsonLimits) -> None:
    """Depth and string checks over the parsed tree: no recursion, one iterator per open
    container (a million-element array costs no more than a short one)."""
    stack = [iter([("$", value)])]
    paths = [""]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            paths.pop()
            continue
        path = paths[-1] + item[0]
        node = item[1]
        if isinstance(node, str):
            _check_text(node, path, where, error)
        elif isinstance(node, dict | list):
            if len(stack) > limits.max_depth:
                raise error(f"{where}: nested more than {limits.max_depth} levels deep")
            stack.append(_children(node, path, where, error))
            paths.append(path)


def _children(node: dict | list, path: str, where: str, error: type[JamBridgeError]):
    if isinstance(node, list):
        yield from ((f"[{i}]", item) for i, item in enumerate(node))
        return
    for key, item in node.items():
        _check_text(key, f"{path} (a key)", where, error)
        yield f".{key}", item


def _check_text(text: str, path: str, where: str, error: type[JamBridgeError]) -> None:
    found = _FORBIDDEN.search(text)
    if found:
        raise error(
            f"{where}: the text at {_FORBIDDEN.sub('?', path)[:80]} holds the control "
            f"character U+{ord(found.group()):04X}"
        )


def loads(
    data: bytes | str,
    where: str,
    error: type[JamBridgeError] = DataError,
    limits: JsonLimits = JsonLimits(),
) -> Any:
    """Parse one JSON document within ``limits``.

    Args:
        where: names the document in messages (a file name, ``"model metadata"``).
        error: the JamBridgeError subclass raised.

    Raises:
        error: the text is too large, not UTF-8, not valid JSON, or breaks a limit; one line
            that starts with ``where``.
    """
    if len(data) > limits.max_bytes:
        raise error(f"{where}: {size_text(len(data))} is more than {size_text(limits.max_bytes)}")
    text = _decode(data, where, error)
    try:
        value = json.loads(text, **_number_hooks(limits))
    except json.JSONDecodeError as err:
        raise error(f"{where}: not valid JSON ({err.msg} at line {err.lineno})") from None
    except RecursionError:
        raise error(f"{where}: nested more than {limits.max_depth} levels deep") from None
    except _Refused as err:
        raise error(f"{where}: {err}") from None
    except ValueError as err:  # anything else the parser refuses
        raise error(f"{where}: not valid JSON ({str(err)[:120]})") from None
    _check_tree(value, where, error, limits)
    return value


def load_file(
    path: str | os.PathLike[str],
    what: str,
    error: type[JamBridgeError] = DataError,
    limits: JsonLimits = JsonLimits(),
) -> Any:
    """:func:`loads` of a regular file (read with :func:`jambridge.files.read_capped`);
    ``what`` names the file's role ("the CC map") in messages, which start with the path."""
    data = read_capped(path, limits.max_bytes, what, error)
    return loads(data, str(path), error, limits)
