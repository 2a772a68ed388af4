"""The live options of ``jambridge bridge`` and ``jambridge app``, built from the table in
:mod:`jambridge.live_options` (flags, help, choices, defaults): the two commands, the app's window
and the library read one definition, so they cannot drift."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from jambridge.errors import JamBridgeError, UsageError
from jambridge.live_options import DEFAULTS, OPTIONS, LiveOptions, Option


def add_live_arguments(p: argparse.ArgumentParser, command: str) -> None:
    """Add the options of LiveOptions that ``command`` ("bridge" or "app") shows, in the
    table's order."""
    for name, option in OPTIONS.items():
        if command in option.commands:
            p.add_argument(option.flag or "--" + name.replace("_", "-"), **_argparse(name, option))


def _argparse(name: str, option: Option) -> dict[str, Any]:
    """add_argument's keywords for one setting."""
    default = getattr(DEFAULTS, name)
    kw: dict[str, Any] = {"dest": name, "help": option.help}
    if isinstance(default, bool):  # an on/off setting: the flag says the other way
        kw["action"] = "store_false" if default else "store_true"
        return kw
    kw["default"] = None if option.repeat else default  # argparse appends to a copy of a list
    if option.repeat:
        kw["action"] = "append"
    for key in ("metavar", "choices"):
        if getattr(option, key) is not None:
            kw[key] = getattr(option, key)
    if option.type in (int, float):
        kw["type"] = option.type  # argparse says "invalid int value: 'x'"
    elif option.type is not None:
        kw["type"] = _usage_type(option.type)
    return kw


def _usage_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with its errors as argparse's (a usage error, exit 2, with our message)."""

    def checked(text: str) -> Any:
        try:
            return parse(text)
        except JamBridgeError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    checked.__name__ = getattr(parse, "__name__", "value")  # argparse names it in errors
    return checked


def options_from_args(args: argparse.Namespace) -> LiveOptions:
    """The LiveOptions the parsed command line says (settings it has no flag for: defaults).

    Raises:
        UsageError: a value outside its range.
    """
    values = {name: getattr(args, name) for name in OPTIONS if hasattr(args, name)}
    if values.get("channels") is not None:
        values["channels"] = tuple(values["channels"])
    values = {k: v for k, v in values.items() if v is not None or getattr(DEFAULTS, k) is None}
    try:
        return LiveOptions(**values)
    except JamBridgeError as err:
        raise UsageError(str(err)) from None
