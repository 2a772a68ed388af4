"""The generator pipe's protocol: what the real-time thread and the generator process say.

Parent -> child: :class:`Generate` (``replace`` first retracts the last bar returned: it was
never played), :class:`Prompt` (``retract_last`` likewise), :class:`Quit`. Child -> parent:
:class:`Ready` or :class:`Failed` once, after the source is built; then :class:`BarMade` or
:class:`BarFailed` for each Generate, :class:`Prompted` or :class:`BarFailed` for each Prompt.
:class:`Dead` is the parent's own word for a child that went away. All are NamedTuples: they
pickle as fast as plain tuples, and nobody reads them by position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from jambridge.bridge.playback.timeline import PlainBar

if TYPE_CHECKING:
    from jambridge.bridge.playback.bar_source import BarRequest


class Generate(NamedTuple):
    """Make the next bar."""

    id: int  # request id, echoed in the answer
    request: BarRequest
    replace: bool  # retract the last bar returned first


class Prompt(NamedTuple):
    """The producer played ``bars`` into ``role``: continue from them."""

    id: int
    bars: tuple[PlainBar, ...]
    role: str
    retract_last: bool  # retract the last bar returned first


class Quit(NamedTuple):
    """Close the source and end the process."""


class Ready(NamedTuple):
    """The source is built."""

    load_ms: float


class Failed(NamedTuple):
    """The source could not be built."""

    text: str


class BarMade(NamedTuple):
    """The bar a Generate asked for."""

    id: int
    plain: PlainBar
    gen_ms: float  # how long the source took


class BarFailed(NamedTuple):
    """A Generate or Prompt failed; the parent repeats the last bar, the old riff plays on."""

    id: int
    text: str


class Prompted(NamedTuple):
    """A Prompt was taken."""

    id: int


class Dead(NamedTuple):
    """The child went away (the parent's own reply: every bar repeats from now on)."""

    text: str


Request = Generate | Prompt  # what waits to be sent (see pending.py)
Reply = BarMade | BarFailed | Dead  # what the bar feed hears (GeneratorLink.poll)
