"""The four roles JamBridge plays, and how streams from real MIDI files are given one.

Tables, not branches (STYLE.md): :data:`ROLE_SPECS` (default channel, GM program, pitch range),
:data:`GM_FAMILIES` (what a GM program says about a role, and how strongly) and
:data:`NAME_HINTS` (what a track name says). Channels are 0-based (drums 9 = MIDI channel 10).

:func:`assign_roles` turns :class:`Source` streams (one instrument on one channel of one track)
into at most one :class:`~jambridge.music.Track` per role. Evidence, strongest first:

1. drum channel 10 (or ``is_drum``) -> drums;
2. a strong GM family (bass 32-39, synth lead 80-87, synth pad 88-95) -> that role, or a
   family that has no role (percussive 115-119, sound effects 120-127) -> dropped;
3. a track-name hint ("bass", "kick", "lead", "pad", ...);
4. polyphony (fraction of sounding time with more than one note) and median pitch, with the
   weak GM family (piano, guitar, brass, ...) breaking ties in the grey zone.

Sources that land on the same role are merged (notes unioned, duplicates removed; the merged
track takes program, channel and name of the source with the most notes). When no source is bass
and :attr:`RoleConfig.split_bass` is on, the lowest voice of the chords below
:attr:`RoleConfig.bass_split_below` becomes the bass (POP909 has melody and piano, no bass).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from jambridge.errors import DataError, lookup
from jambridge.music import GRID_PER_BEAT, ROLES, Note, Track

DRUM_CHANNEL = 9  # 0-based: GM channel 10


@dataclass(frozen=True, slots=True)
class RoleSpec:
    name: str
    channel: int  # default 0-based MIDI channel (user-mappable)
    program: int  # default GM program (0-based); for drums the GS kit (0 = Standard)
    low: int  # lowest pitch the generators use for this role
    high: int  # highest pitch
    track_name: str  # track name written to MIDI files


ROLE_SPECS: dict[str, RoleSpec] = {
    "drums": RoleSpec("drums", 9, 0, 35, 81, "Drums"),
    "bass": RoleSpec("bass", 1, 38, 24, 55, "Bass"),  # 38: Synth Bass 1
    "chords": RoleSpec("chords", 2, 89, 48, 84, "Chords"),  # 89: Pad 2 (warm)
    "lead": RoleSpec("lead", 3, 81, 55, 96, "Lead"),  # 81: Lead 2 (sawtooth)
}
assert tuple(ROLE_SPECS) == ROLES


def default_track(role: str) -> Track:
    """An empty track for ``role`` with the role's default channel, program and name.

    Raises:
        DataError: ``role`` is not one of ROLES.
    """
    spec = lookup(ROLE_SPECS, role, "role")
    return Track(role=role, program=spec.program, channel=spec.channel, name=spec.track_name)


@dataclass(frozen=True, slots=True)
class GmFamily:
    """What a range of GM programs says about the role of a stream."""

    first: int  # first GM program (0-based) of the range
    last: int  # last GM program, inclusive
    name: str  # family name, used in report reasons
    role: str | None  # the role it suggests; None: streams of this family are dropped
    strong: bool  # strong evidence beats name hints and note statistics


GM_FAMILIES: tuple[GmFamily, ...] = (
    GmFamily(0, 7, "piano", "chords", False),
    GmFamily(8, 15, "chromatic percussion", "lead", False),
    GmFamily(16, 23, "organ", "chords", False),
    GmFamily(24, 31, "guitar", "chords", False),
    GmFamily(32, 39, "bass", "bass", True),
    GmFamily(40, 41, "solo strings", "lead", False),  # violin, viola
    GmFamily(42, 43, "low strings", "bass", False),  # cello, contrabass
    GmFamily(44, 46, "strings", "chords", False),  # tremolo, pizzicato, harp
    GmFamily(47, 47, "timpani", None, True),
    GmFamily(48, 55, "ensemble", "chords", False),  # includes 55 orchestra hit: a stab
    GmFamily(56, 63, "brass", "lead", False),
    GmFamily(64, 71, "reed", "lead", False),
    GmFamily(72, 79, "pipe", "lead", False),
    GmFamily(80, 87, "synth lead", "lead", True),
    GmFamily(88, 95, "synth pad", "chords", True),
    GmFamily(96, 103, "synth effects", "chords", False),
    GmFamily(104, 111, "ethnic", "lead", False),
    GmFamily(112, 114, "melodic percussion", "lead", False),  # tinkle bell, agogo, steel drums
    GmFamily(115, 119, "percussive", None, True),  # woodblock, taiko, toms, synth drum
    GmFamily(120, 127, "sound effects", None, True),
)
_FAMILY_OF_PROGRAM: tuple[GmFamily, ...] = tuple(
    f for f in GM_FAMILIES for _ in range(f.first, f.last + 1)
)
assert len(_FAMILY_OF_PROGRAM) == 128 and all(
    f.first <= p <= f.last for p, f in enumerate(_FAMILY_OF_PROGRAM)
)


def gm_family(program: int) -> GmFamily:
    """The GM family of a 0-based program number 0..127."""
    if not 0 <= program <= 127:
        raise DataError(f"GM program must be in range 0..127, got {program!r}")
    return _FAMILY_OF_PROGRAM[program]


# (pattern searched in the lower-cased track name, role). First match wins, so "bass drum" is
# drums and "string bass" is bass. "bass(?!oon)": a bassoon is a reed, not a bass.
NAME_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), role)
    for pattern, role in (
        (
            r"drum|kick|snare|hi-?hats?\b|\bhh\b|\bperc|clap|cymbal|\btoms?\b|\b(?:808|909)\b",
            "drums",
        ),
        (r"bass(?!oon)|\bsub\b", "bass"),
        (r"lead|melod|\bsolo\b|vocal|voice|\barp|\bsynth ?line\b|\bmel\b", "lead"),
        (r"chord|\bpads?\b|piano|\bkeys\b|stab|string|organ|rhodes|\bcomp\b|e-?piano", "chords"),
        # POP909's BRIDGE: counter-melodies and fills around the MELODY track. As accompaniment
        # it keeps the lead a single line instead of two melodies merged.
        (r"^bridge$", "chords"),
    )
)


def name_hint(name: str) -> str | None:
    """The role a track name suggests, or None."""
    lowered = name.lower()
    return next((role for pattern, role in NAME_HINTS if pattern.search(lowered)), None)


@dataclass(frozen=True, slots=True)
class Source:
    """One stream of a MIDI file: the notes one instrument plays on one channel of one track."""

    notes: tuple[Note, ...]  # song times in beats
    program: int = 0  # GM program 0..127 in effect for these notes
    channel: int = 0  # 0-based channel 0..15; 9 is the GM drum channel
    name: str = ""  # track name (hint text); empty when the track holds several streams
    is_drum: bool = False  # drum stream even off channel 10 (channel 9 always is)
    label: str = ""  # how reports name the stream; defaults to the name, or the channel

    @property
    def title(self) -> str:
        return self.label or self.name or f"channel {self.channel + 1} program {self.program}"


@dataclass(frozen=True, slots=True)
class RoleConfig:
    """Thresholds of :func:`assign_roles`. Pitches are MIDI note numbers (60 = middle C)."""

    chords_polyphony: float = 0.35  # polyphony at or above this: chords, whatever the family
    mono_polyphony: float = 0.10  # at or below: monophonic; between the two, the family decides
    bass_below: int = 48  # monophonic with median pitch below this: bass
    lead_from: int = 55  # median pitch from here up: lead; between the two, the family decides
    split_bass: bool = True  # no bass source: take the chords' lowest voice as bass
    # Only notes below this pitch (E3) move to the bass. On 51 POP909 songs, 48 gave bass in 84%
    # of bars (1.4 notes/bar), 52 in 94% (1.8), 55 in 95% (1.9): 52 catches left hands in the
    # third octave without taking tenor chord tones.
    bass_split_below: int = 52
    min_split_notes: int = 8  # fewer candidate notes than this: no split (stray low notes)
    onset_tolerance_beats: float = 1 / (2 * GRID_PER_BEAT)  # onsets this close form one chord


DEFAULT_ROLE_CONFIG = RoleConfig()


@dataclass(frozen=True)
class RoleReport:
    """What :func:`assign_roles` did with each source."""

    assigned: tuple[tuple[str, str, str], ...] = ()  # (source title, role, why)
    dropped: tuple[tuple[str, str], ...] = ()  # (source title, reason)
    duplicates_removed: int = 0  # notes dropped as exact duplicates (same pitch and onset)
    bass_split_notes: int = 0  # notes moved from chords to bass; 0: no split
    role_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> titles


@dataclass(frozen=True, slots=True)
class NoteStats:
    """Note statistics of one stream, for the cases the tables leave open."""

    polyphony: float  # fraction of sounding time with more than one note sounding
    median_pitch: float


def note_stats(notes: Sequence[Note]) -> NoteStats:
    """Polyphony and median pitch of ``notes`` (which must not be empty)."""
    events = sorted(
        [(n.start_beats, 1) for n in notes] + [(n.end_beats, -1) for n in notes],
        key=lambda e: (e[0], e[1]),  # ends before starts at the same time: legato is not chords
    )
    sounding = multi = 0.0
    count, last = 0, events[0][0]
    for time, step in events:
        if count >= 1:
            sounding += time - last
        if count >= 2:
            multi += time - last
        count, last = count + step, time
    pitches = sorted(n.pitch for n in notes)
    mid = len(pitches) // 2
    median = pitches[mid] if len(pitches) % 2 else (pitches[mid - 1] + pitches[mid]) / 2
    return NoteStats(polyphony=multi / sounding if sounding > 0 else 0.0, median_pitch=median)


def _by_stats(source: Source, family: GmFamily, cfg: RoleConfig) -> tuple[str, str]:
    stats = note_stats(source.notes)
    poly, pitch = stats.polyphony, stats.median_pitch
    desc = f"polyphony {poly:.0%}, median pitch {pitch:g}"
    if poly >= cfg.chords_polyphony:
        return "chords", f"polyphonic ({desc})"
    if poly > cfg.mono_polyphony and family.role == "chords":
        return "chords", f"partly polyphonic {family.name} ({desc})"
    if pitch < cfg.bass_below or (pitch < cfg.lead_from and family.role == "bass"):
        return "bass", f"low single line ({desc}, {family.name})"
    return "lead", f"single line ({desc}, {family.name})"


def classify(source: Source, config: RoleConfig = DEFAULT_ROLE_CONFIG) -> tuple[str | None, str]:
    """The role of one source (None: drop it) and the reason, in words."""
    if not source.notes:
        return None, "no notes"
    if source.is_drum or source.channel == DRUM_CHANNEL:
        return "drums", "drum channel 10"
    family = gm_family(source.program)
    what = f"GM program {source.program} ({family.name})"
    if family.strong:
        return (family.role, what) if family.role else (None, f"{what} is not used")
    hint = name_hint(source.name)
    if hint:
        return hint, f"track name {source.name!r}"
    return _by_stats(source, family, config)


def tidy_notes(notes: Iterable[Note]) -> tuple[list[Note], int]:
    """Make a stream playable on one channel: of notes with the same pitch and onset keep one,
    as long as the longest and as loud as the loudest (the others are duplicates, counted),
    and end a note where the next note of the same pitch starts.

    Returns:
        The notes sorted by onset, and the number of duplicates dropped.
    """
    by_pitch = sorted(notes, key=lambda n: (n.pitch, n.start_beats, -n.duration_beats))
    kept: list[Note] = []
    duplicates = 0
    for note in by_pitch:
        prev = kept[-1] if kept else None
        if prev is not None and prev.pitch == note.pitch:
            if note.start_beats - prev.start_beats < 1e-9:
                duplicates += 1
                if note.velocity > prev.velocity:
                    kept[-1] = replace(prev, velocity=note.velocity)
                continue
            if prev.end_beats > note.start_beats:
                kept[-1] = replace(prev, duration_beats=note.start_beats - prev.start_beats)
        kept.append(note)
    kept.sort(key=lambda n: (n.start_beats, n.pitch))
    return kept, duplicates


def split_lowest_voice(
    notes: Sequence[Note], config: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[list[Note], list[Note]]:
    """Split ``notes`` into (upper, bass): a note goes to the bass when it is below
    ``config.bass_split_below`` and is the lowest note sounding at its onset (notes starting
    within ``config.onset_tolerance_beats`` count as one chord). The bass is kept monophonic.
    Returns ``(notes, [])`` when fewer than ``config.min_split_notes`` would move.
    """
    ordered = sorted(notes, key=lambda n: (n.start_beats, n.pitch))
    upper: list[Note] = []
    bass: list[Note] = []
    active: list[Note] = []
    i = 0
    while i < len(ordered):
        onset = ordered[i].start_beats
        j = i
        while j < len(ordered) and ordered[j].start_beats - onset <= config.onset_tolerance_beats:
            j += 1
        chord = ordered[i:j]  # sorted by onset then pitch: find the lowest explicitly
        active = [n for n in active if n.end_beats > onset + config.onset_tolerance_beats]
        low = min(chord, key=lambda n: n.pitch)
        held_low = min((n.pitch for n in active), default=128)
        for note in chord:
            if note is low and low.pitch < config.bass_split_below and low.pitch < held_low:
                if bass and bass[-1].end_beats > low.start_beats > bass[-1].start_beats:
                    last = bass[-1]
                    bass[-1] = replace(last, duration_beats=low.start_beats - last.start_beats)
                bass.append(low)
            else:
                upper.append(note)
        active.extend(chord)
        i = j
    if len(bass) < config.min_split_notes:
        return list(notes), []
    return upper, bass


# Drum keys outside GM percussion that e-kits send (a Roland TD-11 in the Groove dataset: hi-hat
# edge zones, tom rim), mapped to the GM sound they are, so a DAW drum rack plays them.
DRUM_KEY_MAP = {22: 42, 26: 46, 58: 43}


def _merge(role: str, sources: list[Source]) -> tuple[Track, int]:
    main = max(sources, key=lambda s: len(s.notes))
    notes = (n for s in sources for n in s.notes)
    if role == "drums":
        notes = (replace(n, pitch=DRUM_KEY_MAP.get(n.pitch, n.pitch)) for n in notes)
    tidied, duplicates = tidy_notes(notes)
    track = Track(role=role, program=main.program, channel=main.channel, name=main.name)
    return track.with_notes(tidied), duplicates


def _unique_channels(tracks: dict[str, Track], derived: frozenset[str]) -> list[Track]:
    """Give every track its own channel, in ROLES order: drums on 9; tracks taken from the file
    keep theirs first, then ``derived`` ones (a split-off bass) and clashes move to the role's
    default channel, or else to the lowest free one."""
    used = {DRUM_CHANNEL}
    out: dict[str, Track] = {}
    for role in sorted(tracks, key=lambda r: (r != "drums", r in derived, ROLES.index(r))):
        t = tracks[role]
        if role == "drums":
            out[role] = replace(t, channel=DRUM_CHANNEL)
            continue
        own = () if role in derived else (t.channel,)
        channel = next(c for c in (*own, ROLE_SPECS[role].channel, *range(16)) if c not in used)
        used.add(channel)
        out[role] = replace(t, channel=channel)
    return [out[r] for r in ROLES if r in out]


def assign_roles(
    sources: Iterable[Source], config: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[tuple[Track, ...], RoleReport]:
    """Give each source a role (or drop it), merge sources per role, split off a bass.

    Returns:
        One track per role found, in ROLES order, each on its own channel, and a report.
    """
    by_role: dict[str, list[Source]] = {}
    assigned, dropped = [], []
    for source in sources:
        role, why = classify(source, config)
        if role is None:
            dropped.append((source.title, why))
        else:
            assigned.append((source.title, role, why))
            by_role.setdefault(role, []).append(source)
    merged: dict[str, Track] = {}
    duplicates = 0
    for role, group in by_role.items():
        merged[role], dups = _merge(role, group)
        duplicates += dups
    role_sources = {r: tuple(s.title for s in g) for r, g in by_role.items()}
    split = 0
    chords = merged.get("chords")
    if config.split_bass and "bass" not in merged and chords is not None:
        upper, bass = split_lowest_voice(chords.notes, config)
        if bass:
            split = len(bass)
            merged["chords"] = chords.with_notes(upper)
            name = f"{chords.name or 'Chords'} (lowest voice)"
            merged["bass"] = Track("bass", (), chords.program, chords.channel, name).with_notes(
                bass
            )
            role_sources["bass"] = role_sources["chords"]
    tracks = _unique_channels(merged, frozenset({"bass"} if split else ()))
    report = RoleReport(
        assigned=tuple(assigned),
        dropped=tuple(dropped),
        duplicates_removed=duplicates,
        bass_split_notes=split,
        role_sources={r: role_sources[r] for r in ROLES if r in role_sources},
    )
    return tuple(tracks), report
