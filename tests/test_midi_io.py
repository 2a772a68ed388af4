"""midi_io: real-world-shaped files in (built byte by byte in tmp_path), type-1 files out."""

from __future__ import annotations

import io
import struct

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jambridge.errors import DataError
from jambridge.midi_io import (
    MAX_SONG_BEATS,
    MIN_NOTE_BEATS,
    WRITE_PPQ,
    midi_bytes_to_song,
    read_midi,
    song_to_midi_bytes,
    tiles_4_4,
    write_midi,
)
from jambridge.music import Key, Note, Song, Track
from jambridge.roles import RoleConfig
from tests.support.damage import flips, mangled, reads_or_names_the_file
from tests.support.midi_factory import Part, header_chunk, midi_bytes, write_midi_file, write_raw

KICKS = [(36, float(b), 0.25, 110) for b in range(8)]
BASS_LINE = [(36 + (i % 3), i * 0.5 + 0.25, 0.25, 90) for i in range(16)]
PAD = [(p, 0.0, 4.0, 70) for p in (60, 63, 67)] + [(p, 4.0, 4.0, 70) for p in (58, 62, 65)]
MELODY = [(72 + (i % 5), i * 1.0, 0.75, 100) for i in range(8)]

FOUR_PARTS = [
    Part(9, None, "Drums", KICKS),
    Part(1, 33, "Bass", BASS_LINE),
    Part(2, 89, "Pad", PAD),
    Part(3, 81, "Lead", MELODY),
]


def _beats(track: Track) -> list[tuple[int, float, float, int]]:
    return [(n.pitch, n.start_beats, n.duration_beats, n.velocity) for n in track.notes]


def _sorted(notes) -> list[tuple[int, float, float, int]]:
    return sorted(notes, key=lambda n: (n[1], n[0]))


def test_type1_file_reads_one_track_per_role_with_names_programs_channels(tmp_path):
    path = write_midi_file(tmp_path / "four.mid", FOUR_PARTS, tempo_bpm=128.0)
    song, report = read_midi(path)
    assert song.roles == ("drums", "bass", "chords", "lead")
    assert [(t.name, t.program, t.channel) for t in song.tracks] == [
        ("Drums", 0, 9),
        ("Bass", 33, 1),
        ("Pad", 89, 2),
        ("Lead", 81, 3),
    ]
    assert _beats(song.track("bass")) == _sorted(BASS_LINE)
    assert _beats(song.track("chords")) == _sorted(PAD)
    assert song.tempo_bpm == 128.0 and song.name == "four"
    assert report.file_type == 1 and report.track_count == 5 and report.ticks_per_beat == 480
    assert report.notes_kept == 8 + 16 + 6 + 8 and report.notes_dropped == 0
    assert report.role_sources["bass"] == ("track 2 'Bass' ch 2 program 33",)
    assert report.dropped == (("track 0", "no notes"),)  # the conductor track


def test_type0_file_is_split_by_channel_and_its_name_is_no_hint(tmp_path):
    melody_on_piano = Part(4, 0, "", MELODY)
    parts = [Part(9, None, "", KICKS), Part(1, 33, "", BASS_LINE), melody_on_piano]
    path = write_midi_file(tmp_path / "t0.mid", parts, file_type=0, song_name="Bass Heavy")
    song, report = read_midi(path)
    assert report.file_type == 0 and report.track_count == 1 and len(report.sources) == 3
    assert song.roles == ("drums", "bass", "lead")  # "Bass Heavy" did not make the melody bass
    assert song.track("lead").channel == 4


@pytest.mark.parametrize("ppq", [96, 480, 960, 1000])
def test_odd_ppq_gives_the_same_beats(tmp_path, ppq):
    path = write_midi_file(tmp_path / f"p{ppq}.mid", FOUR_PARTS, ppq=ppq)
    song, report = read_midi(path)
    assert report.ticks_per_beat == ppq
    assert _beats(song.track("lead")) == _sorted(MELODY)
    assert _beats(song.track("drums")) == _sorted(KICKS)


