"""The riff measurement: POP909 riffs cut on the annotated bars, keep and drumify scored with
the shipped model, and the monotone flags of the develop table."""

from __future__ import annotations

from jambridge.evaluation.riff_check import _monotone, drumify_scores, keep_scores
from jambridge.evaluation.riff_sets import NamedRiff, pop909_riffs
from jambridge.music import Key, Note, Song, Track
from jambridge.riff import Riff
from tests.support.midi_factory import Part, write_midi_file


def _pop909_folder(root, number: str = "001"):
    """A song folder: over 12 bars, a melody on the first three beats of each annotated bar
    (the first downbeat is MIDI beat 1, 0.5 s into a 120 BPM file), its beats and its key."""
    folder = root / number
    folder.mkdir()
    melody = [(72 + b, 1.0 + 4 * bar + b, 0.9, 90) for bar in range(12) for b in range(3)]
    write_midi_file(folder / f"{number}.mid", [Part(0, 0, "MELODY", melody)], tempo_bpm=120)
    beats = [f"{0.5 * i:.3f} {float(i % 2)} {1.0 if i % 4 == 1 else 0.0}" for i in range(60)]
    (folder / "beat_midi.txt").write_text("\n".join(beats) + "\n")
    (folder / "key_audio.txt").write_text("0\t30\tC:maj\n")
    return folder


def test_pop909_riffs_start_on_the_annotated_downbeat_in_the_songs_key(tmp_path):
    _pop909_folder(tmp_path)
    (named,) = pop909_riffs(tmp_path, "lead", 3)
    assert named.name == "pop909/001 lead bars 9-10"
    starts = [round(n.start_beats, 6) for n in named.riff.bars[0].track("lead").notes]
    assert starts == [0.0, 1.0, 2.0] and named.riff.key == Key(0, "major")  # not 1, 2, 3


def _riff() -> NamedRiff:
    notes = tuple(Note(p, i * 0.75, 0.5, 100) for i, p in enumerate([57, 60, 64, 62, 60] * 2))
    return NamedRiff("test", Riff.from_song(Song((Track("lead", notes),), key=Key(9))))


def test_keep_scores_find_every_riff_note_in_every_bar_pair():
    scores = keep_scores([_riff()], 6, 1, None, 1.0, True)
    assert scores["recurrence_worst_pair"] == 1.0 and scores["riffs_at_least_95"] == 1.0
    assert scores["other_tracks_in_key"] >= 0.9


def test_drumify_scores_agree_with_the_accents_and_count_four_on_the_floor():
    plain = drumify_scores([_riff()], 4, 1, None)
    assert plain["accent_f1_mean"] >= 0.8 and plain["four_on_the_floor_bars"] == 0.0
    assert drumify_scores([_riff()], 4, 1, None, four=True)["four_on_the_floor_bars"] == 1.0


def test_the_monotone_flags_catch_a_rise():
    table = [{"rhythm_f1": f, "pitch_class_overlap": p} for f, p in ((1, 1), (0.5, 1), (0.6, 1))]
    flags = _monotone(table)
    assert not flags["rhythm_f1_never_rises"] and flags["rhythm_f1_falls"]
    assert flags["pitch_class_overlap_never_rises"] and not flags["pitch_class_overlap_falls"]
