"""Riff modes as a library: keep loops the riff exactly (quantized by an amount) while the model
answers it, develop varies it less or more with the amount and comes back every N bars,
drumify locks kick and snare to the riff's accents. The model is the shipped one."""

from __future__ import annotations

import numpy as np
import pytest

from jambridge.errors import DataError
from jambridge.evaluation.metrics import four_on_the_floor
from jambridge.music import BEATS_PER_BAR, GRID_PER_BEAT, Bar, Key, Note, Song, Track
from jambridge.preset import load_preset
from jambridge.prompt import load_prompt
from jambridge.riff import KINDS, ModelBars, Riff, RiffPlayer, RiffSettings, SongBars, riff_song
from jambridge.riff.accents import accents
from jambridge.riff.drums import KICK, drum_track, locked_notes
from jambridge.riff.similarity import onset_f1, onset_slots, pitch_class_overlap
from jambridge.riff.variation import vary
from tests.support.midi_factory import Part, write_midi_file

A_MINOR = Key(9, "minor")
BASS = [45, 48, 52, 45, 43, 45, 50, 48]  # A C E A G A D C


def _bass_riff() -> Riff:
    """Two bars of an A-minor 8th-note bass line played a little late now and then."""
    notes = [
        Note(p, i * 0.5 + (0.03 if i % 3 == 1 else 0.0), 0.4, 110 if i % 4 == 0 else 85)
        for i, p in enumerate(BASS * 2)
    ]
    song = Song((Track("bass", tuple(notes)),), 128.0, key=A_MINOR)
    return Riff.from_song(song)


def _lead_riff() -> Riff:
    """A syncopated two-bar lead riff (long notes on the offbeats)."""
    spec = [(69, 0.0, 0.75), (72, 0.75, 0.5), (76, 1.5, 1.0), (74, 2.75, 0.25), (72, 3.5, 0.5),
            (69, 4.0, 0.5), (67, 4.75, 0.75), (69, 5.5, 1.5), (64, 7.25, 0.5)]  # fmt: skip
    notes = tuple(Note(p, s, d, 100) for p, s, d in spec)
    return Riff.from_song(Song((Track("lead", notes),), 124.0, key=A_MINOR))


def _play(riff: Riff, settings: RiffSettings, bars: int = 8, seed: int = 3) -> list[Bar]:
    preset = load_preset("techno")
    source = ModelBars.open(preset, ("drums", "bass", "chords", "lead"), seed)
    return riff_song(source, riff, settings, bars, seed, A_MINOR).bars()


def _key(n: Note) -> tuple:
    return (n.pitch, n.start_beats, n.duration_beats, n.velocity)


def test_keep_plays_the_riff_as_played_in_every_bar():
    riff = _bass_riff()
    for i, bar in enumerate(_play(riff, RiffSettings())):
        want = [_key(n) for n in riff.bar(i).track("bass").notes]
        assert [_key(n) for n in bar.track("bass").notes] == want


def test_keep_other_tracks_answer_the_riff_in_its_key():
    bars = _play(_bass_riff(), RiffSettings())
    pitched = [n for b in bars for r in ("chords", "lead") for n in b.track(r).notes]
    assert len(pitched) >= 16 and any(b.track("drums").notes for b in bars)
    assert sum(n.pitch % 12 in A_MINOR.pitch_classes for n in pitched) / len(pitched) >= 0.9


def test_quantize_zero_keeps_the_riff_as_played():
    riff = _bass_riff()
    assert riff.quantized(0.0).bars == riff.bars


def test_quantize_one_puts_every_onset_on_the_16th_grid_and_keeps_the_notes():
    riff, q = _bass_riff(), _bass_riff().quantized(1.0)
    starts = [n.start_beats for b in q.bars for n in b.track("bass").notes]
    assert all(abs(s * 4 - round(s * 4)) < 1e-9 for s in starts)
    assert [n.pitch for b in q.bars for n in b.track("bass").notes] == BASS * 2
    assert any(s % 0.25 for b in riff.bars for s in (n.start_beats for n in b.tracks[0].notes))