def test_tempo_changes_are_kept_in_beats_and_repeats_dropped(tmp_path):
    changes = [(8.0, 140.0), (12.0, 140.0), (14.0, 90.0), (99.0, 60.0)]  # 99: after the music
    long_kicks = [(36, float(b), 0.25, 110) for b in range(16)]
    path = write_midi_file(
        tmp_path / "t.mid", [Part(9, None, "", long_kicks)], tempo_bpm=125.0, tempo_changes=changes
    )
    song, _ = read_midi(path)
    assert song.tempo_bpm == 125.0
    assert song.tempo_changes == ((8.0, 140.0), (14.0, 90.0))


def test_no_tempo_event_means_120_bpm(tmp_path):
    path = write_midi_file(tmp_path / "t.mid", FOUR_PARTS[:1], tempo_bpm=None)
    assert read_midi(path)[0].tempo_bpm == 120.0


@pytest.mark.parametrize(
    ("sharps_minor", "key"),
    [
        ((-3, 1), Key(0, "minor")),
        ((0, 1), Key(9, "minor")),
        ((2, 0), Key(2, "major")),
        ((-7, 0), Key(11, "major")),
        ((6, 1), Key(3, "minor")),
    ],
)
def test_key_signature_becomes_song_key(tmp_path, sharps_minor, key):
    path = write_midi_file(tmp_path / "k.mid", FOUR_PARTS, key=sharps_minor)
    assert read_midi(path)[0].key == key


def test_no_key_signature_means_no_key(tmp_path):
    assert read_midi(write_midi_file(tmp_path / "k.mid", FOUR_PARTS))[0].key is None


def test_zero_length_notes_get_the_minimal_length(tmp_path):
    notes = [(38, 0.0, 0.0, 100), (38, 1.0, 0.5, 100)]
    path = write_midi_file(tmp_path / "z.mid", [Part(9, None, "", notes)])
    song, report = read_midi(path)
    assert _beats(song.track("drums")) == [
        (38, 0.0, pytest.approx(MIN_NOTE_BEATS), 100),
        (38, 1.0, 0.5, 100),
    ]
    assert report.notes_lengthened == 1


def test_overlapping_identical_notes_are_trimmed_and_duplicates_dropped(tmp_path):
    notes = [(60, 0.0, 2.0, 80), (60, 1.0, 2.0, 90), (64, 0.0, 1.0, 80), (64, 0.0, 0.5, 70)]
    path = write_midi_file(tmp_path / "o.mid", [Part(0, 89, "Pad", notes)])
    song, report = read_midi(path)
    assert _beats(song.track("chords")) == [
        (60, 0.0, 1.0, 80),
        (64, 0.0, 1.0, 80),
        (60, 1.0, 2.0, 90),
    ]
    assert report.drop_reasons == {"duplicate (same pitch and onset)": 1}
    assert report.notes_dropped == 1 and report.notes_kept == 3


def test_velocity0_note_offs_pair_like_note_offs(tmp_path):
    path = write_midi_file(tmp_path / "v.mid", FOUR_PARTS, note_off="velocity0")
    assert _beats(read_midi(path)[0].track("bass")) == _sorted(BASS_LINE)


def test_note_on_without_note_off_is_dropped_and_counted(tmp_path):
    data = bytearray(midi_bytes([Part(9, None, "", [(36, 0.0, 1.0, 100)])]))
    body = bytes([0x00, 0x99, 38, 100])  # one more note-on, never ended, before end-of-track
    eot = data.rindex(b"\xff\x2f\x00") - 1
    data[eot:eot] = body
    size_at = data.rindex(b"MTrk") + 4
    data[size_at : size_at + 4] = struct.pack(">L", len(data) - size_at - 4)
    song, report = read_midi(write_raw(tmp_path / "u.mid", bytes(data)))
    assert song.note_count() == 1
    assert report.drop_reasons == {"note-on without note-off": 1}


