"""The procedural techno generator: seeded, rule-based drums, bass, chords and lead.

It writes techno the way a producer programs it: a four-on-the-floor kick (broken patterns in
electro), 16th hats with accents, off-beat open hats, claps on 2 and 4, rides, Euclidean
percussion and ghost notes; rolling, off-beat, galloping, 303-acid or dub sub bass lines;
minor-7th / sus / quartal stabs, dub chords with echo tails, house off-beat chords, pads; arps
and hooks that repeat with answers and variations; all laid out in intros, builds, drops,
breaks and outros with fills, crashes and roles entering and leaving. Every style is a row of
:mod:`~jambridge.procedural.styles`; every pitched note is a scale step above a chord root, the
chords the style's own progression in the key or real harmony given to it (re-styling).

It serves three ends: genre data for training the model (there is no free techno MIDI corpus),
the non-learned baseline the model must beat, and ``jambridge generate --engine procedural``.
The same seed gives the same music; notes sit on the 12-per-beat grid (a feel moves them off it),
start inside their bar, end by the bar's end, and stay in their role's pitch range.

Public API:

- :data:`STYLES`, :func:`generate_song` (a finished :class:`~jambridge.music.Song`),
- :class:`ProceduralBarSource` (endless bars for live streaming; any bar can be asked again),
- :class:`GivenHarmony` (real chords and bass for ``generate_song(harmony=...)``: re-styling),
  :class:`Feel` and :func:`style_feel` (swing, human timing and velocity; off the grid).

Modules: ``styles`` (the table), ``arrangement`` (sections, levels, fills), ``drums``,
``bass``, ``harmony`` (chords), ``lead`` (arps, hooks), ``theory`` (scale degrees, chord
shapes, voicing), ``chord`` (a chord as a scale above its root), ``hits`` (grid ticks, density
ranks, rendering to notes), ``feel`` (swing, timing, velocity), ``composer`` (settings and
material; renders one planned bar). Real harmony: ``given`` (chords per bar), its sources
``progressions`` (roman numerals), ``pop909`` (chord files), ``analysis`` (a song's own pitch
classes), and ``restyle`` (a source and a style -> a song).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jambridge.errors import DataError
from jambridge.music import ROLES, STYLES, Bar, Key, Song, Track
from jambridge.procedural.arrangement import Arrangement, BarPlan
from jambridge.procedural.composer import Composer, empty_track
from jambridge.procedural.feel import Feel, style_feel
from jambridge.procedural.given import GivenHarmony
from jambridge.procedural.hits import TICKS_PER_BAR

MAX_BARS = 10_000  # longest song generate_song writes (about 77 minutes at 130 BPM)

__all__ = ["STYLES", "Feel", "GivenHarmony", "ProceduralBarSource", "generate_song", "style_feel"]


def generate_song(
    style: str = "techno",
    bars: int = 16,
    seed: int = 0,
    key: Key | None = None,
    bpm: float | None = None,
    roles: Sequence[str] = ROLES,
    density: Mapping[str, float] | None = None,
    sections: bool = True,
    harmony: GivenHarmony | None = None,
    feel: Feel | None = None,
) -> Song:
    """A ``bars``-long song in ``style``.

    Args:
        style: one of :data:`STYLES`.
        bars: length in bars, 1..MAX_BARS.
        seed: same seed, same song.
        key: the key; None draws one from the style (minor, mostly).
        bpm: the tempo; None takes the style's (techno 130, minimal 126, acid 132, dub 120,
            peak 140, house 122, electro 130).
        roles: the parts to write, any of ROLES; the others are absent.
        density: role -> 0 (sparse) .. 1 (busy); missing roles take the style's default.
        sections: lay the song out in intro / build / drop / break / outro; False makes every
            bar a drop with all asked roles playing (fills still close phrases).
        harmony: real chords (and bass line) to play instead of the style's progression: bar
            i plays its bar i (looped); the key defaults to its key. None: the style's own.
        feel: swing, timing and velocity humanization (notes leave the grid); None: every
            note on the grid, as the parts wrote it.

    Returns:
        A Song with one track per asked role (ROLE_SPECS channel, program and name), its
        style, key and tempo set and ``length_bars == bars``.

    Raises:
        DataError: an argument is out of range (the message names the allowed values).
    """
    if not isinstance(bars, int) or isinstance(bars, bool) or not 1 <= bars <= MAX_BARS:
        raise DataError(f"bars must be an integer in range 1..{MAX_BARS}, got {bars!r}")
    composer = Composer(style, seed, key, bpm, roles, density, harmony, feel)
    arrangement = Arrangement(composer.params, seed, composer.roles, bars, sections)
    notes: dict[str, list] = {r: [] for r in composer.roles}
    for index in range(bars):
        for role, bar_notes in composer.notes(
            arrangement.plan(index), index * TICKS_PER_BAR
        ).items():
            notes[role].extend(bar_notes)
    tracks: tuple[Track, ...] = tuple(empty_track(r).with_notes(notes[r]) for r in composer.roles)
    return Song(
        tracks=tracks,
        tempo_bpm=composer.bpm,
        key=composer.key,
        style=style,
        name=f"procedural {style} #{seed}",
        length_bars=bars,
    )


class ProceduralBarSource:
    """Endless bars for live streaming: the style's arrangement played once (intro, builds,
    drops, break), then break, build and drop cycling forever, with new bass, chords and lead
    after each break (and a new drum groove after every second one).

    ``harmony`` and ``feel`` as for :func:`generate_song` (bar i of the stream plays bar i of
    the harmony, looped).

    Bars depend only on the settings, the seed and the bar number: :meth:`seek` (Song Position
    Pointer, Continue, or a retracted bar) and :meth:`bar_at` give the same bar a plain run
    would have given. :meth:`set_density` and :meth:`regenerate` steer the bars after them.
    """

    def __init__(
        self,
        style: str,
        seed: int,
        key: Key | None = None,
        bpm: float | None = None,
        roles: Sequence[str] = ROLES,
        density: Mapping[str, float] | None = None,
        sections: bool = True,
        harmony: GivenHarmony | None = None,
        feel: Feel | None = None,
    ) -> None:
        self._composer = Composer(style, seed, key, bpm, roles, density, harmony, feel)
        self._arrangement = Arrangement(
            self._composer.params, seed, self._composer.roles, None, sections
        )
        self._next = 0
        self.style = style

    @property
    def key(self) -> Key:
        """The key of the stream (drawn from the style when none was given)."""
        return self._composer.key

    @property
    def bpm(self) -> float:
        """The stream's tempo (the style's when none was given)."""
        return self._composer.bpm

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles every bar holds a track for, in ROLES order."""
        return self._composer.roles

    @property
    def position(self) -> int:
        """The number of the bar :meth:`next_bar` returns next (0-based)."""
        return self._next

    def next_bar(self) -> Bar:
        """The next bar of the endless arrangement (sections keep cycling)."""
        bar = self.bar_at(self._next)
        self._next += 1
        return bar

    def bar_at(self, index: int) -> Bar:
        """Bar ``index`` (0-based) of the stream, without moving the position."""
        return self._composer.bar(self.plan_at(index))

    def plan_at(self, index: int) -> BarPlan:
        """The arrangement's plan of bar ``index``: section, levels, fill (for displays)."""
        if not isinstance(index, int) or index < 0:
            raise DataError(f"bar index must be an integer >= 0, got {index!r}")
        return self._arrangement.plan(index)

    def seek(self, index: int) -> None:
        """Make bar ``index`` the next one :meth:`next_bar` returns."""
        self.plan_at(index)
        self._next = index

    def set_density(self, density: Mapping[str, float] | None) -> None:
        """Change densities from the next bar on (None: the style's defaults)."""
        self._composer.set_density(density)

    def regenerate(self, roles: Sequence[str]) -> None:
        """New material for ``roles`` from the next bar on (a new groove, bass line, chords or
        lead); key, progression and arrangement stay. Bars already asked for are not kept:
        asking for one again after this gives the new material."""
        self._composer.regenerate(roles)
