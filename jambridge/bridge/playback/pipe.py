"""The generator pipe's protocol: what the real-time thread and the generator process say.

Parent -> child: :class:`Generate` (``replace`` first retracts the last bar returned: it was
never played), :class:`Prompt` (a :class:`RiffCue`; ``retract_last`` likewise), :class:`Quit`.
Child -> parent: :class:`Ready` or :class:`Failed` once, after the source is built; then
:class:`BarMade` or :class:`BarFailed` for each Generate, :class:`Prompted` (with the riff's key)
or :class:`BarFailed` for each Prompt.
:class:`Dead` is the parent's own word for a child that went away. All are NamedTuples: they
pickle as fast as plain tuples, and nobody reads them by position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from jambridge.bridge.playback.timeline import PlainBar
from jambridge.riff.settings import RiffSettings

if TYPE_CHECKING:
    from jambridge.bridge.playback.bar_source import BarRequest


class Generate(NamedTuple):
    """Make the next bar."""

    id: int  # request id, echoed in the answer
    request: BarRequest
    replace: bool  # retract the last bar returned first


PLACES = ("open", "start", "keep")  # where a riff cue puts the riff (RiffCue.place)


class RiffCue(NamedTuple):
    """A riff for the generator to play its bars against (see
    :class:`~jambridge.bridge.playback.riff_source.RiffJam`)."""

    bars: tuple[PlainBar, ...]  # the riff as it plays (quantized as asked); (): no riff any more
    role: str  # the role it was captured into
    settings: RiffSettings = RiffSettings()  # keep, develop or continue, and how
    # "open": a new riff whose first bar the parent plays at the next bar line itself: the bar
    # the child made for that line is made again with it, and the child's next bar is the
    # riff's second; "start": a new riff from its first bar, in the child's next bar; "keep":
    # the riff playing, new settings, the same place in its loop
    place: str = "open"


class Prompt(NamedTuple):
    """A riff starts, changes or stops."""

    id: int
    cue: RiffCue
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
    key: str | None = None  # the riff's key as found ("A minor"); None: drums alone, or no riff


class Dead(NamedTuple):
    """The child went away (the parent's own reply: every bar repeats from now on)."""

    text: str


Request = Generate | Prompt  # what waits to be sent (see pending.py)
Reply = BarMade | BarFailed | Prompted | Dead  # what the bar feed hears (GeneratorLink.poll)