def test_quantize_half_moves_each_onset_half_way():
    q = _bass_riff().quantized(0.5)
    assert q.bars[0].track("bass").notes[1].start_beats == pytest.approx(0.515)


def test_a_note_quantized_past_the_riffs_end_starts_it():
    late = Song((Track("bass", (Note(45, 0.0, 0.5, 100), Note(43, 7.9, 0.1, 100))),))
    q = Riff.from_song(late, bars=2).quantized(1.0)
    assert [n.pitch for n in q.bars[0].track("bass").notes] == [43, 45]
    assert not q.bars[1].track("bass").notes


def test_a_prompt_riff_keeps_its_timing_and_drops_a_ringing_silent_bar(tmp_path):
    notes = [(45, 0.02, 0.4, 100), (48, 1.5, 0.4, 90), (52, 4.0, 5.0, 100)]  # rings into bar 3
    prompt = load_prompt(write_midi_file(tmp_path / "r.mid", [Part(1, 38, "Bass", notes)]))
    riff = Riff.from_prompt(prompt)
    assert riff.length_bars == 2 and len(prompt.bars) == 3
    assert riff.bars[0].track("bass").notes[0].start_beats == pytest.approx(0.02, abs=1e-3)


def test_develop_returns_to_the_riff_exactly_every_n_bars():
    riff = _bass_riff()
    settings = RiffSettings("develop", 1.0, "free", return_every=4)
    bars = _play(riff, settings, bars=10)
    for i, bar in enumerate(bars):
        same = [_key(n) for n in bar.track("bass").notes] == [
            _key(n) for n in riff.bar(i).track("bass").notes
        ]
        assert same == (i % 4 < 2), i


@pytest.mark.parametrize("kind", KINDS)
def test_develop_moves_further_from_the_riff_as_the_amount_rises(kind):
    rhythm, pitch = [], []
    for amount in (0.0, 0.25, 0.5, 0.75, 1.0):
        f1s, overlaps = [], []
        for riff in (_bass_riff(), _lead_riff()):
            settings = RiffSettings("develop", amount, kind, return_every=4)
            for i, bar in enumerate(_play(riff, settings, bars=8, seed=5)):
                if i % 4 >= 2:
                    a, b = riff.bar(i).track(riff.role), bar.track(riff.role)
                    f1s.append(onset_f1(onset_slots(a.notes), onset_slots(b.notes)))
                    overlaps.append(pitch_class_overlap(a, b))
        rhythm.append(np.mean(f1s))
        pitch.append(np.mean(overlaps))
    assert all(b <= a + 1e-9 for a, b in zip(rhythm, rhythm[1:])), rhythm
    assert all(b <= a + 1e-9 for a, b in zip(pitch, pitch[1:])), pitch
    if kind in ("notes", "free"):
        assert rhythm[-1] < 0.5 < rhythm[0]
    if kind in ("rhythm", "free"):
        assert pitch[-1] < 0.5 < pitch[0]


def test_vary_rhythm_keeps_every_onset_and_notes_keeps_every_pitch():
    track = _bass_riff().bars[0].track("bass")
    rng = np.random.default_rng(1)
    same_rhythm = vary(track, None, 1.0, "rhythm", A_MINOR, rng)
    assert [n.start_beats for n in same_rhythm.notes] == [n.start_beats for n in track.notes]
    assert not {n.pitch % 12 for n in same_rhythm.notes} & {n.pitch % 12 for n in track.notes}
    assert {n.pitch % 12 for n in same_rhythm.notes} <= A_MINOR.pitch_classes
    same_notes = vary(track, None, 1.0, "notes", A_MINOR, np.random.default_rng(1))
    assert sorted(n.pitch for n in same_notes.notes) == sorted(n.pitch for n in track.notes)
    assert onset_slots(same_notes.notes) != onset_slots(track.notes)


def test_vary_at_amount_zero_is_the_riff_and_a_seed_repeats_it():
    track = _lead_riff().bars[0].track("lead")
    assert vary(track, None, 0.0, "free", A_MINOR, np.random.default_rng(0)) == track
    a = vary(track, None, 0.6, "free", A_MINOR, np.random.default_rng(7))
    assert a == vary(track, None, 0.6, "free", A_MINOR, np.random.default_rng(7))


