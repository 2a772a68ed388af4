"""Re-styling real harmony: progressions, POP909 annotations and a song's own chords played in
the techno styles' idioms, with swing, timing and velocity feel; the dataset build's sources."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from jambridge.cli import main
from jambridge.dataset import BuildConfig, build
from jambridge.dataset_restyle import plan_restyle
from jambridge.errors import DataError
from jambridge.midi_io import read_midi, write_midi
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Key, Note, Song, Track
from jambridge.procedural import STYLES, Feel, generate_song, style_feel
from jambridge.procedural.analysis import harmony_from_song
from jambridge.procedural.chord import QUALITIES, chord_from_intervals
from jambridge.procedural.feel import apply_feel
from jambridge.procedural.given import ChordSpan, GivenHarmony, chord_at
from jambridge.procedural.harmony import make_harmony
from jambridge.procedural.pop909 import pop909_harmony, read_chord_file
from jambridge.procedural.progressions import (
    Progression,
    load_progressions,
    parse_numeral,
    progression_harmony,
)
from jambridge.procedural.restyle import progression_song, restyle
from jambridge.procedural.styles import style_params

FOUR_ON_FLOOR_STYLES = ("techno", "minimal", "acid", "dub", "peak", "house")
KICK, CLOSED_HAT = 36, 42
TICKS_PER_BAR = GRID_PER_BEAT * BEATS_PER_BAR
MINOR_LOOP = Progression(("i", "VI", "III", "VII"), "minor", ("Nostalgic",))
MODAL_LOOP = Progression(("I", "bVIIM", "iv", "bIIIM7", "V7", "IVsus4"), "modal", ())


def pcs(notes) -> frozenset[int]:
    return frozenset(n.pitch % 12 for n in notes)


def bar_notes(song: Song, role: str, index: int) -> list[Note]:
    track = song.track(role)
    lo, hi = index * BEATS_PER_BAR, (index + 1) * BEATS_PER_BAR
    return [n for n in track.notes if lo <= n.start_beats < hi] if track else []


def tick_in_bar(note: Note) -> int:
    return round(note.start_beats * GRID_PER_BEAT) % TICKS_PER_BAR


def chord_names(chord) -> list[int]:
    return sorted((pc - chord.root) % 12 for pc in chord.pitch_classes)


# --- chords from the sources ---------------------------------------------------------------------


def test_numerals_take_case_accidentals_and_suffixes():
    c_major, a_minor = Key(0, "major"), Key(9, "minor")
    assert parse_numeral("bVIIM7", c_major).root == 10
    assert chord_names(parse_numeral("bVIIM7", c_major)) == [0, 4, 7, 11]
    assert chord_names(parse_numeral("vii", c_major)) == [0, 3, 6]  # diminished stays
    assert chord_names(parse_numeral("ivm", c_major)) == [0, 3, 7]
    assert parse_numeral("V7", a_minor).pitch_classes == {4, 8, 11, 2}  # E G# B D
    assert parse_numeral("I7", c_major).pitch_classes == {0, 4, 7, 11}  # the key's own 7th
    with pytest.raises(DataError, match="chord numeral 'IX'"):
        parse_numeral("IX", c_major)


def test_the_shipped_progressions_all_parse_when_present():
    path = Path(__file__).resolve().parents[2] / "shared/data/chords/progressions.json"
    try:
        progressions = load_progressions(str(path))
    except DataError:
        pytest.skip("the shared data is not next to the repository")
    assert len(progressions) == 190
    assert Counter(p.family for p in progressions) == {"major": 50, "minor": 58, "modal": 82}


def test_a_damaged_progressions_file_names_the_entry(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"prog_maj": ["I IV V =Joyful"], "prog_min": ["i XI =Sad"],
                               "prog_modal": []}))  # fmt: skip
    with pytest.raises(DataError, match=r"prog_min\[0\]: chord numeral 'XI'"):
        load_progressions(str(bad))


@pytest.mark.parametrize("per_bar", [1, 2])
@pytest.mark.parametrize("prog", [MINOR_LOOP, MODAL_LOOP])
def test_a_progression_renders_to_its_chords_bar_by_bar(prog, per_bar):
    key = Key(9, prog.mode)
    harmony = progression_harmony(prog, key, per_bar)
    chords = prog.chords(key)
    song = generate_song("techno", 16, seed=3, harmony=harmony, sections=True)
    played = 0
    width = TICKS_PER_BAR // per_bar
    for index in range(16):
        notes = bar_notes(song, "chords", index)
        for k in range(per_bar):
            part = [n for n in notes if k * width <= tick_in_bar(n) < (k + 1) * width]
            if notes:
                want = chords[(index * per_bar + k) % len(chords)]
                assert pcs(part) == want.pitch_classes, (index, k, prog.numerals)
                played += 1
    assert played >= 8 * per_bar


def test_open_shapes_stack_a_given_chord_open_and_keep_its_pitch_classes():
    key = Key(9, "minor")
    dub = style_params("dub")
    seed = next(s for s in range(50) if make_harmony(dub, key, s, 0, False).shape == "dub")
    open_harmony = make_harmony(dub, key, seed, 0, False)
    for chord in MINOR_LOOP.chords(key):
        styled = open_harmony.styled(chord)
        assert styled.steps == (0, 4, 9)  # root, fifth, tenth: the dub chord's spread
        assert styled.pitch_classes == chord.pitch_classes
    song = generate_song("dub", 8, seed=seed, harmony=progression_harmony(MINOR_LOOP, key))
    for index in range(8):
        notes = bar_notes(song, "chords", index)
        assert not notes or pcs(notes) == MINOR_LOOP.chords(key)[index % 4].pitch_classes


# --- bass ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_bass_roots_follow_the_given_harmony(seed):
    # peak's rolling and galloping lines play the root only: every note is the chord's root
    harmony = progression_harmony(MODAL_LOOP, Key(2, "major"), per_bar=2)
    song = generate_song("peak", 12, seed=seed, harmony=harmony, sections=False)
    assert song.track("bass").notes
    for note in song.track("bass").notes:
        spans = harmony.chords(int(note.start_beats // BEATS_PER_BAR))
        assert note.pitch % 12 == chord_at(spans, tick_in_bar(note)).root


def test_a_given_bass_line_sets_the_bass_notes():
    key = Key(0, "major")
    c, f = (chord_from_intervals(r, QUALITIES["maj"], key) for r in (0, 5))
    bars = ((ChordSpan(0, c),), (ChordSpan(0, f),))
    bass = ((ChordSpan(0, c.rooted_at(4, key)),), (ChordSpan(0, f.rooted_at(9, key)),))
    harmony = GivenHarmony(key, bars, bass, "C/E F/A")
    song = generate_song("peak", 4, seed=2, harmony=harmony, sections=False)
    for note in song.track("bass").notes:
        assert note.pitch % 12 == (4, 9)[int(note.start_beats // BEATS_PER_BAR) % 2]


# --- drums and feel ------------------------------------------------------------------------------


@pytest.mark.parametrize("style", FOUR_ON_FLOOR_STYLES)
def test_restyled_techno_keeps_four_on_the_floor(style):
    harmony = progression_harmony(MINOR_LOOP, Key(4, "minor"), per_bar=2)
    bars = with_kick = 0
    for seed in range(3):
        song = restyle(harmony, style, seed, bars=32, human=1.0)
        for index in range(32):
            kicks = {tick_in_bar(n) for n in bar_notes(song, "drums", index) if n.pitch == KICK}
            bars += 1
            with_kick += all(b * GRID_PER_BEAT in kicks for b in range(BEATS_PER_BAR))
    assert with_kick / bars >= 0.95


def off_16th_delays(song: Song, pitch: int) -> list[float]:
    out = []
    for n in song.track("drums").notes:
        sixteenths = n.start_beats * 4
        nearest = round(sixteenths - 0.3)  # a swung 16th is late, never early
        if n.pitch == pitch and nearest % 2 == 1:
            out.append(n.start_beats - nearest / 4)
    return out


def test_swing_delays_the_off_16ths_by_the_set_amount():
    song = generate_song("house", 8, seed=4, sections=False, feel=Feel(swing=0.58))
    delays = off_16th_delays(song, CLOSED_HAT)
    assert len(delays) > 20
    assert all(abs(d - 0.04) < 1e-6 for d in delays)  # (0.58 - 0.5) / 2 beats


def test_house_swings_and_techno_does_not():
    house, techno = style_params("house"), style_params("techno")
    for seed in range(5):
        assert 0.55 <= style_feel(house, seed).swing <= 0.62
        assert style_feel(techno, seed).swing == 0.5
    song = generate_song("techno", 8, seed=1, sections=False, feel=style_feel(techno, 1, 0.0))
    assert song.note_count() > 0
    for track in song.tracks:  # no swing, no timing: every note still on the grid
        assert all(abs(n.start_beats * GRID_PER_BEAT % 1) < 1e-6 for n in track.notes)


@pytest.mark.parametrize(("preset", "swung"), [("deephouse", True), ("techno", False)])
def test_procedural_presets_swing_where_their_style_does(tmp_path, preset, swung):
    out = tmp_path / "x.mid"
    argv = ["generate", "--engine", "procedural", "--preset", preset, "--bars", "8"]
    assert main([*argv, "--seed", "3", "-o", str(out)]) == 0
    song, _ = read_midi(out)
    delays = off_16th_delays(song, CLOSED_HAT)
    assert delays
    if swung:  # the file keeps the swing (480 PPQ): 0.55..0.62 -> 0.025..0.06 beats late
        assert all(0.024 <= d <= 0.061 for d in delays)
    else:
        assert all(abs(d) < 1e-6 or abs(d - 1 / 12) < 1e-6 for d in delays)  # grid or shuffle


def test_human_timing_moves_notes_a_little_and_keeps_them_in_their_bar():
    feel = Feel(timing_beats=0.01, velocity=4.0)
    song = generate_song("acid", 16, seed=5, feel=feel)
    plain = generate_song("acid", 16, seed=5)
    moved = [abs(a.start_beats - b.start_beats) for a, b in
             zip(song.track("bass").notes, plain.track("bass").notes)]  # fmt: skip
    assert 0 < max(moved) <= 0.05
    for track in song.tracks:
        by_pitch: dict[int, list[Note]] = {}
        for n in track.notes:
            bar = int(n.start_beats // BEATS_PER_BAR)
            assert n.end_beats <= (bar + 1) * BEATS_PER_BAR + 1e-9
            by_pitch.setdefault(n.pitch, []).append(n)
        for notes in by_pitch.values():
            assert all(a.end_beats <= b.start_beats + 1e-9 for a, b in zip(notes, notes[1:]))


def test_velocities_vary_on_hats_and_acid_bass():
    harmony = progression_harmony(MINOR_LOOP, Key(9, "minor"))
    song = restyle(harmony, "acid", seed=6, bars=16, human=1.0)
    hats = {n.velocity for n in song.track("drums").notes if n.pitch == CLOSED_HAT}
    bass = [n.velocity for n in song.track("bass").notes]
    assert len(hats) > 4 and len(set(bass)) > 4
    assert max(bass) - min(bass) >= 20  # the accents stand out


def test_feel_rejects_values_out_of_range():
    with pytest.raises(DataError, match="feel swing must be in range 0.5..0.75, got 0.9"):
        Feel(swing=0.9)
    with pytest.raises(DataError, match="feel timing_beats"):
        apply_feel([], "drums", Feel(timing_beats=-1.0), None)


# --- POP909 --------------------------------------------------------------------------------------


def write_pop909(folder, chord_lines: list[str]) -> None:
    """A two-second-bar POP909 song (120 BPM): chords, beats, key and a bass line."""
    folder.mkdir(parents=True)
    (folder / "chord_midi.txt").write_text("\n".join(chord_lines) + "\n")
    beats = [f"{0.5 * i} {1.0 - i % 2} {1.0 if i % 4 == 0 else 0.0}" for i in range(17)]
    (folder / "beat_midi.txt").write_text("\n".join(beats) + "\n")
    (folder / "key_audio.txt").write_text("0.0 8.0 C:maj\n")
    bass = [Note(p, 4.0 * i, 3.5, 90) for i, p in enumerate((36, 33, 33, 31))]
    chords = [Note(p, 4.0 * i, 3.5, 70) for i in range(4) for p in (60, 64, 67)]
    song = Song((Track("bass", tuple(bass), 33, 1), Track("chords", tuple(chords), 0, 2)), 120.0)
    write_midi(song, folder / f"{folder.name}.mid")


POP_CHORDS = ["0.0 2.0 C:maj", "2.0 4.0 A:min7", "4.0 6.0 F:maj/3", "6.0 8.0 G:7", "8.0 9.0 N"]


def test_pop909_chord_file_parses(tmp_path):
    write_pop909(tmp_path / "001", POP_CHORDS)
    lines = read_chord_file(tmp_path / "001" / "chord_midi.txt")
    assert [(x.root, x.intervals, x.bass) for x in lines] == [
        (0, (0, 4, 7), None), (9, (0, 3, 7, 10), None), (5, (0, 4, 7), 9),
        (7, (0, 4, 7, 10), None), (None, (), None),
    ]  # fmt: skip
    harmony = pop909_harmony(tmp_path / "001", bass="roots")
    assert harmony.key == Key(0, "major")
    assert [s[0].chord.pitch_classes for s in harmony.bars] == [
        {0, 4, 7}, {9, 0, 4, 7}, {5, 9, 0}, {7, 11, 2, 5}
    ]  # fmt: skip
    assert [s[0].chord.root for s in harmony.bass] == [0, 9, 9, 7]  # F/3: A in the bass


def test_pop909_bass_line_is_the_lowest_voice(tmp_path):
    write_pop909(tmp_path / "002", POP_CHORDS)
    harmony = pop909_harmony(tmp_path / "002", bass="line")
    assert [s[0].chord.root for s in harmony.bass] == [0, 9, 9, 7]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("1.0 2.0 C:blah", "chord label 'C:blah'"),
        ("1.0 C:maj", "want 'START END LABEL'"),
        ("x 2.0 C:maj", "times must be numbers"),
        ("1.0 2.0 H:maj", "note name must be A..G"),
        ("1.0 2.0 C:maj/9", "bass degree must be among"),
        ("3.0 2.0 C:maj", "want 0 <= start <= end"),
    ],
)
def test_a_damaged_chord_line_is_a_one_line_error(tmp_path, line, why):
    write_pop909(tmp_path / "003", ["0.0 1.0 C:maj", line])
    with pytest.raises(DataError) as err:
        pop909_harmony(tmp_path / "003")
    assert "chord_midi.txt:2: " in str(err.value) and why in str(err.value)
    assert "\n" not in str(err.value)


# --- a song's own harmony (MIDI, LMMS) ------------------------------------------------------------


def test_a_songs_chords_come_from_its_pitch_classes():
    chords = [Note(p, 0.0, 4.0, 80) for p in (60, 64, 67)]  # C major
    chords += [Note(p, 4.0, 2.0, 80) for p in (57, 60, 64)]  # A minor
    chords += [Note(p, 6.0, 2.0, 80) for p in (55, 59, 62, 65)]  # G7
    bass = [Note(36, 0.0, 4.0, 90), Note(33, 4.0, 2.0, 90), Note(31, 6.0, 2.0, 90)]
    song = Song((Track("bass", tuple(bass)), Track("chords", tuple(chords))), key=Key(0, "major"))
    harmony = harmony_from_song(song)
    got = [[(s.tick, s.chord.pitch_classes) for s in bar] for bar in harmony.bars]
    assert got == [[(0, {0, 4, 7})], [(0, {9, 0, 4}), (24, {7, 11, 2, 5})]]
    assert [[s.chord.root for s in bar] for bar in harmony.bass] == [[0], [9, 7]]


# --- dataset build -------------------------------------------------------------------------------


def test_data_build_mixes_in_restyled_songs_with_counts(tmp_path):
    progs = tmp_path / "progressions.json"
    progs.write_text(json.dumps({"prog_maj": ["I V vi IV =Hopeful"],
                                 "prog_min": ["i VI III VII =Sad"], "prog_modal": []}))  # fmt: skip
    write_pop909(tmp_path / "pop" / "001", POP_CHORDS)
    rc = main(["data", "build", "--out", str(tmp_path / "d"), "--workers", "1",
               "--restyle-progressions", str(progs), "--restyle-pop909", str(tmp_path / "pop"),
               "--restyle-versions", "2", "--json"])  # fmt: skip
    assert rc == 0
    report = json.loads((tmp_path / "d" / "meta.json").read_text())["report"]
    per_source = {s["name"]: s for s in report["per_source"]}
    assert per_source["restyle-progressions"]["used"] == 4
    assert per_source["restyle-pop909"]["used"] == 2
    assert report["files_skipped"] == 0 and report["tokens_train"] + report["tokens_val"] > 0


def test_restyled_songs_are_deterministic_and_cycle_styles(tmp_path):
    progs = tmp_path / "p.json"
    progs.write_text(json.dumps({"prog_maj": ["I IV =x"], "prog_min": [], "prog_modal": []}))
    a = progression_song(str(progs), 0, "house", 11).song
    assert a == progression_song(str(progs), 0, "house", 11).song
    assert a.style == "house" and a.key.mode == "major"
    cfg = BuildConfig(sources=(), out=str(tmp_path / "o"), restyle_progressions=str(progs),
                      restyle_versions=3, workers=1)  # fmt: skip
    assert [j.style for j in plan_restyle(cfg, [])] == list(STYLES[:3])
    report = build(cfg, show_progress=False)
    assert report["per_source"][0]["used"] == 3