def test_non_4_4_meter_is_read_as_beats_and_flagged(tmp_path):
    path = write_midi_file(tmp_path / "m.mid", FOUR_PARTS, meters=[(0.0, 6, 8), (6.0, 4, 4)])
    song, report = read_midi(path)
    assert _beats(song.track("lead")) == _sorted(MELODY)
    assert not report.is_4_4
    assert report.time_signatures == ((0.0, "6/8"), (6.0, "4/4"))
    assert report.warnings == ("6/8 at beat 0 read as 4/4 beats",)


@pytest.mark.parametrize(
    ("meter", "tiles"),
    [
        ((4, 4), True),
        ((2, 4), True),
        ((1, 4), True),
        ((2, 2), True),
        ((8, 4), True),
        ((3, 4), False),
        ((6, 8), False),
        ((5, 4), False),
        ((12, 8), False),
        ((3, 8), False),
    ],
)
def test_meters_that_tile_four_four_are_not_flagged(tmp_path, meter, tiles):
    assert tiles_4_4(*meter) == tiles
    path = write_midi_file(tmp_path / "m.mid", FOUR_PARTS, meters=[(0, *meter)])
    _, report = read_midi(path)
    assert report.is_4_4 == tiles and bool(report.warnings) != tiles


def test_groove_style_file_gives_drums_only(tmp_path):
    path = write_midi_file(tmp_path / "g.mid", [Part(9, None, "MIDI", KICKS)], file_type=0)
    song, _ = read_midi(path)
    assert song.roles == ("drums",)


def test_pop909_style_file_gets_a_bass_from_the_piano(tmp_path):
    left_hand = [(36 + (b % 2) * 5, float(b), 1.0, 70) for b in range(16)]
    right_hand = [(p, float(b), 1.0, 70) for b in range(16) for p in (60, 64, 67)]
    parts = [
        Part(0, 0, "MELODY", MELODY),
        Part(1, 0, "BRIDGE", [(79, 0.5, 0.5, 60)]),
        Part(2, 0, "PIANO", left_hand + right_hand),
    ]
    song, report = read_midi(write_midi_file(tmp_path / "909.mid", parts, meters=[(0, 2, 4)]))
    assert song.roles == ("bass", "chords", "lead")
    assert _beats(song.track("bass")) == _sorted(left_hand)
    assert report.bass_split_notes == 16
    assert len({t.channel for t in song.tracks}) == 3
    song, _ = read_midi(tmp_path / "909.mid", RoleConfig(split_bass=False))
    assert song.roles == ("chords", "lead")


def test_a_riff_wrapped_rmid_file_is_read(tmp_path):
    smf = midi_bytes(FOUR_PARTS)
    riff = b"RIFF" + struct.pack("<L", len(smf) + 12) + b"RMIDdata" + struct.pack("<L", len(smf))
    song, _ = read_midi(write_raw(tmp_path / "r.rmi", riff + smf))
    assert song.roles == ("drums", "bass", "chords", "lead")


def test_a_huge_delta_on_end_of_track_only_is_harmless(tmp_path):
    path = write_midi_file(tmp_path / "e.mid", FOUR_PARTS, end_tick=480 * 10**7)
    song, _ = read_midi(path)
    assert song.length_bars == 2


# --- bad input: always a DataError that names the file and the problem ---------------------

