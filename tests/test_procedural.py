"""Tests of the procedural techno generator: validity, determinism, style rules, density,
arrangement and the endless bar source."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jambridge.errors import DataError
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, ROLES, Bar, Key, Song
from jambridge.procedural import STYLES, ProceduralBarSource, generate_song
from jambridge.procedural.arrangement import KICKLESS_SHARE, Arrangement, song_sections
from jambridge.procedural.styles import STYLE_TABLE
from jambridge.procedural.theory import SHAPES, chord_steps, degree_pitch, shape_fits, voice
from jambridge.roles import ROLE_SPECS

FOUR_ON_FLOOR_STYLES = ("techno", "minimal", "acid", "dub", "peak", "house")
DEFAULT_BPM = {
    "techno": 130,
    "minimal": 126,
    "acid": 132,
    "dub": 120,
    "peak": 140,
    "house": 122,
    "electro": 130,
}
GM_DRUM_KEYS = frozenset({36, 37, 38, 39, 40, 41, 42, 43, 45, 46, 47, 48, 49, 50, 51})
GM_DRUM_KEYS |= frozenset({54, 56, 60, 61, 62, 63, 64, 70, 75})
KICK = 36
TICKS_PER_BAR = GRID_PER_BEAT * BEATS_PER_BAR


def ticks(beats: float) -> int:
    return round(beats * GRID_PER_BEAT)


def on_grid(beats: float) -> bool:
    return abs(beats * GRID_PER_BEAT - round(beats * GRID_PER_BEAT)) < 1e-6


def check_bar_notes(role: str, notes, bar_start_beats: float = 0.0) -> None:
    """The invariants every generated note keeps (bar-relative after subtracting the start)."""
    spec = ROLE_SPECS[role]
    by_pitch: dict[int, list[tuple[int, int]]] = {}
    for n in notes:
        start = n.start_beats - bar_start_beats
        assert on_grid(n.start_beats) and on_grid(n.duration_beats), n
        assert 0 <= ticks(start) < TICKS_PER_BAR, n
        assert 0 < n.duration_beats <= 8, n
        assert ticks(start) + ticks(n.duration_beats) <= TICKS_PER_BAR, f"{n} crosses the bar line"
        assert 1 <= n.velocity <= 127
        assert spec.low <= n.pitch <= spec.high, f"{role} pitch {n.pitch} outside range"
        if role == "drums":
            assert n.pitch in GM_DRUM_KEYS, n
        by_pitch.setdefault(n.pitch, []).append((ticks(start), ticks(start + n.duration_beats)))
    for spans in by_pitch.values():  # one channel: a pitch never sounds twice at once
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans


def check_song(song: Song, style: str, bars: int, roles=ROLES) -> None:
    assert song.length_bars == bars
    assert song.style == style
    assert isinstance(song.key, Key)
    assert song.roles == tuple(r for r in ROLES if r in roles)
    for track in song.tracks:
        spec = ROLE_SPECS[track.role]
        assert (track.channel, track.program, track.name) == (
            spec.channel,
            spec.program,
            spec.track_name,
        )
    for bar in song.bars():
        for t in bar.tracks:
            check_bar_notes(t.role, t.notes)
    for t in song.tracks:
        assert all(n.start_beats < bars * BEATS_PER_BAR for n in t.notes)


def in_key(song_or_bar, key: Key) -> bool:
    return all(
        n.pitch % 12 in key.pitch_classes
        for t in song_or_bar.tracks
        if t.role != "drums"
        for n in t.notes
    )


def kick_on_every_beat(bar: Bar) -> bool:
    drums = bar.track("drums")
    kicks = {ticks(n.start_beats) for n in drums.notes if n.pitch == KICK} if drums else set()
    return all(b * GRID_PER_BEAT in kicks for b in range(BEATS_PER_BAR))


# --- validity -------------------------------------------------------------------------------


def test_styles_are_the_documented_ones():
    assert STYLES == ("techno", "minimal", "acid", "dub", "peak", "house", "electro")
    assert tuple(STYLE_TABLE) == STYLES


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("bars", (1, 4, 16, 64))
def test_every_style_makes_valid_songs(style, bars):
    song = generate_song(style, bars=bars, seed=bars)
    check_song(song, style, bars)
    assert song.tempo_bpm == DEFAULT_BPM[style]
    assert song.note_count() > 0
    assert in_key(song, song.key)


@settings(max_examples=25, deadline=None)
@given(
    style=st.sampled_from(STYLES),
    seed=st.integers(-(2**40), 2**40),
    bars=st.integers(1, 40),
    roles=st.sets(st.sampled_from(ROLES), min_size=1),
    density=st.dictionaries(st.sampled_from(ROLES), st.floats(0, 1)),
    sections=st.booleans(),
)
def test_any_settings_make_valid_songs(style, seed, bars, roles, density, sections):
    song = generate_song(style, bars, seed, roles=tuple(roles), density=density, sections=sections)
    check_song(song, style, bars, roles)
    assert in_key(song, song.key)


@pytest.mark.parametrize("style", STYLES)
def test_seeded_songs_are_deterministic_and_seeds_differ(style):
    a = generate_song(style, bars=16, seed=7)
    assert a == generate_song(style, bars=16, seed=7)
    assert a != generate_song(style, bars=16, seed=8)


def test_keys_are_mostly_minor_and_an_asked_key_is_kept():
    keys = [generate_song("techno", 1, seed=s).key for s in range(30)]
    assert all(k.mode == "minor" for k in keys)
    assert len({k.tonic for k in keys}) > 3  # the seed picks among several tonics
    key = Key.parse("F# minor")
    song = generate_song("acid", 32, seed=3, key=key, bpm=128.5)
    assert song.key == key and song.tempo_bpm == 128.5
    assert in_key(song, key)
    major = Key.parse("Eb major")
    assert in_key(generate_song("house", 32, seed=1, key=major), major)


def test_roles_not_asked_for_are_absent():
    song = generate_song("techno", 16, seed=1, roles=("lead", "bass"))
    assert song.roles == ("bass", "lead")
    assert all(t.notes for t in song.tracks)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"style": "trance"}, "style must be one of"),
        ({"bars": 0}, "bars must be an integer in range 1.."),
        ({"bars": 2.5}, "bars must be an integer"),
        ({"bpm": 5}, "bpm must be in range 40..300"),
        ({"bpm": "fast"}, "bpm must be in range 40..300"),
        ({"roles": ("piano",)}, "roles must be among"),
        ({"roles": ()}, "roles must name at least one"),
        ({"density": {"drums": 1.5}}, "density of drums must be in range 0..1"),
        ({"density": {"keys": 0.5}}, "density roles must be among"),
        ({"density": {"bass": math.nan}}, "density of bass must be in range 0..1"),
        ({"key": "A minor"}, "key must be a Key"),
        ({"seed": "1"}, "seed must be an integer"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, words):
    with pytest.raises(DataError, match=words):
        generate_song(**kwargs)


# --- style rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("style", FOUR_ON_FLOOR_STYLES)
def test_four_on_the_floor_holds_in_95_percent_of_bars(style):
    for seed in (0, 1):
        bars = generate_song(style, bars=200, seed=seed, roles=("drums",)).bars()
        share = sum(kick_on_every_beat(b) for b in bars) / len(bars)
        assert share >= 0.95, (style, seed, share)


def test_electro_kick_is_broken():
    bars = generate_song("electro", bars=64, seed=2, roles=("drums",), sections=False).bars()
    assert sum(kick_on_every_beat(b) for b in bars) / len(bars) < 0.5
    assert all(any(n.pitch == KICK for n in b.track("drums").notes) for b in bars)


@pytest.mark.parametrize("style", FOUR_ON_FLOOR_STYLES)
def test_drops_have_kick_hats_and_backbeat(style):
    song = generate_song(style, bars=16, seed=5, roles=("drums",), sections=False)
    for bar in song.bars():
        assert kick_on_every_beat(bar)
        keys = {ticks(n.start_beats): set() for n in bar.track("drums").notes}
        for n in bar.track("drums").notes:
            keys[ticks(n.start_beats)].add(n.pitch)
        pitches = set().union(*keys.values())
        assert pitches & {42, 46}, "hats"
        assert any(pitches_at & {37, 38, 39, 40} for t, pitches_at in keys.items() if t == 12)


def test_acid_bass_has_accents_slides_and_octave_jumps():
    bars = generate_song("acid", bars=16, seed=4, roles=("bass",), sections=False).bars()
    notes = [n for b in bars for n in b.track("bass").notes]
    velocities = {n.velocity for n in notes}
    assert max(velocities) - min(velocities) >= 20, "accents"
    overlaps = sum(
        1
        for b in bars
        for x, y in zip(b.track("bass").notes, b.track("bass").notes[1:])
        if x.end_beats > y.start_beats and x.pitch != y.pitch
    )
    assert overlaps > 0, "slides overlap the next note"
    assert max(n.pitch for n in notes) - min(n.pitch for n in notes) >= 12, "octave jumps"


def test_rolling_bass_stays_off_the_kick():
    for seed in range(6):
        song = generate_song("peak", bars=8, seed=seed, roles=("bass",), sections=False)
        starts = {ticks(n.start_beats) % GRID_PER_BEAT for n in song.track("bass").notes}
        assert 0 not in starts  # peak lines roll or gallop between the kicks


def test_dub_chords_echo_and_fade():
    song = generate_song(
        "dub", bars=8, seed=1, roles=("chords",), sections=False, density={"chords": 1}
    )
    bar = song.bars()[0]
    onsets: dict[int, int] = {}
    for n in bar.track("chords").notes:
        onsets[ticks(n.start_beats)] = n.velocity
    velocities = [onsets[t] for t in sorted(onsets)]
    assert len(velocities) >= 3
    assert velocities[-1] < velocities[0] * 0.7  # the echoes fade


def test_sections_false_has_every_role_in_every_bar():
    song = generate_song("techno", bars=24, seed=9, sections=False)
    for bar in song.bars():
        assert all(t.notes for t in bar.tracks), bar.roles


def test_sections_bring_roles_in_and_out_with_fills_and_crashes():
    song = generate_song("techno", bars=64, seed=3)
    bars = song.bars()
    sections = song_sections(STYLE_TABLE["techno"].template, 64)
    assert [s.name for s in sections] == [
        "intro",
        "build",
        "drop",
        "break",
        "build",
        "drop",
        "outro",
    ]
    intro, drop = sections[0], sections[2]
    assert not any(bars[i].track("lead").notes for i in range(intro.start, intro.bars))
    assert all(bars[i].track("lead").notes for i in range(drop.start, drop.start + 8))
    brk = sections[3]
    assert not any(bars[i].track("bass").notes for i in range(brk.start, brk.start + brk.bars))
    for s, nxt in zip(sections, sections[1:]):
        last = bars[s.start + s.bars - 1].track("drums").notes
        fill = [n for n in last if n.start_beats >= 3 and n.pitch not in (KICK, 42)]
        assert len(fill) >= 4, f"fill into {nxt.name}"
        if nxt.name != "intro":
            assert any(
                n.pitch == 49 and n.start_beats == 0 for n in bars[nxt.start].track("drums").notes
            )


def test_kickless_bars_are_budgeted():
    for bars in (16, 64, 200, 333):
        for style in FOUR_ON_FLOOR_STYLES:
            arr = Arrangement(STYLE_TABLE[style], 0, ROLES, bars)
            kickless = sum(not arr.plan(i).kick for i in range(bars))
            assert kickless <= int(bars * KICKLESS_SHARE)


def test_phrases_repeat_with_variation():
    song = generate_song("techno", bars=16, seed=11, roles=("lead",), sections=False)
    bars = [b.track("lead").notes for b in song.bars()]
    assert bars[0] == bars[2] or bars[0] == bars[4]  # the phrase comes back
    assert len({tuple(b) for b in bars}) > 1  # but not as a dead loop


# --- density --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_density_scales_note_counts(role):
    counts = {}
    for d in (0.0, 0.5, 1.0):
        total = 0
        for style in STYLES:
            for seed in range(3):
                song = generate_song(
                    style, 8, seed, roles=(role,), density={role: d}, sections=False
                )
                total += song.note_count()
        counts[d] = total
    assert counts[0.0] < counts[0.5] < counts[1.0], counts
    assert counts[0.0] > 0  # sparse, not silent


@pytest.mark.parametrize("style", STYLES)
def test_density_never_removes_notes_a_sparser_setting_plays(style):
    for role in ROLES:
        lo = generate_song(style, 8, 2, roles=(role,), density={role: 0.3}, sections=False)
        hi = generate_song(style, 8, 2, roles=(role,), density={role: 0.8}, sections=False)
        onsets_lo = {(n.start_beats, n.pitch) for n in lo.tracks[0].notes}
        onsets_hi = {(n.start_beats, n.pitch) for n in hi.tracks[0].notes}
        assert onsets_lo <= onsets_hi, role


# --- theory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ("minor", "major"))
def test_chords_are_in_key_and_avoid_bad_intervals(mode):
    for tonic in range(12):
        key = Key(tonic, mode)
        for degree in range(7):
            for shape in SHAPES:
                steps = chord_steps(key, degree, shape)
                pitches = [degree_pitch(key, 48 + tonic, degree + s) for s in steps]
                assert all(p % 12 in key.pitch_classes for p in pitches)
                assert shape_fits(key, degree, steps)
                voiced = voice(pitches, 64, 48, 84)
                assert all(48 <= p <= 84 for p in voiced)
                assert {p % 12 for p in voiced} == {p % 12 for p in pitches}


def test_diminished_chords_fall_back():
    c_minor = Key(0, "minor")
    assert not shape_fits(c_minor, 1, SHAPES["triad"])  # ii dim in minor
    assert chord_steps(c_minor, 1, "m7") == SHAPES["octave"]


# --- endless source -------------------------------------------------------------------------


def test_bar_source_yields_valid_bars_endlessly_and_deterministically():
    src = ProceduralBarSource("techno", seed=5)
    bars = [src.next_bar() for _ in range(300)]
    for bar in bars:
        assert bar.roles == ROLES
        for t in bar.tracks:
            spec = ROLE_SPECS[t.role]
            assert (t.channel, t.program) == (spec.channel, spec.program)
            check_bar_notes(t.role, t.notes)
        assert in_key(bar, src.key)
    again = ProceduralBarSource("techno", seed=5)
    assert [again.next_bar() for _ in range(300)] == bars
    other = ProceduralBarSource("techno", seed=6)
    assert [other.next_bar() for _ in range(16)] != bars[:16]
    assert sum(kick_on_every_beat(b) for b in bars) / len(bars) >= 0.95
    assert src.position == 300


def test_bar_source_sections_cycle_and_material_moves_on():
    src = ProceduralBarSource("acid", seed=1)
    plans = [src.plan_at(i) for i in range(400)]
    names = [p.section for p in plans]
    assert names[0] == "intro" and "outro" not in names
    assert names.count("break") > 0 and names[300:].count("drop") > 0
    assert plans[-1].movement > plans[0].movement
    bass_early = {tuple(src.bar_at(i).track("bass").notes) for i in range(0, 100)}
    bass_late = {tuple(src.bar_at(i).track("bass").notes) for i in range(300, 400)}
    assert bass_late - bass_early  # not one loop forever


@pytest.mark.parametrize("style", STYLES)
def test_bar_source_seek_gives_the_same_bars(style):
    src = ProceduralBarSource(style, seed=3, roles=("drums", "bass"))
    first = [src.next_bar() for _ in range(40)]
    src.seek(20)
    assert [src.next_bar() for _ in range(20)] == first[20:]
    assert ProceduralBarSource(style, seed=3, roles=("drums", "bass")).bar_at(33) == first[33]
    with pytest.raises(DataError, match="bar index"):
        src.seek(-1)


def test_bar_source_density_changes_take_effect_on_later_bars():
    src = ProceduralBarSource("peak", seed=2, roles=("lead",), sections=False)
    busy = sum(src.bar_at(i).note_count() for i in range(8))
    src.set_density({"lead": 0.0})
    sparse = sum(src.bar_at(i).note_count() for i in range(8))
    assert 0 < sparse < busy


def test_bar_source_regenerate_changes_only_the_asked_role():
    src = ProceduralBarSource("techno", seed=4, sections=False)
    before = [src.bar_at(i) for i in range(8)]
    src.regenerate(["bass"])
    after = [src.bar_at(i) for i in range(8)]
    assert [b.track("bass") for b in after] != [b.track("bass") for b in before]
    for role in ("drums", "chords", "lead"):
        assert [b.track(role) for b in after] == [b.track(role) for b in before]
    assert in_key(after[0], src.key)
    with pytest.raises(DataError, match="roles must be among"):
        src.regenerate(["vocals"])


# --- with the tokenizer ---------------------------------------------------------------------


def _slides(song: Song) -> int:
    count = 0
    for bar in song.bars():
        notes = bar.track("bass").notes
        count += sum(
            1
            for x, y in zip(notes, notes[1:])
            if x.end_beats > y.start_beats and x.pitch != y.pitch
        )
    return count


@pytest.mark.parametrize("style", STYLES)
def test_songs_survive_the_tokenizer_with_nothing_dropped(style):
    from jambridge.tokenizer import Tokenizer

    tok = Tokenizer()
    song = generate_song(style, bars=16, seed=1)
    quantized = tok.quantize_song(song)
    assert quantized.note_count() == song.note_count()  # no drum key or note is lost
    assert tok.decode(tok.encode(song)).tracks == quantized.tracks
    if style == "acid":
        assert _slides(quantized) == _slides(song) > 0  # glides keep their overlap
