"""A debug check of the real-time thread's boundary: while it runs, its state refuses others.

Other threads talk to the scheduler through its inbox (commands, MIDI input), hear from it
through its event queue and read the snapshot it publishes
(:class:`~jambridge.bridge.playback.status.StatusSnapshot`); nothing else crosses. With
``JAMBRIDGE_CHECK_THREADS=1`` in the environment the scheduler guards what it owns
(its clock, bar feed, generator link, capture recorder and note output, and itself but for the
names in :data:`SCHEDULER_SHARED`): while its thread runs, an attribute read or write from any
other thread raises :class:`CrossThreadAccess` and is kept in :attr:`Ownership.violations`.
Off (the default) nothing is changed and nothing costs.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from jambridge.errors import JamBridgeError

CHECK_ENV = "JAMBRIDGE_CHECK_THREADS"  # "1": guard the real-time thread's state (tests)
# What other threads may use of the Scheduler itself (and what those methods touch)
SCHEDULER_SHARED = frozenset({
    "post", "post_midi", "inbox", "events", "snapshot", "stop", "alive", "_stop_requested",
    "_thread", "ownership",
})  # fmt: skip


def checking() -> bool:
    """Whether the boundary check is on (see the module docstring)."""
    return os.environ.get(CHECK_ENV) == "1"


class CrossThreadAccess(JamBridgeError):
    """Another thread touched the real-time thread's state while it ran."""


class Ownership:
    """Which thread owns the guarded objects now (None: no thread runs; anyone may)."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.violations: list[str] = []

    def check(self, obj: object, name: str) -> None:
        owner = self.thread
        here = threading.current_thread()
        if owner is None or here is owner:
            return
        text = f"{type(obj).__name__}.{name} used by thread {here.name!r} while {owner.name!r} runs"
        self.violations.append(text)
        raise CrossThreadAccess(text)


_GUARDED: dict[tuple[type, frozenset[str]], type] = {}


def guard(obj: Any, ownership: Ownership, shared: frozenset[str] = frozenset()) -> None:
    """Make ``obj`` check every attribute use but ``shared`` against ``ownership`` (its class
    becomes a subclass that does; it stays an instance of its own)."""
    cls = type(obj)
    if getattr(cls, "_jb_guarded", False):
        return
    key = (cls, shared)
    if key not in _GUARDED:
        _GUARDED[key] = _guarded_class(cls, shared)
    object.__setattr__(obj, "_jb_ownership", ownership)
    obj.__class__ = _GUARDED[key]


def _guarded_class(cls: type, shared: frozenset[str]) -> type:
    base_get: Any = cls.__getattribute__
    base_set: Any = cls.__setattr__

    def __getattribute__(self: Any, name: str) -> Any:
        if not name.startswith("__") and name not in shared:
            object.__getattribute__(self, "_jb_ownership").check(self, name)
        return base_get(self, name)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if name not in shared:
            object.__getattribute__(self, "_jb_ownership").check(self, name)
        base_set(self, name, value)

    body = {"__getattribute__": __getattribute__, "__setattr__": __setattr__, "_jb_guarded": True}
    return type(cls.__name__, (cls,), {**body, "__module__": cls.__module__})
