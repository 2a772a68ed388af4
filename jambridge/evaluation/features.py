"""Songs -> per-role feature arrays: what :mod:`jambridge.evaluation.comparison` compares.

Every song is first quantized by the tokenizer (12 ticks per beat, durations and velocities
bucketed, drum keys outside the vocabulary dropped), so real MIDI files, decoded token documents
and generated files are measured on the same footing: the one the model hears.

A song's track of one role is cut into *segments* of :attr:`FeatureConfig.segment_bars` whole
bars (a song shorter than that is one segment; a shorter tail is left out of segment features).
Segment features are the samples of the distance-based OA (Yang & Lerch) and of the consistency
metrics; per-bar counts (empty bars, four-on-the-floor bars) use every bar. The pseudo-role
``mix`` holds every pitched role of a song together, for scale consistency and pitch-class
entropy as MMT computes them (on the whole multitrack): a bass in another key than its chords
shows up there, not in either role alone.

:data:`FEATURES` is the table of segment features: name, label, the roles it applies to, and
whether it is one of the six OA features of the issue (pitch class, onset position, notes per
bar, polyphony, pitch range, inter-onset interval) or a consistency metric reported by value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from jambridge.errors import DataError
from jambridge.evaluation import metrics as m
from jambridge.music import GRID_PER_BEAT, ROLES, Song

PITCHED = tuple(r for r in ROLES if r != "drums")
MIX = "mix"  # pseudo-role: all pitched roles of a song together
ALL_GROUPS = (*ROLES, MIX)


@dataclass(frozen=True)
class FeatureConfig:
    """How songs are cut into samples."""

    segment_bars: int = 4  # bars per segment: long enough for keys, grooves and phrases to show
    piano_roll_songs: int = 2  # songs kept per set for the report's piano rolls

    def __post_init__(self) -> None:
        if not 1 <= self.segment_bars <= 64:
            raise DataError(f"segment_bars must be in range 1..64, got {self.segment_bars}")
        if not 0 <= self.piano_roll_songs <= 16:
            raise DataError(f"piano_roll_songs must be in range 0..16, got {self.piano_roll_songs}")


@dataclass(frozen=True)
class Notes:
    """The quantized notes of one role (or of ``mix``) over ``n_bars`` whole bars, as arrays."""

    n_bars: int
    ticks: np.ndarray  # onset ticks from the first bar's start (12 per beat)
    pitches: np.ndarray  # MIDI pitch (drums: GM key)
    durations: np.ndarray  # ticks, >= 1
    drums: bool = False

    def window(self, first_bar: int, n_bars: int) -> Notes:
        lo, hi = first_bar * m.TICKS_PER_BAR, (first_bar + n_bars) * m.TICKS_PER_BAR
        keep = (self.ticks >= lo) & (self.ticks < hi)
        return Notes(n_bars, self.ticks[keep] - lo, self.pitches[keep], self.durations[keep],
                     self.drums)  # fmt: skip


def _nan_if_empty(fn: Callable[[Notes], float]) -> Callable[[Notes], float]:
    return lambda n: fn(n) if n.ticks.size else float("nan")


def _pitch_or_kit(n: Notes) -> np.ndarray:
    return m.drum_class_histogram(n.pitches) if n.drums else m.pitch_class_histogram(n.pitches)


@dataclass(frozen=True)
class FeatureSpec:
    """One segment feature."""

    name: str  # key in results and JSON
    label: str  # column header in the report
    groups: tuple[str, ...]  # roles (and/or "mix") it is measured on
    oa: bool  # True: compared by distance OA (counts toward mean OA); False: reported by value
    fn: Callable[[Notes], float | np.ndarray]  # NaN (or all-NaN rows) where undefined


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("pitch_class", "pitch class", ROLES, True, _pitch_or_kit),
    FeatureSpec("onset_position", "onset pos", ROLES, True,
                lambda n: m.onset_position_histogram(n.ticks)),
    FeatureSpec("notes_per_bar", "notes/bar", ROLES, True, lambda n: n.ticks.size / n.n_bars),
    FeatureSpec("polyphony", "polyphony", ROLES, True,
                lambda n: m.polyphony(n.ticks, n.durations)),
    FeatureSpec("pitch_range", "pitch range", PITCHED, True, lambda n: m.pitch_range(n.pitches)),
    FeatureSpec("ioi", "IOI", ROLES, True, lambda n: m.mean_inter_onset_beats(n.ticks)),
    FeatureSpec("scale_consistency", "scale cons.", (*PITCHED, MIX), False,
                lambda n: m.scale_consistency(n.pitches)),
    FeatureSpec("pitch_class_entropy", "PC entropy", (*PITCHED, MIX), False,
                lambda n: m.pitch_class_entropy(n.pitches)),
    FeatureSpec("groove_consistency", "groove cons.", ROLES, False,
                _nan_if_empty(lambda n: m.groove_consistency(n.ticks, n.n_bars))),
)  # fmt: skip
FEATURE_BY_NAME = {f.name: f for f in FEATURES}
OA_FEATURES = tuple(f.name for f in FEATURES if f.oa)
VALUE_FEATURES = tuple(f.name for f in FEATURES if not f.oa)


@dataclass
class RoleFeatures:
    """Features of one role (or ``mix``) over a whole set."""

    values: dict[str, list] = field(default_factory=dict)  # feature -> one entry per segment
    bars: int = 0  # bars in which the role is enabled (the song has its track)
    empty_bars: int = 0  # of those, bars with no note starting in them
    four_on_floor_bars: int = 0  # drums: bars with a kick on all four beats
    songs: int = 0  # songs with the role enabled
    notes: int = 0
    sources: Counter = field(default_factory=Counter)  # source name -> bars

    def array(self, feature: str) -> np.ndarray:
        """(segments,) or (segments, dim) float array of one feature (empty: shape (0,))."""
        rows = self.values.get(feature, [])
        return np.asarray(rows, dtype=np.float64) if rows else np.zeros(0)

    @property
    def segments(self) -> int:
        return len(next(iter(self.values.values()), []))


@dataclass
class SetFeatures:
    """Features of every role of one set of songs (real, generated, or a baseline)."""

    name: str
    roles: dict[str, RoleFeatures] = field(default_factory=dict)  # ALL_GROUPS keys present
    songs: int = 0
    bars: int = 0
    samples: list[Song] = field(default_factory=list)  # a few quantized songs, for piano rolls


def _notes_of(song: Song, roles: Sequence[str]) -> Notes:
    tracks = [t for t in song.tracks if t.role in roles]
    notes = [n for t in tracks for n in t.notes]
    ticks = np.array([round(n.start_beats * GRID_PER_BEAT) for n in notes], dtype=np.int64)
    pitches = np.array([n.pitch for n in notes], dtype=np.int64)
    durs = np.array([max(1, round(n.duration_beats * GRID_PER_BEAT)) for n in notes], np.int64)
    return Notes(song.length_bars, ticks, pitches, durs, drums=tuple(roles) == ("drums",))


def _segments(notes: Notes, segment_bars: int) -> list[Notes]:
    if notes.n_bars <= segment_bars:
        return [notes] if notes.n_bars > 0 else []
    return [notes.window(i, segment_bars) for i in range(0, notes.n_bars - segment_bars + 1,
                                                         segment_bars)]  # fmt: skip


def _bar_counts(notes: Notes, rf: RoleFeatures) -> None:
    bars_with_notes = np.unique(notes.ticks // m.TICKS_PER_BAR)
    rf.empty_bars += notes.n_bars - int(np.count_nonzero(bars_with_notes < notes.n_bars))
    if notes.drums:
        kick = np.isin(notes.pitches, m.KICK_KEYS) & (notes.ticks % GRID_PER_BEAT == 0)
        bar_beat = np.unique(notes.ticks[kick] // GRID_PER_BEAT)  # beat index from the start
        per_bar = np.bincount(bar_beat // 4, minlength=notes.n_bars)
        rf.four_on_floor_bars += int(np.count_nonzero(per_bar[: notes.n_bars] == 4))


def add_song(sf: SetFeatures, song: Song, source: str, config: FeatureConfig) -> None:
    """Measure one (already quantized) song into ``sf``."""
    present = [r for r in ROLES if song.track(r) is not None]
    groups = [(r, (r,)) for r in present]
    if any(r in PITCHED for r in present):
        groups.append((MIX, tuple(r for r in present if r in PITCHED)))
    for group, roles in groups:
        notes = _notes_of(song, roles)
        rf = sf.roles.setdefault(group, RoleFeatures())
        rf.bars += notes.n_bars
        rf.songs += 1
        rf.notes += int(notes.ticks.size)
        rf.sources[source] += notes.n_bars
        _bar_counts(notes, rf)
        specs = [f for f in FEATURES if group in f.groups]
        for segment in _segments(notes, config.segment_bars):
            for f in specs:
                rf.values.setdefault(f.name, []).append(f.fn(segment))
    sf.songs += 1
    sf.bars += song.length_bars
    if len(sf.samples) < config.piano_roll_songs and song.note_count():
        sf.samples.append(song)


def extract(
    name: str,
    songs: Sequence[Song],
    sources: Sequence[str] | None = None,
    config: FeatureConfig | None = None,
    tokenizer=None,
) -> SetFeatures:
    """Quantize and measure ``songs`` (``sources[i]`` names where song i came from)."""
    from jambridge.tokenizer import Tokenizer

    config = config or FeatureConfig()
    tok = tokenizer or Tokenizer()
    sources = list(sources) if sources is not None else [name] * len(songs)
    sf = SetFeatures(name)
    for song, source in zip(songs, sources, strict=True):
        add_song(sf, tok.quantize_song(song), source, config)
    return sf