GOOD = midi_bytes(FOUR_PARTS)
BAD_FILES = {
    "empty": (b"", "empty file"),
    "garbage": (bytes(range(7, 250)) * 3, "not a MIDI file"),
    "text": (b"hello, this is not midi at all", "not a MIDI file"),
    "truncated header": (GOOD[:10], "truncated header"),
    "truncated track": (GOOD[: len(GOOD) - 40], "truncated"),
    "division 0": (midi_bytes(FOUR_PARTS, division=0), "division 0"),
    "smpte": (midi_bytes(FOUR_PARTS, division=0xE728), "SMPTE"),  # -25 fps, 40 ticks/frame
    "type 2": (midi_bytes(FOUR_PARTS, file_type=2), "type-2 (sequential patterns) not supported"),
    "type 7": (midi_bytes(FOUR_PARTS, file_type=7), "unknown MIDI file type 7"),
    "no tracks": (header_chunk(1, 0, 480), "0 tracks"),
    "no notes": (midi_bytes([Part(0, 0, "Empty", [])]), "no notes"),
    "only sound effects": (midi_bytes([Part(0, 122, "Surf", MELODY)]), "no usable notes"),
    "bad status byte": (GOOD[:40] + b"\x00\xf4\x00" + GOOD[43:], "corrupt MIDI data"),
    "huge delta": (
        midi_bytes([Part(9, None, "", [(36, 0.0, 0.25, 100), (36, 1e7, 0.25, 100)])], ppq=96),
        f"beyond the 10000-bar limit ({MAX_SONG_BEATS} beats)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_raise_a_data_error_naming_file_and_problem(tmp_path, case):
    data, problem = BAD_FILES[case]
    path = write_raw(tmp_path / "bad.mid", data)
    with pytest.raises(DataError) as err:
        read_midi(path)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_missing_file_and_directory_raise_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_midi(tmp_path / "nope.mid")
    with pytest.raises(DataError, match="cannot read"):
        read_midi(tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=len(GOOD)),
    changes=flips(len(GOOD)),
)
def test_mangled_files_only_ever_raise_data_error(cut, changes):
    reads_or_names_the_file(midi_bytes_to_song, mangled(GOOD, changes, cut), "mangled.mid")


# --- writing -------------------------------------------------------------------------------


def _song() -> Song:
    def notes(specs):
        return tuple(Note(*s) for s in specs)

    tracks = (
        Track("drums", notes(KICKS), program=25, channel=9, name="808 Kit"),
        Track("bass", notes(BASS_LINE), program=38, channel=1, name="Acid Bass"),
        Track("chords", notes(PAD), program=89, channel=5, name="Warm Pad"),
        Track("lead", notes([(72, 1 / 3, 1 / 6, 99), (75, 2 / 3, 0.1, 98)]), 81, 3, "Saw"),
    )
    return Song(tracks, tempo_bpm=132.0, tempo_changes=((4.0, 140.0),), key=Key(9, "minor"))


def test_round_trip_keeps_notes_tempo_names_programs_channels_key(tmp_path):
    song = _song()
    write_midi(song, tmp_path / "rt.mid")
    back, report = read_midi(tmp_path / "rt.mid")
    assert report.file_type == 1 and report.ticks_per_beat == WRITE_PPQ
    assert back.tempo_bpm == 132.0 and back.tempo_changes == ((4.0, 140.0),)
    assert back.key == Key(9, "minor")
    for want, got in zip(song.tracks, back.tracks, strict=True):
        assert (got.role, got.name, got.program, got.channel) == (
            want.role,
            want.name,
            want.program,
            want.channel,
        )
        assert len(got.notes) == len(want.notes)
        for a, b in zip(want.notes, got.notes, strict=True):
            assert (a.pitch, a.velocity) == (b.pitch, b.velocity)
            assert abs(a.start_beats - b.start_beats) <= 0.5 / WRITE_PPQ
            assert abs(a.end_beats - b.end_beats) <= 1 / WRITE_PPQ


def test_written_file_is_type1_with_tempo_track_and_drums_on_channel_10(tmp_path):
    song = _song()
    drums = song.track("drums")
    song = Song((Track("drums", drums.notes, channel=3, name=""),), tempo_bpm=100.0)
    midi = mido.MidiFile(file=io.BytesIO(song_to_midi_bytes(song)))
    assert midi.type == 1 and midi.ticks_per_beat == WRITE_PPQ and len(midi.tracks) == 2
    conductor = [m.type for m in midi.tracks[0]]
    assert "set_tempo" in conductor and "note_on" not in conductor
    channels = {m.channel for m in midi.tracks[1] if not m.is_meta}
    assert channels == {9}
    assert midi.tracks[1].name == "Drums"  # the role's default name when the track has none


def test_write_midi_and_bytes_agree(tmp_path):
    write_midi(_song(), tmp_path / "a.mid")
    assert (tmp_path / "a.mid").read_bytes() == song_to_midi_bytes(_song())


def test_write_to_a_missing_folder_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot write"):
        write_midi(_song(), tmp_path / "no" / "such" / "dir.mid")
