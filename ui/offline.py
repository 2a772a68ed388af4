"""Offline generation for the app: the current settings -> a Song, and one track drawn afresh.

No Qt here; the window runs these in a worker thread. Both go through
:func:`jambridge.generation.generate` (the same path as ``jambridge generate``). Engine
``auto`` takes the model when it loads and falls back to the procedural generator when the model
(or its engine) is missing or damaged (:func:`jambridge.live_options.resolve_engine`, as the live
bridge does), and says so in :attr:`GenerateResult.note` so that the window can show it: a
missing model is never silent and never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from jambridge.errors import EngineError, JamBridgeError
from jambridge.generation import ENGINES, generate
from jambridge.live_options import AUTO, resolve_engine
from jambridge.music import ROLES, Song
from jambridge.preset import Preset

ENGINE_CHOICES = (AUTO, *ENGINES)  # "auto": the model when it loads, else procedural
BARS_RANGE = (1, 64)  # bars one offline generation may ask for


@dataclass(frozen=True)
class GenerateRequest:
    """What to generate."""

    preset: Preset  # the current settings (lane controls folded in)
    bars: int = 8  # song length, BARS_RANGE
    seed: int = 0  # the same seed and settings give the same song
    engine: str = AUTO  # one of ENGINE_CHOICES
    model: str | None = None  # model file for engine "model"/"auto"; None: the shipped one

    def __post_init__(self) -> None:
        if self.engine not in ENGINE_CHOICES:
            raise EngineError(
                f"engine must be one of {', '.join(ENGINE_CHOICES)}, got {self.engine!r}"
            )
        if not BARS_RANGE[0] <= self.bars <= BARS_RANGE[1]:
            raise EngineError(f"bars must be in range {BARS_RANGE[0]}..{BARS_RANGE[1]}")


@dataclass(frozen=True)
class GenerateResult:
    """A generated song and how it was made."""

    song: Song
    engine: str  # the engine that made it ("model" or "procedural")
    seed: int
    note: str = ""  # said to the user, e.g. why auto fell back to the procedural generator


def _run(request: GenerateRequest, roles: tuple[str, ...] | None) -> GenerateResult:
    engine, note = resolve_engine(request.engine, request.model)
    song = generate(
        request.preset, request.bars, request.seed, engine, model_path=request.model, roles=roles
    )
    return GenerateResult(song, engine, request.seed, note)


def generate_song(request: GenerateRequest) -> GenerateResult:
    """A ``request.bars``-bar song with the preset's enabled tracks.

    Raises:
        JamBridgeError: the settings are invalid or no engine can run (the message says why).
    """
    if not request.preset.enabled_roles:
        raise EngineError("every track is switched off: switch one on to generate")
    return _run(request, None)


def regenerate_track(song: Song, request: GenerateRequest, role: str) -> GenerateResult:
    """``song`` with ``role``'s track drawn afresh (with ``request.seed``); every other track is
    kept note for note, and the length stays the same.

    Raises:
        JamBridgeError: ``role`` is unknown or the engine fails.
    """
    if role not in ROLES:
        raise EngineError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    bars = max(song.length_bars, 1)
    fresh = _run(replace(request, bars=min(bars, BARS_RANGE[1])), (role,))
    track = fresh.song.track(role)
    if track is None:
        raise JamBridgeError(f"the {fresh.engine} engine made no {role} track")
    kept = [t for t in song.tracks if t.role != role]
    tracks = tuple(sorted([*kept, track], key=lambda t: ROLES.index(t.role)))
    return replace(fresh, song=replace(song, tracks=tracks, length_bars=bars))
