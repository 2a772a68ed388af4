"""What a bar source is, what it is asked for, and how the generator process builds one.

The seam between the real-time bridge and whatever makes music: a :class:`BarSource` (anything
with ``next_bar``, ``retract``, ``prompt`` and ``close``) lives in the generator process and
answers each :class:`BarRequest`; a captured riff is played against it there by
:class:`~jambridge.bridge.playback.riff_source.RiffJam`, which forces the riff's tracks through
``BarRequest.fixed``. It is built there by :func:`build_source` from a picklable
:class:`SourceSpec` that names a factory: a key of :data:`SOURCES`, or any
``"package.module:function"`` (a benchmark's own source, say). The procedural generator and the
test pattern live in :mod:`~jambridge.bridge.playback.sources`; the model engine provides
``jambridge.engine.live:model_bar_source``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from jambridge.bridge.controls import Controls
from jambridge.errors import EngineError
from jambridge.music import Bar, Track

if TYPE_CHECKING:
    from jambridge.riff.material import Riff

# engine name -> "module:function" of a factory taking a SourceSpec and returning a BarSource
SOURCES: dict[str, str] = {
    "procedural": "jambridge.bridge.playback.sources:procedural_source",
    "pattern": "jambridge.bridge.playback.sources:pattern_source",
    "model": "jambridge.engine.live:model_bar_source",
}


@dataclass(frozen=True)
class BarRequest:
    """What the next bar should be."""

    controls: Controls  # preset and per-track generation side (mute/solo play-side only)
    regenerate: frozenset[str] = frozenset()  # roles to draw afresh instead of continuing
    fixed: tuple[Track, ...] = ()  # tracks that will play as given (locked, a riff): context
    # roles drawn afresh in this bar (a refill), each with the bars its refill has left from
    # this one (1: the last): neither their riff nor their lock plays in them
    refill: Mapping[str, int] = field(default_factory=dict)


class BarSource(Protocol):
    """A stream of bars. Lives in the generator process; may be slow, never in the RT thread."""

    def next_bar(self, request: BarRequest) -> Bar:
        """The bar after the last one returned (and not retracted)."""
        ...

    def retract(self) -> None:
        """Forget the last bar returned: it will not be played (controls changed)."""
        ...

    def prompt(self, riff: Riff) -> None:
        """A riff plays from now on (its tracks come forced in ``BarRequest.fixed``): take its
        key (``riff.key``, when known) for the new notes, and enable its roles."""
        ...

    def close(self) -> None:
        """Release resources (model sessions, threads)."""
        ...


@dataclass(frozen=True)
class SourceSpec:
    """How to build the bar source in the generator process (picklable)."""

    engine: str = "procedural"  # a key of SOURCES, or "package.module:function"
    preset: str = "techno"  # preset name (the source resolves it)
    bpm: float = 128.0  # tempo hint for sources that shape parts by tempo
    seed: int = 0  # random seed; the same seed gives the same bars
    key: str | None = None  # "A minor" etc.; None: the preset's or the source's choice
    model: str | None = None  # model directory for engine "model"; None: the shipped default
    options: dict[str, Any] = field(default_factory=dict)  # engine-specific extras


def build_source(spec: SourceSpec) -> BarSource:
    """Import and call the factory ``spec.engine`` names."""
    target = SOURCES.get(spec.engine, spec.engine)
    if ":" not in target:
        raise EngineError(
            f"engine must be one of {', '.join(SOURCES)} or 'module:function', got {spec.engine!r}"
        )
    module_name, func_name = target.split(":", 1)
    try:
        factory = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as err:
        raise EngineError(f"bar source {spec.engine!r} ({target}) is not available: {err}") from err
    source: BarSource = factory(spec)
    return source