def test_accents_of_an_even_8th_line_are_the_beats():
    riff = Song((Track("bass", tuple(Note(45, i / 2, 0.4, 100) for i in range(8))),))
    assert accents(riff.tracks[0].notes) == (0, 4, 8, 12)


@pytest.mark.parametrize("make", [_bass_riff, _lead_riff])
def test_drumify_locks_kick_and_snare_to_the_riffs_accents(make):
    riff = make()
    bars = _play(riff, RiffSettings(drumify=True))
    for bar in bars:
        marks = accents(bar.track(riff.role).notes)
        locked = onset_slots(locked_notes(bar.track("drums")))
        assert onset_f1(marks, locked) >= 0.8
        assert len(bar.track("drums").notes) > len(locked_notes(bar.track("drums")))  # a kit


def test_drumify_plays_four_on_the_floor_only_when_asked():
    riff = _lead_riff()
    for four in (False, True):
        bars = _play(riff, RiffSettings(drumify=True, four_on_the_floor=four), bars=4)
        kicks = [
            [
                round(n.start_beats * GRID_PER_BEAT)
                for n in b.track("drums").notes
                if n.pitch == KICK
            ]
            for b in bars
        ]
        assert all(four_on_the_floor(k) == four for k in kicks)


def test_drumify_without_an_engine_kit_plays_hats_by_rule():
    drums = drum_track(_bass_riff().bars[0].track("bass"))
    assert sum(n.pitch == 42 for n in drums.notes) == 8


def test_continue_plays_the_riff_once_then_the_model_carries_on():
    riff = _bass_riff()
    bars = _play(riff, RiffSettings("continue"), bars=6)
    assert [_key(n) for n in bars[1].track("bass").notes] == [
        _key(n) for n in riff.bars[1].track("bass").notes
    ]
    later = [[_key(n) for n in b.track("bass").notes] for b in bars[2:]]
    assert all(bar for bar in later)
    assert any(bar != [_key(n) for n in riff.bar(i).track("bass").notes]
               for i, bar in enumerate(later))  # fmt: skip


def test_the_procedural_engine_develops_a_riff_too():
    from jambridge.procedural import generate_song

    song = generate_song("techno", 8, 1, A_MINOR, roles=("drums", "bass", "chords"))
    riff = _bass_riff()
    settings = RiffSettings("develop", 0.75, "rhythm", return_every=4)
    player = RiffPlayer(SongBars(song), riff, settings, seed=2)
    bars = [player.next_bar() for _ in range(4)]
    assert bars[0].track("bass") == riff.bars[0].track("bass")
    assert bars[2].track("bass") != riff.bars[0].track("bass")
    assert bars[2].track("chords") == song.bars()[2].track("chords")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RiffSettings("loop"), "riff mode must be one of keep, develop, continue"),
        (lambda: RiffSettings(amount=1.5), "riff amount must be in range 0..1"),
        (lambda: RiffSettings(quantize=-0.1), "riff quantize must be in range 0..1"),
        (lambda: RiffSettings(kind="pitch"), "riff kind must be one of rhythm, notes, free"),
        (lambda: RiffSettings("develop", return_every=2).period(2), "must be longer than"),
        (lambda: RiffPlayer(SongBars(Song()), Riff.from_song(
            Song((Track("drums", (Note(36, 0, 0.25, 100),)),))), RiffSettings(drumify=True)),
         "this riff has drums of its own"),
        (lambda: Riff.from_song(Song((Track("bass", (Note(40, 0, 1, 90),)),)), ["lead"]),
         "the song has no lead to take"),
    ],
)  # fmt: skip
def test_settings_that_cannot_work_are_one_line_errors(make, message):
    with pytest.raises(DataError) as err:
        make()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_riff_bar_index_counts_cyclically():
    riff = _bass_riff()
    assert riff.bar(5) == riff.bars[1] and riff.length_bars == 2
    assert all(0 <= n.start_beats < BEATS_PER_BAR for b in riff.bars for n in b.tracks[0].notes)
