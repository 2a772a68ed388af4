"""Re-styling: real harmony and bass lines played in a techno style's idioms.

:func:`restyle` plays a :class:`~jambridge.procedural.given.GivenHarmony` with the style's
drums (four on the floor), bass idiom (rolling, off-beat, acid with accents and slides...),
stab or pad voicings and rhythms, arps and hooks, arrangement and feel (swing where the style
swings, human timing and velocity). The genre's surface then carries real musical content.

The ``*_song`` functions make the song a dataset build asks for from one source item, drawing
length, chords per bar, bass source, roles, densities and human feel from the seed:
:func:`progression_song` (one of the progressions), :func:`pop909_song` (a POP909 song folder),
:func:`song_restyle` (any read song, e.g. an LMMS project: harmony from its pitch classes).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jambridge.errors import DataError
from jambridge.music import ROLES, Key, Song
from jambridge.procedural import generate_song
from jambridge.procedural.analysis import harmony_from_song
from jambridge.procedural.feel import style_feel
from jambridge.procedural.given import GivenHarmony
from jambridge.procedural.hits import rng_for
from jambridge.procedural.pop909 import BASS_MODES, pop909_harmony
from jambridge.procedural.progressions import load_progressions, progression_harmony
from jambridge.procedural.styles import style_params

PROGRESSION_BARS = (8, 16, 32)  # a progression loops over one of these lengths
SONG_BARS = (16, 32, 64)  # a window of this many bars of a real song (whole songs are longer)
LEAD_SHARE = 0.6  # share of re-styled songs with a lead (the harmony lives in bass and chords)


@dataclass(frozen=True)
class Restyled:
    """A re-styled song and the harmony it plays (bar i of the song plays bar i, looped)."""

    song: Song
    harmony: GivenHarmony


def restyle(
    harmony: GivenHarmony,
    style: str,
    seed: int,
    bars: int | None = None,
    roles: Sequence[str] = ROLES,
    density: Mapping[str, float] | None = None,
    sections: bool = True,
    human: float = 1.0,
) -> Song:
    """``harmony`` played in ``style`` (see the module docstring), ``bars`` long (default: the
    harmony's length; it loops), in the harmony's key at the style's tempo.

    Raises:
        DataError: a bad style, role, density or ``human`` (0..1).
    """
    feel = style_feel(style_params(style), seed, human)
    song = generate_song(
        style,
        bars or len(harmony.bars),
        seed,
        key=harmony.key,
        roles=roles,
        density=density,
        sections=sections,
        harmony=harmony,
        feel=feel,
    )
    return replace(song, name=f"restyled {harmony.name} as {style} #{seed}")


def _drawn(rng: random.Random) -> dict:
    """Roles, densities, sections and human feel for a dataset song: bass and chords always
    play (they carry the harmony), drums nearly always, the lead often."""
    roles = ["bass", "chords"]
    roles += ["drums"] if rng.random() < 0.95 else []
    roles += ["lead"] if rng.random() < LEAD_SHARE else []
    density = {r: round(rng.uniform(0.2, 0.95), 3) for r in roles}
    return {
        "roles": tuple(r for r in ROLES if r in roles),
        "density": density,
        "sections": rng.random() < 0.7,
        "human": round(rng.uniform(0.0, 1.0), 3),
    }


def _window(harmony: GivenHarmony, rng: random.Random) -> GivenHarmony:
    """A window of :data:`SONG_BARS` bars starting on a 4-bar line (the whole when shorter)."""
    bars = min(len(harmony.bars), rng.choice(SONG_BARS))
    start = 4 * rng.randrange((len(harmony.bars) - bars) // 4 + 1)
    return harmony.window(start, bars)


def progression_song(path: str, index: int, style: str, seed: int) -> Restyled:
    """Progression ``index`` of the file at ``path`` in ``style``: a key from the style's tonics
    in the progression's mode, one or two chords a bar, looped over 8, 16 or 32 bars.

    Raises:
        DataError: the file is damaged or ``index`` is out of range.
    """
    progressions = load_progressions(str(path))
    if not 0 <= index < len(progressions):
        raise DataError(f"progression index must be in range 0..{len(progressions) - 1}")
    prog = progressions[index]
    rng = rng_for(seed, "restyle-progression")
    key = Key(rng.choice(style_params(style).tonics), prog.mode)
    harmony = progression_harmony(prog, key, rng.choice((1, 1, 2)))
    song = restyle(harmony, style, seed, rng.choice(PROGRESSION_BARS), **_drawn(rng))
    return Restyled(song, harmony)


def pop909_song(folder: str | Path, style: str, seed: int) -> Restyled:
    """A window of the POP909 song in ``folder`` in ``style``, in the song's key, its bass the
    piano's lowest voice or the chord roots (drawn).

    Raises:
        DataError: a file of the folder is missing or damaged.
    """
    rng = rng_for(seed, "restyle-pop909")
    harmony = _window(pop909_harmony(folder, rng.choice(BASS_MODES)), rng)
    return Restyled(restyle(harmony, style, seed, len(harmony.bars), **_drawn(rng)), harmony)


def song_restyle(song: Song, style: str, seed: int) -> Restyled:
    """A window of ``song`` (any read song: MIDI, LMMS) in ``style``: its chords from its pitch
    classes per half bar, its bass line kept as the bass's roots.

    Raises:
        DataError: the song has no pitched notes.
    """
    rng = rng_for(seed, "restyle-song")
    harmony = _window(harmony_from_song(song), rng)
    return Restyled(restyle(harmony, style, seed, len(harmony.bars), **_drawn(rng)), harmony)
