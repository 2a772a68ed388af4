"""Offline generation for the app: the current settings (and a prompt riff played as the riff
mode says) -> a Song, one track drawn afresh, and chosen bars of one track written afresh with
the music around them as context (bar infill).

No Qt here; the window runs these in a worker thread. Generation goes through
:func:`jambridge.generation.generate` (the same path as ``jambridge generate``), infill through
:func:`jambridge.engine.infill.infill_song` (``jambridge generate --infill``). Engine
``auto`` takes the model when it loads and falls back to the procedural generator when the model
(or its engine) is missing or damaged (:func:`jambridge.live_options.resolve_engine`, as the live
bridge does), and says so in :attr:`GenerateResult.note` so that the window can show it: a
missing model is never silent and never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jambridge.errors import EngineError, JamBridgeError
from jambridge.generation import ENGINES, generate
from jambridge.live_options import AUTO, model_problem, resolve_engine
from jambridge.music import ROLES, Song
from jambridge.preset import Preset
from jambridge.prompt import Prompt, prompt_warnings, report_lines
from jambridge.riff import RiffSettings

ENGINE_CHOICES = (AUTO, *ENGINES)  # "auto": the model when it loads, else procedural
# The library's prompt warnings name the command line's options; the window's words for them.
WINDOW_WORDS = (
    ("--prompt-role ", "prompt role "),
    ("--bpm sets another", "the tempo box sets another"),
)
BARS_RANGE = (1, 64)  # bars one offline generation may ask for


@dataclass(frozen=True)
class GenerateRequest:
    """What to generate."""

    preset: Preset  # the current settings (lane controls folded in)
    bars: int = 8  # song length, BARS_RANGE
    seed: int = 0  # the same seed and settings give the same song
    engine: str = AUTO  # one of ENGINE_CHOICES
    model: str | None = None  # model file for engine "model"/"auto"; None: the shipped one
    prompt: Prompt | None = None  # a riff the song plays with (its key; the tempo is the preset's)
    riff: RiffSettings | None = None  # how the prompt plays (None: it opens the song)

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
        request.preset, request.bars, request.seed, engine, request.prompt, request.model, roles,
        tempo_from_prompt=False, riff=request.riff if request.prompt is not None else None,
    )  # fmt: skip
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


def infill_bars(song: Song, request: GenerateRequest, role: str, bars: range) -> GenerateResult:
    """``song`` with ``bars`` (0-based) of ``role`` written afresh by the model (with
    ``request.seed`` and the preset's sampling), the music before and after them as context, at
    the track's groove and swing; every other note comes back exactly as it was.

    Raises:
        JamBridgeError: no model to run (infill needs one), ``role`` is not in the song, the bars
            are not in it, or the engine fails.
    """
    from jambridge.engine.generator import BarGenerator
    from jambridge.engine.infill import infill_song
    from jambridge.engine.offline import open_model, settings_for

    if request.engine == "procedural":
        raise EngineError("bar infill needs the model: choose the model as the engine")
    problem = model_problem(request.model)
    if problem is not None:
        raise EngineError(f"bar infill needs the model, and it is not available: {problem}")
    gen = BarGenerator(open_model(request.model), seed=request.seed)
    settings = replace(settings_for(request.preset), controls={})  # the song's own, as the CLI
    style = song.style or request.preset.style
    groove = {role: request.preset.grooves()[role]}
    filled = infill_song(gen, song, bars, (role,), settings, style=style, grooves=groove)
    return GenerateResult(filled, "model", request.seed)


def prompt_report(prompt: Prompt) -> str:
    """One line on what the prompt became: ``prompt riff.mid: 2 bars; bass <- track 1 'Bass'
    (16 notes) · key G minor (estimated from the notes) · 128 BPM, the file's``."""
    lines = report_lines(prompt)
    tempo = f"{prompt.tempo:g} BPM, the file's" if prompt.tempo is not None else "no tempo"
    return " · ".join([lines[0], "key " + lines[1].removeprefix("prompt key: "), tempo])


def prompt_notes(prompt: Prompt) -> list[str]:
    """What about the prompt contradicts what was asked (the role chosen for it, a tempo no
    preset plays), one line each, in the window's words."""
    lines = prompt_warnings(prompt)
    for cli, window in WINDOW_WORDS:
        lines = [line.replace(cli, window) for line in lines]
    return lines


def prompt_name(prompt: Prompt) -> str:
    """The prompt's file name (``prompt`` when it has none)."""
    return Path(prompt.path).name if prompt.path else "prompt"
