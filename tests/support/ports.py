"""Fake MIDI ports for tests that drive a scheduler or a session without a device."""

from __future__ import annotations


class NullOut:
    """An output port that takes every message and keeps none."""

    name = "null out"

    def send(self, msg) -> None:
        pass

    def close(self) -> None:
        pass
